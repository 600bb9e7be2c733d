"""Several mock-ic server processes on one database (issue 14), on SQLite and on PostgreSQL: what a client sees
does not depend on which server answers, races between servers lose no update and reach no client as a 500,
and a killed server loses no write it acknowledged.

Every server here is a real ``mock-ic serve`` process (its own event loop, engine and caches) on one SQLite file
or one PostgreSQL database of the test process's throwaway cluster (``tests/conftest.py``); clients call them
over real HTTP, alternating between the servers.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_ic.control.tenants import DEMO_CREDENTIALS
from mock_ic.testing import free_port, stop_process, wait_until_healthy
from tests.conftest import VENDOR

V1P2 = "/campus/api/oneroster/v1p2/demo/ims/oneroster"
ROSTER, GRADEBOOK = f"{V1P2}/rostering/v1p2", f"{V1P2}/gradebook/v1p2"
THREADS, REQUESTS = 8, 200  # per thread: the "8 threads x 200 requests"
TIMEOUT = 60


@dataclass
class Server:
    """One ``mock-ic serve`` process."""

    args: list[str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        cmd = [sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(self.port), "--log-level", "warning",
               *self.args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            wait_until_healthy(self.base, timeout=120, process=self.proc)
        except (RuntimeError, TimeoutError) as exc:
            self.proc.kill()
            output = self.proc.stdout.read() if self.proc.stdout else ""
            raise AssertionError(f"mock-ic serve {self.args} did not come up ({exc}):\n{output}") from None
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop_process(self.proc)

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush, nothing but what is already in the database."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=30)


def _server_args(database_url: str | None, data_dir: Path) -> list[str]:
    return ["--database", database_url] if database_url else ["--data-dir", str(data_dir)]


def _token(base: str) -> str:
    response = requests.post(f"{base}/campus/oauth2/token?appName=demo", data={"grant_type": "client_credentials"},
                             auth=(DEMO_CREDENTIALS["client_id"], DEMO_CREDENTIALS["client_secret"]), timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **VENDOR}


@dataclass(frozen=True)
class Pair:
    """Two servers on one database, and a token (issued by the first)."""

    servers: tuple[Server, Server]
    headers: dict[str, str]

    def base(self, i: int) -> str:
        return self.servers[i % 2].base


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, new_database: Callable[[], str | None]) -> Iterator[Pair]:
    args = _server_args(new_database(), tmp_path_factory.mktemp("scale-out"))
    first = Server(args).start()  # makes the schema and the demo tenant; the second finds them
    second = Server(["--no-demo", *args])
    try:
        second.start()
        yield Pair((first, second), _headers(_token(first.base)))
    finally:
        second.stop()
        first.stop()


@dataclass(frozen=True)
class SchoolClass:
    id: str
    due: str  # a due date inside the class's first term
    category: str
    students: list[str]


def _school_class(base: str, headers: dict[str, str], offset: int) -> SchoolClass:
    def get(path: str) -> Any:
        response = requests.get(base + path, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()

    klass = get(f"{ROSTER}/classes?limit=1&offset={offset}")["classes"][0]
    term = get(f"{ROSTER}/terms/{klass['terms'][0]['sourcedId']}")["academicSession"]
    category = get(f"{GRADEBOOK}/classes/{klass['sourcedId']}/categories")["categories"][0]
    students = [u["sourcedId"] for u in get(f"{ROSTER}/classes/{klass['sourcedId']}/students")["users"]]
    assert students, klass
    return SchoolClass(klass["sourcedId"], f"{term['startDate']}T12:00:00Z", category["sourcedId"], students)


def _line_item(klass: SchoolClass, title: str) -> dict[str, Any]:
    return {"lineItem": {"title": title, "dueDate": klass.due, "class": {"sourcedId": klass.id},
                         "category": {"sourcedId": klass.category}, "resultValueMax": 1000}}


def _result(line_item: str, student: str, score: float, comment: str) -> dict[str, Any]:
    return {"result": {"lineItem": {"sourcedId": line_item}, "student": {"sourcedId": student}, "score": score,
                       "comment": comment, "scoreStatus": "fully graded"}}


def _put(session: requests.Session, url: str, body: dict[str, Any], headers: dict[str, str]) -> requests.Response:
    return session.put(url, json=body, headers=headers, timeout=TIMEOUT)


def _threads(work: Callable[[int, requests.Session], list[int]]) -> list[int]:
    """``work(thread, session)`` on THREADS threads at once; every status they saw."""
    def run(thread: int) -> list[int]:
        with requests.Session() as session:
            return work(thread, session)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(itertools.chain.from_iterable(pool.map(run, range(THREADS))))


# --- shared state -----------------------------------------------------------------------------------

def test_two_servers_share_writes_tokens_and_fault_counters(pair: Pair) -> None:
    """Issue 14: a line item written through one server is read through the other; a token issued by one
    works on the other; a "next 2 calls 503" rule armed through one fires twice in total across both."""
    klass = _school_class(pair.base(0), pair.headers, offset=3)
    put = requests.put(f"{pair.base(0)}{GRADEBOOK}/lineItems/shared-li", json=_line_item(klass, "Shared"),
                       headers=pair.headers, timeout=TIMEOUT)
    assert put.status_code == 201, put.text
    read = requests.get(f"{pair.base(1)}{GRADEBOOK}/lineItems/shared-li", headers=pair.headers, timeout=TIMEOUT)
    assert read.status_code == 200 and read.json()["lineItem"]["title"] == "Shared"  # and the token of server 0

    rule = {"id": "two-503", "path": "*/rostering/v1p2/schools", "times": 2, "status": 503}
    added = requests.post(f"{pair.base(1)}/_mock/tenants/demo/faults", json=rule, timeout=TIMEOUT)
    assert added.status_code == 201, added.text
    statuses = [requests.get(f"{pair.base(i)}{ROSTER}/schools", headers=pair.headers, timeout=TIMEOUT).status_code
                for i in range(6)]
    assert statuses == [503, 503, 200, 200, 200, 200]
    for i in range(2):  # both servers report the same counters
        listed = requests.get(f"{pair.base(i)}/_mock/tenants/demo/faults", timeout=TIMEOUT).json()["rules"]
        assert [(r["id"], r["matched"], r["fired"], r["spent"]) for r in listed] == [("two-503", 2, 2, True)]
    assert requests.delete(f"{pair.base(0)}/_mock/tenants/demo/faults", timeout=TIMEOUT).status_code == 204


def test_a_token_revoked_through_one_server_is_refused_by_the_other(pair: Pair) -> None:
    """FAULT-RULES ``revokeToken``: the revocation is stored, so every server refuses the old token."""
    token = pair.headers["Authorization"].removeprefix("Bearer ")
    rule = {"id": "revoke", "path": "*/rostering/v1p2/orgs", "times": 1, "revokeToken": True}
    assert requests.post(f"{pair.base(0)}/_mock/tenants/demo/faults", json=rule, timeout=TIMEOUT).status_code == 201
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{pair.base(1)}{ROSTER}/orgs", headers=headers, timeout=TIMEOUT).status_code == 401
    assert requests.get(f"{pair.base(0)}{ROSTER}/schools", headers=headers, timeout=TIMEOUT).status_code == 401
    pair.headers.update(_headers(_token(pair.base(0))))  # a new token, for this test and the ones after it
    assert requests.get(f"{pair.base(1)}{ROSTER}/schools", headers=pair.headers, timeout=TIMEOUT).status_code == 200
    assert requests.delete(f"{pair.base(0)}/_mock/tenants/demo/faults", timeout=TIMEOUT).status_code == 204


# --- races between servers --------------------------------------------------------------------------

def test_concurrent_same_title_puts_through_two_servers_have_exactly_one_winner(pair: Pair) -> None:
    """IC-LI-DUP-TITLE under concurrency: in each of 200 rounds, 8 threads PUT 8 different line items with one
    title into one class at once, alternately through the two servers: exactly one is created (201), the
    others are refused (422) naming the title, no 5xx, and the class ends with one line item per title."""
    klass = _school_class(pair.base(0), pair.headers, offset=11)
    barrier = threading.Barrier(THREADS)
    winners: Counter[int] = Counter()
    lock = threading.Lock()

    def work(thread: int, session: requests.Session) -> list[int]:
        statuses = []
        for round_ in range(REQUESTS):
            barrier.wait(timeout=TIMEOUT)
            url = f"{pair.base(thread + round_)}{GRADEBOOK}/lineItems/race-{round_}-{thread}"
            response = _put(session, url, _line_item(klass, f"Race {round_}"), pair.headers)
            statuses.append(response.status_code)
            if response.status_code == 201:
                with lock:
                    winners[round_] += 1
            else:
                assert response.status_code == 422 and f"Race {round_}" in response.text, response.text
        return statuses

    statuses = _threads(work)
    assert len(statuses) == THREADS * REQUESTS and not [s for s in statuses if s >= 500]
    assert winners == Counter(dict.fromkeys(range(REQUESTS), 1))
    listed = requests.get(f"{pair.base(1)}{GRADEBOOK}/classes/{klass.id}/lineItems",
                          params={"filter": "title~'Race '", "limit": 1000}, headers=pair.headers, timeout=TIMEOUT)
    titles = Counter(item["title"] for item in listed.json()["lineItems"])
    assert titles == Counter({f"Race {round_}": 1 for round_ in range(REQUESTS)})


def test_concurrent_result_puts_through_two_servers_lose_nothing_and_last_write_wins(pair: Pair) -> None:
    """IC-RES-UPSERT under concurrency: 8 threads x 200 PUTs through both servers. Each thread rewrites its own
    result and a result all threads share. No 5xx; every thread's own result holds its last write (no lost
    update); the shared one holds one whole write (its score and comment from the same request), never a mix."""
    klass = _school_class(pair.base(0), pair.headers, offset=17)
    line_item = "lww-li"
    assert requests.put(f"{pair.base(0)}{GRADEBOOK}/lineItems/{line_item}", json=_line_item(klass, "Last write"),
                        headers=pair.headers, timeout=TIMEOUT).status_code == 201
    sent_shared: set[tuple[float, str]] = set()
    lock = threading.Lock()

    def work(thread: int, session: requests.Session) -> list[int]:
        statuses = []
        student = klass.students[thread % len(klass.students)]
        for i in range(REQUESTS):
            own = i % 2 == 0
            result_id = f"lww-{thread}" if own else "lww-shared"
            score = float(i if own else thread * 1000 + i)
            body = _result(line_item, klass.students[0] if not own else student, score, f"{thread}:{i}")
            response = _put(session, f"{pair.base(thread + i)}{GRADEBOOK}/results/{result_id}", body, pair.headers)
            assert response.status_code in (200, 201), response.text
            statuses.append(response.status_code)
            if not own:
                with lock:
                    sent_shared.add((score, f"{thread}:{i}"))
        return statuses

    statuses = _threads(work)
    assert len(statuses) == THREADS * REQUESTS and set(statuses) <= {200, 201}

    def stored(result_id: str, server: int) -> dict[str, Any]:
        response = requests.get(f"{pair.base(server)}{GRADEBOOK}/results/{result_id}", headers=pair.headers,
                                timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return dict(response.json()["result"])

    last_own = REQUESTS - 2  # the last even i
    for thread in range(THREADS):
        result = stored(f"lww-{thread}", thread)
        assert (result["score"], result["comment"]) == (float(last_own), f"{thread}:{last_own}")
    shared = stored("lww-shared", 0)
    assert (shared["score"], shared["comment"]) in sent_shared
    other = stored("lww-shared", 1)  # the same stored result through the other server (hrefs name that one)
    assert [other[k] for k in ("score", "comment", "dateLastModified")] == [
        shared[k] for k in ("score", "comment", "dateLastModified")]


# --- crash safety -----------------------------------------------------------------------------------

def test_every_acknowledged_put_survives_kill_9_and_a_restart(tmp_path: Path,
                                                              new_database: Callable[[], str | None]) -> None:
    """Issue 14, crash safety: PUTs stream from 4 threads; the server is killed with SIGKILL in mid-stream and
    started again on the same database: every result it answered 200/201 is there, with the score sent."""
    args = _server_args(new_database(), tmp_path)
    server = Server(args).start()
    try:
        headers = _headers(_token(server.base))
        klass = _school_class(server.base, headers, offset=23)
        assert requests.put(f"{server.base}{GRADEBOOK}/lineItems/crash-li", json=_line_item(klass, "Crash"),
                            headers=headers, timeout=TIMEOUT).status_code == 201
        acknowledged: dict[str, float] = {}
        lock, enough = threading.Lock(), threading.Event()

        def stream(thread: int) -> None:
            with requests.Session() as session:
                for i in itertools.count():
                    result_id, score = f"crash-{thread}-{i}", float(i % 997)
                    body = _result("crash-li", klass.students[thread % len(klass.students)], score, "")
                    try:
                        response = _put(session, f"{server.base}{GRADEBOOK}/results/{result_id}", body, headers)
                    except requests.RequestException:  # refused, reset, or cut off mid-answer
                        return  # the server is gone
                    if response.status_code in (200, 201):
                        with lock:
                            acknowledged[result_id] = score
                            if len(acknowledged) >= 300:
                                enough.set()

        threads = [threading.Thread(target=stream, args=(t,), daemon=True) for t in range(4)]
        for thread in threads:
            thread.start()
        assert enough.wait(timeout=300), f"only {len(acknowledged)} PUTs acknowledged"
        server.kill()  # while the threads are still sending
        for thread in threads:
            thread.join(timeout=TIMEOUT)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        server.stop()

    restarted = Server(["--no-demo", *args]).start()
    try:
        headers = _headers(_token(restarted.base))
        with requests.Session() as session:
            missing = []
            for result_id, score in acknowledged.items():
                response = session.get(f"{restarted.base}{GRADEBOOK}/results/{result_id}", headers=headers,
                                       timeout=TIMEOUT)
                if response.status_code != 200 or response.json()["result"]["score"] != score:
                    missing.append((result_id, response.status_code))
        assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged PUTs lost: {missing[:5]}"
    finally:
        restarted.stop()
