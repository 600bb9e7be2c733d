"""What the auth suite does through a mock-ic's control plane: move its clock, make a second tenant.

Only a mock-ic target has ``target.admin`` (its control plane); against any other server these
checks are skipped with a reason. Both helpers put back what they change, even when a check fails.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# A district small enough to be made in well under a second (docs/admin-api.md, "Recipes").
TINY_DISTRICT = {"schools": 1, "courses": 2, "classes": 2, "students": 6, "teachers": 2, "classes_per_student": 1}


def _admin_call(admin: Any, method: str, path: str, **kwargs: Any) -> Any:
    response = admin.session.request(method, f"{admin.base_url}/_mock{path}", timeout=60, **kwargs)
    if response.status_code >= 400:
        raise RuntimeError(f"{method} /_mock{path} -> {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


@contextmanager
def clock_moved(admin: Any, seconds: float) -> Iterator[None]:
    """The mock's clock ``seconds`` ahead (it moves token expiry only), put back afterwards."""
    before = float(_admin_call(admin, "GET", "/clock")["offsetSeconds"])
    _admin_call(admin, "PUT", "/clock", json={"offsetSeconds": before + seconds})
    try:
        yield
    finally:
        _admin_call(admin, "PUT", "/clock", json={"offsetSeconds": before})


@contextmanager
def another_tenant(admin: Any) -> Iterator[dict[str, Any]]:
    """A second tenant on the same mock (its credentials and URLs), deleted afterwards."""
    app = f"mockic-kit-foreign-{secrets.token_hex(4)}"
    created = _admin_call(admin, "POST", "/tenants", json={"appName": app, "recipe": TINY_DISTRICT})
    try:
        yield created
    finally:
        _admin_call(admin, "DELETE", f"/tenants/{app}")
