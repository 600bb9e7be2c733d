"""Secrets (client secrets, vendor secrets, tokens) are never stored in the request log, nor logged.

Two passes, so one missed case does not leak: by name (credential headers; ``client_secret``,
``access_token``, ``refresh_token`` ... fields of forms, query strings and JSON bodies) and by value
(every secret known for the exchange — the bearer token, the Basic password, the client and vendor
secrets of the tenants involved, any access token of this server — replaced wherever it still
appears). Both work on text, so a body cut at the size cap, or not valid JSON, is redacted too and
keeps its formatting.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote, unquote

REDACTED = "[redacted]"

# Form / query / JSON fields whose values are credentials.
SECRET_FIELDS = ("client_secret", "access_token", "refresh_token", "id_token", "client_assertion", "assertion",
                 "password", "vendor_secret")
_FIELDS = "|".join(SECRET_FIELDS)
# Every name in SECRET_FIELDS contains one of these: a few substring searches cost far less than
# the patterns on a 64 KiB body, and most bodies mention none.
_FIELD_MARKERS = ("_token", "_secret", "assertion", "password")
# "name": "value" — the value may be cut off by the size cap (no closing quote).
_JSON_FIELD = re.compile(rf'("(?:{_FIELDS})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)')
_JSON_VALUE = re.compile(rf'"(?:{_FIELDS})"\s*:\s*"((?:[^"\\]|\\.)*)')
_FORM_FIELD = re.compile(rf"(?<![^&?])((?:{_FIELDS})=)[^&#\s]*")
_FORM_VALUE = re.compile(rf"(?<![^&?])(?:{_FIELDS})=([^&#\s]*)")
# Access tokens are itsdangerous tokens, "<base64 payload>.<signature>": a JSON payload's base64
# starts "eyJ", a compressed one ".eJ" — cheap to search for, then confirmed by a signature check.
_TOKEN_MARKERS = ("eyJ", ".eJ")
_TOKEN = re.compile(r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

VENDOR_HEADER = "x-vendor-authorization"
_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization"}
_COOKIE_HEADERS = {"cookie", "set-cookie"}
_SECRET_HEADER_WORDS = ("token", "secret", "password", "api-key", "apikey", "credential")
# Shorter values are not scrubbed by value: replacing "a" everywhere would ruin the entry and hide
# nothing (real credentials are long random strings).
MIN_SECRET_LENGTH = 6


def redact_header(name: str, value: str) -> str:
    """The value of one header as it may be stored."""
    lower = name.lower()
    if lower in _CREDENTIAL_HEADERS:
        scheme, sep, _ = value.strip().partition(" ")
        return f"{scheme} {REDACTED}" if sep and scheme else REDACTED
    if lower == VENDOR_HEADER:
        key, sep, _ = value.partition(":")
        return f"{key}:{REDACTED}" if sep else REDACTED
    if lower in _COOKIE_HEADERS or any(word in lower for word in _SECRET_HEADER_WORDS):
        return REDACTED
    return value


def redact_fields(text: str) -> str:
    """``text`` (a body or a query string) with the values of credential fields redacted."""
    return _redact_fields(text) if _mentions_a_field(text) else text


def _redact_fields(text: str) -> str:
    text = _JSON_FIELD.sub(rf'\1"{REDACTED}"', text)
    return _FORM_FIELD.sub(rf"\1{REDACTED}", text)


def _mentions_a_field(text: str) -> bool:
    return any(marker in text for marker in _FIELD_MARKERS)


@lru_cache(maxsize=1024)
def _forms(value: str) -> frozenset[str]:
    """A secret as sent plainly, in a form or in a URL (the same few secrets come with every entry)."""
    return frozenset({value, quote(value, safe=""), quote(value, safe="/")})


class Secrets:
    """The secret values of one exchange, to be scrubbed from every text stored."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH:
                self._values.update(_forms(value))

    def add_authorization(self, value: str | None) -> None:
        """The bearer token, or the client secret of HTTP Basic credentials."""
        if not value:
            return
        scheme, _, credentials = value.strip().partition(" ")
        credentials = credentials.strip()
        self.add(credentials)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            secret = decoded.partition(":")[2]
            self.add(secret, unquote(secret))

    def take_fields(self, text: str | None) -> str | None:
        """``text`` with its credential fields redacted; their values are remembered, to be scrubbed
        wherever else they appear."""
        if not text or not _mentions_a_field(text):
            return text
        for match in _JSON_VALUE.finditer(text):
            self.add(match.group(1))
        for match in _FORM_VALUE.finditer(text):
            self.add(unquote(match.group(1)), match.group(1))
        return _redact_fields(text)

    def take_tokens(self, text: str | None, is_token: Callable[[str], bool]) -> None:
        """Remember the access tokens of this server found in ``text``, whoever they were issued to."""
        if not text:
            return
        for marker in _TOKEN_MARKERS:
            start = text.find(marker)
            while start >= 0:
                match = _TOKEN.match(text, start)
                if match and is_token(match.group()):
                    self.add(match.group())
                start = text.find(marker, start + len(marker))

    def scrub(self, text: str) -> str:
        # Longest first: a value that contains another is replaced whole.
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        return text
