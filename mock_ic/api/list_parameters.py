"""The OneRoster error for a refused ``sort``, ``fields`` or ``filter`` (OR-SORT, OR-FIELDS, OR-FILTER, OR-ERRORS).

openapi/ declares these parameters per collection, exactly as mock_ic/oneroster/query.py accepts them (a ``sort``
enum, ``fields`` and ``filter`` patterns), each marked with ``x-oneroster-kind`` and
``x-oneroster-version``. connexion checks them before any handler runs; when a value fails, the client
hears what the query layer would have said: ``invalid_sort_field``, ``invalid_selection_field`` or
``invalid_filter_field``, naming the field and the fields the collection has, not a regular expression.
"""

from __future__ import annotations

from typing import Any

from mock_ic.errors import InvalidFilterField, InvalidSelectionField, InvalidSortField, OneRosterError
from mock_ic.oneroster import query

_ERRORS: dict[str, type[OneRosterError]] = {
    "sort": InvalidSortField,
    "fields": InvalidSelectionField,
    "filter": InvalidFilterField,
}


def refuse(parameter: dict[str, Any], value: Any) -> None:
    """Raise the OneRoster error for a value the parameter's schema refused; return for other parameters."""
    kind = parameter.get("x-oneroster-kind")
    name = parameter.get("name", "")
    if kind is None or parameter.get("in") != "query" or name not in _ERRORS:
        return
    version = str(parameter.get("x-oneroster-version", "1.2"))
    text = str(value)
    if name == "sort":
        query.sort_expression(kind, text, version=version)
    elif name == "fields":
        query.selection(kind, query.split_fields(text), version=version)
    elif text:
        query.filter_clause(kind, text, version)
    # The query layer would take it, the contract does not (e.g. `fields=a,,b`, a number with an exponent).
    raise _ERRORS[name](f"{name}={text!r} is not of the form the OpenAPI document gives: "
                        f"{parameter.get('description', '')}")
