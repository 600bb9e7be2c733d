"""The server the kit judges: where it is, how to get a token, which OneRoster version it speaks.

A target is any OneRoster server: a district's Infinite Campus connection, a mock-ic somewhere, or
a mock-ic the kit starts itself (:func:`in_process`, the one place the kit imports ``mock_ic``, and
only when asked). Secrets come from the environment (``ONEROSTER_CLIENT_SECRET``,
``ONEROSTER_VENDOR_SECRET``), never from the command line, and never appear in a ``repr``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from conformance.client import OneRosterClient

CLIENT_SECRET_ENV = "ONEROSTER_CLIENT_SECRET"
VENDOR_SECRET_ENV = "ONEROSTER_VENDOR_SECRET"
VERSION_PATHS = {"1.2": "v1p2", "1.1": "v1p1"}


@dataclass(frozen=True)
class Target:
    base_url: str  # the ``.../ims/oneroster`` root of the connection (client.py accepts a service base too)
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    version: str = "1.2"
    vendor_key: str | None = None
    vendor_secret: str | None = field(default=None, repr=False)
    # A mock-ic target's control plane for this tenant (``mock_ic.testing.AdminClient``): teacher
    # edits, the request log. None for any other server: the steps that need it are skipped.
    admin: Any = field(default=None, repr=False, compare=False)
    description: str = ""  # what the report calls it, e.g. "mock-ic (in process)"

    def __post_init__(self) -> None:
        if self.version not in VERSION_PATHS:
            raise ValueError(f"version must be one of {', '.join(VERSION_PATHS)}, not {self.version!r}")

    def client(self, **options: Any) -> OneRosterClient:
        """A reference client of this connection (token, vendor header, paging, retries)."""
        return OneRosterClient(base_url=self.base_url, token_url=self.token_url, client_id=self.client_id,
                               client_secret=self.client_secret, vendor_key=self.vendor_key,
                               vendor_secret=self.vendor_secret, version=self.version, **options)

    @property
    def vendor_header(self) -> dict[str, str]:
        if self.vendor_key is None or self.vendor_secret is None:
            return {}
        return {"x-vendor-authorization": f"{self.vendor_key}:{self.vendor_secret}"}

    def service_url(self, service: str) -> str:
        """The 1.2 ``rostering``/``gradebook`` base, or the one 1.1 base (IC serves 1.1 at one root)."""
        if self.version == "1.1":
            return f"{self.base_url}/v1p1"
        return f"{self.base_url}/{service}/v1p2"

    def with_version(self, version: str) -> Target:
        return Target(self.base_url, self.token_url, self.client_id, self.client_secret, version,
                      self.vendor_key, self.vendor_secret, self.admin, self.description)


def from_environment(*, base_url: str, token_url: str, client_id: str, version: str = "1.2",
                     vendor_key: str | None = None, environ: dict[str, str] | None = None) -> Target:
    """A remote target; its secrets from ``ONEROSTER_CLIENT_SECRET`` / ``ONEROSTER_VENDOR_SECRET``."""
    env = os.environ if environ is None else environ
    secret = env.get(CLIENT_SECRET_ENV)
    if not secret:
        raise ValueError(f"set {CLIENT_SECRET_ENV} to the connection's client secret (it is never taken "
                         "from the command line, where the process list and the shell history would keep it)")
    vendor_secret = env.get(VENDOR_SECRET_ENV) if vendor_key else None
    if vendor_key and not vendor_secret:
        raise ValueError(f"--vendor-key needs {VENDOR_SECRET_ENV}: the grade book calls send both")
    return Target(base_url.rstrip("/"), token_url, client_id, secret, version, vendor_key, vendor_secret,
                  description=base_url)


@contextmanager
def in_process(*, version: str = "1.2", settings: dict[str, Any] | None = None,
               faults: list[dict[str, Any]] | None = None) -> Iterator[Target]:
    """A mock-ic tenant of the demo district on a server in this process, for as long as the block runs,
    with tenant ``settings`` (e.g. a rule switched off) and fault rules (FAULT-RULES) if given.

    The only import of ``mock_ic`` by the kit (import-linter's contract names it), and a lazy one: a CI
    job that runs the kit against a remote server installs none of the server's dependencies.
    """
    from mock_ic.testing import MockIC

    with MockIC(settings=dict(settings or {})) as mock:
        for fault in faults or ():
            mock.admin.add_fault(**fault)
        root = mock.base_url + (f"/campus/api/oneroster/v1p2/{mock.app_name}/ims/oneroster" if version == "1.2"
                                else f"/campus/oneroster/{mock.app_name}/ims/oneroster")
        yield Target(root, mock.token_url, mock.client_id, mock.client_secret, version, mock.vendor_key,
                     mock.vendor_secret, admin=mock.admin, description=f"mock-ic in process ({mock.app_name})")
