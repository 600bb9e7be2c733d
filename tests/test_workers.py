"""Workers agree (issue 13): a tenant created or changed through one worker is usable on every worker at once.

Each worker keeps the tenants in memory (token checks run on the event loop); every tenant write bumps a
generation number in the database, and ``TenantRegistry.refresh()`` (once per request) reloads when it moved.
Two registries over one database stand for two workers; a served ``--workers 2`` process proves it end to end.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from mock_ic.control.clock import SharedClock
from mock_ic.control.tenants import TenantRegistry
from mock_ic.errors import RULE_HEADER
from mock_ic.ic.settings import TenantSettings
from mock_ic.store.engine import Database
from mock_ic.testing import free_port, stop_process, wait_until_healthy

SMALL = {"seed": 5, "schools": 1, "students": 20, "teachers": 2, "courses": 2, "classes": 4}  # quick to seed


@pytest.fixture
def two_workers(tmp_path: Path, new_database: Callable[[], str | None]) -> Iterator[tuple[TenantRegistry,
                                                                                        TenantRegistry]]:
    """Two registries, each with its own engine, over one database (SQLite or PostgreSQL, tests/conftest.py):
    what two worker processes hold."""
    url = new_database() or f"sqlite:///{tmp_path / 'mock-ic.sqlite3'}"
    first, second = Database(url), Database(url)
    first.create_schema()
    registries = TenantRegistry(first), TenantRegistry(second)
    for registry in registries:
        registry.load()
    yield registries
    first.dispose()
    second.dispose()


def test_refresh_sees_a_tenant_created_through_another_worker(two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    created = a.create("other-worker", recipe=SMALL)
    assert b.get("other-worker") is None  # b has not looked yet: this is what refresh() is for
    assert b.refresh() is True
    assert b.get("other-worker") == created
    assert b.by_client_id(created.client_id) == created
    assert b.refresh() is False  # nothing changed since: no reload


def test_refresh_sees_settings_and_grading_windows_changed_through_another_worker(
        two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    a.create("settings-worker", recipe=SMALL)
    b.refresh()
    a.update_settings("settings-worker", TenantSettings(token_lifetime=60, closed_grading_periods=("gp-1",)))
    b.refresh()
    seen = b.get("settings-worker")
    assert seen is not None
    assert seen.settings.token_lifetime == 60
    assert seen.settings.closed_grading_periods == ("gp-1",)
    b.update_settings("settings-worker", TenantSettings())  # and back, through the other one
    assert a.refresh() is True
    seen_by_a = a.get("settings-worker")
    assert seen_by_a is not None and seen_by_a.settings == TenantSettings()


def test_refresh_forgets_a_tenant_deleted_through_another_worker(two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    created = a.create("deleted-worker", recipe=SMALL)
    b.refresh()
    a.delete("deleted-worker")
    assert b.refresh() is True
    assert b.get("deleted-worker") is None
    assert b.by_client_id(created.client_id) is None
    assert "deleted-worker" not in {t.app_name for t in b.all()}


def test_a_worker_changing_a_tenant_another_worker_deleted_is_told_so(
        two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    a.create("gone-worker", recipe=SMALL)
    b.refresh()
    a.delete("gone-worker")
    with pytest.raises(KeyError):  # b still held it in memory; the database no longer has it
        b.update_settings("gone-worker", TenantSettings(token_lifetime=60))
    assert b.get("gone-worker") is None


def test_a_refused_create_changes_nothing_another_worker_sees(two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    a.create("twice", recipe=SMALL)
    b.refresh()
    with pytest.raises(ValueError, match="exists"):
        b.create("twice", recipe=SMALL)
    assert a.refresh() is False  # the refused write was rolled back, generation bump and all


def test_concurrent_tenant_writes_through_two_workers_each_move_the_generation(
        two_workers: tuple[TenantRegistry, ...]) -> None:
    """No bump is lost when writers commit together (on PostgreSQL two read-then-write bumps could both store
    the same number, and a worker that had read the first would miss the second change)."""
    a, b = two_workers
    a.create("busy-a", recipe=SMALL)
    a.create("busy-b", recipe=SMALL)
    b.refresh()
    before = b.generation

    def change(registry: TenantRegistry, app_name: str) -> None:
        for lifetime in range(60, 70):
            registry.update_settings(app_name, TenantSettings(token_lifetime=lifetime))

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(change, (a, b), ("busy-a", "busy-b")))
    for registry in (a, b):
        registry.refresh()
        assert registry.generation == before + 20
        assert [registry.get(name).settings.token_lifetime for name in ("busy-a", "busy-b")] == [69, 69]


@pytest.fixture
def two_clocks(tmp_path: Path, new_database: Callable[[], str | None]) -> Iterator[tuple[SharedClock, SharedClock,
                                                                                       Database]]:
    """Two workers' clocks (each with its own engine) over one database, and a third engine for a restart."""
    url = new_database() or f"sqlite:///{tmp_path / 'mock-ic.sqlite3'}"
    databases = Database(url), Database(url), Database(url)
    databases[0].create_schema()
    yield SharedClock(databases[0]), SharedClock(databases[1]), databases[2]
    for database in databases:
        database.dispose()


def test_a_clock_moved_through_one_worker_is_moved_on_every_worker(
        two_clocks: tuple[SharedClock, SharedClock, Database]) -> None:
    """PUT /_mock/clock on one worker ages tokens on all of them (token expiry is judged on this clock)."""
    a, b, later = two_clocks
    assert a.offset == b.offset == 0.0
    a.set(7200)
    assert b.offset == 0.0  # b has not looked yet: this is what refresh() is for
    assert b.refresh() is True and b.offset == 7200.0
    assert b.now() - a.now() < 1.0 and b.now() > a.now() - 1.0 and b.now() >= time.time() + 7199
    assert b.refresh() is False  # nothing changed since: no read of the offset
    b.set(-30.5)
    assert a.refresh() is True and a.offset == -30.5
    assert SharedClock(later).offset == -30.5  # stored: a restarted worker keeps the moved clock


def test_refresh_on_an_in_memory_database() -> None:
    db = Database("sqlite:///:memory:")
    db.create_schema()
    a, b = TenantRegistry(db), TenantRegistry(db)
    a.load()
    b.load()
    a.create("in-memory", recipe=SMALL)
    assert b.refresh() is True
    assert b.get("in-memory") is not None
    db.dispose()


# --- a served process with two workers ----------------------------------------------------------

APP = "two-workers"
ADMIN = "/_mock"
ROSTER = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/rostering/v1p2"
GRADEBOOK = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/gradebook/v1p2"
ROUNDS = 40  # calls per check, each on a new connection, so both workers take a share of them
MOST_ROUNDS = 400  # ... continued, if need be, until both workers have answered


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    worker: int  # the pid of the worker process that answered

    def json(self) -> Any:
        return json.loads(self.body)


class Served:
    """A ``mock-ic serve --workers 2`` process, called one new connection per request. Which worker answered is
    read from Linux's socket tables: the server end of the connection is a file descriptor of that worker."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port

    def call(self, method: str, path: str, *, json_body: Any = None, form: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Answer:
        sent = dict(headers or {})
        body: bytes | None = None
        if json_body is not None:
            body, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            body, sent["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            # still open (keep-alive): the worker holds the server end of this connection until we close it
            worker = self._worker_of(conn.sock.getsockname()[1])
        finally:
            conn.close()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, worker)

    def _worker_of(self, client_port: int) -> int:
        inode = _server_socket_inode(self.port, client_port)
        for pid in _children(self.proc.pid):
            if inode in _socket_inodes(pid):
                return pid
        raise AssertionError(f"no worker of {self.proc.pid} holds the connection from port {client_port}")

    def each_worker(self, call: Callable[[], Answer], check: Callable[[Answer], None]) -> dict[int, int]:
        """``call`` on ROUNDS new connections (more, up to MOST_ROUNDS, until both workers have answered),
        ``check`` on every answer; how many answers each worker gave."""
        answered: dict[int, int] = {}
        for done in range(MOST_ROUNDS):
            if done >= ROUNDS and len(answered) == 2:
                break
            answer = call()
            check(answer)
            answered[answer.worker] = answered.get(answer.worker, 0) + 1
        assert len(answered) == 2, f"only one worker answered {MOST_ROUNDS} new connections: {answered}"
        return answered


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = task / "children"
        found += [int(p) for p in children.read_text().split()] if children.exists() else []
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def _server_socket_inode(server_port: int, client_port: int) -> str:
    """The inode of the server's end of the TCP connection 127.0.0.1:client_port -> 127.0.0.1:server_port."""
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            return fields[9]
    raise AssertionError(f"no server socket for the connection from port {client_port}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("telling the workers apart reads Linux's /proc socket tables")
    port = free_port()
    cmd = [sys.executable, "-m", "mock_ic.cli", "serve", "--workers", "2", "--port", str(port),
           "--data-dir", str(tmp_path_factory.mktemp("two-workers"))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process=proc)
        except (RuntimeError, TimeoutError) as exc:
            proc.kill()
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"mock-ic serve --workers 2 did not come up ({exc}):\n{out}") from None
        yield Served(proc, port)
    finally:
        stop_process(proc, timeout=30)


@dataclass
class Connection:
    """The tenant as its integration sees it: credentials from the create answer."""

    tenant: dict[str, Any]

    def token_form(self) -> dict[str, str]:
        return {"grant_type": "client_credentials", "client_id": self.tenant["clientId"],
                "client_secret": self.tenant["clientSecret"]}

    def headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}",
                "x-vendor-authorization": f"{self.tenant['vendorKey']}:{self.tenant['vendorSecret']}"}


def _status(expected: int) -> Callable[[Answer], None]:
    def check(answer: Answer) -> None:
        assert answer.status == expected, f"worker {answer.worker}: {answer.status} {answer.body[:300]!r}"
    return check


def _refused_by_the_grading_window(answer: Answer) -> None:
    assert answer.status == 422, f"worker {answer.worker}: {answer.status} {answer.body[:300]!r}"
    assert answer.headers.get(RULE_HEADER.lower()) == "IC-LI-GRADING-WINDOW", answer.headers


def test_two_workers_agree_on_a_tenant_created_changed_and_deleted_through_one_of_them(served: Served) -> None:
    created = served.call("POST", f"{ADMIN}/tenants", json_body={"appName": APP, "recipe": SMALL})
    assert created.status == 201, created.body
    me = Connection(created.json())
    token_url = f"/campus/oauth2/token?appName={APP}"

    # Created: every worker knows it at once, on every surface (admin API, token, OneRoster). After each
    # change the admin API is asked first: a token request would bring a worker up to date by itself.
    served.each_worker(lambda: served.call("GET", f"{ADMIN}/tenants/{APP}"), _status(200))
    tokens: list[str] = []

    def token_ok(answer: Answer) -> None:
        _status(200)(answer)
        tokens.append(answer.json()["access_token"])

    served.each_worker(lambda: served.call("POST", token_url, form=me.token_form()), token_ok)
    headers = me.headers(tokens[0])
    served.each_worker(lambda: served.call("GET", f"{ROSTER}/schools", headers=headers), _status(200))

    # A setting changed through one worker: every worker applies the new value at once
    patched = served.call("PATCH", f"{ADMIN}/tenants/{APP}", json_body={"settings": {"token_lifetime": 120}})
    assert patched.status == 200, patched.body

    def short_lived(answer: Answer) -> None:
        _status(200)(answer)
        assert answer.json()["expires_in"] <= 120, f"worker {answer.worker} still issues the old lifetime"

    def shows_setting(answer: Answer) -> None:
        _status(200)(answer)
        assert answer.json()["settings"]["token_lifetime"] == 120, f"worker {answer.worker}: old settings"

    served.each_worker(lambda: served.call("GET", f"{ADMIN}/tenants/{APP}"), shows_setting)
    served.each_worker(lambda: served.call("POST", token_url, form=me.token_form()), short_lived)

    # A grading window closed, then opened again, through one worker (IC-LI-GRADING-WINDOW)
    klass = served.call("GET", f"{ROSTER}/classes?limit=1", headers=headers).json()["classes"][0]
    term = served.call("GET", f"{ROSTER}/terms/{klass['terms'][0]['sourcedId']}", headers=headers).json()
    category = served.call("GET", f"{GRADEBOOK}/classes/{klass['sourcedId']}/categories",
                           headers=headers).json()["categories"][0]
    line_item = {"lineItem": {"title": "Workers agree", "class": {"sourcedId": klass["sourcedId"]},
                              "dueDate": f"{term['academicSession']['startDate']}T12:00:00Z",
                              "category": {"sourcedId": category["sourcedId"]}, "resultValueMax": 10}}
    put_line_item = lambda: served.call("PUT", f"{GRADEBOOK}/lineItems/wa-1", json_body=line_item,  # noqa: E731
                                        headers=headers)
    first = put_line_item()
    assert first.status == 201, first.body
    period = first.json()["lineItem"]["gradingPeriod"]["sourcedId"]
    window = f"{ADMIN}/tenants/{APP}/grading-periods/{period}/window"
    assert served.call("PUT", window, json_body={"open": False}).status == 200
    served.each_worker(put_line_item, _refused_by_the_grading_window)
    assert served.call("PUT", window, json_body={"open": True}).status == 200
    served.each_worker(put_line_item, _status(200))

    # A scenario applied through one worker: its settings hold on every worker (its fault rules are per
    # worker until issue 14; this one has none)
    applied = served.call("POST", f"{ADMIN}/tenants/{APP}/scenario",
                          json_body={"name": "could-not-determine-class-or-grading-period"})
    assert applied.status == 200, applied.body
    served.each_worker(put_line_item, _refused_by_the_grading_window)

    # Deleted through one worker: gone on every worker at once
    assert served.call("DELETE", f"{ADMIN}/tenants/{APP}").status == 204
    served.each_worker(lambda: served.call("GET", f"{ADMIN}/tenants/{APP}"), _status(404))
    served.each_worker(lambda: served.call("POST", token_url, form=me.token_form()), _status(401))
    served.each_worker(lambda: served.call("GET", f"{ROSTER}/schools", headers=headers), _status(401))
