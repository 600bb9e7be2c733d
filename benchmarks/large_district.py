"""Issue 17 at a million results, on SQLite and PostgreSQL: seeding the large district, paging, filters, snapshots.

What this measures, on the district ``fixtures/districts/large.yaml`` generates (1.44 million documents, 1,000,000
of them results):

- ``mock-ic seed --recipe large`` as a user runs it (a child process): its time and peak RSS;
- p50/p99 of an indexed page (``class.sourcedId``), of filtered pages (a ``dateLastModified>`` delta of the last
  day, ``scoreStatus='exempt'``), of a cold page at offset 900,000 (nothing remembered: the seek), each through
  ``listing.read_page`` as the API calls it;
- a sequential walk of all results with limit=1,000 (keyset continuation), and how each page was found;
- the same walk in one thread while the main thread PUTs results in place without pause (``documents.put`` in a
  write transaction, the handler's store work): the walk's time and pages by how they were found (an update in
  place keeps the keyset: ``store/kind_versions.py``), and the PUTs' count and p50/p99;
- snapshot and restore time, and this process's peak RSS after them.

    .venv/bin/python benchmarks/large_district.py --json benchmarks/results/issue-17.json
    .venv/bin/python benchmarks/large_district.py --results 100000 --databases sqlite     # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mock_ic.control import seed as seed_module  # noqa: E402
from mock_ic.control import state  # noqa: E402
from mock_ic.oneroster import query  # noqa: E402
from mock_ic.store import documents, listing  # noqa: E402
from mock_ic.store.engine import Database  # noqa: E402
from mock_ic.store.tables import TABLES  # noqa: E402

TENANT = "large"


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def seed(url: str, results: int) -> dict[str, Any]:
    """``mock-ic seed --recipe large`` (with ``results`` results) into ``url``, as a child process: seconds and the
    child's peak RSS (the largest child this process waited for: the only one)."""
    recipe = seed_module.load_recipe("large")
    source = "large"
    if results != recipe.results:
        source = str(Path(tempfile.mkdtemp(prefix="mock-ic-recipe-")) / "large.yaml")
        Path(source).write_text(json.dumps(seed_module.stored_form(source, recipe) | {"results": results}))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mock_ic.cli", "seed", "--recipe", source, "--tenant", TENANT,
                    "--database", url], check=True, stdout=subprocess.DEVNULL)
    return {"seed_s": round(time.perf_counter() - started, 1),
            "seed_peak_rss_mib": round(peak_rss_mib(resource.RUSAGE_CHILDREN))}


def page(db: Database, *, limit: int = 100, offset: int = 0, filter_text: str | None = None) -> listing.Page:
    condition = query.filter_clause("results", filter_text, "1.2") if filter_text else None
    with db.read() as conn:
        return listing.read_page(conn, TENANT, "results", (), filter_=condition, limit=limit, offset=offset)


def timed(samples: int, call: Any, *, cold: bool = False) -> dict[str, float]:
    times = []
    for _ in range(samples):
        if cold:
            listing.MEMORY.clear()
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[min(len(times) - 1,
                                                                                    int(len(times) * 0.99))], 2)}


def walk(db: Database, limit: int = 1_000) -> dict[str, Any]:
    """Every result, a page of ``limit`` after the other as a client walks them: seconds, rows, pages by how the
    store found them (``listing.Page.read_by``)."""
    listing.MEMORY.clear()
    started, offset, seen, read_by = time.perf_counter(), 0, 0, Counter[str]()
    while True:
        found = page(db, limit=limit, offset=offset)
        read_by[found.read_by] += 1
        if not found.texts:
            return {"s": round(time.perf_counter() - started, 2), "rows": seen, "pages_by": dict(read_by)}
        seen += len(found.texts)
        offset += limit


def puts_during_walk(db: Database, count: int) -> dict[str, Any]:
    """A walk in another thread while this one PUTs results in place, one after the other, until it ends."""
    rng = random.Random(5)
    with db.read() as conn:  # a thousand results to rewrite: their scores change, their places do not
        rewritten = [orjson.loads(text) for text in conn.execute(sa.select(TABLES["results"].c.doc).where(
            TABLES["results"].c.tenant == TENANT).order_by(sa.func.random()).limit(1_000)).scalars()]
    walked: dict[str, Any] = {}
    walker = threading.Thread(target=lambda: walked.update(walk(db)), daemon=True)
    walker.start()
    times = []
    while walker.is_alive():
        doc = dict(rng.choice(rewritten), score=float(rng.randrange(101)), scoreStatus="fully graded")
        doc["dateLastModified"] = documents.now_stamp()
        started = time.perf_counter()
        with db.write() as conn:
            documents.put(conn, TENANT, "results", doc, exists=True)
        times.append((time.perf_counter() - started) * 1000)
    walker.join()
    times.sort()
    return {"walk": walked, "puts": len(times), "p50_ms": round(statistics.median(times), 2),
            "p99_ms": round(times[int(len(times) * 0.99)], 2)}


def run(kind: str, url: str, count: int, samples: int) -> dict[str, Any]:
    db = Database(url)
    db.create_schema()
    out: dict[str, Any] = {"database": kind, "results": count, **seed(url, count)}
    with db.read() as conn:
        results = TABLES["results"]
        klass = conn.execute(sa.select(TABLES["classes"].c.sourced_id).where(TABLES["classes"].c.tenant == TENANT)
                             .order_by(TABLES["classes"].c.sourced_id).limit(1)).scalar_one()
        latest = conn.execute(sa.select(sa.func.max(results.c.date_last_modified))
                              .where(results.c.tenant == TENANT)).scalar_one()
    day_before = (datetime.fromisoformat(latest[:10]) - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    deep = min(900_000, count - 1_000)
    out["indexed_page"] = timed(samples, lambda: page(db, filter_text=f"class.sourcedId='{klass}'"))
    out["filtered_page_delta"] = timed(samples, lambda: page(db, filter_text=f"dateLastModified>'{day_before}'"))
    out["filtered_page_exempt"] = timed(samples, lambda: page(db, filter_text="scoreStatus='exempt'"))
    out[f"cold_page_offset_{deep}"] = timed(samples, lambda: page(db, offset=deep), cold=True)
    walked = walk(db)
    out["walk_limit_1000_s"], out["walk_pages_by"] = walked["s"], walked["pages_by"]
    assert walked["rows"] == count, (walked, count)
    out["put_during_walk"] = during = puts_during_walk(db, count)
    assert during["walk"]["rows"] == count, (during, count)
    started = time.perf_counter()
    saved = state.save_snapshot(db, TENANT, "bench")
    out["snapshot_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    restored = state.restore_snapshot(db, TENANT, "bench")
    out["restore_s"] = round(time.perf_counter() - started, 1)
    assert saved["documents"] == restored > count
    out["peak_rss_mib"] = round(peak_rss_mib())
    db.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
                              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": []}
    for kind in args.databases:
        if kind == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp(prefix='mock-ic-large-')}/large.db"
            report["runs"].append(run(kind, url, args.results, args.samples))
        else:
            from tests import postgres_cluster

            cluster = postgres_cluster.start()
            try:
                report["runs"].append(run(kind, cluster.database("large"), args.results, args.samples))
            finally:
                cluster.stop()
        print(json.dumps(report["runs"][-1], indent=1), flush=True)
    report["machine"]["load_after"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
