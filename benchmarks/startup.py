"""Start-up time (issue 13, point 4): ``mock-ic serve`` -> first 200 from ``/_mock/health``, and the
``mock_ic`` pytest fixture's first test.

    .venv/bin/python benchmarks/startup.py                                  # this tree, 5 rounds
    .venv/bin/python benchmarks/startup.py --src before=/tmp/base --src after=. --json /tmp/startup.json

Kinds of start, each timed from the process's spawn to the first 200 (health polled every 10 ms):

- ``existing``: a data dir made by an earlier start of the same sources (the demo tenant is there);
- ``fresh``: a new, empty data dir (schema migrations, the demo tenant generated and loaded);
- ``first``: a fresh data dir *and* an empty cache dir (``XDG_CACHE_HOME``): a user's very first start,
  before the parsed openapi/ files are cached (mock_ic/resources.py);
- ``fixture``: ``pytest`` on a one-test file using the ``mock_ic`` fixture; reported as the time from the
  test module's import to the start of the test body (the fixture's set-up: the in-process server and
  one demo tenant), with the whole pytest process's wall time beside it.

Each round runs every source and every kind once, in an order rotated from round to round, so a burst of
load elsewhere on the machine falls on all of them alike. Besides wall time, the server's CPU time (user +
system, from /proc) at the moment it first answered is recorded: it varies less than wall time on a
shared machine (for the fixture, the CPU of the whole pytest process over the same span, the server thread
included). ``--src NAME=PATH`` measures another source tree (e.g. ``git archive`` of an older commit):
its PYTHONPATH wins over the editable install and ``-P`` keeps the working directory off sys.path.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from mock_ic.testing import stop_process

ROOT = Path(__file__).resolve().parent.parent
TARGETS_S = {"existing": 2.0, "fresh": 3.0, "fixture": 2.0}  # issue 13, point 4
KINDS = ("existing", "fresh", "first", "fixture")
POLL_S = 0.01
FIXTURE_TEST = textwrap.dedent('''
    import time

    IMPORTED, IMPORTED_CPU = time.perf_counter(), time.process_time()


    def test_first(mock_ic):
        print(f"\\nFIXTURE_READY_S={time.perf_counter() - IMPORTED:.4f} {time.process_time() - IMPORTED_CPU:.4f}")
        assert mock_ic.token()
''')


@dataclass
class Sample:
    source: str
    kind: str
    round: int
    wall_s: float  # spawn -> first 200 (fixture: module import -> test body)
    cpu_s: float | None  # the server process's CPU at that moment (fixture: the pytest process's, server included)
    process_s: float | None = None  # fixture: the whole pytest process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/_mock/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def environment(src: Path | None, cache_home: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    if cache_home is not None:
        env["XDG_CACHE_HOME"] = str(cache_home)
    return env


def python(src: Path | None) -> list[str]:
    return [sys.executable, "-P"] if src is not None else [sys.executable]


def time_serve(src: Path | None, data_dir: Path, *, cache_home: Path | None = None,
               timeout_s: float = 120.0) -> tuple[float, float | None]:
    """Start ``mock-ic serve``, poll until healthy, stop it; (wall seconds, server CPU seconds) at readiness."""
    port = free_port()
    cmd = [*python(src), "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir", str(data_dir),
           "--log-level", "warning"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=environment(src, cache_home), cwd=src or ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = started + timeout_s
        while not healthy(port):
            if proc.poll() is not None:
                raise RuntimeError(f"mock-ic exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
            if time.perf_counter() > deadline:
                raise TimeoutError(f"mock-ic not healthy within {timeout_s} s")
            time.sleep(POLL_S)  # the polling interval of a deadline-bounded wait
        ready = time.perf_counter() - started
        return ready, process_cpu_s(proc.pid)
    finally:
        stop_process(proc, timeout=20)


def time_fixture(src: Path | None, workdir: Path) -> tuple[float, float, float]:
    """pytest on one test using the ``mock_ic`` fixture: the fixture's set-up (wall seconds, CPU seconds of the
    process, whose threads include the server's) and the whole pytest process's wall seconds."""
    test_dir = workdir / "fixture-test"
    test_dir.mkdir(exist_ok=True)
    (test_dir / "test_first.py").write_text(FIXTURE_TEST, encoding="utf-8")
    cmd = [*python(src), "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:randomly",
           "-o", "addopts=", "--rootdir", str(test_dir), str(test_dir / "test_first.py")]
    started = time.perf_counter()
    done = subprocess.run(cmd, env=environment(src), cwd=test_dir, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - started
    marker = next((line for line in done.stdout.splitlines() if line.startswith("FIXTURE_READY_S=")), None)
    if done.returncode != 0 or marker is None:
        raise RuntimeError(f"the fixture test failed ({done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    ready, cpu = marker.split("=", 1)[1].split()
    return float(ready), float(cpu), elapsed


def load_average() -> list[float]:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def describe(src: Path | None) -> str:
    tree = src or ROOT
    try:
        head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--", "mock_ic", "openapi"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return f"{head}{' + uncommitted changes' if dirty else ''}"
    except (OSError, subprocess.CalledProcessError):
        return f"{tree} (not a git checkout)"


def measure(sources: dict[str, Path | None], rounds: int, kinds: tuple[str, ...], workdir: Path) -> list[Sample]:
    existing: dict[str, Path] = {}
    for name, src in sources.items():  # an untimed start makes each source's "existing" data dir and warms caches
        existing[name] = workdir / f"existing-{name}"
        print(f"warm-up: {name}", flush=True)
        time_serve(src, existing[name])
    samples: list[Sample] = []
    plan = [(name, kind) for name in sources for kind in kinds]
    for round_ in range(rounds):
        shift = round_ % len(plan)
        for name, kind in plan[shift:] + plan[:shift]:
            src = sources[name]
            if kind == "fixture":
                ready, cpu, whole = time_fixture(src, workdir)
                sample = Sample(name, kind, round_, ready, cpu, whole)
            else:
                data_dir = existing[name] if kind == "existing" else workdir / f"{kind}-{name}-{round_}"
                cache_home = Path(tempfile.mkdtemp(dir=workdir, prefix="cache-")) if kind == "first" else None
                ready, cpu = time_serve(src, data_dir, cache_home=cache_home)
                sample = Sample(name, kind, round_, ready, cpu)
                if kind != "existing":
                    shutil.rmtree(data_dir, ignore_errors=True)
            samples.append(sample)
            print(f"round {round_ + 1}/{rounds} {name:>8} {kind:>8}: {sample.wall_s:.2f} s"
                  + (f" (cpu {sample.cpu_s:.2f} s)" if sample.cpu_s is not None else "")
                  + (f" (pytest process {sample.process_s:.2f} s)" if sample.process_s is not None else ""),
                  flush=True)
    return samples


def table(samples: list[Sample]) -> str:
    lines = ["| source | start | runs | wall min | wall median | wall max | CPU median | target | met |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in dict.fromkeys(s.source for s in samples):
        for kind in dict.fromkeys(s.kind for s in samples):
            group = [s for s in samples if s.source == name and s.kind == kind]
            if not group:
                continue
            walls = [s.wall_s for s in group]
            cpus = [s.cpu_s for s in group if s.cpu_s is not None]
            processes = [s.process_s for s in group if s.process_s is not None]
            cpu = f"{statistics.median(cpus):.2f} s" if cpus else ""
            if processes:
                cpu += f" (pytest process: {statistics.median(processes):.2f} s wall)"
            target = TARGETS_S.get(kind)
            met = "" if target is None else ("yes" if max(walls) < target else
                                             "median" if statistics.median(walls) < target else "no")
            lines.append(f"| {name} | {kind} | {len(group)} | {min(walls):.2f} s | {statistics.median(walls):.2f} s "
                         f"| {max(walls):.2f} s | {cpu} | {'' if target is None else f'< {target:.0f} s'} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", action="append", default=[], metavar="NAME=PATH",
                        help="a source tree to measure (repeatable); default: this tree, named 'this'")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each starts every source and kind once")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"which starts (default {','.join(KINDS)})")
    parser.add_argument("--json", type=Path, help="write the samples and the environment here")
    args = parser.parse_args(argv)
    sources: dict[str, Path | None] = {}
    for item in args.src or ["this=."]:
        name, _, path = item.partition("=")
        resolved = Path(path).resolve()
        sources[name] = None if resolved == ROOT else resolved
    kinds = tuple(kind for kind in args.kinds.split(",") if kind)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; choose from {KINDS}")
    context = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
               "cpus": os.cpu_count(), "python": platform.python_version(), "connexion": version("connexion"),
               "sources": {name: describe(src) for name, src in sources.items()}, "load_before": load_average()}
    with tempfile.TemporaryDirectory(prefix="mock-ic-startup-") as tmp:
        samples = measure(sources, args.rounds, kinds, Path(tmp))
    context["load_after"] = load_average()
    print()
    print(json.dumps(context))
    print(table(samples))
    if args.json:
        args.json.write_text(json.dumps({**context, "samples": [asdict(s) for s in samples]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
