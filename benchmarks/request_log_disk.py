"""Disk use of the request log under a list load: the data dir before and after (issue 13).

In one run, over loopback:

1. start ``mock-ic serve`` as a real process on a free port with a fresh data dir (one worker, the
   demo tenant, the request log on with its default ``keep`` of 5,000 entries per tenant);
2. take a token and drive ``GET .../rostering/v1p2/users?limit=100`` (about 60 KB per answer) with a
   closed loop of ``--concurrency`` keep-alive connections for ``--seconds`` (default 180);
3. sample the data dir (database, ``-wal`` and ``-shm`` files) every ``--every`` seconds;
4. after the load, read the log once through the admin API (which waits for the writer), sample
   again, then report what the database holds: request-log rows, the bytes of their stored bodies,
   the pages of each table and index (``dbstat``) and the free pages;
5. stop the server (SIGINT) and measure the data dir once more (SQLite checkpoints the WAL on the last
   close).

    python benchmarks/request_log_disk.py [--seconds 180] [--concurrency 8] [--every 10] [--json out.json]

The figures and how to read them: benchmarks/BENCHMARKS.md, "Request log disk use (issue 13)".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import sys
import tempfile
import time
import timeit
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from passback_paths import machine, serving, source_fingerprint

from mock_ic.testing import free_port

APP = "demo"
CLIENT_ID, CLIENT_SECRET = "mock-ic-demo", "mock-ic-demo-secret"
VENDOR = "mock-ic-vendor:mock-ic-vendor-secret"
BODY_CAP = 64 * 1024  # mock_ic.control.request_log.BODY_CAP: bytes of each body the log keeps
USERS = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/rostering/v1p2/users?limit=100"
TARGET_MB = 50.0  # the target for the data dir after three minutes of this load
MB = 1_000_000


@dataclass
class Sample:
    t: float  # seconds since the load started
    requests: int  # answers received so far
    files: dict[str, int]  # data-dir file name -> bytes

    @property
    def total(self) -> int:
        return sum(self.files.values())


def data_dir_files(data_dir: Path) -> dict[str, int]:
    """Every file under the data dir and its size (a file may vanish between listing and stat)."""
    sizes = {}
    for path in data_dir.rglob("*"):
        with contextlib.suppress(FileNotFoundError):
            if path.is_file():
                sizes[str(path.relative_to(data_dir))] = path.stat().st_size
    return sizes


def token(base: str) -> str:
    answer = httpx.post(f"{base}/campus/oauth2/token", params={"appName": APP},
                        data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET), timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


async def load(base: str, bearer: str, *, seconds: float, concurrency: int, every: float,
               data_dir: Path) -> tuple[list[Sample], Counter[int], int]:
    """A closed loop of ``concurrency`` connections for ``seconds``; samples of the data dir on the way."""
    statuses: Counter[int] = Counter()
    body_bytes = 0
    samples: list[Sample] = []
    started = time.monotonic()
    deadline = started + seconds
    headers = {"Authorization": f"Bearer {bearer}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:
        async def worker() -> None:
            nonlocal body_bytes
            while time.monotonic() < deadline:
                answer = await client.get(USERS)
                statuses[answer.status_code] += 1
                body_bytes += len(answer.content)

        async def sampler() -> None:
            while True:
                samples.append(Sample(round(time.monotonic() - started, 1), sum(statuses.values()),
                                      data_dir_files(data_dir)))
                if time.monotonic() >= deadline:
                    return
                await asyncio.sleep(min(every, max(deadline - time.monotonic(), 0.0)))  # sampling period

        await asyncio.gather(sampler(), *(worker() for _ in range(concurrency)))
    samples.append(Sample(round(time.monotonic() - started, 1), sum(statuses.values()), data_dir_files(data_dir)))
    return samples, statuses, body_bytes


# Answers whose logged bodies the compression table is measured on (each capped at BODY_CAP, as stored).
SAMPLES = {
    "users?limit=100 (the load)": USERS,
    "enrollments?limit=100": USERS.replace("/users?", "/enrollments?"),
    "lineItems?limit=100": f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/gradebook/v1p2/lineItems?limit=100",
    "one user": USERS.replace("?limit=100", "?limit=1"),
}
LEVELS = (1, 3, 6, 9)


def compression_table(base: str, bearer: str) -> list[dict[str, Any]]:
    """zlib at each level on real answers, capped as the log stores them: bytes, and the best of five
    timings of 20 compressions (the least disturbed by other load)."""
    table = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {bearer}"}, timeout=60) as client:
        for name, url in SAMPLES.items():
            body = client.get(url, headers={"x-vendor-authorization": VENDOR}).content[:BODY_CAP]
            row: dict[str, Any] = {"answer": name, "bytes": len(body)}
            for level in LEVELS:
                best = min(timeit.repeat(lambda b=body, lv=level: zlib.compress(b, lv), number=20, repeat=5)) / 20
                row[f"z{level}_bytes"] = len(zlib.compress(body, level))
                row[f"z{level}_ms"] = round(best * 1000, 3)
            packed = zlib.compress(body, LEVELS[0])
            row["inflate_ms"] = round(min(timeit.repeat(lambda p=packed: zlib.decompress(p), number=20, repeat=5))
                                      / 20 * 1000, 3)
            table.append(row)
    return table


def log_count(base: str) -> int:
    """The demo tenant's entries through the admin API: it waits for the writer, so the log is complete."""
    answer = httpx.get(f"{base}/_mock/tenants/{APP}/requests", params={"limit": 1}, timeout=60)
    answer.raise_for_status()
    total = answer.headers.get("x-total-count")
    return int(total) if total is not None else -1


def database_report(db_file: Path) -> dict[str, Any]:
    """What the database holds: log rows and stored body bytes, pages per table/index, free pages."""
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(mock_request_log)")]
        # Bytes stored per column (length() of a BLOB is its bytes; of TEXT its characters, ASCII here).
        sums = ", ".join(f"coalesce(sum(length({c})), 0)" for c in columns)
        rows, *lengths = conn.execute(f"SELECT count(*), {sums} FROM mock_request_log").fetchone()
        bytes_by_column = dict(zip(columns, lengths, strict=True))
        body_bytes = sum(n for c, n in bytes_by_column.items() if "_body" in c)
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
        freelist = conn.execute("PRAGMA freelist_count").fetchone()[0]
        auto_vacuum = conn.execute("PRAGMA auto_vacuum").fetchone()[0]
        by_object = dict(conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC LIMIT 8").fetchall())
    finally:
        conn.close()
    return {"log_rows": rows, "stored_body_bytes": body_bytes, "bytes_by_column": bytes_by_column,
            "page_size": page_size, "page_count": page_count, "free_pages": freelist, "auto_vacuum": auto_vacuum,
            "bytes_by_object": by_object}


def mb(n: float) -> str:
    return f"{n / MB:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="load duration (default 180, the issue's)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between two samples (default 10)")
    parser.add_argument("--keep", type=int, default=None, help="--request-log-keep of the server (default: its own)")
    parser.add_argument("--json", type=Path, help="write the report here too")
    parser.add_argument("--data-dir", type=Path, help="serve from this (new) directory and keep it (default: a "
                                                      "temporary one, deleted)")
    args = parser.parse_args(argv)

    report: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                              "sources": source_fingerprint(), "config": vars(args) | {"json": str(args.json)}}
    with tempfile.TemporaryDirectory(prefix="mock-ic-reqlog-") as scratch:
        workdir = Path(scratch)
        data_dir = args.data_dir or workdir / "data"
        if data_dir.exists() and any(data_dir.iterdir()):
            parser.error(f"--data-dir {data_dir} is not empty: the run measures a fresh data dir")
        port = free_port()
        cmd = [sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir", str(data_dir),
               "--log-level", "warning"]
        if args.keep is not None:
            cmd += ["--request-log-keep", str(args.keep)]
        with serving("mock-ic", cmd, port, workdir) as server:
            print(f"mock-ic healthy after {server.ready_s:.2f} s", flush=True)
            bearer = token(server.base)
            levels = compression_table(server.base, bearer)
            for row in levels:
                print(f"  zlib on {row['answer']} ({row['bytes']} bytes): " + ", ".join(
                    f"level {lv} {row[f'z{lv}_bytes']} bytes in {row[f'z{lv}_ms']} ms" for lv in LEVELS)
                    + f"; inflate {row['inflate_ms']} ms", flush=True)
            before = data_dir_files(data_dir)
            print(f"data dir before the load: {mb(sum(before.values()))} {before}", flush=True)
            cpu0 = server.cpu_seconds()
            samples, statuses, body_bytes = asyncio.run(load(
                server.base, bearer, seconds=args.seconds, concurrency=args.concurrency,
                every=args.every, data_dir=data_dir))
            server_cpu = server.cpu_seconds() - cpu0
            read_started = time.monotonic()
            for s in samples:
                print(f"  t={s.t:6.1f} s  {s.requests:6d} requests  data dir {mb(s.total):>9}  "
                      + "  ".join(f"{name} {mb(size)}" for name, size in sorted(s.files.items())), flush=True)
            entries = log_count(server.base)
            read_ms = (time.monotonic() - read_started) * 1000  # includes waiting for the writer's backlog
            settled = data_dir_files(data_dir)
            database = database_report(next(data_dir.rglob("*.sqlite3")))
        stopped = data_dir_files(data_dir)

    requests = sum(statuses.values())
    peak = max([s.total for s in samples] + [sum(settled.values())])
    report |= {
        "server_ready_s": round(server.ready_s, 2), "requests": requests, "statuses": dict(statuses),
        "requests_per_s": round(requests / samples[-1].t, 1), "answer_bytes_mean": round(body_bytes / max(requests, 1)),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(requests, 1), 2),
        "log_entries": entries, "log_read_after_load_ms": round(read_ms, 1), "compression": levels,
        "data_dir_before": before, "data_dir_after_load": samples[-1].files,
        "data_dir_settled": settled, "data_dir_peak": peak, "data_dir_stopped": stopped,
        "samples": [{"t": s.t, "requests": s.requests, "files": s.files} for s in samples],
        "database": database,
    }
    print(f"\n{requests} requests in {samples[-1].t:.0f} s ({report['requests_per_s']} req/s, statuses "
          f"{dict(statuses)}), answers of {report['answer_bytes_mean']} bytes on average, server CPU "
          f"{report['server_cpu_ms_per_request']} ms/request; {entries} log entries kept (the first log read after "
          f"the load, which waits for the writer, took {read_ms:.0f} ms)")
    print(f"data dir: before {mb(sum(before.values()))}, after the load {mb(samples[-1].total)}, after the log "
          f"read {mb(sum(settled.values()))}, peak {mb(peak)}, after stopping {mb(sum(stopped.values()))} "
          f"(target after the load: under {TARGET_MB:.0f} MB)")
    per_row = {c: round(n / max(database["log_rows"], 1)) for c, n in database["bytes_by_column"].items() if n}
    print(f"log row bytes on average by column: {per_row}")
    print(f"database: {database['log_rows']} log rows, {mb(database['stored_body_bytes'])} of stored bodies, "
          f"{database['page_count']} pages of {database['page_size']} bytes, {database['free_pages']} free, "
          f"auto_vacuum {database['auto_vacuum']}; by object: "
          + ", ".join(f"{name} {mb(size)}" for name, size in database["bytes_by_object"].items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
