"""IC-LOAD: at most ``max_concurrent`` in-flight requests per tenant; beyond it 429 ``server_busy``.

Every request of a tenant is counted (limit or not), so turning the setting on mid-run is exact.
The count is per server process, like the fault rules.
"""

from __future__ import annotations

import threading

from mock_ic.errors import ServerBusy

RETRY_AFTER = "1"


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: dict[str, int] = {}

    def enter(self, app_name: str, limit: int | None) -> bool:
        """Count the request in, unless the tenant already has ``limit`` in flight (then False)."""
        with self._lock:
            current = self._count.get(app_name, 0)
            if limit is not None and current >= limit:
                return False
            self._count[app_name] = current + 1
            return True

    def leave(self, app_name: str) -> None:
        with self._lock:
            left = self._count.get(app_name, 0) - 1
            if left > 0:
                self._count[app_name] = left
            else:
                self._count.pop(app_name, None)

    def count(self, app_name: str) -> int:
        return self._count.get(app_name, 0)


def busy_error(app_name: str, limit: int) -> ServerBusy:
    return ServerBusy(f"Too many concurrent requests for the application connection {app_name!r}: at most "
                      f"{limit} may be in flight at once (tenant setting max_concurrent, IC-LOAD); retry later",
                      headers={"Retry-After": RETRY_AFTER})
