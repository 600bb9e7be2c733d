"""Reading collections and single objects of one tenant (OR-ENVELOPE, OR-PAGING, OR-NESTED)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from mock_ic.errors import UnknownObject
from mock_ic.oneroster import query
from mock_ic.oneroster.endpoints import Endpoint, Parent
from mock_ic.store import documents
from mock_ic.store.tables import KINDS


@dataclass
class CollectionPage:
    texts: list[str]
    total: int
    params: query.ListParams
    fields: tuple[str, ...] | None = None
    warnings: list[query.Warning_] = field(default_factory=list)


Visibility = Callable[[str], list[sa.ColumnElement[bool]]]  # kind -> row conditions (IC-USERS, IC-SCHOOL-SCOPE)


def everything(kind: str) -> list[sa.ColumnElement[bool]]:
    return []


def check_parents(conn: sa.Connection, tenant: str, endpoint: Endpoint, path: dict[str, str],
                  visible: Visibility = everything) -> None:
    for parent in endpoint.parents:
        require_parent(conn, tenant, parent, path, visible)


def require_parent(conn: sa.Connection, tenant: str, parent: Parent, path: dict[str, str],
                   visible: Visibility = everything) -> None:
    sourced_id = path[parent.param]
    if not documents.exists(conn, tenant, parent.kind, sourced_id, *parent.where(tenant, path),
                            *visible(parent.kind)):
        raise UnknownObject(f"Unknown {parent.label} {sourced_id!r}: no {parent.label} with that sourcedId exists")


def read_collection(conn: sa.Connection, tenant: str, endpoint: Endpoint, path: dict[str, str],
                    params: query.ListParams, *, version: str = "1.2",
                    visible: Visibility = everything) -> CollectionPage:
    check_parents(conn, tenant, endpoint, path, visible)
    warnings: list[query.Warning_] = []
    order = None
    if params.sort:
        order, warning = query.sort_expression(endpoint.kind, params.sort, version=version)
        warnings += [warning] if warning else []
    fields, warning = query.selection(endpoint.kind, params.fields, version=version)
    warnings += [warning] if warning else []
    where = [*endpoint.where(tenant, path), *visible(endpoint.kind)]
    page = query.page_query(endpoint.kind, tenant, where, params, order, version)
    texts = documents.texts(conn, page.select)
    total = _total(conn, page, params, len(texts))
    return CollectionPage(texts, total, params, fields, warnings)


def _total(conn: sa.Connection, page: query.Page, params: query.ListParams, served: int) -> int:
    # A short first page already tells the total: skip the COUNT query.
    if params.offset == 0 and served < params.limit:
        return served
    return int(conn.execute(page.count).scalar_one())


def read_single(conn: sa.Connection, tenant: str, endpoint: Endpoint, sourced_id: str,
                path: dict[str, Any] | None = None, visible: Visibility = everything) -> str:
    table = KINDS[endpoint.kind].table
    text = conn.execute(
        sa.select(table.c.doc).where(table.c.tenant == tenant, table.c.sourced_id == sourced_id,
                                     *endpoint.where(tenant, path or {}), *visible(endpoint.kind))
    ).scalar_one_or_none()
    if text is None:
        label = endpoint.label or endpoint.wrapper
        raise UnknownObject(f"Unknown {label} {sourced_id!r}: no {label} with that sourcedId exists")
    return text
