"""Writing the run: Canvas's six SIS import CSVs, the diff as a CSV, and the report as JSON.

Canvas's rules (SIS CSV Format): a mandatory header row first; RFC 4180 quoting (a field with a comma or
a double quote is quoted, inner quotes doubled — what the csv module does); UTF-8. Rows are written in key
order so two runs over the same roster give byte-identical files. The files can be zipped together and
uploaded as one SIS import; ``accounts.csv`` lists no parent after its children (every parent here is the
root account).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from conformance.provisioning.diff import Change
from conformance.provisioning.mapping import COLUMNS, FILES, Rows

DIFF_FILE = "diff.csv"
REPORT_FILE = "report.json"
DIFF_COLUMNS = ("file", "key", "action", "name", "reason", "fields")


def write_import(directory: Path, rows: Rows) -> list[Path]:
    """``accounts.csv`` ... ``enrollments.csv`` in ``directory`` (made if needed); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FILES:
        path = directory / f"{name}.csv"
        _write(path, COLUMNS[name], (rows[name][key] for key in sorted(rows[name])))
        written.append(path)
    return written


def write_diff(directory: Path, changes: list[Change]) -> Path:
    path = directory / DIFF_FILE
    _write(path, DIFF_COLUMNS, ({**c.to_dict(), "fields": " ".join(c.fields)} for c in changes))
    return path


def write_report(directory: Path, report: dict[str, Any]) -> Path:
    path = directory / REPORT_FILE
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path


def _write(path: Path, columns: tuple[str, ...], rows: Any) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def read_import(directory: Path) -> dict[str, list[dict[str, str]]]:
    """The rows of each CSV in ``directory`` (what Canvas would read), by file name without ``.csv``."""
    found = {}
    for name in FILES:
        with (directory / f"{name}.csv").open(encoding="utf-8", newline="") as source:
            found[name] = list(csv.DictReader(source))
    return found
