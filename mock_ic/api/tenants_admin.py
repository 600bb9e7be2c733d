"""Admin handlers for tenants and their state (IC-TENANT): create, list, settings, delete, reset,
snapshots, export, CSV import, grading windows and the clock. Re-exported by ``mock_ic.api.admin``."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from connexion import context
from starlette.responses import Response, StreamingResponse

from mock_ic.api import rendering
from mock_ic.control import request_log, scenarios, state
from mock_ic.control.csv_import import CsvImportError, load_bundle
from mock_ic.control.faults import FaultRule
from mock_ic.control.request_context import runtime_of
from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import Tenant, TenantExists, TenantSettings
from mock_ic.errors import Conflict, InvalidData, UnknownObject, Unprocessable
from mock_ic.ic.settings import SettingError
from mock_ic.mounts import tenant_urls

_CREDENTIALS = {"clientId": "client_id", "clientSecret": "client_secret", "vendorKey": "vendor_key",
                "vendorSecret": "vendor_secret"}


def _rt() -> Runtime:
    return runtime_of(context.scope)


def _tenant(app_name: str) -> Tenant:
    tenant = _rt().tenants.get(app_name)
    if tenant is None:
        raise UnknownObject(f"Unknown tenant {app_name!r}")
    return tenant


def tenant_body(tenant: Tenant) -> dict[str, Any]:
    return {**tenant.public(), "urls": tenant_urls(rendering.request_origin(), tenant.app_name)}


def _json(value: Any, status: int = 200) -> Response:
    return rendering.json_response(rendering.dumps(value), status=status)


def _settings(values: dict[str, Any], base: TenantSettings | None = None) -> TenantSettings:
    try:
        return TenantSettings.from_dict({**(base.to_dict() if base else {}), **values})
    except SettingError as exc:
        raise Unprocessable(str(exc)) from None


def listTenants() -> Response:
    return _json({"tenants": [tenant_body(t) for t in _rt().tenants.all()]})


def createTenant(body: dict[str, Any]) -> Response:
    credentials = {key: body[name] for name, key in _CREDENTIALS.items() if name in body}
    settings = _settings(body.get("settings") or {})
    try:
        tenant = _rt().tenants.create(body["appName"], credentials=credentials, settings=settings,
                                      recipe=body.get("recipe") or "demo")
    except TenantExists as exc:
        raise Conflict(str(exc)) from None
    except (ValueError, TypeError, FileNotFoundError) as exc:
        raise Unprocessable(f"Invalid recipe: {exc}") from None
    return _json(tenant_body(tenant), status=201)


def getTenant(appName: str) -> Response:
    return _json(tenant_body(_tenant(appName)))


def updateTenant(appName: str, body: dict[str, Any]) -> Response:
    tenant = _tenant(appName)
    updated = _rt().tenants.update_settings(appName, _settings(body["settings"], tenant.settings))
    return _json(tenant_body(updated))


def deleteTenant(appName: str) -> Response:
    _tenant(appName)
    _rt().tenants.delete(appName)  # with its fault rules and token revocation
    request_log.clear(_rt().db, appName)
    return rendering.no_content()


def resetTenant(appName: str) -> Response:
    count = state.reset(_rt().db, _tenant(appName))
    return _json({"appName": appName, "documents": count})


def exportTenant(appName: str) -> Response:
    """Every document, streamed: written to a spooled file first (one read transaction, bounded memory: past
    8 MiB it spills to disk), then sent in chunks."""
    _tenant(appName)
    spooled = tempfile.SpooledTemporaryFile(max_size=_EXPORT_IN_MEMORY)  # noqa: SIM115 - closed when sent
    state.export_json(_rt().db, appName, spooled)
    spooled.seek(0)

    def chunks() -> Iterator[bytes]:
        with spooled:
            while chunk := spooled.read(_EXPORT_CHUNK):
                yield chunk

    return StreamingResponse(chunks(), media_type="application/json")


_EXPORT_IN_MEMORY = 8 * 1024 * 1024
_EXPORT_CHUNK = 256 * 1024


def listSnapshots(appName: str) -> Response:
    _tenant(appName)
    return _json({"snapshots": state.list_snapshots(_rt().db, appName)})


def saveSnapshot(appName: str, body: dict[str, Any]) -> Response:
    _tenant(appName)
    return _json(state.save_snapshot(_rt().db, appName, body["name"]), status=201)


def restoreSnapshot(appName: str, name: str) -> Response:
    _tenant(appName)
    try:
        count = state.restore_snapshot(_rt().db, appName, name)
    except state.UnknownSnapshot:
        raise UnknownObject(f"Tenant {appName!r} has no snapshot named {name!r}") from None
    return _json({"appName": appName, "documents": count})


def importRoster(appName: str, body: bytes) -> Response:
    _tenant(appName)
    if not isinstance(body, bytes | bytearray) or not body:  # connexion hands over {} for a missing body
        raise InvalidData("The import needs a request body: a OneRoster CSV bundle, a zip file sent as "
                          "Content-Type: application/zip")
    try:
        count = load_bundle(_rt().db, appName, body)  # streamed into the store: bounded memory, all or nothing
    except CsvImportError as exc:
        raise Unprocessable(f"The CSV bundle was not imported: {exc}") from None
    return _json({"appName": appName, "documents": count})


def setGradingWindow(appName: str, sourcedId: str, body: dict[str, Any]) -> Response:
    """IC-LI-GRADING-WINDOW: a closed period refuses line items and scores that land in it."""
    tenant = _tenant(appName)
    closed = [p for p in tenant.settings.closed_grading_periods if p != sourcedId]
    if not body["open"]:
        closed.append(sourcedId)
    updated = _rt().tenants.update_settings(appName, replace(tenant.settings, closed_grading_periods=tuple(closed)))
    return _json(tenant_body(updated))


def getClock() -> Response:
    return _json({"offsetSeconds": _rt().clock_offset})


def setClock(body: dict[str, Any]) -> Response:
    _rt().shared_clock.set(float(body["offsetSeconds"]))  # every worker's clock, from its next request
    return _json({"offsetSeconds": _rt().clock_offset})


# --- fault rules (FAULT-RULES) --------------------------------------------------------------------

def listFaults(appName: str) -> Response:
    _tenant(appName)
    return _json({"rules": _rt().faults.describe(appName)})


def addFault(appName: str, body: dict[str, Any]) -> Response:
    _tenant(appName)
    try:
        rule = FaultRule.from_dict(body)
    except (TypeError, ValueError) as exc:
        raise Unprocessable(f"Invalid fault rule: {exc}") from None
    try:
        stored = _rt().faults.add(appName, rule)
    except ValueError as exc:
        raise Conflict(str(exc)) from None
    return _json(stored.to_dict(), status=201)


def clearFaults(appName: str) -> Response:
    _tenant(appName)
    _rt().faults.clear(appName)
    return rendering.no_content()


def deleteFault(appName: str, ruleId: str) -> Response:
    _tenant(appName)
    if not _rt().faults.remove(appName, ruleId):
        raise UnknownObject(f"Tenant {appName!r} has no fault rule {ruleId!r}")
    return rendering.no_content()


def applyScenario(appName: str, body: dict[str, Any]) -> Response:
    """FAULT-SCENARIOS: set up data, settings and fault rules so a passback meets one SIS error."""
    _tenant(appName)
    try:
        applied = scenarios.apply(_rt(), appName, body["name"])
    except (scenarios.UnknownScenario, scenarios.UnknownTenant) as exc:
        raise UnknownObject(str(exc)) from None
    return _json(applied)


# --- request log ----------------------------------------------------------------------------------

def listRequests(appName: str, path: str | None = None, method: str | None = None, status: str | None = None,
                 since: str | None = None, until: str | None = None, limit: int = 100, offset: int = 0,
                 format: str = "json") -> Response:
    _tenant(appName)
    filters = {"path_glob": path, "method": method, "status": status, "since": since, "until": until}
    found = request_log.entries(_rt().db, appName, limit=limit, offset=offset, **filters)
    total = request_log.count(_rt().db, appName, **filters)
    body = request_log.to_har(found) if format == "har" else {"entries": found}
    response = _json(body)
    response.headers["X-Total-Count"] = str(total)
    return response


def clearRequests(appName: str) -> Response:
    _tenant(appName)
    request_log.clear(_rt().db, appName)
    return rendering.no_content()
