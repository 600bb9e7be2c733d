"""The JSON state files the kit's clients keep between runs (passback: what was sent; provisioning: what Canvas
was last told): read with their format checked, written atomically (a crash leaves the old file or the new one),
and the key of the connection a part of the state belongs to.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


class StateFileError(ValueError):
    """The state file exists but is not one this client wrote."""


def read(path: Path, fmt: str, what: str) -> dict[str, Any] | None:
    """The file's JSON object, None when there is no file yet; StateFileError when it is not a ``fmt`` file."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateFileError(f"{path}: not a readable {what} file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise StateFileError(f"{path}: not a mock-ic {what} file (format must be {fmt!r})")
    return data


def write(path: Path, data: dict[str, Any]) -> None:
    """Replace the file with ``data`` atomically: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def target_key(version: str, root_url: str) -> str:
    """One connection's part of a state file: its OneRoster version and base URL."""
    return f"{version} {root_url.rstrip('/')}"
