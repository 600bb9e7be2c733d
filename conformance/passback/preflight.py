"""Before a sync does any work: is there a OneRoster server at the base URL, and does it take our token?

``mock-ic passback`` calls :func:`preflight` before it plans or sends anything. It asks for a token
and makes one cheap read at the connection's root (``academicSessions?limit=1``: a rostering
collection both versions have). A connection that cannot work then fails once, with one line
saying why, instead of one error row per section:

* no HTTP answer (refused, unknown host, timed out) → ``no OneRoster server answers at <url>: <reason>``
* the token endpoint refuses → the token URL and the OAuth error (``invalid_client``, ...)
* the read answers 404, or not OneRoster JSON → the base URL is not a OneRoster root (it should end
  with ``/ims/oneroster``); a redirect → the base URL to give instead
* the read answers 401/403 → the server does not take this token at this base URL

Anything else (a 503, a 429 after every retry) is left to the sync, which titles it as Canvas does
("Exchange Error").
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from conformance.client import OneRosterClient
from conformance.client_errors import (
    AuthError,
    DeadlineExceeded,
    MalformedResponse,
    NotFound,
    OneRosterError,
    TransportError,
)

PROBE = "academicSessions"  # 1.2: {root}/rostering/v1p2/academicSessions; 1.1: {root}/v1p1/academicSessions
ROOT_SUFFIX = "/ims/oneroster"


class PreflightError(Exception):
    """The connection cannot work; the message is the one line to show."""


def preflight(client: OneRosterClient) -> None:
    """Raise :class:`PreflightError` when the connection cannot work (module docstring); two requests."""
    try:
        client.token()
    except (TransportError, DeadlineExceeded) as exc:
        raise PreflightError(_no_answer(client, client.token_url, exc)) from None
    except OneRosterError as exc:
        raise PreflightError(_token_refused(client.token_url, exc)) from None
    try:
        client.get(PROBE, params={"limit": 1})
    except (TransportError, DeadlineExceeded) as exc:
        raise PreflightError(_no_answer(client, client.root, exc)) from None
    except (NotFound, MalformedResponse) as exc:
        raise PreflightError(_not_a_root(client, exc)) from None
    except AuthError as exc:
        raise PreflightError(f"the OneRoster server at {client.root} does not take the token from "
                             f"{client.token_url}: {_status(exc)}{exc.description} (do the base URL and the token "
                             "URL belong to the same connection?)") from None
    except OneRosterError as exc:
        if exc.status is not None and 300 <= exc.status < 400:
            raise PreflightError(f"{client.root} is not a OneRoster {client.version} root: {exc.description}; "
                                 "give the base URL it redirects to") from None
        # Anything else (a busy or failing server): the sync reports it per line item, as Canvas does.


def _no_answer(client: OneRosterClient, url: str, exc: OneRosterError) -> str:
    """The URL that did not answer: the base URL when the token URL is on the same server."""
    if _origin(url) == _origin(client.root):
        url = client.root
    return f"no OneRoster server answers at {url}: {_reason(exc)}"


def _token_refused(token_url: str, exc: OneRosterError) -> str:
    description = exc.description.removeprefix("Token request refused: ")
    return f"the token request to {token_url} was refused: {_status(exc)}{description}"


def _not_a_root(client: OneRosterClient, exc: OneRosterError) -> str:
    probe = (exc.url or "").split("?", 1)[0]
    answer = f"HTTP {exc.status}" if isinstance(exc, NotFound) else "an answer that is not OneRoster JSON"
    if client.root.endswith(ROOT_SUFFIX):
        fix = f"check the part before {ROOT_SUFFIX} (the connection's own root, as IC shows it)"
    else:
        fix = f"it should end with {ROOT_SUFFIX}"
    return f"{client.root} is not a OneRoster {client.version} root (GET {probe} got {answer}): {fix}"


def _status(exc: OneRosterError) -> str:
    parts = [f"HTTP {exc.status}" if exc.status is not None else "", exc.code_minor or ""]
    text = " ".join(p for p in parts if p)
    return f"{text}: " if text else ""


def _reason(exc: OneRosterError) -> str:
    """The root cause of "no answer", as the OS words it (``Connection refused``, ``Name or service not known``)."""
    if isinstance(exc, DeadlineExceeded):
        return "no answer before the deadline"
    cause: BaseException | None = exc
    deepest: BaseException = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        deepest = cause
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", exc.description)
    if found:
        return found.group(1).strip()
    if "timed out" in str(deepest).lower():
        return "timed out"
    return exc.description


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
