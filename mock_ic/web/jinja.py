"""The pages' one Jinja environment (``web/templates/``, autoescaped, strict) and how a page is rendered."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

import flask
import jinja2

from mock_ic.mounts import ADMIN_BASE

UI = f"{ADMIN_BASE}/ui"


def render(template: str, **values: Any) -> str:
    """A page, with what every page's layout uses: the admin base, the pages' base and the notice of a
    form just handled (``?notice=`` / ``?error=``, set by the redirect after a POST)."""
    args = flask.request.args
    return environment().get_template(template).render(
        base=ADMIN_BASE, ui=UI, notice=args.get("notice"), error_notice=args.get("error"), **values)


def number(value: float) -> str:
    """20.0 -> "20", 10.5 -> "10.5": the exact value, without a float's trailing ".0"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def query(**changes: Any) -> str:
    """The current query string with some parameters changed (None removes one): filters keep each other."""
    merged = {**flask.request.args.to_dict(), **changes}
    merged = {k: v for k, v in merged.items() if v not in (None, "") and k not in ("notice", "error", "partial")}
    return "?" + urlencode(merged) if merged else "?"


def detail(cell: dict[str, Any], col: dict[str, Any]) -> str:
    """IC-RES-DECIMAL: the detail value on demand (a cell's tooltip), e.g. "10.5 of 20 · fully graded · result r1"."""
    parts = [f"{number(cell['score'])}" + (f" of {number(col['maxPoints'])}" if col["maxPoints"] is not None else "")
             if cell["score"] is not None else "no score"]
    if cell["scoreStatus"]:
        parts.append(cell["scoreStatus"])
    if cell["comment"]:
        parts.append(f"comment: {cell['comment']}")
    parts.append(f"result {cell['resultSourcedId']}")
    return " · ".join(parts)


def pretty(body: str | None) -> str:
    """A body as indented JSON when it is JSON, else as it is."""
    if not body:
        return ""
    try:
        return flask.json.dumps(flask.json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("mock_ic.web", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = number
    env.filters["seg"] = lambda value: quote(str(value), safe="")  # one URL path segment
    env.filters["pretty"] = pretty
    env.filters["detail"] = detail
    env.globals["query"] = query
    return env
