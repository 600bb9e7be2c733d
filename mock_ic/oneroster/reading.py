"""Reading collections and single objects of one tenant (OR-ENVELOPE, OR-PAGING, OR-NESTED).

An endpoint's scope and what the connection sees (:func:`mock_ic.oneroster.query.visibility`) say
which rows; the query parameters say which page, in which order; the store reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mock_ic.errors import UnknownObject
from mock_ic.oneroster import query
from mock_ic.oneroster.endpoints import Endpoint, Parent
from mock_ic.store import documents, listing

if TYPE_CHECKING:
    from mock_ic.store import Connection


@dataclass
class CollectionPage:
    texts: list[str]
    total: int
    params: query.ListParams
    fields: tuple[str, ...] | None = None
    warnings: list[query.Warning_] = field(default_factory=list)


def check_parents(conn: Connection, tenant: str, endpoint: Endpoint, path: dict[str, str],
                  visible: query.Visibility) -> None:
    for parent in endpoint.parents:
        require_parent(conn, tenant, parent, path, visible)


def require_parent(conn: Connection, tenant: str, parent: Parent, path: dict[str, str],
                   visible: query.Visibility) -> None:
    """OR-NESTED: the object a path parameter names exists, and the connection sees it (else 404)."""
    sourced_id = path[parent.param]
    if not documents.exists(conn, tenant, parent.kind, sourced_id, (*parent.scope, *visible(parent.kind)), path):
        raise UnknownObject(f"Unknown {parent.label} {sourced_id!r}: no {parent.label} with that sourcedId exists")


def read_collection(conn: Connection, tenant: str, endpoint: Endpoint, path: dict[str, str],
                    params: query.ListParams, *, version: str = "1.2",
                    visible: query.Visibility) -> CollectionPage:
    check_parents(conn, tenant, endpoint, path, visible)
    warnings: list[query.Warning_] = []
    order = None
    if params.sort:
        order, warning = query.sort_expression(endpoint.kind, params.sort, version=version)
        warnings += [warning] if warning else []
    fields, warning = query.selection(endpoint.kind, params.fields, version=version)
    warnings += [warning] if warning else []
    filter_ = query.filter_clause(endpoint.kind, params.filter, version) if params.filter else None
    page = listing.read_page(conn, tenant, endpoint.kind, (*endpoint.scope, *visible(endpoint.kind)), path,
                             filter_=filter_, order=order, descending=params.descending,
                             limit=params.limit, offset=params.offset)
    return CollectionPage(page.texts, page.total, params, fields, warnings)


def read_single(conn: Connection, tenant: str, endpoint: Endpoint, sourced_id: str,
                path: dict[str, Any] | None = None, *, visible: query.Visibility) -> str:
    text = documents.get_text(conn, tenant, endpoint.kind, sourced_id, (*endpoint.scope, *visible(endpoint.kind)),
                            path)
    if text is None:
        label = endpoint.label or endpoint.wrapper
        raise UnknownObject(f"Unknown {label} {sourced_id!r}: no {label} with that sourcedId exists")
    return text
