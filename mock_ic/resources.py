"""Where the shipped data lives: openapi/ and fixtures/.

In a source checkout (and an editable install) they sit at the top of the repository; in a
wheel they are packaged as ``mock_ic/openapi`` and ``mock_ic/fixtures``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mock-ic data folder {name!r} is missing from the installation")


def openapi_dir() -> Path:
    return _find("openapi")


def fixtures_dir() -> Path:
    return _find("fixtures")
