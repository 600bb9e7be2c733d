"""Connexion handlers shared by OneRoster 1.1 and 1.2: parse -> service -> envelope.

Read handlers are built from the endpoint table (mock_ic/oneroster/endpoints.py), each with the
exact signature its operation declares (connexion passes only declared parameters). A
:class:`Flavour` says what differs per version: the spec, and for 1.1 the user-id prefixes
(IC-IDS), the users without a portal account (IC-USERS) and the rendering of documents.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connexion import context
from starlette.responses import Response

from mock_ic.api import rendering
from mock_ic.api.serving import on_loop
from mock_ic.control.request_context import context_of
from mock_ic.control.tenants import Tenant
from mock_ic.errors import InvalidData
from mock_ic.ic import grading_tasks
from mock_ic.oneroster import gradebook, query, reading, v1p1
from mock_ic.oneroster.endpoints import Endpoint, Parent
from mock_ic.oneroster.schemas import spec
from mock_ic.store.tables import KINDS

if TYPE_CHECKING:
    from mock_ic.store import Connection

_LIST_PARAMS = ("limit", "offset", "sort", "orderBy", "filter", "fields")
_USER_PARAMS = ("studentSourcedId", "teacherSourcedId", "userSourcedId")


@dataclass(frozen=True)
class Flavour:
    version: str  # "1.1" | "1.2"
    spec: str  # key of oneroster.schemas.SPEC_FILES, for path parameter names

    @property
    def legacy(self) -> bool:
        return self.version == "1.1"

    def visibility(self, tenant: Tenant) -> query.Visibility:
        """What this connection sees of each kind (IC-SCHOOL-SCOPE, IC-USERS)."""
        return query.visibility(self.version, tenant.settings.schools)

    def canonical_path(self, conn: Connection, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
        """1.1 paths name users by prefixed id (IC-IDS): translate them before querying."""
        if not self.legacy:
            return params
        out = dict(params)
        for name in _USER_PARAMS:
            if out.get(name):
                out[name] = v1p1.canonical_user_id(conn, tenant, out[name])
        return out

    def texts(self, conn: Connection, tenant: Tenant, kind: str, texts: list[str]) -> list[str]:
        """Stored texts as this connection is answered: a grading task shows its window (IC-GRADING-TASK),
        then 1.1 renders its own shapes."""
        texts = grading_tasks.shown_window(kind, texts, tenant.settings.closed_grading_periods)
        return v1p1.render_texts(conn, tenant.app_name, kind, texts) if self.legacy else texts


def current_tenant() -> Tenant:
    tenant = context_of(context.scope).tenant
    assert tenant is not None, "security admitted a request without a tenant"
    return tenant


def _db() -> Any:
    return context_of(context.scope).runtime.db


def _path_params(spec_name: str, operation_id: str) -> list[str]:
    for path, item in spec(spec_name)["paths"].items():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return re.findall(r"{(\w+)}", path)
    raise KeyError(operation_id)


def _with_signature(func: Callable[..., Any], name: str, params: Sequence[str]) -> Callable[..., Any]:
    func = on_loop(func)
    func.__name__ = name
    func.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None) for n in params]
    )
    return func


def read_handler(flavour: Flavour, operation_id: str, endpoint: Endpoint) -> Callable[..., Any]:
    path_names = _path_params(flavour.spec, operation_id)
    if endpoint.single:
        return _with_signature(_single(flavour, endpoint), operation_id, [*path_names, "fields"])
    return _with_signature(_collection(flavour, endpoint, path_names), operation_id, [*path_names, *_LIST_PARAMS])


def _single(flavour: Flavour, endpoint: Endpoint) -> Callable[..., Response]:
    def single(**params: Any) -> Response:
        visible = flavour.visibility(current_tenant())
        tenant = current_tenant().app_name
        fields, warning = query.selection(endpoint.kind, query.split_fields(params.get("fields")),
                                          version=flavour.version)
        with _db().read() as conn:
            path = flavour.canonical_path(conn, tenant, params)
            sourced_id = path["sourcedId"]
            if flavour.legacy and endpoint.kind == "users":
                sourced_id = v1p1.canonical_user_id(conn, tenant, sourced_id)
            text = reading.read_single(conn, tenant, endpoint, sourced_id, path, visible=visible)
            text = flavour.texts(conn, current_tenant(), endpoint.kind, [text])[0]
        return rendering.single_response(endpoint.wrapper, text, fields, warnings=[warning] if warning else [],
                                         version=flavour.version)

    return single


def _collection(flavour: Flavour, endpoint: Endpoint, path_names: list[str]) -> Callable[..., Response]:
    def collection(**params: Any) -> Response:
        tenant = current_tenant()
        list_params = query.list_params(
            limit=params.get("limit"), offset=params.get("offset"), sort=params.get("sort"),
            order_by=params.get("orderBy"), filter_=params.get("filter"), fields=params.get("fields"),
            cap=tenant.settings.limit_cap)
        with _db().read() as conn:
            path = flavour.canonical_path(conn, tenant.app_name, {n: params[n] for n in path_names})
            page = reading.read_collection(conn, tenant.app_name, endpoint, path, list_params,
                                           version=flavour.version, visible=flavour.visibility(tenant))
            page.texts = flavour.texts(conn, tenant, endpoint.kind, page.texts)
        return rendering.collection_response(endpoint.wrapper, page, version=flavour.version)

    return collection


def install_reads(namespace: dict[str, Any], flavour: Flavour, endpoints: dict[str, Endpoint]) -> None:
    """Define one handler per operationId in a handler module's namespace (connexion resolves them there)."""
    operations = {op.get("operationId") for item in spec(flavour.spec)["paths"].values()
                  for op in item.values() if isinstance(op, dict)}
    for operation_id, endpoint in endpoints.items():
        if operation_id in operations:
            namespace[operation_id] = read_handler(flavour, operation_id, endpoint)


# --- gradebook writes ----------------------------------------------------------------------------

def _write_context(flavour: Flavour, conn: Connection) -> gradebook.WriteContext:
    tenant = current_tenant()
    return gradebook.WriteContext(conn=conn, tenant=tenant.app_name, version=flavour.version,
                                  settings=tenant.settings)


def put(flavour: Flavour, kind: str, sourced_id: str, body: Any) -> Response:
    wrapper = KINDS[kind].singular
    item = gradebook.unwrap(body, wrapper)

    def write(conn: Connection) -> tuple[str, bool]:  # run again if it loses a race: leaves ``item`` as sent
        ctx = _write_context(flavour, conn)
        body = dict(item)
        if flavour.legacy:
            v1p1.input_user_refs(conn, ctx.tenant, body, ("student",))
        doc, created = gradebook.put(ctx, kind, sourced_id, body)
        return flavour.texts(conn, current_tenant(), kind, [rendering.dumps(doc)])[0], created

    text, created = _db().transact(write)
    return rendering.single_response(wrapper, text, status=201 if created else 200)


def delete(flavour: Flavour, kind: str, sourced_id: str) -> Response:
    _db().transact(lambda conn: gradebook.delete(_write_context(flavour, conn), kind, sourced_id))
    return rendering.no_content()


def post(flavour: Flavour, kind: str, body: Any, fixed: dict[str, dict[str, str]],
         parents: tuple[Parent, ...], path: dict[str, str]) -> Response:
    items = body.get(kind) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise InvalidData(f"The request body must be a JSON object {{\"{kind}\": [...]}}")

    def write(conn: Connection) -> list[dict[str, str]]:
        ctx = _write_context(flavour, conn)
        for parent in parents:
            reading.require_parent(conn, ctx.tenant, parent, path, flavour.visibility(current_tenant()))
        return gradebook.post_many(ctx, kind, items, fixed)

    pairs = _db().transact(write)
    return rendering.json_response(rendering.dumps({"sourcedIdPairs": pairs}), status=201)
