"""Connexion handlers of the OneRoster 1.2 rostering and gradebook specs: parse -> service -> envelope.

Read handlers are built from the endpoint table (mock_ic/oneroster/endpoints.py), each with the
exact signature its operation declares (connexion passes only declared parameters). Write
handlers are written out: there are few, and each names its kind.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import flask
from connexion import context

from mock_ic import query
from mock_ic.api import rendering
from mock_ic.errors import InvalidData
from mock_ic.oneroster import gradebook, reading
from mock_ic.oneroster.endpoints import CLASS, GRADEBOOK_READS, ROSTERING, SCHOOL, Endpoint, Parent
from mock_ic.oneroster.schemas import spec
from mock_ic.runtime import runtime_of
from mock_ic.tenants import Tenant

VERSION = "1.2"
_LIST_PARAMS = ("limit", "offset", "sort", "orderBy", "filter", "fields")


def current_tenant() -> Tenant:
    return context.scope["mock_ic.tenant"]


def _path_params(spec_name: str, operation_id: str) -> list[str]:
    for path, item in spec(spec_name)["paths"].items():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return re.findall(r"{(\w+)}", path)
    raise KeyError(operation_id)


def _with_signature(func: Callable[..., Any], names: list[str]) -> Callable[..., Any]:
    func.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None) for n in names]
    )
    return func


def read_handler(operation_id: str, endpoint: Endpoint, spec_name: str) -> Callable[..., Any]:
    path_names = _path_params(spec_name, operation_id)
    if endpoint.single:
        def single(**params: Any) -> flask.Response:
            tenant = current_tenant()
            fields, _ = query.selection(endpoint.kind, query.split_fields(params.get("fields")), version=VERSION)
            with runtime_of(context.scope).db.read() as conn:
                text = reading.read_single(conn, tenant.app_name, endpoint, params["sourcedId"], params)
            return rendering.single_response(endpoint.wrapper, text, fields)

        single.__name__ = operation_id
        return _with_signature(single, [*path_names, "fields"])

    def collection(**params: Any) -> flask.Response:
        tenant = current_tenant()
        list_params = query.list_params(
            limit=params.get("limit"), offset=params.get("offset"), sort=params.get("sort"),
            order_by=params.get("orderBy"), filter_=params.get("filter"), fields=params.get("fields"),
            cap=tenant.settings.limit_cap)
        path = {name: params[name] for name in path_names}
        with runtime_of(context.scope).db.read() as conn:
            page = reading.read_collection(conn, tenant.app_name, endpoint, path, list_params, version=VERSION)
        return rendering.collection_response(endpoint.wrapper, page)

    collection.__name__ = operation_id
    return _with_signature(collection, [*path_names, *_LIST_PARAMS])


for _op, _endpoint in ROSTERING.items():
    globals()[_op] = read_handler(_op, _endpoint, "rostering")
for _op, _endpoint in GRADEBOOK_READS.items():
    globals()[_op] = read_handler(_op, _endpoint, "gradebook")


# --- gradebook writes ----------------------------------------------------------------------------

def _write_context(conn: Any) -> gradebook.WriteContext:
    return gradebook.WriteContext(conn=conn, tenant=current_tenant().app_name, version=VERSION)


def _put(kind: str, wrapper: str, sourced_id: str, body: Any) -> flask.Response:
    item = gradebook.unwrap(body, wrapper)
    with runtime_of(context.scope).db.write() as conn:
        doc, created = gradebook.put(_write_context(conn), kind, sourced_id, item)
    return rendering.single_response(wrapper, rendering.dumps(doc), status=201 if created else 200)


def _delete(kind: str, sourced_id: str) -> flask.Response:
    with runtime_of(context.scope).db.write() as conn:
        gradebook.delete(_write_context(conn), kind, sourced_id)
    return rendering.no_content()


def putLineItem(sourcedId: str, body: Any) -> flask.Response:
    return _put("lineItems", "lineItem", sourcedId, body)


def putResult(sourcedId: str, body: Any) -> flask.Response:
    return _put("results", "result", sourcedId, body)


def putCategory(sourcedId: str, body: Any) -> flask.Response:
    return _put("categories", "category", sourcedId, body)


def putScoreScale(sourcedId: str, body: Any) -> flask.Response:
    return _put("scoreScales", "scoreScale", sourcedId, body)


def deleteLineItem(sourcedId: str) -> flask.Response:
    return _delete("lineItems", sourcedId)


def deleteResult(sourcedId: str) -> flask.Response:
    return _delete("results", sourcedId)


def deleteCategory(sourcedId: str) -> flask.Response:
    return _delete("categories", sourcedId)


def deleteScoreScale(sourcedId: str) -> flask.Response:
    return _delete("scoreScales", sourcedId)


def _post(kind: str, wrapper: str, body: Any, fixed: dict[str, dict[str, str]],
          parents: tuple[Any, ...], path: dict[str, str]) -> flask.Response:
    items = body.get(wrapper) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise InvalidData(f"The request body must be a JSON object {{\"{wrapper}\": [...]}}")
    tenant = current_tenant().app_name
    with runtime_of(context.scope).db.write() as conn:
        for parent in parents:
            reading.require_parent(conn, tenant, parent, path)
        pairs = gradebook.post_many(_write_context(conn), kind, items, fixed)
    return rendering.json_response(rendering.dumps({"sourcedIdPairs": pairs}), status=201)


def postLineItemsForClass(classSourcedId: str, body: Any) -> flask.Response:
    return _post("lineItems", "lineItems", body, {"class": {"sourcedId": classSourcedId}}, (CLASS,),
                 {"classSourcedId": classSourcedId})


def postLineItemsForSchool(schoolSourcedId: str, body: Any) -> flask.Response:
    return _post("lineItems", "lineItems", body, {"school": {"sourcedId": schoolSourcedId}}, (SCHOOL,),
                 {"schoolSourcedId": schoolSourcedId})


def postResultsForLineItem(lineItemSourcedId: str, body: Any) -> flask.Response:
    parent = Parent("lineItemSourcedId", "lineItems", "lineItem")
    return _post("results", "results", body, {"lineItem": {"sourcedId": lineItemSourcedId}}, (parent,),
                 {"lineItemSourcedId": lineItemSourcedId})


def postResultsForAcademicSessionForClass(classSourcedId: str, academicSessionSourcedId: str,
                                          body: Any) -> flask.Response:
    session = Parent("academicSessionSourcedId", "academicSessions", "academicSession")
    return _post("results", "results", body, {}, (CLASS, session),
                 {"classSourcedId": classSourcedId, "academicSessionSourcedId": academicSessionSourcedId})
