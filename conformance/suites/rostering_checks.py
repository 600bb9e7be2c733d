"""The checks of one collection answer, shared by the envelope, paging and property tests.

A collection answer is judged on what it says about itself: 200, the envelope key (OR-ENVELOPE),
``X-Total-Count`` (OR-PAGING), a page as long as the total and the limit say (a page that lists fewer
objects than it should hides data from every client that pages), objects of one shape (OR-STATUS and
the schema), and the ``Link`` header's paging links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from conformance.suites.auth_raw import json_of, shown
from conformance.suites.rostering_spec import SPEC_WRAPPERS, ReadOperation, object_problems, schema_problems

DEFAULT_LIMIT = 100  # OR-PAGING: limit defaults to 100


@dataclass
class Page:
    """One collection answer, read: its objects, the total it claims, and what is wrong with it."""

    response: requests.Response
    items: list[Any] = field(default_factory=list)
    total: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[Any]:
        return [o.get("sourcedId") if isinstance(o, dict) else None for o in self.items]

    def links(self) -> dict[str, dict[str, list[str]]]:
        """rel -> the query of its URL (``Link: <...?limit=2&offset=2>; rel="next"``)."""
        return {rel: parse_qs(urlsplit(link.get("url", "")).query)
                for rel, link in self.response.links.items()}


def envelope(response: requests.Response, operation: ReadOperation, where: str) -> tuple[Any, list[str]]:
    """The wrapped value of a 200 answer (the list or the object) and the envelope's problems."""
    if response.status_code != 200:
        return None, [f"OR-ENVELOPE: {where}: expected 200, got {shown(response)}"]
    body = json_of(response)
    if not isinstance(body, dict):
        kind = response.headers.get("Content-Type", "no Content-Type")
        return None, [f"OR-ENVELOPE: {where}: the 200 answer is not a JSON object ({kind}): {shown(response)}"]
    keys = set(body) - SPEC_WRAPPERS
    if keys != {operation.key}:
        return None, [f"OR-ENVELOPE: {where}: expected the one key {operation.key!r}, got {sorted(keys)}: "
                      f"{shown(response)}"]
    value = body[operation.key]
    want = list if operation.collection else dict
    if not isinstance(value, want):
        return None, [f"OR-ENVELOPE: {where}: {operation.key!r} should be a JSON {want.__name__}: {shown(response)}"]
    return value, schema_problems(operation.schema, body, where)


def read_page(response: requests.Response, operation: ReadOperation, *, limit: int = DEFAULT_LIMIT,
              offset: int = 0) -> Page:
    """A collection page, checked: envelope, X-Total-Count, length, objects."""
    where = f"GET {response.url}"
    page = Page(response)
    value, page.problems = envelope(response, operation, where)
    if value is None:
        return page
    page.items = value
    header = response.headers.get("X-Total-Count")
    if header is None or not header.strip().isdigit():
        page.problems.append(f"OR-PAGING: {where}: X-Total-Count should be a count, got {header!r}")
    else:
        page.total = int(header)
        expected = max(0, min(limit, page.total - offset))
        if len(value) != expected:
            page.problems.append(f"OR-PAGING: {where}: the page lists {len(value)} objects, but X-Total-Count "
                                 f"{page.total} with limit {limit} and offset {offset} means {expected} (a short "
                                 "page hides objects, a wrong total misleads every client that pages)")
    page.problems += object_problems(value, where)
    return page


def link_problems(page: Page, *, limit: int, offset: int, where: str) -> list[str]:
    """OR-PAGING: first and last always, next/prev where they exist, each naming the right window."""
    if page.total is None:
        return []
    links = page.links()
    problems = [f"OR-PAGING: {where}: the Link header has no rel={rel!r} ({page.response.headers.get('Link')!r})"
                for rel in ("first", "last") if rel not in links]
    want_next = offset + limit < page.total
    if want_next != ("next" in links):
        problems.append(f"OR-PAGING: {where}: rel='next' {'missing' if want_next else 'given'} with offset "
                        f"{offset}, limit {limit} of X-Total-Count {page.total}")
    elif want_next and links["next"].get("offset") != [str(offset + limit)]:
        problems.append(f"OR-PAGING: {where}: rel='next' should start at offset {offset + limit}, "
                        f"got {links['next'].get('offset')}")
    if (offset > 0) != ("prev" in links):
        problems.append(f"OR-PAGING: {where}: rel='prev' {'missing' if offset > 0 else 'given'} at offset {offset}")
    return problems
