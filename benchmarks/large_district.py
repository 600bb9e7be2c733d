"""Issue 17 at a million results, on SQLite and PostgreSQL: the store's paging, filters and snapshots.

What this measures today (the streaming seeder of ``fixtures/districts/large.yaml`` is not built yet, so the
results are synthetic rows bulk-loaded through ``documents.bulk_load``, as a CSV import or a restore loads them):

- load time and peak RSS of the benchmark process;
- p50/p99 of an indexed page (``class.sourcedId``), of filtered pages (``dateLastModified>`` delta,
  ``scoreStatus='exempt'``), of a cold page at offset 900,000 (nothing remembered: the seek), each through
  ``listing.read_page`` as the API calls it;
- a sequential walk of all results with limit=1,000 (keyset continuation), and how each page was found;
- the same walk in one thread while the main thread PUTs results in place without pause (``documents.put`` in a
  write transaction, the handler's store work): the walk's time and pages by how they were found (an update in
  place keeps the keyset: ``store/kind_versions.py``), and the PUTs' count and p50/p99;
- snapshot and restore time, and the peak RSS after them.

    .venv/bin/python benchmarks/large_district.py --results 1000000 --json benchmarks/results/issue-17.json
    .venv/bin/python benchmarks/large_district.py --results 100000 --databases sqlite     # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mock_ic.control import state  # noqa: E402
from mock_ic.oneroster import query  # noqa: E402
from mock_ic.store import documents, listing  # noqa: E402
from mock_ic.store.engine import Database  # noqa: E402

TENANT = "large"
STATUSES = ("fully graded", "exempt", "not submitted", "partially graded")
CLASSES, STUDENTS, LINE_ITEMS = 2_500, 50_000, 10_000


def result(n: int, rng: random.Random) -> dict[str, Any]:
    line_item = n % LINE_ITEMS
    return {"sourcedId": f"r{n:08d}", "status": "active",
            "dateLastModified": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00.000Z",
            "lineItem": {"sourcedId": f"li-{line_item}"}, "student": {"sourcedId": f"s-{n % STUDENTS}"},
            "class": {"sourcedId": f"c-{line_item % CLASSES}"}, "score": float(rng.randrange(0, 101)),
            "scoreStatus": STATUSES[rng.randrange(len(STATUSES))], "scoreDate": "2026-10-01"}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(db: Database, count: int) -> float:
    rng = random.Random(17)
    started = time.perf_counter()
    with db.write() as conn:
        for start in range(0, count, 50_000):
            documents.bulk_load(conn, TENANT, {"results": [result(n, rng) for n in range(start,
                                                                                         min(count, start + 50_000))]})
        db.analyze(conn)
    return time.perf_counter() - started


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
    walked: dict[str, Any] = {}
    walker = threading.Thread(target=lambda: walked.update(walk(db)), daemon=True)
    walker.start()
    times = []
    while walker.is_alive():
        doc = result(rng.randrange(count), rng)
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
    out: dict[str, Any] = {"database": kind, "results": count}
    out["load_s"] = round(load(db, count), 1)
    out["rss_after_load_mib"] = round(peak_rss_mib())
    deep = min(900_000, count - 1_000)
    out["indexed_page"] = timed(samples, lambda: page(db, filter_text="class.sourcedId='c-17'"))
    out["filtered_page_delta"] = timed(samples, lambda: page(db, filter_text="dateLastModified>'2026-12-27T00:00:00Z'"))
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
    assert saved["documents"] == restored == count
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
