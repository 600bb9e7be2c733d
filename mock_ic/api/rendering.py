"""Turning stored documents into HTTP answers: envelopes, absolute hrefs, field selection, paging headers.

Stored documents are compact JSON text; with no ``fields`` selection the envelope is built by
joining those texts (no parse, no re-serialise). Hrefs are stored server-relative and made
absolute here for the base the request came through (docs/data-model.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import orjson
from connexion import context, request
from starlette.responses import Response

from mock_ic.control.request_context import context_of
from mock_ic.errors import status_info
from mock_ic.mounts import MOUNTS
from mock_ic.oneroster import query
from mock_ic.oneroster.reading import CollectionPage

_STORED_HREF = '"href":"/ims/oneroster/'


def request_origin() -> str:
    """scheme://host[:port] as the client addressed us (or the configured public URL)."""
    scope = context.scope
    public = context_of(scope).runtime.settings.public_url
    if public:
        return public.rstrip("/")
    host = request.headers.get("host")
    if host is None:
        server_host, port = scope.get("server") or ("localhost", None)
        host = server_host if port in (None, 80, 443) else f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}"


def href_prefix() -> str:
    """The part of the request path before ``/ims/oneroster/`` (e.g. ``/campus/api``)."""
    path = _request_path()
    cut = path.find("/ims/oneroster/")
    return path[:cut] if cut > 0 else ""


def absolutise(text: str) -> str:
    path = _request_path()
    if any(path.startswith(m.base + "/") for m in SPLIT_V1P1):  # IC-URL-1P1-SPLIT: each href on its split root
        text = _V1P1_HREF.sub(lambda m: f'"href":"/ims/oneroster/{_v1p1_service(m[1])}/v1p1/{m[1]}/', text)
    return text.replace(_STORED_HREF, f'"href":"{request_origin()}{href_prefix()}/ims/oneroster/')


_V1P1_HREF = re.compile(r'"href":"/ims/oneroster/v1p1/(\w+)/')
SPLIT_V1P1 = tuple(m for m in MOUNTS if m.service)


@cache
def _v1p1_service(kind: str) -> str:
    """The split 1.1 root whose own resources include ``/kind/{sourcedId}``."""
    for mount in SPLIT_V1P1:
        if any(path.startswith(f"/{kind}/{{") and path.count("/") == 2 for path in mount.paths()):
            return mount.service or ""
    return "rostering"


def project(text: str, fields: Sequence[str] | None) -> str:
    if not fields:
        return text
    doc = orjson.loads(text)
    return orjson.dumps({k: doc[k] for k in fields if k in doc}).decode()


def json_response(body: str | bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def collection_response(wrapper: str, page: CollectionPage, *, version: str = "1.2") -> Response:
    items = ",".join(project(t, page.fields) for t in page.texts)
    body = absolutise(f'{{"{wrapper}":[{items}]')
    if page.warnings:
        infos = [status_info(w.code_minor, w.description, version=version, major="success", severity="warning")
                 for w in page.warnings]
        body += ',"statusInfoSet":' + orjson.dumps(infos).decode()
    body += "}"
    url = f"{request_origin()}{_request_path()}"
    headers = {
        "X-Total-Count": str(page.total),
        "Link": query.link_header(url, _first_values(), page.params, page.total),
    }
    return json_response(body, headers=headers)


def _first_values() -> dict[str, str]:
    """The query parameters, the first value of each (as the client's first mention counts)."""
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, value)
    return values


def _request_path() -> str:
    return context_of(context.scope).client_path


def single_response(wrapper: str, text: str, fields: Sequence[str] | None = None, status: int = 200,
                    warnings: Sequence[query.Warning_] = (), version: str = "1.2") -> Response:
    body = absolutise(f'{{"{wrapper}":{project(text, fields)}')
    if warnings:
        infos = [status_info(w.code_minor, w.description, version=version, major="success", severity="warning")
                 for w in warnings]
        body += ',"statusInfoSet":' + orjson.dumps(infos).decode()
    return json_response(body + "}", status=status)


def no_content() -> Response:
    return Response(status_code=204)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
