"""mock-ic inside your own tests: ``MockIC`` (a context manager) and the ``mock_ic`` pytest fixture.

    def test_passback(mock_ic):
        token = requests.post(mock_ic.token_url, data={"grant_type": "client_credentials"},
                              auth=(mock_ic.client_id, mock_ic.client_secret)).json()["access_token"]
        ...

One server per process (a uvicorn thread on a free loopback port, over a temporary SQLite file)
and one fresh tenant per ``MockIC``/fixture use, so tests — and pytest-xdist workers, which are
separate processes — never see each other's data. Registered as a pytest plugin through the
``pytest11`` entry point, so installing mock-ic is enough to get the fixture.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

_SERVER_LOCK = threading.Lock()
_SERVER: _Server | None = None


def wait_until_healthy(base_url: str, *, timeout: float = 60.0, process: Any = None) -> None:
    """Poll ``/_mock/health`` until it answers 200; fail after ``timeout`` seconds (or if ``process`` exits)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{base_url}/_mock/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"mock-ic exited with status {process.returncode} before it was healthy")
        if time.monotonic() > deadline:
            raise TimeoutError(f"mock-ic at {base_url} was not healthy within {timeout:.0f} s")
        time.sleep(0.05)  # the polling interval of a deadline-bounded wait


def stop_process(process: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    """Stop a served ``mock-ic serve`` as Ctrl-C does (SIGINT: a clean shutdown that flushes the request
    log); killed if it has not exited after ``timeout`` seconds."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class _Server:
    """A mock-ic server in a daemon thread of this process."""

    def __init__(self, **settings_overrides: Any) -> None:
        # The start makes ~150k long-lived objects and little garbage: the cyclic collector's passes over
        # them were ~15 % of it (benchmarks/BENCHMARKS.md, "Start-up"), so it waits until the server answers.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._start(**settings_overrides)
        finally:
            if was_enabled:
                gc.enable()

    def _start(self, **settings_overrides: Any) -> None:
        import uvicorn

        from mock_ic.app import create_app
        from mock_ic.settings import Settings

        self.data_dir = tempfile.mkdtemp(prefix="mock-ic-")
        port = free_port()
        settings = Settings(port=port, data_dir=self.data_dir, demo_tenant=False,  # type: ignore[arg-type]
                            **settings_overrides)
        self.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="mock-ic", daemon=True)
        self._thread.start()
        self._wait_started(timeout=60.0)
        wait_until_healthy(self.base_url)

    def _wait_started(self, *, timeout: float) -> None:
        """Until uvicorn says it listens (a flag, no request), or its thread ended; health is asked after."""
        deadline = time.monotonic() + timeout
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)  # the polling interval of a deadline-bounded wait, for a flag in memory

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def shared_server() -> _Server:
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None:
            _SERVER = _Server()
            atexit.register(_SERVER.stop)
        return _SERVER


@dataclass
class AdminClient:
    """A thin client of the ``/_mock`` control plane for one tenant."""

    base_url: str
    app_name: str
    session: requests.Session = field(default_factory=requests.Session)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base_url}/_mock{path}", timeout=60, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} /_mock{path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def tenant(self) -> dict[str, Any]:
        return self._call("GET", f"/tenants/{self.app_name}")

    def settings(self, **values: Any) -> dict[str, Any]:
        return self._call("PATCH", f"/tenants/{self.app_name}", json={"settings": values})

    def reset(self) -> dict[str, Any]:
        return self._call("POST", f"/tenants/{self.app_name}/reset")

    def snapshot(self, name: str) -> dict[str, Any]:
        return self._call("POST", f"/tenants/{self.app_name}/snapshots", json={"name": name})

    def restore(self, name: str) -> dict[str, Any]:
        return self._call("POST", f"/tenants/{self.app_name}/snapshots/{name}/restore")

    def export(self) -> dict[str, Any]:
        return self._call("GET", f"/tenants/{self.app_name}/export")

    def gradebook(self, class_id: str) -> dict[str, Any]:
        """The teacher's view of a class (IC-VIEW)."""
        return self._call("GET", f"/tenants/{self.app_name}/classes/{class_id}/gradebook")

    def close_grading_period(self, sourced_id: str, *, open: bool = False) -> dict[str, Any]:
        return self._call("PUT", f"/tenants/{self.app_name}/grading-periods/{sourced_id}/window", json={"open": open})

    def scenario(self, name: str) -> dict[str, Any]:
        """Apply a named SIS-error scenario (FAULT-SCENARIOS, docs/scenarios.md)."""
        return self._call("POST", f"/tenants/{self.app_name}/scenario", json={"name": name})

    def teacher_edit(self, result_id: str, **change: Any) -> dict[str, Any]:
        """Change a score as a teacher in IC would (IC-RES-ONE-WAY), e.g. ``teacher_edit(rid, score=3)``."""
        return self._call("PUT", f"/tenants/{self.app_name}/results/{result_id}/teacher-edit", json=change)

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """A fault rule (FAULT-RULES), e.g. ``add_fault(path="*/results/*", times=2, status=503)``."""
        return self._call("POST", f"/tenants/{self.app_name}/faults", json=rule)

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", f"/tenants/{self.app_name}/faults")["rules"]

    def clear_faults(self) -> None:
        self._call("DELETE", f"/tenants/{self.app_name}/faults")

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The tenant's recorded requests, newest first (path=glob, method, status, since, until)."""
        return self._call("GET", f"/tenants/{self.app_name}/requests", params=filters)["entries"]

    def har(self, **filters: Any) -> dict[str, Any]:
        return self._call("GET", f"/tenants/{self.app_name}/requests", params={**filters, "format": "har"})

    def delete(self) -> None:
        self._call("DELETE", f"/tenants/{self.app_name}")


@dataclass
class MockIC:
    """One isolated tenant on the process's mock-ic server; use as a context manager."""

    recipe: str | dict[str, Any] = "demo"
    settings: dict[str, Any] = field(default_factory=dict)
    app_name: str = ""
    base_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    vendor_key: str = ""
    vendor_secret: str = ""
    admin: AdminClient | None = None

    def __enter__(self) -> MockIC:
        server = shared_server()
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = self.app_name or f"t-{worker}-{uuid.uuid4().hex[:10]}"
        response = requests.post(f"{server.base_url}/_mock/tenants", timeout=60,
                                 json={"appName": name, "recipe": self.recipe, "settings": self.settings})
        if response.status_code != 201:
            raise RuntimeError(f"could not create tenant {name!r}: {response.status_code} {response.text}")
        body = response.json()
        self.app_name, self.base_url = name, server.base_url
        self.client_id, self.client_secret = body["clientId"], body["clientSecret"]
        self.vendor_key, self.vendor_secret = body["vendorKey"], body["vendorSecret"]
        self.urls = body["urls"]
        self.admin = AdminClient(server.base_url, name)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.admin is not None:
            self.admin.delete()

    @property
    def token_url(self) -> str:
        return self.urls["token"]

    @property
    def rostering_url(self) -> str:
        return self.urls["rostering"]

    @property
    def gradebook_url(self) -> str:
        return self.urls["gradebook"]

    @property
    def v1p1_url(self) -> str:
        return self.urls["v1p1"]

    @property
    def vendor_header(self) -> dict[str, str]:
        return {"x-vendor-authorization": f"{self.vendor_key}:{self.vendor_secret}"}

    def token(self) -> str:
        response = requests.post(self.token_url, data={"grant_type": "client_credentials"},
                                 auth=(self.client_id, self.client_secret), timeout=30)
        response.raise_for_status()
        return response.json()["access_token"]


try:  # the pytest plugin (entry point pytest11: mock_ic = mock_ic.testing)
    import pytest

    @pytest.fixture
    def mock_ic() -> Iterator[MockIC]:
        """An isolated mock Infinite Campus tenant (demo district) on a local mock-ic server."""
        with MockIC() as instance:
            yield instance

except ImportError:  # pragma: no cover - pytest is optional for MockIC users
    pass
