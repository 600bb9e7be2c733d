"""Scale-out benchmark: GET and PUT throughput of mock-ic with 1, 2 and 4 server processes on one database,
on SQLite and on PostgreSQL, in one run (issue 14).

For each database the run starts the largest number of ``mock-ic serve`` processes asked for, each a
process of its own on its own port (not ``--workers``: uvicorn's workers share one socket, which the
kernel balances unevenly), all on one database:

- ``sqlite``: one data dir (``--data-dir``), so every process opens the same SQLite file;
- ``postgresql``: a throwaway cluster (``tests/postgres_cluster.py``) and one database in it
  (``--database postgresql+psycopg://...``).

The first process creates the schema and the demo tenant, the others start on the existing database.
Data are prepared through the API as in ``passback_paths.py`` (a token, a class, 100 line items, result
bodies over 200 result ids); every result id is PUT once beforehand, so every measured PUT replaces one.
Each process is checked to answer the GET and the PUT.

Cells: ``GET .../rostering/v1p2/classes/{id}`` (one class) and ``PUT .../gradebook/v1p2/results/{id}``
(the 200 ids cycled), each with passback_paths.py's closed-loop raw HTTP/1.1 client whose connections are
spread round-robin over the configuration's processes (``--concurrency``, default 16: 16, 8 or 4 per
process). Configuration "2 processes" uses the first two processes; the others idle meanwhile. In each
round every cell runs on every configuration (for GET: sqlite x1, x2, x4, postgresql x1, x2, x4; then PUT),
so a change in the machine's load hits all alike. The report gives, per cell, the median over the rounds
of req/s and of p50/p99 latency, the ratio of req/s to the fewest processes' on the same database and
endpoint (median, and round by round), the CPU of the mock-ic processes and (PostgreSQL) of the database
server per request, and the CPU every other process used.

    python benchmarks/scale_out.py [--seconds 5] [--rounds 5] [--processes 1 2 4]
                                   [--databases sqlite postgresql] [--concurrency 16] [--json out.json]

The load client runs on the same machine as the servers (and PostgreSQL): with 2 cores, 4 processes
cannot scale beyond 2. Figures and how to read them: benchmarks/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (HERE, ROOT):  # passback_paths beside this file; tests.postgres_cluster from the repository root
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import passback_paths as pp  # noqa: E402  (servers, data, the load client and its summary)

from tests import postgres_cluster  # noqa: E402  (a throwaway PostgreSQL cluster)

DATABASES = ("sqlite", "postgresql")
GET, PUT = "GET class", "PUT result"
FIRST_WARMUP_S, LATER_WARMUP_S = 2.0, 0.5  # before a configuration's first round of a cell / before later ones


# --------------------------------------------------------------------------------------------------
# Databases and their server processes


@dataclass
class Backend:
    """One database and the mock-ic processes serving it."""

    database: str  # "sqlite" | "postgresql"
    where: str  # the data dir or the SQLAlchemy URL (without secrets: the cluster trusts loopback)
    servers: list[pp.Server]
    cells: dict[str, pp.Cell] = field(default_factory=dict)
    db_pid: int | None = None  # PostgreSQL's postmaster: its CPU (and its backends') is the database's


def start_backend(database: str, count: int, workdir: Path, stack: contextlib.ExitStack,
                  cluster: postgres_cluster.Cluster | None) -> Backend:
    """``count`` processes on one database: the first alone (it creates the schema and the demo tenant),
    then the others, each waited for until healthy."""
    data_dir = workdir / f"data-{database}"
    extra: list[str] = []
    where = str(data_dir)
    db_pid = None
    if database == "postgresql":
        assert cluster is not None
        where = cluster.database("scale_out")
        extra = ["--database", where]
        db_pid = int((cluster.home / "data" / "postmaster.pid").read_text().split()[0])
    servers = []
    for i in range(1, count + 1):
        port = pp.free_port()
        server = stack.enter_context(pp.serving(f"{database}-{i}", [*pp.mock_command(port, data_dir, None), *extra],
                                                port, workdir))
        print(f"  {server.name} healthy after {server.ready_s:.2f} s on {server.base}", flush=True)
        servers.append(server)
    return Backend(database, where, servers, db_pid=db_pid)


def prepare_cells(backend: Backend) -> dict[str, Any]:
    """The workload through the first process; every result id PUT once (the measured PUTs replace);
    then every process must answer the GET and a PUT as expected. What was prepared, for the report."""
    first = backend.servers[0]
    work = pp.prepare(first.base)
    one_class = pp.Request("GET", f"{pp.ROSTER}/classes/{work.class_id}", b"", work.get_line_items.headers)
    with httpx.Client(base_url=first.base, timeout=30.0) as client:
        for request in (*work.put_results, *work.put_warmup):
            response = client.request(request.method, request.path, content=request.body, headers=dict(request.headers))
            if response.status_code not in (200, 201):
                raise RuntimeError(f"PUT {request.path} on {first.name}: {response.status_code} {response.text[:300]}")
    answers = {}
    for server in backend.servers:
        answers[server.name] = {"get_bytes": pp.capture(server.base, one_class, 200)["bytes"],
                                "put_bytes": pp.capture(server.base, work.put_results[0], 200)["bytes"]}
    backend.cells = {GET: pp.Cell(GET, [one_class], [one_class], frozenset({200})),
                     PUT: pp.Cell(PUT, work.put_results, work.put_warmup, frozenset({200}))}
    return {"class": work.class_id, "get_path": one_class.path, "put_path": work.put_results[0].path,
            "put_ids": len(work.put_results), "put_request_bytes": len(work.put_results[0].body), "answers": answers}


def postmaster_tree_cpu(pid: int) -> float:
    """CPU seconds of PostgreSQL: the postmaster, its live backends, and the backends it has reaped
    (its cutime/cstime: a connection beyond mock-ic's pool is closed after use)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    own = sum(int(v) for v in fields[11:15]) / pp.CLK_TCK  # utime stime cutime cstime
    return own + sum(pp._process_tree_cpu(child) for child in pp._children(pid))


def postgres_version() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        pg_ctl = postgres_cluster.binary("pg_ctl") or "pg_ctl"
        return subprocess.run([pg_ctl, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return None


# --------------------------------------------------------------------------------------------------
# Load


@dataclass
class Part:
    """One round of one cell on one configuration."""

    measurement: pp.Measurement
    db_cpu: float  # seconds the database server (PostgreSQL) used in the window; 0 for SQLite


async def drive_spread(servers: Sequence[pp.Server], cell: pp.Cell, db_pid: int | None, *, concurrency: int,
                       warmup_s: float, seconds: float) -> Part:
    """passback_paths.drive over ``servers``, and the database server's CPU over the same window (from
    the end of the warm-up, give or take the milliseconds drive takes to open its connections)."""
    db_cpu: list[float] = []

    async def meter_database() -> None:
        if db_pid is None:
            return
        await asyncio.sleep(warmup_s)
        db_cpu.append(postmaster_tree_cpu(db_pid))
        await asyncio.sleep(seconds)
        db_cpu.append(postmaster_tree_cpu(db_pid))

    measurement, _ = await asyncio.gather(
        pp.drive(servers, cell.measured, cell.warmup, client="raw", concurrency=concurrency, warmup_s=warmup_s,
                 seconds=seconds),
        meter_database())
    return Part(measurement, db_cpu[1] - db_cpu[0] if db_cpu else 0.0)


def measure(backends: list[Backend], processes: list[int], args: argparse.Namespace) -> dict[tuple[str, str, int],
                                                                                             list[Part]]:
    """Every round: each cell on each configuration in turn; (endpoint, database, processes) -> rounds."""
    parts: dict[tuple[str, str, int], list[Part]] = {}
    for round_no in range(args.rounds):
        for endpoint in (GET, PUT):
            for backend in backends:
                for n in processes:
                    print(f"  round {round_no + 1}/{args.rounds}: {endpoint} on {backend.database} x{n} ...",
                          flush=True)
                    warmup_s = args.warmup if round_no == 0 else min(args.warmup, LATER_WARMUP_S)
                    part = pp.run_load(functools.partial(
                        drive_spread, backend.servers[:n], backend.cells[endpoint], backend.db_pid,
                        concurrency=args.concurrency, warmup_s=warmup_s, seconds=args.seconds))
                    parts.setdefault((endpoint, backend.database, n), []).append(part)
    return parts


def summarise(parts: dict[tuple[str, str, int], list[Part]], concurrency: int) -> list[dict[str, Any]]:
    """One row per cell: medians over the rounds, the ratio to the fewest processes, CPU over all rounds."""
    rows = []
    for (endpoint, database, n), cell_parts in parts.items():
        expected = frozenset({200})
        name = f"{database} x{n}"
        measurements = [p.measurement for p in cell_parts]
        overall = pp.summarise(name, endpoint, measurements, client="raw", concurrency=concurrency, expected=expected)
        by_round = [pp.summarise(name, endpoint, [m], client="raw", concurrency=concurrency, expected=expected)
                    for m in measurements]
        if overall.unexpected:
            print(f"    WARNING: {name}, {endpoint}: {overall.unexpected} unexpected statuses {overall.statuses}")
        db_cpu = sum(p.db_cpu for p in cell_parts)
        rows.append({
            "endpoint": endpoint, "database": database, "processes": n,
            "requests_per_s": statistics.median(r.requests_per_s for r in by_round),
            "p50_ms": statistics.median(r.p50_ms for r in by_round),
            "p99_ms": statistics.median(r.p99_ms for r in by_round),
            "requests_per_s_by_round": [r.requests_per_s for r in by_round],
            "p50_ms_by_round": [r.p50_ms for r in by_round], "p99_ms_by_round": [r.p99_ms for r in by_round],
            "server_cpu_percent": overall.server_cpu_percent,
            "server_cpu_ms_per_request": overall.server_cpu_ms_per_request,
            "database_cpu_percent": 100 * db_cpu / overall.seconds if database == "postgresql" else None,
            "database_cpu_ms_per_request": (1000 * db_cpu / overall.requests
                                            if database == "postgresql" and overall.requests else None),
            "client_cpu_percent": overall.client_cpu_percent,
            # drive counts PostgreSQL as "other": here it has a column of its own (the two windows differ
            # by the milliseconds drive takes to connect, hence the clamp)
            "other_cpu_percent": max(0.0, overall.other_cpu_percent - 100 * db_cpu / overall.seconds),
            "statuses": overall.statuses, "unexpected": overall.unexpected,
            "overall": asdict(overall),
        })
    add_ratios(rows)
    return rows


def add_ratios(rows: list[dict[str, Any]]) -> None:
    """req/s of each row / req/s of the fewest processes on the same database and endpoint: of the
    medians, and round by round (a round's configurations ran seconds apart)."""
    for row in rows:
        base = min((r for r in rows if (r["endpoint"], r["database"]) == (row["endpoint"], row["database"])),
                   key=lambda r: r["processes"])
        row["ratio_base_processes"] = base["processes"]
        row["ratio"] = row["requests_per_s"] / base["requests_per_s"] if base["requests_per_s"] else math.nan
        row["ratio_by_round"] = [x / b if b else math.nan for x, b in
                                 zip(row["requests_per_s_by_round"], base["requests_per_s_by_round"], strict=True)]


# --------------------------------------------------------------------------------------------------
# Report


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None or math.isnan(value) else format(value, spec)


def print_report(report: dict[str, Any]) -> None:
    m, cfg = report["machine"], report["config"]
    print(f"\nmachine: {m['nproc']} CPU(s) {m['cpu_model']}, {m['ram_gib']} GiB, Python {m['python']}, {m['os']}; "
          f"{m.get('postgresql') or 'no PostgreSQL'}")
    print(f"load average (1/5/15 min) before {' '.join(f'{x:.2f}' for x in m['loadavg_before'])}, "
          f"after {' '.join(f'{x:.2f}' for x in m['loadavg_after'])}")
    print(f"{cfg['concurrency']} closed-loop connections spread round-robin over the processes; {cfg['seconds']} s "
          f"measured per cell in each of {cfg['rounds']} rounds (warm-up {cfg['warmup']} s, then "
          f"{min(cfg['warmup'], LATER_WARMUP_S)} s); medians over the rounds\n")
    header = (f"{'endpoint':<12}{'database':<12}{'procs':>5}{'req/s':>8}{'ratio':>7}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'srv CPU%':>9}{'srv ms/req':>11}{'db CPU%':>8}{'db ms/req':>10}{'cli CPU%':>9}{'other%':>7}  "
              f"{'req/s by round':<28}statuses")
    print(header)
    print("-" * len(header))
    for r in report["results"]:
        print(f"{r['endpoint']:<12}{r['database']:<12}{r['processes']:>5}{r['requests_per_s']:>8.0f}"
              f"{_fmt(r['ratio'], '.2f'):>7}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['server_cpu_percent']:>9.0f}"
              f"{_fmt(r['server_cpu_ms_per_request'], '.2f'):>11}{_fmt(r['database_cpu_percent'], '.0f'):>8}"
              f"{_fmt(r['database_cpu_ms_per_request'], '.2f'):>10}{r['client_cpu_percent']:>9.0f}"
              f"{r['other_cpu_percent']:>7.0f}  {'/'.join(f'{x:.0f}' for x in r['requests_per_s_by_round']):<28}"
              f"{r['statuses']}")
    print("\nratio: req/s / req/s of the fewest processes on the same database and endpoint (medians); by round:")
    for r in report["results"]:
        if r["processes"] != r["ratio_base_processes"]:
            print(f"  {r['endpoint']:<12}{r['database']:<12}x{r['processes']}: "
                  f"{', '.join(_fmt(x, '.2f') for x in r['ratio_by_round'])}")
    src = report["mock_ic_source"]
    print(f"\nmock_ic sources {src['sha1']} ({src['files']} files, newest {src['newest']} {src['newest_mtime']}); "
          f"{report['started']} -> {report['finished']}")


# --------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mock-ic GET/PUT throughput with 1, 2, 4 processes on one database")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="measured seconds of each cell (endpoint x database x processes) in each round "
                             "(default 5)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the report gives their medians (default 5)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4],
                        help="numbers of mock-ic processes to compare (default 1 2 4)")
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES),
                        help="default: sqlite postgresql")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="closed-loop connections in all, spread over the processes (default 16)")
    parser.add_argument("--warmup", type=float, default=FIRST_WARMUP_S,
                        help=f"warm-up seconds before a configuration's first round of a cell "
                             f"(default {FIRST_WARMUP_S}; later rounds {LATER_WARMUP_S})")
    parser.add_argument("--json", type=Path, help="also write the full report as JSON here")
    args = parser.parse_args(argv)
    args.processes = sorted(set(args.processes))
    args.databases = list(dict.fromkeys(args.databases))
    if args.processes[0] < 1:
        parser.error(f"--processes {args.processes[0]}: at least 1")
    if args.concurrency < args.processes[-1]:
        parser.error(f"--concurrency {args.concurrency} is below --processes {args.processes[-1]}: "
                     f"a process would get no connection")
    if args.seconds <= 0 or args.rounds < 1:
        parser.error(f"--seconds {args.seconds} and --rounds {args.rounds}: both must be positive")
    if "postgresql" in args.databases:
        missing = [b for b in postgres_cluster.BINARIES if postgres_cluster.binary(b) is None]
        if missing:
            parser.error(f"--databases postgresql needs the PostgreSQL server binaries ({', '.join(missing)} "
                         f"missing: install Debian's `postgresql`), or leave postgresql out")
    uneven = [n for n in args.processes if args.concurrency % n]
    if uneven:
        print(f"note: {args.concurrency} connections do not split evenly over {uneven} processes", file=sys.stderr)
    return args


def estimated_load_s(args: argparse.Namespace) -> float:
    cells = 2 * len(args.databases) * len(args.processes)
    return cells * (args.rounds * args.seconds + args.warmup + (args.rounds - 1) * min(args.warmup, LATER_WARMUP_S))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    report: dict[str, Any] = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {**pp.machine(), "cores": os.cpu_count(), "loadavg_before": os.getloadavg()},
        "mock_ic_source": pp.source_fingerprint(ROOT),
        "config": {"seconds": args.seconds, "rounds": args.rounds, "processes": args.processes,
                   "databases": args.databases, "concurrency": args.concurrency, "warmup": args.warmup,
                   "client": "raw", "line_items": pp.LINE_ITEMS, "result_ids": pp.RESULT_IDS},
    }
    if "postgresql" in args.databases:
        report["machine"]["postgresql"] = postgres_version()
    print(f"load phases: about {estimated_load_s(args) / 60:.1f} min, after start-up and data preparation", flush=True)
    with tempfile.TemporaryDirectory(prefix="mock-ic-scale-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        cluster = None
        if "postgresql" in args.databases:
            cluster = postgres_cluster.start()
            stack.callback(cluster.stop)  # after the servers on it have stopped (the stack unwinds in reverse)
            print(f"PostgreSQL cluster on port {cluster.port}", flush=True)
        backends = []
        report["workload"] = {}
        for database in args.databases:
            print(f"{database}: starting {args.processes[-1]} mock-ic processes", flush=True)
            backend = start_backend(database, args.processes[-1], workdir, stack, cluster)
            print(f"{database}: preparing data", flush=True)
            report["workload"][database] = prepare_cells(backend)
            backends.append(backend)
        setup_s = time.monotonic() - started
        results = summarise(measure(backends, args.processes, args), args.concurrency)
        report["servers"] = {
            s.name: {"database": b.where, "command": [str(c) for c in s.proc.args], "ready_s": s.ready_s,
                     "peak_rss_mib": s.peak_rss_mib(), "log_bytes": s.log.stat().st_size}
            for b in backends for s in b.servers}
    report["results"] = results
    report["finished"] = datetime.now().isoformat(timespec="seconds")
    report["machine"]["loadavg_after"] = os.getloadavg()
    report["durations_s"] = {"setup": setup_s, "total": time.monotonic() - started}
    print_report(report)
    print(f"set-up {setup_s:.0f} s, total {report['durations_s']['total']:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
