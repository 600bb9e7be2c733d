"""Keeping secrets out of the request log: headers, bodies and query strings, by name and by value.

Two passes, so that one missed case does not leak: (1) by name — credential headers, and the
``client_secret`` / ``access_token`` / ``refresh_token`` ... fields of forms, query strings and JSON
bodies; (2) by value — every secret known for the exchange (the bearer token, the Basic password,
the tenants' client and vendor secrets, the token the response issued) is replaced wherever it
still appears, whatever the field. The passes work on text with regular expressions, so a body cut
short at the size cap, or not valid JSON, is redacted too, and a stored body keeps its formatting.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, unquote

REDACTED = "[redacted]"

# Form / query / JSON fields whose values are credentials.
SECRET_FIELDS = ("client_secret", "access_token", "refresh_token", "id_token", "client_assertion", "assertion",
                 "password", "vendor_secret")
_FIELDS = "|".join(SECRET_FIELDS)
# "name": "value" — the value may be cut off by the size cap (no closing quote).
_JSON_FIELD = re.compile(rf'("(?:{_FIELDS})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)')
_FORM_FIELD = re.compile(rf"(?<![^&?])((?:{_FIELDS})=)[^&#\s]*")
_JSON_VALUE = re.compile(rf'"(?:{_FIELDS})"\s*:\s*"((?:[^"\\]|\\.)*)')
_FORM_VALUE = re.compile(rf"(?<![^&?])(?:{_FIELDS})=([^&#\s]*)")

_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization"}
_COOKIE_HEADERS = {"cookie", "set-cookie"}
VENDOR_HEADER = "x-vendor-authorization"
_SECRET_HEADER_WORDS = ("token", "secret", "password", "api-key", "apikey", "credential")
# Shorter values are not scrubbed by value: replacing "a" everywhere would destroy the entry
# and hide nothing (real credentials are long random strings).
MIN_SECRET_LENGTH = 6


def header(name: str, value: str) -> str:
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


def fields(text: str) -> str:
    """``text`` (a body or a query string) with the values of credential fields redacted."""
    if not _mentions_a_field(text):
        return text
    text = _JSON_FIELD.sub(rf'\1"{REDACTED}"', text)
    return _FORM_FIELD.sub(rf"\1{REDACTED}", text)


# Every name in SECRET_FIELDS contains one of these. A few plain substring searches cost far
# less than the patterns on a 64 KiB body, and most bodies mention none.
_FIELD_MARKERS = ("_token", "_secret", "assertion", "password")


def _mentions_a_field(text: str) -> bool:
    return any(marker in text for marker in _FIELD_MARKERS)


class Secrets:
    """The secret values of one exchange, to be scrubbed from every stored text."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH:
                # As sent in a form or URL, too (a base64 token's "=" or "+" arrive percent-encoded).
                self._values.update({value, quote(value, safe=""), quote(value, safe="/")})

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
        """``text`` with its credential fields redacted (:func:`fields`); their values are remembered,
        to be scrubbed wherever else they appear."""
        if not text or not _mentions_a_field(text):
            return text
        for match in _JSON_VALUE.finditer(text):
            self.add(match.group(1))
        for match in _FORM_VALUE.finditer(text):
            self.add(unquote(match.group(1)), match.group(1))
        return fields(text)

    def scrub(self, text: str) -> str:
        # Longest first: a value that contains another is replaced whole.
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        return text

