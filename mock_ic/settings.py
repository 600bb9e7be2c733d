"""One Settings object for the server: defaults, then ``MOCK_IC_*`` environment variables, then CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("mock-ic", appauthor=False))


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = field(default_factory=default_data_dir)
    database: str | None = None  # SQLAlchemy URL; None -> SQLite file in data_dir
    workers: int = 1
    validate_responses: bool = False  # costly on lists; ON in the test suite
    demo_tenant: bool = True  # create the demo tenant on start when it does not exist
    public_url: str | None = None  # the base URL clients use, when behind a proxy
    admin_token: str | None = None  # protects /_mock; None = open, allowed only on a loopback bind
    request_log_keep: int = 5000  # request-log entries kept per tenant (the newest); requestlog.DEFAULT_KEEP
    max_body_bytes: int = 1_048_576  # larger OneRoster and token request bodies get 413 (the admin API is exempt)

    @property
    def loopback(self) -> bool:
        return self.host in {"127.0.0.1", "localhost", "::1"} or self.host.startswith("127.")

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{Path(self.data_dir) / 'mock-ic.sqlite3'}"

    @property
    def base_url(self) -> str:
        """The URL a client on this machine uses: a wildcard bind (0.0.0.0, ::) is reached on loopback."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(self.host, self.host)
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}"

    def with_overrides(self, **overrides: Any) -> Settings:
        """These settings with the non-None overrides applied (CLI flags left unset are None)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f"MOCK_IC_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _coerce(f.name, raw)
        return cls(**values)


def _coerce(name: str, raw: str) -> Any:
    if name in {"port", "workers", "request_log_keep", "max_body_bytes"}:
        return int(raw)
    if name in {"validate_responses", "demo_tenant"}:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if name == "data_dir":
        return Path(raw).expanduser()
    return raw
