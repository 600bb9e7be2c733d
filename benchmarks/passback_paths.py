"""Benchmark of the two grade-passback hot paths of mock-ic against two baselines serving the same bytes.

In one run on one machine, over loopback:

1. start ``mock-ic serve`` as a real process on a free port with a fresh data dir (response
   validation off, the default) and wait for ``/_mock/health``;
2. prepare data through the real API: a token, a demo class, 100 line items PUT into it (so the GET
   returns a full page of 100), an enrolled student list, result bodies over a bounded id set;
3. capture one GET and one PUT answer and start the baselines, which answer those bytes without
   database or auth:

   - ``flask``: ``benchmarks/bare_flask.py``, plain Flask on gunicorn with one sync worker (baseline (a)
     of issue 13);
   - ``prism``: Stoplight Prism (``benchmarks/prism/``, installed there with ``npm ci`` when missing)
     serving a document cut from ``openapi/oneroster-v1p2-gradebook.yaml`` whose examples are the
     captured answers (baseline (b));
   - ``flask-uvicorn`` (optional): the same Flask app on uvicorn behind a2wsgi, as FlaskApp served it;

   and check that each answers the same status, headers and body (Prism: the same JSON value);
4. drive ``GET .../classes/{id}/lineItems?limit=100`` and ``PUT .../results/{id}`` on every server
   with the same closed-loop client (fixed concurrency, keep-alive where the server allows it), the
   servers alternating round by round;
5. report requests/s, p50 and p99 latency, the CPU each server used per request, the ratios of
   mock-ic to each baseline against the issue's targets;
6. time ``mock-ic serve`` -> first healthy answer, on the existing data dir and on fresh ones;
7. time the demo tenant's generation and creation and measure its peak memory in subprocesses.

    python benchmarks/passback_paths.py [--seconds N] [--rounds R] [--baselines flask prism] [--json out.json]

The figures and how to read them: benchmarks/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import hashlib
import itertools
import json
import math
import os
import platform
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from mock_ic.testing import stop_process

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:  # imported by the other benchmarks, or from elsewhere
    sys.path.insert(0, str(HERE))

import server_profile  # noqa: E402  (py-spy by layer)
from prism import baseline as prism_baseline  # noqa: E402  (benchmarks/prism: the Prism baseline)

HOST = "127.0.0.1"
APP = "demo"
CLIENT_ID, CLIENT_SECRET = "mock-ic-demo", "mock-ic-demo-secret"
VENDOR = "mock-ic-vendor:mock-ic-vendor-secret"
ROSTER = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/rostering/v1p2"
GRADEBOOK = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/gradebook/v1p2"
LINE_ITEMS = 100  # PUT into the class, so that ?limit=100 returns a full page
RESULT_IDS = 200  # the bounded set of result sourcedIds the PUT load cycles through
MOCK = "mock-ic"
BASELINES = {  # name -> what it is, for the report
    "flask": "plain Flask on gunicorn, one sync worker",
    "prism": "Stoplight Prism, static examples of our spec",
    "flask-uvicorn": "plain Flask on uvicorn behind a2wsgi (as connexion's FlaskApp serves)",
}
GET, PUT = "GET lineItems", "PUT result"
# Issue 13's targets: mock-ic req/s >= factor x the baseline's, per endpoint.
TARGETS = {(GET, "flask"): 0.6, (PUT, "flask"): 0.5, (GET, "prism"): 2.0}
STARTUP_TARGETS = {"existing": 2.0, "fresh": 3.0}  # seconds, issue 13 point 4 (warm venv)
REPLAYED_HEADERS = ("content-type", "x-total-count", "link")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------------
# Requests and server processes


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def raw(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in self.headers)]
        if self.body or self.method in ("PUT", "POST"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


HEALTH = Request("GET", "/_mock/health")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    ready_s: float = 0.0  # process start -> first healthy answer
    ready_cpu_s: float = 0.0  # CPU the server had used by then
    health: Request = HEALTH  # what answers 200 once the server is up

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu_seconds(self) -> float:
        """user + system CPU of the server process (all its threads) and of the worker processes it
        started (``--workers`` > 1, gunicorn's worker), from /proc."""
        return _process_tree_cpu(self.proc.pid)

    def peak_rss_mib(self) -> float | None:
        """Peak resident memory of the server process and its children (summed)."""
        return _process_tree_hwm_kib(self.proc.pid) / 1024


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(k) for k in children.read_text().split()] if children.exists() else []


def _process_tree_cpu(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    after_comm = stat[stat.rindex(")") + 2:].split()
    return (int(after_comm[11]) + int(after_comm[12])) / CLK_TCK + sum(_process_tree_cpu(k) for k in _children(pid))


def _process_tree_hwm_kib(pid: int) -> int:
    hwm = next((int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmHWM:")), 0)
    return hwm + sum(_process_tree_hwm_kib(k) for k in _children(pid))


def busy_cpu_seconds() -> float:
    """CPU seconds every process on the machine has used (from /proc/stat), to see outside load."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def wait_healthy(server: Server, started: float, deadline_s: float = 120.0, poll_s: float = 0.05) -> None:
    """Send ``server.health`` until it answers 200, the process dies or the deadline passes."""
    deadline = started + deadline_s
    probe = server.health
    with httpx.Client(timeout=2.0) as client:
        while True:
            try:
                response = client.request(probe.method, server.base + probe.path, content=probe.body or None,
                                          headers=dict(probe.headers))
                if response.status_code == 200:
                    server.ready_s = time.monotonic() - started
                    server.ready_cpu_s = server.cpu_seconds()
                    return
            except httpx.TransportError:
                pass
            if server.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server.name} did not come up; its log:\n{server.log.read_text()}")
            time.sleep(poll_s)  # polling interval of a deadline-bounded wait


@contextlib.contextmanager
def serving(name: str, cmd: list[str], port: int, workdir: Path, *, health: Request = HEALTH,
            poll_s: float = 0.05) -> Iterator[Server]:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    server = Server(name, proc, port, log, health=health)
    try:
        wait_healthy(server, started, poll_s=poll_s)
        yield server
    except Exception:
        # What the server said is the first clue to a failed run (its log lives in a temporary dir).
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        print(f"--- the last lines of {name}'s log ---", *tail, "---", sep="\n", file=sys.stderr)
        raise
    finally:
        stop_process(proc, timeout=20)


def mock_command(port: int, data_dir: Path, server_src: Path | None) -> list[str]:
    """``mock-ic serve`` from this tree, or from ``server_src`` (its PYTHONPATH wins over the editable
    install; ``-P`` keeps the working directory off sys.path)."""
    cmd = [sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir", str(data_dir),
           "--log-level", "warning"]
    if server_src is None:
        return cmd
    return ["env", f"PYTHONPATH={server_src}", sys.executable, "-P", *cmd[1:]]


# --------------------------------------------------------------------------------------------------
# Preparing data through the real API


@dataclass
class Workload:
    class_id: str
    student_count: int
    get_line_items: Request
    put_results: list[Request]  # the measured PUTs: RESULT_IDS distinct sourcedIds, cycled
    put_warmup: list[Request]  # other sourcedIds, so the measured window starts with creates


def _json(response: httpx.Response, expected: tuple[int, ...] = (200,)) -> Any:
    if response.status_code not in expected:
        raise RuntimeError(f"{response.request.method} {response.request.url} -> {response.status_code}: "
                           f"{response.text[:500]}")
    return response.json()


def prepare(base: str) -> Workload:
    with httpx.Client(base_url=base, timeout=30.0) as client:
        token = _json(client.post(f"/campus/oauth2/token?appName={APP}", data={"grant_type": "client_credentials"},
                                  auth=(CLIENT_ID, CLIENT_SECRET)))["access_token"]
        auth = {"Authorization": f"Bearer {token}", "x-vendor-authorization": VENDOR}
        client.headers.update(auth)
        klass = _json(client.get(f"{ROSTER}/classes", params={"limit": 1}))["classes"][0]
        class_id = klass["sourcedId"]
        term = _json(client.get(f"{ROSTER}/terms/{klass['terms'][0]['sourcedId']}"))["academicSession"]
        category = _json(client.get(f"{GRADEBOOK}/classes/{class_id}/categories"))["categories"][0]
        students = [s["sourcedId"] for s in _json(client.get(f"{ROSTER}/classes/{class_id}/students"))["users"]]
        if not students:
            raise RuntimeError(f"class {class_id} has no students")
        line_items = [f"bench-li-{i:03d}" for i in range(LINE_ITEMS)]
        for i, sid in enumerate(line_items):
            body = {"lineItem": {
                "title": f"Bench assignment {i:03d}", "description": "benchmark line item",
                "assignDate": f"{term['startDate']}T08:00:00Z", "dueDate": f"{term['startDate']}T23:59:00Z",
                "class": {"sourcedId": class_id}, "category": {"sourcedId": category["sourcedId"]},
                "resultValueMin": 0, "resultValueMax": 20,
            }}
            _json(client.put(f"{GRADEBOOK}/lineItems/{sid}", json=body), (201,))
        page = client.get(f"{GRADEBOOK}/classes/{class_id}/lineItems", params={"limit": 100})
        if len(_json(page)["lineItems"]) != 100:
            raise RuntimeError("the line item page is not a full page of 100")

    headers = tuple(auth.items())
    put_headers = (*headers, ("Content-Type", "application/json"))

    def result_put(sid: str, i: int) -> Request:
        body = {"result": {"lineItem": {"sourcedId": line_items[i % LINE_ITEMS]},
                           "student": {"sourcedId": students[i % len(students)]},
                           "score": float(i % 21), "scoreStatus": "fully graded",
                           "scoreDate": "2026-11-20T15:00:00Z", "comment": "benchmark"}}
        return Request("PUT", f"{GRADEBOOK}/results/{sid}", json.dumps(body).encode(), put_headers)

    return Workload(
        class_id=class_id,
        student_count=len(students),
        get_line_items=Request("GET", f"{GRADEBOOK}/classes/{class_id}/lineItems?limit=100", b"", headers),
        put_results=[result_put(f"bench-res-{i:03d}", i) for i in range(RESULT_IDS)],
        put_warmup=[result_put(f"warm-res-{i:03d}", i) for i in range(RESULT_IDS)],
    )


def capture(base: str, request: Request, expected: int) -> dict[str, Any]:
    """One answer of the mock (status, replayable headers, body) for the baselines to replay."""
    with httpx.Client(base_url=base, timeout=30.0) as client:
        response = client.request(request.method, request.path, content=request.body, headers=dict(request.headers))
    if response.status_code != expected:
        raise RuntimeError(f"capture {request.method} {request.path}: {response.status_code} {response.text[:300]}")
    return {
        "status": response.status_code,
        "headers": {k: response.headers[k] for k in REPLAYED_HEADERS if k in response.headers},
        "body_b64": base64.b64encode(response.content).decode(),
        "bytes": len(response.content),
    }


def check_answer(server: Server, request: Request, captured: dict[str, Any]) -> dict[str, Any]:
    """Does ``server`` answer ``request`` as mock-ic did? Status, replayed headers, body bytes and JSON
    value, and Prism's report of request/response violations (its ``sl-violations`` header)."""
    with httpx.Client(base_url=server.base, timeout=30.0) as client:
        response = client.request(request.method, request.path, content=request.body or None,
                                  headers=dict(request.headers))
    body = base64.b64decode(captured["body_b64"])
    try:
        same_json = response.json() == json.loads(body)
    except ValueError:
        same_json = False
    headers = {k: response.headers.get(k) for k in REPLAYED_HEADERS}
    check = {
        "status": response.status_code, "bytes": len(response.content), "captured_bytes": len(body),
        "same_bytes": response.content == body, "same_json": same_json,
        "same_headers": all(headers[k] == v for k, v in captured["headers"].items()),
        "violations": response.headers.get("sl-violations"),
    }
    problems = []
    if check["status"] != captured["status"]:
        problems.append(f"status {check['status']} (mock-ic {captured['status']}): {response.text[:300]}")
    if not same_json:
        problems.append("another body")
    if not check["same_headers"]:
        problems.append(f"other headers {headers} (mock-ic {captured['headers']})")
    if check["violations"]:
        problems.append(f"Prism reports violations: {check['violations'][:500]}")
    check["problems"] = problems
    return check


def without_credentials(server: Server, request: Request) -> dict[str, Any]:
    """The status ``server`` answers ``request`` without its Authorization and vendor headers."""
    with httpx.Client(base_url=server.base, timeout=30.0) as client:
        response = client.request(request.method, request.path, content=request.body or None)
    return {"status": response.status_code}


# --------------------------------------------------------------------------------------------------
# The baselines


def baseline_command(name: str, port: int, replay_file: Path, prism_document: Path | None) -> list[str]:
    if name in ("flask", "flask-uvicorn"):
        server = "gunicorn" if name == "flask" else "uvicorn"
        return [sys.executable, str(HERE / "bare_flask.py"), "--server", server, "--port", str(port),
                "--replay", str(replay_file)]
    if name == "prism":
        assert prism_document is not None
        return prism_baseline.command(prism_document, HOST, port)
    raise ValueError(name)


def write_prism_document(replay: dict[str, Any], path: Path) -> None:
    bodies = {key: base64.b64decode(captured["body_b64"]) for key, captured in replay.items()}
    path.write_text(json.dumps(prism_baseline.example_document(replay, bodies)), encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# The load generator


class RawConnection:
    """A minimal HTTP/1.1 client connection: pre-built request bytes in, (status, size) out.

    Keep-alive while the server allows it; when an answer says ``Connection: close`` (gunicorn's sync
    worker closes after every answer) the next request opens a new connection first, inside its own
    timing, as any client of that server must.
    """

    def __init__(self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = reader
        self.writer: asyncio.StreamWriter | None = writer
        self.opened = 1

    @staticmethod
    async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    @classmethod
    async def open(cls, port: int) -> RawConnection:
        return cls(port, *await cls._connect(port))

    async def send(self, raw: bytes) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await self._connect(self.port)
            self.opened += 1
        reader, writer = self.reader, self.writer
        assert reader is not None
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            end = lower.find(b"\r\n", at + 2)
            size = int(head[at + 17:end])
            await reader.readexactly(size)
        elif b"\r\ntransfer-encoding: chunked" in lower:
            size = 0
            while True:
                chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await reader.readexactly(chunk + 2)
                size += chunk
                if chunk == 0:
                    break
        else:
            raise RuntimeError(f"response without a length: {head[:200]!r}")
        if b"\r\nconnection: close" in lower:
            await self.close()
        return status, size

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class HttpxConnection:
    """The same interface over one httpx.AsyncClient per worker (for comparing client overhead)."""

    opened = 1  # httpx reconnects by itself; not counted

    def __init__(self, port: int) -> None:
        self.client = httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=30.0,
                                        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))

    @classmethod
    async def open(cls, port: int) -> HttpxConnection:
        return cls(port)

    async def send(self, request: Request) -> tuple[int, int]:
        response = await self.client.request(request.method, request.path, content=request.body or None,
                                              headers=dict(request.headers))
        return response.status_code, len(response.content)

    async def close(self) -> None:
        await self.client.aclose()


@dataclass
class Measurement:
    """One closed-loop phase against one server: every request of the measured window, and CPU used."""

    samples: list[tuple[int, int, int]]  # (latency ns, status, response bytes)
    seconds: float
    client_cpu: float
    server_cpu: float
    other_cpu: float
    warmup_statuses: Counter[int]
    connections_opened: int = 0  # during warm-up and window: more than `concurrency` when the server closes them


@dataclass
class LoadResult:
    server: str
    endpoint: str
    client: str
    concurrency: int
    rounds: int
    seconds: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    statuses: dict[str, int]
    p50_ms_by_status: dict[str, float]
    unexpected: int
    response_bytes: float
    client_cpu_percent: float  # of one core
    server_cpu_percent: float  # of one core
    server_cpu_ms_per_request: float
    other_cpu_percent: float  # every other process on the machine (other load skews the cell)
    requests_per_s_by_round: list[float] = field(default_factory=list)
    server_cpu_ms_per_request_by_round: list[float] = field(default_factory=list)
    warmup_statuses: dict[str, int] = field(default_factory=dict)
    connections_opened: int = 0


def percentile(sorted_values: list[int], q: float) -> float:
    """Nearest-rank percentile of nanosecond latencies, in milliseconds."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1] / 1e6


async def drive(server: Server | Sequence[Server], measured: list[Request], warmup: list[Request], *, client: str,
                concurrency: int, warmup_s: float, seconds: float) -> Measurement:
    """Closed loop: each of ``concurrency`` workers keeps one connection and sends back-to-back.

    Requests cycle through ``warmup`` for ``warmup_s`` seconds, then through ``measured`` for
    ``seconds``; a request counts when it starts and ends inside the measured window. Given several
    servers (processes serving one database: benchmarks/scale_out.py), the connections are spread over
    them round-robin and the server CPU is theirs summed.
    """
    servers = (server,) if isinstance(server, Server) else tuple(server)
    ports = [servers[i % len(servers)].port for i in range(concurrency)]
    prepared: dict[int, dict[int, Any]] = {  # port -> id(request) -> what the connection sends
        port: {id(r): (r.raw(f"{HOST}:{port}") if client == "raw" else r) for r in (*measured, *warmup)}
        for port in set(ports)}
    measured_cycle, warmup_cycle = itertools.cycle(measured), itertools.cycle(warmup)
    connections: list[Any] = [
        await (RawConnection.open(port) if client == "raw" else HttpxConnection.open(port)) for port in ports
    ]
    t_start = time.perf_counter_ns() + int(warmup_s * 1e9)
    t_end = t_start + int(seconds * 1e9)
    samples: list[tuple[int, int, int]] = []
    warm_statuses: Counter[int] = Counter()

    async def worker(conn: Any, sent: dict[int, Any]) -> None:
        while True:
            now = time.perf_counter_ns()
            if now >= t_end:
                return
            request = next(warmup_cycle) if now < t_start else next(measured_cycle)
            status, size = await conn.send(sent[id(request)])
            done = time.perf_counter_ns()
            if now < t_start:
                warm_statuses[status] += 1
            elif done <= t_end:
                samples.append((done - now, status, size))

    cpu: dict[str, float] = {}

    def server_cpu_seconds() -> float:
        return sum(s.cpu_seconds() for s in servers)

    async def meter() -> None:
        await asyncio.sleep(max(0.0, (t_start - time.perf_counter_ns()) / 1e9))
        cpu["client0"], cpu["server0"], cpu["all0"] = time.process_time(), server_cpu_seconds(), busy_cpu_seconds()
        await asyncio.sleep(max(0.0, (t_end - time.perf_counter_ns()) / 1e9))
        cpu["client1"], cpu["server1"], cpu["all1"] = time.process_time(), server_cpu_seconds(), busy_cpu_seconds()

    try:
        await asyncio.gather(meter(), *(worker(c, prepared[port]) for c, port in zip(connections, ports, strict=True)))
    finally:
        for conn in connections:
            await conn.close()
    server_cpu = cpu["server1"] - cpu["server0"]
    client_cpu = cpu["client1"] - cpu["client0"]
    return Measurement(samples=samples, seconds=seconds, client_cpu=client_cpu, server_cpu=server_cpu,
                       other_cpu=max(0.0, cpu["all1"] - cpu["all0"] - server_cpu - client_cpu),
                       warmup_statuses=warm_statuses, connections_opened=sum(c.opened for c in connections))


def summarise(server: str, endpoint: str, parts: list[Measurement], *, client: str, concurrency: int,
              expected: frozenset[int]) -> LoadResult:
    samples = [sample for part in parts for sample in part.samples]
    latencies = sorted(latency for latency, _, _ in samples)
    statuses = Counter(status for _, status, _ in samples)
    by_status = {str(status): percentile(sorted(lat for lat, st, _ in samples if st == status), 0.5)
                 for status in sorted(statuses)}
    wall = sum(part.seconds for part in parts)
    n = len(samples)
    server_cpu = sum(part.server_cpu for part in parts)
    warm: Counter[int] = sum((part.warmup_statuses for part in parts), Counter())
    return LoadResult(
        server=server, endpoint=endpoint, client=client, concurrency=concurrency, rounds=len(parts),
        seconds=wall, requests=n, requests_per_s=n / wall,
        p50_ms=percentile(latencies, 0.50), p99_ms=percentile(latencies, 0.99),
        mean_ms=(sum(latencies) / n / 1e6) if n else math.nan, max_ms=(latencies[-1] / 1e6) if n else math.nan,
        statuses={str(k): v for k, v in sorted(statuses.items())}, p50_ms_by_status=by_status,
        unexpected=sum(v for k, v in statuses.items() if k not in expected),
        response_bytes=(sum(size for _, _, size in samples) / n) if n else 0.0,
        client_cpu_percent=100 * sum(part.client_cpu for part in parts) / wall,
        server_cpu_percent=100 * server_cpu / wall,
        server_cpu_ms_per_request=(1000 * server_cpu / n) if n else math.nan,
        other_cpu_percent=100 * sum(part.other_cpu for part in parts) / wall,
        requests_per_s_by_round=[len(part.samples) / part.seconds for part in parts],
        server_cpu_ms_per_request_by_round=[1000 * part.server_cpu / len(part.samples) if part.samples else math.nan
                                            for part in parts],
        warmup_statuses={str(k): v for k, v in sorted(warm.items())},
        connections_opened=sum(part.connections_opened for part in parts),
    )


@dataclass(frozen=True)
class Cell:
    endpoint: str
    measured: list[Request]
    warmup: list[Request]
    expected: frozenset[int]


def measure(cells: list[Cell], servers_of: Mapping[str, tuple[Server, ...]],
            args: argparse.Namespace) -> list[LoadResult]:
    """Each cell on each of its servers, the servers alternating round by round so that a change
    in the machine's load during the run hits all of them alike."""
    results = []
    for cell in cells:
        servers = servers_of[cell.endpoint]
        parts: dict[str, list[Measurement]] = {server.name: [] for server in servers}
        for round_no in range(args.rounds):
            for server in servers:
                print(f"  {cell.endpoint} on {server.name}, round {round_no + 1}/{args.rounds} ...", flush=True)
                warmup_s = args.warmup if round_no == 0 else min(args.warmup, 0.5)
                parts[server.name].append(run_load(functools.partial(
                    drive, server, cell.measured, cell.warmup, client=args.client, concurrency=args.concurrency,
                    warmup_s=warmup_s, seconds=args.seconds / args.rounds)))
        for server in servers:
            result = summarise(server.name, cell.endpoint, parts[server.name], client=args.client,
                               concurrency=args.concurrency, expected=cell.expected)
            if result.unexpected:
                print(f"    WARNING: {server.name}: {result.unexpected} unexpected statuses {result.statuses}")
            results.append(result)
    return results


def decomposition_cells(work: Workload) -> list[Cell]:
    """Cheaper requests than the two measured ones, to see the fixed cost per request of each layer."""
    headers = work.get_line_items.headers
    one_class = Request("GET", f"{ROSTER}/classes/{work.class_id}", b"", headers)
    one_item = Request("GET", f"{GRADEBOOK}/classes/{work.class_id}/lineItems?limit=1", b"", headers)
    return [Cell("GET health", [HEALTH], [HEALTH], frozenset({200})),  # routing + middleware only
            Cell("GET class", [one_class], [one_class], frozenset({200})),
            Cell("GET lineItems limit=1", [one_item], [one_item], frozenset({200}))]


def run_load(coro_factory: Callable[[], Any]) -> Any:
    """Run one load phase on uvloop when it is installed (cheaper per request than asyncio's loop)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro_factory())
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro_factory())


def ratios(results: list[LoadResult]) -> dict[str, dict[str, Any]]:
    """mock-ic against each baseline, per endpoint: req/s and CPU per request, overall and round by
    round (the rounds alternate, so a round's ratio compares servers measured seconds apart)."""
    out: dict[str, dict[str, Any]] = {}
    for endpoint in dict.fromkeys(r.endpoint for r in results):
        mock = next((r for r in results if r.endpoint == endpoint and r.server == MOCK), None)
        if mock is None:
            continue
        for base in (r for r in results if r.endpoint == endpoint and r.server != MOCK):
            target = TARGETS.get((endpoint, base.server))
            throughput = mock.requests_per_s / base.requests_per_s if base.requests_per_s else math.nan
            by_round = [m / b for m, b in zip(mock.requests_per_s_by_round, base.requests_per_s_by_round, strict=True)
                        if b]
            out.setdefault(endpoint, {})[base.server] = {
                "throughput": throughput, "throughput_by_round": by_round,
                "cpu_per_request": mock.server_cpu_ms_per_request / base.server_cpu_ms_per_request,
                "p50_ms": [mock.p50_ms, base.p50_ms], "p99_ms": [mock.p99_ms, base.p99_ms],
                "target": target, "met": None if target is None else throughput >= target,
            }
    return out


def profile_mock(mock: Server, cells: list[Cell], args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    """One more load phase per cell on mock-ic alone, sampled by py-spy (GIL samples, 100 Hz)."""
    profiles = {}
    for cell in cells:
        slug = cell.endpoint.split()[0].lower()
        folded = out_dir / f"profile-{slug}.folded"
        print(f"  {cell.endpoint} on {mock.name}, profiled by py-spy ...", flush=True)
        warmup_s = 1.0  # covers py-spy attaching; the warm-up's samples count too (the same requests but creates)
        recorder = server_profile.start(mock.proc.pid, warmup_s + args.profile, folded)
        run_load(functools.partial(drive, mock, cell.measured, cell.warmup, client=args.client,
                                   concurrency=args.concurrency, warmup_s=warmup_s, seconds=args.profile))
        server_profile.finish(recorder, timeout=args.profile + 60)
        profiles[cell.endpoint] = server_profile.summarise(folded)
    return profiles


# The shape of the enrollment check each PUT result runs (mock_ic/oneroster/gradebook.py _require_enrolled).
ENROLLMENT_CHECK = ("SELECT 1 FROM or_enrollments WHERE tenant = ? AND class = ? AND user = ? AND role = ? "
                    "AND status = ? AND (no_show IS NULL OR no_show != ?)")


def query_plans(db_file: Path) -> dict[str, Any]:
    """SQLite's plan for the PUT's enrollment check on the served database (read-only).

    Without ANALYZE statistics SQLite picks between equally ranked indexes by their order in the
    schema, so the plan (and the PUT's cost) can differ between two fresh data dirs.
    """
    with contextlib.closing(sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)) as con:
        plan = con.execute(f"EXPLAIN QUERY PLAN {ENROLLMENT_CHECK}", ("x",) * 6).fetchall()
        has_stats = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0]
    return {"enrollment_check": "; ".join(row[-1] for row in plan), "sqlite_stat1": bool(has_stats)}


# --------------------------------------------------------------------------------------------------
# Start-up: `mock-ic serve` -> first 200 from /_mock/health


def measure_startup(existing: Path, workdir: Path, runs: int, server_src: Path | None) -> dict[str, Any]:
    """``runs`` starts on ``existing`` (the data dir the load ran on) and as many on fresh data dirs,
    alternating; each until /_mock/health first answers 200 (polled every 20 ms), then stopped."""
    samples: dict[str, list[dict[str, float]]] = {"existing": [], "fresh": []}
    for run in range(runs):
        kinds = ("existing", "fresh") if run % 2 == 0 else ("fresh", "existing")
        for kind in kinds:
            data_dir = existing if kind == "existing" else workdir / f"fresh-data-{run}"
            port = free_port()
            print(f"  start-up {run + 1}/{runs}, {kind} data dir ...", flush=True)
            with serving(f"startup-{kind}-{run}", mock_command(port, data_dir, server_src), port, workdir,
                         poll_s=0.02) as server:
                samples[kind].append({"ready_s": server.ready_s, "cpu_s": server.ready_cpu_s})
    summary: dict[str, Any] = {"runs": samples, "targets_s": STARTUP_TARGETS}
    for kind, values in samples.items():
        ready = [v["ready_s"] for v in values]
        if ready:
            summary[kind] = {"min_s": min(ready), "median_s": statistics.median(ready), "max_s": max(ready),
                             "met": max(ready) < STARTUP_TARGETS[kind]}
    return summary


# --------------------------------------------------------------------------------------------------
# Seed time and peak memory of the demo tenant (each measured in a fresh subprocess)


def seed_probe(kind: str, workdir: Path, today: date) -> dict[str, Any]:
    """Runs inside a subprocess; ``kind`` is 'create' (time + max RSS) or 'trace' (timings + tracemalloc)."""
    started = time.perf_counter()
    from mock_ic.control import seed
    from mock_ic.control.tenants import DEMO_APP, DEMO_CREDENTIALS, TenantRegistry
    from mock_ic.store.engine import Database

    out: dict[str, Any] = {"import_s": time.perf_counter() - started}

    def fresh_registry(name: str) -> tuple[Database, TenantRegistry]:
        db = Database(f"sqlite:///{workdir / name}")
        db.create_schema()
        registry = TenantRegistry(db)
        registry.load()
        return db, registry

    if kind == "create":
        # Only the demo tenant's creation, as `mock-ic serve` does it on a fresh data dir.
        db, registry = fresh_registry("create.sqlite3")
        out["maxrss_before_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        registry.create(DEMO_APP, credentials=dict(DEMO_CREDENTIALS), recipe="demo", today=today)
        out["create_s"] = time.perf_counter() - t0
        out["maxrss_after_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        db.dispose()
        out["sqlite_mib"] = sum(p.stat().st_size for p in workdir.glob("create.sqlite3*")) / 2**20
        return out

    import tracemalloc

    recipe = seed.load_recipe("demo")
    timings = []
    for _ in range(3):
        t0 = time.perf_counter()
        district = seed.generate(recipe, today=today)
        timings.append(time.perf_counter() - t0)
    out["generate_s"] = timings
    out["documents"] = {name: len(docs) for name, docs in district.items()}
    del district
    tracemalloc.start()
    seed.generate(recipe, today=today)
    out["generate_tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    db, registry = fresh_registry("trace.sqlite3")
    tracemalloc.start()
    registry.create(DEMO_APP, credentials=dict(DEMO_CREDENTIALS), recipe="demo", today=today)
    out["create_tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    db.dispose()
    return out


def measure_seed(workdir: Path, today: date) -> dict[str, Any]:
    results: dict[str, Any] = {"today": today.isoformat()}
    for kind in ("create", "trace"):
        probe_dir = workdir / f"seed-{kind}"
        probe_dir.mkdir()
        done = subprocess.run([sys.executable, __file__, "--seed-probe", kind, "--probe-dir", str(probe_dir),
                               "--today", today.isoformat()], cwd=ROOT, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"seed probe {kind} failed:\n{done.stderr}")
        results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# Machine, report


def machine() -> dict[str, Any]:
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        os_name = next(line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                       if line.startswith("PRETTY_NAME="))
    packages = {}
    for name in ("connexion", "flask", "uvicorn", "a2wsgi", "starlette", "sqlalchemy", "uvloop", "httptools",
                 "httpx", "orjson", "gunicorn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            packages[name] = metadata.version(name)
    return {
        "nproc": len(os.sched_getaffinity(0)), "cpu_model": cpu_model, "ram_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(), "os": os_name, "kernel": platform.release(), "packages": packages,
    }


def node_version() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return None


def source_fingerprint(root: Path = ROOT) -> dict[str, Any]:
    """Which mock-ic code was measured: a digest of mock_ic/ and openapi/ and their newest change."""
    files = sorted([*root.glob("mock_ic/**/*.py"), *root.glob("openapi/*.yaml")])
    digest = hashlib.sha1()
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    newest = max(files, key=lambda p: p.stat().st_mtime)
    return {"root": str(root), "sha1": digest.hexdigest()[:12], "files": len(files),
            "newest": str(newest.relative_to(root)),
            "newest_mtime": datetime.fromtimestamp(newest.stat().st_mtime).isoformat(timespec="seconds")}


def _load_row(r: dict[str, Any]) -> str:
    return (f"{r['endpoint']:<22}{r['server']:<14}{r['requests_per_s']:>8.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['server_cpu_percent']:>9.0f}{r['server_cpu_ms_per_request']:>11.3f}"
            f"{r['client_cpu_percent']:>9.0f}{r['other_cpu_percent']:>8.0f}{r['connections_opened']:>7}  "
            f"{'/'.join(f'{x:.0f}' for x in r['requests_per_s_by_round']):<22}{r['statuses']}")


def print_report(report: dict[str, Any]) -> None:
    m, cfg = report["machine"], report["config"]
    print(f"\nmachine: {m['nproc']} CPU(s) {m['cpu_model']}, {m['ram_gib']} GiB, Python {m['python']}, {m['os']}; "
          f"load average before {report['loadavg_before'][0]:.2f}, after {report['loadavg_after'][0]:.2f}")
    print(f"client: {cfg['client']}, concurrency {cfg['concurrency']}, {cfg['seconds']} s measured per endpoint and "
          f"server in {cfg['rounds']} alternating rounds, after {cfg['warmup']} s warm-up")
    for name, server in report["servers"].items():
        print(f"  {name:<14}{server['what']}; healthy after {server['ready_s']:.2f} s, "
              f"peak RSS {server['peak_rss_mib']:.0f} MiB, log {server['log_bytes']:,} bytes"
              f"{'; ' + server['version'] if server.get('version') else ''}")
    for name, checks in report.get("answers", {}).items():
        for endpoint, check in checks.items():
            if "bytes" not in check:
                print(f"  {name} answers the GET {endpoint}: {check['status']}")
                continue
            same = "the same bytes" if check["same_bytes"] else (
                f"the same JSON in {check['bytes']:,} bytes (mock-ic {check['captured_bytes']:,})"
                if check["same_json"] else "ANOTHER body")
            verdict = "; ".join(check["problems"]) or "measured"
            print(f"  {name} answers {endpoint}: {check['status']}, {same}: {verdict}")
    print()
    header = (f"{'endpoint':<22}{'server':<14}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'srv CPU%':>9}"
              f"{'srv ms/req':>11}{'cli CPU%':>9}{'other%':>8}{'conns':>7}  {'req/s by round':<22}statuses")
    print(header)
    print("-" * len(header))
    for r in [*report["load"], *report.get("decomposition", [])]:
        print(_load_row(r))
    print()
    for endpoint, versus in report["ratios"].items():
        for base, ratio in versus.items():
            target = ratio["target"]
            verdict = "" if target is None else f" (target >= {target}: {'met' if ratio['met'] else 'NOT met'})"
            by_round = ", ".join(f"{x:.2f}" for x in ratio["throughput_by_round"])
            print(f"{endpoint}: mock-ic / {base} req/s {ratio['throughput']:.2f}{verdict}, by round {by_round}; "
                  f"server CPU per request {ratio['cpu_per_request']:.2f} x {base}")
    for endpoint, profile in report.get("profile", {}).items():
        layers = ", ".join(f"{name} {share:.0%}" for name, share in profile["layers"].items() if share >= 0.02)
        print(f"\nprofile of mock-ic, {endpoint} ({profile['samples']} GIL samples; {profile['folded']}):\n"
              f"  by layer: {layers}")
        for function, share in list(profile["functions"].items())[:10]:
            print(f"  {share:6.1%}  {function}")
    src = report["mock_ic_source"]
    print(f"\nmock_ic sources {src['sha1']} ({src['files']} files under {src['root']}, newest {src['newest']} "
          f"{src['newest_mtime']})")
    print(f"enrollment check plan on the served database: {report['query_plans']['enrollment_check']} "
          f"(ANALYZE statistics: {'yes' if report['query_plans']['sqlite_stat1'] else 'no'})")
    if "startup" in report:
        st = report["startup"]
        for kind in ("existing", "fresh"):
            if kind in st:
                runs = ", ".join(f"{v['ready_s']:.2f}" for v in st["runs"][kind])
                print(f"mock-ic serve -> healthy, {kind} data dir: {runs} s (median {st[kind]['median_s']:.2f}; "
                      f"target < {st['targets_s'][kind]} s: {'met' if st[kind]['met'] else 'NOT met'})")
    if "seed" not in report:
        return
    s = report["seed"]
    print(f"seed (demo recipe, today={s['today']}): generate {min(s['trace']['generate_s']):.2f} s "
          f"(first {s['trace']['generate_s'][0]:.2f} s); TenantRegistry.create on a fresh SQLite file "
          f"{s['create']['create_s']:.2f} s; {sum(s['trace']['documents'].values())} documents")
    create, trace = s["create"], s["trace"]
    print(f"memory: create-only subprocess max RSS {create['maxrss_after_mib']:.0f} MiB "
          f"({create['maxrss_before_mib']:.0f} MiB after imports); tracemalloc peak generate "
          f"{trace['generate_tracemalloc_peak_mib']:.0f} MiB, create {trace['create_tracemalloc_peak_mib']:.0f} MiB; "
          f"SQLite file {create['sqlite_mib']:.1f} MiB")


# --------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mock-ic vs plain Flask and Prism on the passback paths")
    parser.add_argument("--seconds", type=float, default=12.0,
                        help="measured seconds per endpoint and server, over all rounds (default 12)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="split each cell's measured seconds into this many rounds, the servers alternating "
                             "(default 4)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="warm-up seconds before a server's first round of a cell (default 2; later rounds 0.5)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections, each closed-loop (default 8)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="load client: raw asyncio HTTP/1.1 (default) or httpx.AsyncClient")
    parser.add_argument("--baselines", nargs="+", choices=tuple(BASELINES), default=["flask", "prism"],
                        help="servers mock-ic is compared with (default: flask prism)")
    parser.add_argument("--startup-runs", type=int, default=3,
                        help="timed mock-ic start-ups on the existing data dir and on fresh ones (3 each; 0: none)")
    parser.add_argument("--decompose", action="store_true",
                        help="also measure cheaper requests (health, one class, a 1-item page) to split the cost")
    parser.add_argument("--profile", type=float, default=0.0, metavar="SECONDS",
                        help="then load mock-ic alone this long per endpoint under py-spy and report where its "
                             "CPU goes (default 0: no profile)")
    parser.add_argument("--skip-seed", action="store_true", help="skip the seed time / memory subprocesses")
    parser.add_argument("--server-src", type=Path,
                        help="serve mock-ic from this source tree (e.g. `git archive <commit> | tar -x -C DIR`)")
    parser.add_argument("--json", type=Path, help="also write the full report as JSON here")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(), help=argparse.SUPPRESS)
    parser.add_argument("--seed-probe", choices=("create", "trace"), help=argparse.SUPPRESS)
    parser.add_argument("--probe-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.server_src is not None:
        args.server_src = args.server_src.resolve()
        if not (args.server_src / "mock_ic" / "cli.py").is_file():
            parser.error(f"--server-src {args.server_src}: no mock_ic/cli.py there")
    args.baselines = list(dict.fromkeys(args.baselines))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.seed_probe:
        print(json.dumps(seed_probe(args.seed_probe, args.probe_dir, args.today)))
        return 0

    report: dict[str, Any] = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "loadavg_before": os.getloadavg(),
        "mock_ic_source": source_fingerprint(args.server_src or ROOT),
        "config": {"seconds": args.seconds, "warmup": args.warmup, "rounds": args.rounds,
                   "concurrency": args.concurrency, "client": args.client, "baselines": args.baselines,
                   "line_items": LINE_ITEMS, "result_ids": RESULT_IDS},
    }
    versions = {"flask": f"gunicorn {report['machine']['packages'].get('gunicorn')}",
                "flask-uvicorn": f"uvicorn {report['machine']['packages'].get('uvicorn')}"}
    if "prism" in args.baselines:
        versions["prism"] = f"{prism_baseline.PACKAGE} {prism_baseline.ensure_installed()}, node {node_version()}"
    with tempfile.TemporaryDirectory(prefix="mock-ic-bench-") as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        mock_port = free_port()
        with contextlib.ExitStack() as stack:
            mock = stack.enter_context(serving(MOCK, mock_command(mock_port, data_dir, args.server_src), mock_port,
                                               workdir))
            print(f"mock-ic healthy after {mock.ready_s:.2f} s on {mock.base}; preparing data", flush=True)
            work = prepare(mock.base)
            replay = {"get_line_items": capture(mock.base, work.get_line_items, 200)}
            capture(mock.base, work.put_warmup[0], 201)
            replay["put_result"] = capture(mock.base, work.put_warmup[0], 200)  # a replace, as most of the load
            replay_file = workdir / "replay.json"
            replay_file.write_text(json.dumps(replay))
            prism_document = None
            if "prism" in args.baselines:
                prism_document = workdir / "prism-openapi.json"
                write_prism_document(replay, prism_document)
            report["workload"] = {"class": work.class_id, "students_in_class": work.student_count,
                                  "get_bytes": replay["get_line_items"]["bytes"],
                                  "put_request_bytes": len(work.put_results[0].body),
                                  "put_response_bytes": replay["put_result"]["bytes"],
                                  "get_path": work.get_line_items.path,
                                  "put_path": work.put_results[0].path}

            cells = [Cell(GET, [work.get_line_items], [work.get_line_items], frozenset({200})),
                     Cell(PUT, work.put_results, work.put_warmup, frozenset({200, 201}))]
            probes = {GET: (work.get_line_items, replay["get_line_items"]),
                      PUT: (work.put_results[0], replay["put_result"])}
            servers: list[Server] = [mock]
            servers_of: dict[str, list[Server]] = {cell.endpoint: [mock] for cell in cells}
            report["answers"] = {MOCK: {"without credentials": without_credentials(mock, work.get_line_items)}}
            for name in args.baselines:
                port = free_port()
                # Prism has no health route: it is up when it answers the measured GET.
                health = work.get_line_items if name == "prism" else HEALTH
                server = stack.enter_context(serving(
                    name, baseline_command(name, port, replay_file, prism_document), port, workdir, health=health))
                servers.append(server)
                checks = {endpoint: check_answer(server, request, captured)
                          for endpoint, (request, captured) in probes.items()}
                # Does it check credentials at all? (Prism validates the security requirement; Flask does not.)
                checks["without credentials"] = without_credentials(server, work.get_line_items)
                report["answers"][name] = checks
                for endpoint, check in checks.items():
                    if endpoint in servers_of and check["problems"]:
                        print(f"  {name} is not measured on {endpoint}: {'; '.join(check['problems'])}")
                    elif endpoint in servers_of:
                        servers_of[endpoint].append(server)
            results = measure(cells, {k: tuple(v) for k, v in servers_of.items()}, args)
            if args.decompose:
                extra = decomposition_cells(work)
                flask = [s for s in servers if s.name == "flask"]
                decompose_on = {c.endpoint: (mock, *flask) if c.endpoint == "GET health" else (mock,) for c in extra}
                report["decomposition"] = [asdict(r) for r in measure(extra, decompose_on, args)]
            if args.profile > 0:
                report["profile"] = profile_mock(mock, cells, args, workdir)
                for profile in report["profile"].values() if args.json else ():  # kept beside the JSON report
                    args.json.parent.mkdir(parents=True, exist_ok=True)
                    folded = Path(profile["folded"])
                    profile["folded"] = str(shutil.copy(folded, args.json.with_name(f"{args.json.stem}-{folded.name}")))
            report["query_plans"] = query_plans(data_dir / "mock-ic.sqlite3")
            report["servers"] = {
                s.name: {"what": "mock-ic serve, one worker" if s is mock else BASELINES[s.name],
                         "command": [str(c) for c in s.proc.args] if isinstance(s.proc.args, list) else s.proc.args,
                         "version": versions.get(s.name), "ready_s": s.ready_s, "ready_cpu_s": s.ready_cpu_s,
                         "peak_rss_mib": s.peak_rss_mib(), "log_bytes": s.log.stat().st_size}
                for s in servers}
        report["load"] = [asdict(r) for r in results]
        report["ratios"] = ratios(results)
        if args.startup_runs > 0:
            report["startup"] = measure_startup(data_dir, workdir, args.startup_runs, args.server_src)
        if not args.skip_seed:
            print("  seed time and memory ...", flush=True)
            report["seed"] = measure_seed(workdir, args.today)
    report["finished"] = datetime.now().isoformat(timespec="seconds")
    report["loadavg_after"] = os.getloadavg()
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
