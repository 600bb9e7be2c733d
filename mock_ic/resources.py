"""Where the shipped data lives: openapi/ and fixtures/; the openapi/ files, parsed.

In a source checkout (and an editable install) they sit at the top of the repository; in a
wheel they are packaged as ``mock_ic/openapi`` and ``mock_ic/fixtures``.

Parsing the OpenAPI YAML costs ~0.2 s with libyaml (1.1 s with the pure-Python loader) at every
start, for files that never change between releases: each file's parse is kept as JSON text in the
user cache directory, named after a digest of the file, and read back with orjson (~15 ms for all).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import platformdirs
import yaml

_PACKAGE = Path(__file__).resolve().parent
# A change of the cached form or of the YAML parser makes every cached parse stale.
_CACHE_FORMAT = f"mock-ic openapi parse 1, PyYAML {yaml.__version__}\n".encode()
_ENTRY = re.compile(r"\.[0-9a-f]{32}\.json")  # what follows the file's stem in a cache entry's name
_KEPT = 4  # parses kept per file: a few versions side by side (checkouts, releases) without re-parsing
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~7x faster, still safe


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mock-ic data folder {name!r} is missing from the installation")


def openapi_dir() -> Path:
    return _find("openapi")


def fixtures_dir() -> Path:
    return _find("fixtures")


def openapi_cache_dir() -> Path:
    """Where parsed openapi/ files are kept between runs (``$XDG_CACHE_HOME/mock-ic/openapi`` on Linux)."""
    return Path(platformdirs.user_cache_dir("mock-ic", appauthor=False)) / "openapi"


def openapi_document(name: str) -> dict[str, Any]:
    """The file ``openapi/<name>`` parsed: a fresh object for each call, so a caller may change it."""
    return orjson.loads(_openapi_text(name))


@cache
def _openapi_text(name: str) -> bytes:
    return parsed_text(openapi_dir() / name, openapi_cache_dir())


def parsed_text(path: Path, cache_dir: Path | None) -> bytes:
    """A YAML file's content as JSON text, from ``cache_dir`` when a parse of these exact bytes is there.

    A cache that cannot be read or written (read-only home, a truncated file) only costs the parse.
    """
    raw = path.read_bytes()
    cached = None
    if cache_dir is not None:
        cached = cache_dir / f"{path.stem}.{hashlib.sha256(_CACHE_FORMAT + raw).hexdigest()[:32]}.json"
        with contextlib.suppress(OSError, orjson.JSONDecodeError):
            text = cached.read_bytes()
            orjson.loads(text)  # a damaged entry is parsed again and replaced
            return text
    text = orjson.dumps(yaml.load(raw, Loader=_LOADER))
    if cached is not None:
        with contextlib.suppress(OSError):
            _replace(cached, text, path.stem)
    return text


def _replace(target: Path, text: bytes, stem: str) -> None:
    """Write atomically (workers and test processes start together); keep only the newest parses of the file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    entries = [entry for entry in target.parent.glob(f"{glob.escape(stem)}.*.json")
               if _ENTRY.fullmatch(entry.name[len(stem):])]
    with contextlib.suppress(OSError):  # another process may be pruning too
        entries.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
        for older in entries[_KEPT:]:
            older.unlink(missing_ok=True)
