"""A throwaway PostgreSQL cluster for the tests: the machine's server binaries, ``initdb`` in a temporary
directory, started on a free loopback port; as root (CI) it runs as the unprivileged user ``nobody``, which
PostgreSQL requires. ``fsync=off``: a test's cluster never outlives the machine, and a killed *mock-ic*
server (the crash tests) is unaffected by it.

One cluster per test process (the ``postgres_cluster`` fixture of ``conftest.py``, session scope); each
test that needs a database asks for a fresh one (:meth:`Cluster.database`), so tests never share tables.

Where no PostgreSQL binaries are installed the PostgreSQL tests skip, saying so, unless
``MOCK_IC_REQUIRE_POSTGRES=1`` (set by ``.ci/run``): then they fail, so CI cannot pass them silently.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from mock_ic.testing import free_port

BINARIES = ("initdb", "pg_ctl")
REQUIRE = "MOCK_IC_REQUIRE_POSTGRES"


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


def binary(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or where Debian's ``postgresql`` puts it (not on PATH)."""
    found = shutil.which(name)
    if found:
        return found
    debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    return str(debian[-1]) if debian else None


def require_binaries() -> None:
    """Skip the calling test when PostgreSQL is not installed (fail instead under MOCK_IC_REQUIRE_POSTGRES=1)."""
    missing = [name for name in BINARIES if binary(name) is None]
    if not missing:
        return
    reason = (f"PostgreSQL server binaries not on PATH: {', '.join(missing)} (install Debian's `postgresql`, "
              f"or set {REQUIRE}=1 to make this a failure)")
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1 but {reason}")
    pytest.skip(reason)


@dataclass
class Cluster:
    home: Path
    port: int
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def server_url(self) -> str:
        """SQLAlchemy URL of the cluster, without a database name."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def database(self, prefix: str = "t") -> str:
        """A new, empty database; its SQLAlchemy URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.server_url}/{name}"

    def stop(self) -> None:
        subprocess.run(_as_server_user([binary("pg_ctl") or "pg_ctl", "-D", str(self.home / "data"), "-m", "immediate",
                                    "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(self.home, ignore_errors=True)


def start() -> Cluster:
    require_binaries()
    home = Path(tempfile.mkdtemp(prefix="mock-ic-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "nobody")
    data, port = home / "data", free_port()
    initdb = [binary("initdb") or "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    subprocess.run(_as_server_user(initdb), check=True, capture_output=True, timeout=120)
    options = (f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 "
               f"-c shared_buffers=64MB")
    pg_ctl = [binary("pg_ctl") or "pg_ctl", "-D", str(data), "-l", str(home / "log"), "-w", "-t", "60", "-o", options]
    subprocess.run(_as_server_user([*pg_ctl, "start"]), check=True, capture_output=True, timeout=90)
    return Cluster(home, port)
