"""HTTP Basic client credentials (RFC 6749 §2.3.1: both parts form-URL-encoded before Base64)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote


def decode_basic(header: str | None) -> tuple[str, str] | None:
    """``Basic <base64(id:secret)>`` -> (client_id, client_secret); None when absent or malformed."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)
