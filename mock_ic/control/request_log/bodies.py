"""How a body is stored: zlib of its UTF-8 text when that is smaller, else the text itself.

A logged body is at most :data:`~mock_ic.control.request_log.entry.BODY_CAP` (64 KiB) of text;
OneRoster answers are repetitive JSON that deflates 15-40 times (a 64 KiB page of users to 4.2 KB),
which keeps the log of a busy tenant at tens of MB instead of hundreds
(benchmarks/request_log_disk.py, BENCHMARKS.md "Request log disk use"). Compression runs in the
recorder's writer thread, never on the event loop, and zlib releases the GIL while it deflates.

The row keeps one of two columns per body (``mock_ic.store.tables.request_log``): ``*_body_z`` when
compressed, ``*_body`` as text when not (short bodies, bodies deflate cannot shrink, and rows written
before compression). ``*_body_z`` is a plain zlib stream: any tool inflates it.
"""

from __future__ import annotations

import zlib

# Measured on 64 KiB of OneRoster pages (BENCHMARKS.md): level 6, zlib's default, stores 12-29 % fewer
# bytes than levels 1-3 for 0.16-0.36 ms per body instead of 0.05-0.12 ms; level 9 gains 2-12 % more
# for 2-3 times that. A writer that is behind uses FAST (recorder.BEHIND), so compression never makes
# the log fall further behind.
LEVEL = 6
FAST = 1
# Bodies shorter than this are stored as text: a token form or a small JSON answer would gain a
# few bytes at most, and stays readable in the database.
MIN_PACKED = 128


def pack(text: str | None, level: int = LEVEL) -> tuple[str | None, bytes | None]:
    """The body as stored: ``(text, None)``, ``(None, compressed)``, or ``(None, None)`` for no body."""
    if text is None:
        return None, None
    data = text.encode()
    if len(data) < MIN_PACKED:
        return text, None
    packed = zlib.compress(data, level)
    return (None, packed) if len(packed) < len(data) else (text, None)


def unpack(text: str | None, packed: bytes | None) -> str | None:
    """The body :func:`pack` stored."""
    if packed is not None:
        return zlib.decompress(packed).decode()
    return text
