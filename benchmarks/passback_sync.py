"""Benchmark of a full Canvas-style sync with the reference passback client against a local mock-ic.

The issue's workload: a course of 6 sections x 40 assignments x 30 students = 7,200 grades (plus 240
line items), synced to the demo tenant of a fresh ``mock-ic serve`` process over loopback. The course
is built from the served district through the API: six full-year classes of one school that share a
category, 30 enrolled students of each, 40 assignments due inside the school year, every grade graded
the day before the sync.

    python benchmarks/passback_sync.py [--concurrency 1 5] [--workers 1] [--json out.json]
                                       [--server-src DIR] [--profile out.prof] [--client-only]

Each run starts from the tenant's seeded state (admin reset) and an empty sync state, so every run
sends everything. Results: benchmarks/BENCHMARKS.md, "Passback sync".

``--server-src DIR`` serves mock-ic from another source tree (e.g. ``git archive <commit> | tar -x -C
DIR``) while the client is this one: client changes are then measured against one fixed server.
``--client-only`` runs the same sync (a course of the same shape) against a stand-in server that
answers at once, in a process of its own: the client's CPU per request without the server's cost,
latency or noise. ``--profile FILE`` profiles the client's sync (cProfile, every thread of it, merged) and writes one
pstats file per concurrency (``FILE`` with ``-c<N>`` before its suffix); the profiler's own cost
inflates the client CPU of that run, so take the CPU figures from a run without it.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import platform
import pstats
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.client import OneRosterClient  # noqa: E402
from conformance.passback.canvas import load_course  # noqa: E402
from conformance.passback.state import SyncState  # noqa: E402
from conformance.passback.sync import sync  # noqa: E402
from mock_ic.testing import free_port  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from passback_paths import serving  # noqa: E402  (the same start-up and shutdown as the paths benchmark)

SECTIONS, ASSIGNMENTS, STUDENTS = 6, 40, 30
CLK_TCK = os.sysconf("SC_CLK_TCK")
CLIENT = {"client_id": "mock-ic-demo", "client_secret": "mock-ic-demo-secret",
          "vendor_key": "mock-ic-vendor", "vendor_secret": "mock-ic-vendor-secret"}


def pick_classes(client: OneRosterClient) -> tuple[list[dict[str, Any]], str, dict[str, list[str]], tuple[date, date]]:
    """Six full-year classes of one school with >= 30 students and a common category title."""
    by_school: dict[str, list[tuple[dict[str, Any], list[str], set[str]]]] = {}
    year: tuple[date, date] | None = None
    for klass in client.paginate("classes", "classes", page_size=500):
        terms = client.class_terms(klass["sourcedId"])
        if len(terms) < 4:  # full-year classes only: every due date of the year is inside a term
            continue
        start = min(date.fromisoformat(t["startDate"]) for t in terms)
        end = max(date.fromisoformat(t["endDate"]) for t in terms)
        year = (start, end)
        students = [s["sourcedId"] for s in client.class_students(klass["sourcedId"])]
        if len(students) < STUDENTS:
            continue
        titles = {c["title"] for c in client.class_categories(klass["sourcedId"])}
        by_school.setdefault(klass["school"]["sourcedId"], []).append((klass, students, titles))
    for candidates in by_school.values():
        common = Counter(title for _, _, titles in candidates for title in titles).most_common(1)
        if not common:
            continue
        title = common[0][0]
        chosen = [(k, s) for k, s, titles in candidates if title in titles][:SECTIONS]
        if len(chosen) == SECTIONS and year is not None:
            return [k for k, _ in chosen], title, {k["sourcedId"]: s[:STUDENTS] for k, s in chosen}, year
    raise RuntimeError("the demo district has no six full-year classes with 30 students and a common category")


def build_course(classes: list[dict[str, Any]], category: str, students: dict[str, list[str]],
                 year: tuple[date, date], now: datetime) -> dict[str, Any]:
    rng = random.Random(7200)
    sections = [{"id": 100 + i, "name": f"Section {i + 1}", "sis_section_id": k["sourcedId"], "course_id": 1}
                for i, k in enumerate(classes)]
    users, submissions = [], []
    user_ids: dict[tuple[int, str], int] = {}
    for section in sections:
        for sis in students[section["sis_section_id"]]:
            uid = 10_000 + len(users)
            user_ids[(section["id"], sis)] = uid
            users.append({"id": uid, "name": f"Student {uid}", "sis_user_id": sis,
                          "enrollments": [{"type": "StudentEnrollment", "enrollment_state": "active",
                                           "course_section_id": section["id"]}]})
    span = (year[1] - year[0]).days - 20
    assignments = []
    for a in range(ASSIGNMENTS):
        due = datetime.combine(year[0] + timedelta(days=10 + span * a // ASSIGNMENTS), datetime.min.time(), UTC)
        due = due.replace(hour=23, minute=59)
        assignments.append({
            "id": 5000 + a, "course_id": 1, "name": f"Bench {a + 1:02d}", "created_at": _iso(due - timedelta(days=7)),
            "due_at": _iso(due), "unlock_at": None, "lock_at": None, "points_possible": 20.0,
            "submission_types": ["online_upload"], "integration_id": None, "integration_data": {},
            "include_in_final_grade": True,
            "assignment_group": {"id": 1, "name": category, "group_weight": 0, "sis_source_id": None,
                                 "integration_data": {}},
            "sections": [{"id": s["id"], "name": s["name"], "sis_id": s["sis_section_id"], "integration_id": None,
                          "origin_course": {"id": 1, "sis_id": "BENCH-1"}, "xlist_course": None}
                         for s in sections],
            "user_overrides": [],
        })
        for (_section, _sis), uid in user_ids.items():
            score = round(rng.uniform(5, 20) * 2) / 2
            submissions.append({"assignment_id": 5000 + a, "user_id": uid, "score": score, "grade": str(score),
                                "entered_score": score, "entered_grade": str(score), "excused": False,
                                "late": False, "missing": False, "graded_at": _iso(now - timedelta(days=1)),
                                "workflow_state": "graded"})
    return {"format": "mock-ic/canvas-course", "version": 1, "exported_at": _iso(now),
            "course": {"id": 1, "name": "Benchmark course", "sis_course_id": "BENCH-1", "workflow_state": "available"},
            "sections": sections, "users": users, "assignments": assignments, "submissions": submissions}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def process_cpu(pid: int) -> dict[int, float]:
    """user + system CPU seconds of a process and of each of its descendants (``--workers`` > 1), from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # the process ended
        return {}
    fields = stat[stat.rindex(")") + 2:].split()
    found = {pid: (int(fields[11]) + int(fields[12])) / CLK_TCK}
    for child in children:
        found.update(process_cpu(int(child)))
    return found


@contextlib.contextmanager
def profiled(path: Path | None) -> Iterator[None]:
    """cProfile the block in this thread and in every thread started inside it (the sync's pool),
    merged into one pstats file. cProfile alone sees only the thread that enabled it."""
    if path is None:
        yield
        return
    profiles: list[cProfile.Profile] = []

    def start_in_thread(*_args: object) -> None:
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()  # replaces this hook for the thread: called once per new thread

    main = cProfile.Profile()
    threading.setprofile(start_in_thread)
    main.enable()
    try:
        yield
    finally:
        main.disable()
        threading.setprofile(None)  # type: ignore[arg-type]
        main.create_stats()
        stats = pstats.Stats(main)
        for profile in profiles:
            profile.create_stats()  # the pool's threads have ended: their profiles are complete
            stats.add(profile)
        path.parent.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(path)


def measure(course: Any, root: str, token_url: str, concurrency: int, server_pid: int,
            profile: Path | None) -> dict[str, Any]:
    """One sync of ``course``, timed: wall, requests, the server's and the client's CPU."""
    with OneRosterClient(base_url=root, token_url=token_url, **CLIENT) as client:
        server0, client0, t0 = process_cpu(server_pid), os.times(), time.perf_counter()
        with profiled(profile):
            report = sync(course, client, SyncState(None), concurrency=concurrency)
        wall = time.perf_counter() - t0
        client1 = os.times()
        per_process = {pid: cpu - server0.get(pid, 0.0) for pid, cpu in process_cpu(server_pid).items()}
    server_cpu = sum(per_process.values())
    client_user, client_sys = client1.user - client0.user, client1.system - client0.system
    client_cpu = client_user + client_sys
    made = max(1, report.requests)
    return {"concurrency": concurrency, "status": report.status, "seconds": round(wall, 2),
            "requests": report.requests, "requests_per_s": round(report.requests / wall, 1),
            "line_items_sent": report.counts.line_items_sent, "grades_sent": report.counts.grades_sent,
            "errors": len(report.errors), "retries": report.retries,
            "server_cpu_s": round(server_cpu, 2), "server_cpu_ms_per_request": round(1000 * server_cpu / made, 2),
            # the master process first, then each worker: how evenly --workers N shares the load
            "server_cpu_s_by_process": [round(cpu, 2) for cpu in per_process.values()],
            "client_cpu_s": round(client_cpu, 2), "client_cpu_ms_per_request": round(1000 * client_cpu / made, 2),
            "client_user_s": round(client_user, 2), "client_sys_s": round(client_sys, 2)}


def profile_path(base: Path | None, concurrency: int) -> Path | None:
    return None if base is None else base.with_name(f"{base.stem}-c{concurrency}{base.suffix}")


def against_mock(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[dict[str, Any]]:
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="mock-ic-bench-"))
    cmd = [sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir", str(work / "data"),
           "--log-level", "warning", "--workers", str(args.workers)]
    if args.server_src is not None:
        # -m puts the working directory (this tree) first on sys.path; -P (safe path) does not, so
        # PYTHONPATH's tree wins over the editable install, in the worker processes too.
        src = args.server_src.resolve()
        if not (src / "mock_ic" / "cli.py").is_file():
            parser.error(f"--server-src {src}: no mock_ic/cli.py there")
        cmd = ["env", f"PYTHONPATH={src}", sys.executable, "-P", *cmd[1:]]
    runs = []
    with serving("mock", cmd, port, work) as server:
        base = server.base
        root = f"{base}/campus/api/oneroster/v1p2/demo/ims/oneroster"
        token_url = f"{base}/campus/oauth2/token?appName=demo"
        with OneRosterClient(base_url=root, token_url=token_url, **CLIENT) as reader:
            classes, category, students, year = pick_classes(reader)
        now = datetime.now(UTC).replace(microsecond=0)
        course = load_course(build_course(classes, category, students, year, now))
        grades = sum(1 for _ in course.submissions)
        print(f"course: {len(course.sections)} sections x {len(course.assignments)} assignments, {grades} grades; "
              f"category {category!r}")
        for concurrency in args.concurrency:
            requests.post(f"{base}/_mock/tenants/demo/reset", timeout=120).raise_for_status()
            runs.append(measure(course, root, token_url, concurrency, server.proc.pid,
                                profile_path(args.profile, concurrency)))
            print(json.dumps(runs[-1]))
    return runs


# --------------------------------------------------------------------------------------------------
# --client-only: the same sync against a stand-in that answers at once, so the client's own CPU per
# request is measured without the server's cost or its latency (and with less of this VM's noise).

STAND_IN_CATEGORY = "Tests"


def stand_in(port: int) -> None:
    """Answer what the sync asks (a token, a class, its empty line item list, its categories, PUTs
    echoed with 201), at once, over HTTP/1.1 keep-alive: one asyncio process."""
    import asyncio

    token = json.dumps({"access_token": "stand-in", "token_type": "bearer", "expires_in": 3600}).encode()
    categories = json.dumps({"categories": [{"sourcedId": "category-1", "title": STAND_IN_CATEGORY}]}).encode()

    def answer(method: bytes, path: str, body: bytes) -> tuple[int, bytes]:
        if method == b"POST":
            return 200, token
        if method == b"PUT":
            return 201, body
        if path.endswith("/categories"):
            return 200, categories
        if path.endswith("/lineItems"):
            return 200, b'{"lineItems":[]}'
        class_id = path.rsplit("/", 1)[1]
        return 200, json.dumps({"class": {"sourcedId": class_id, "school": {"sourcedId": "school-1"}}}).encode()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target = head.split(b" ", 2)[:2]
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length) if length else b""
                status, out = answer(method, target.split(b"?", 1)[0].decode(), body)
                writer.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                             % (status, b"Created" if status == 201 else b"OK", len(out), out))
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def serve() -> None:
        async with await asyncio.start_server(handle, "127.0.0.1", port) as server:
            await server.serve_forever()

    asyncio.run(serve())


def client_only(args: argparse.Namespace) -> list[dict[str, Any]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--stand-in", str(port)])
    try:
        deadline = time.monotonic() + 30
        while True:  # until it listens (a deadline-bounded poll)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the stand-in server did not start") from None
                time.sleep(0.02)
        classes = [{"sourcedId": f"class-{n}"} for n in range(SECTIONS)]
        students = {c["sourcedId"]: [f"{c['sourcedId']}-student-{n}" for n in range(STUDENTS)] for c in classes}
        now = datetime.now(UTC).replace(microsecond=0)
        year = (date(now.year - 1, 8, 17), date(now.year, 6, 4))
        course = load_course(build_course(classes, STAND_IN_CATEGORY, students, year, now))
        root, token_url = f"http://127.0.0.1:{port}/ims/oneroster", f"http://127.0.0.1:{port}/token"
        runs = []
        for concurrency in args.concurrency:
            profile = profile_path(args.profile, concurrency)
            runs.append(measure(course, root, token_url, concurrency, proc.pid, profile))
            print(json.dumps(runs[-1]))
        return runs
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--workers", type=int, default=1, help="mock-ic serve --workers")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--server-src", type=Path, help="serve mock-ic from this source tree (default: this one)")
    parser.add_argument("--profile", type=Path, help="cProfile the client's sync into this pstats file")
    parser.add_argument("--client-only", action="store_true",
                        help="sync against a stand-in that answers at once: the client's CPU alone")
    parser.add_argument("--stand-in", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stand_in is not None:
        stand_in(args.stand_in)
        return 0
    runs = client_only(args) if args.client_only else against_mock(args, parser)
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
              "cpus": os.cpu_count(), "python": platform.python_version(),
              "server": "stand-in" if args.client_only else "mock-ic", "workers": args.workers,
              "server_src": None if args.client_only else str(args.server_src or ROOT),
              "profiled": args.profile is not None, "loadavg": os.getloadavg(), "runs": runs}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
