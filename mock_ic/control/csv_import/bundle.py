"""Reading a bundle: the zip (or folder), manifest.csv, and each CSV file as rows with line numbers.

Nothing here knows OneRoster objects; it turns bytes into header-checked rows and reports what
cannot be read. Line numbers are the physical line a record starts on (a quoted cell may span
lines), counting the header as line 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from mock_ic.control.csv_import.columns import FILES, REQUIRED_FILES, VERSIONS, FileSpec
from mock_ic.control.csv_import.problems import Problem

MANIFEST = "manifest.csv"
BUNDLE = "<bundle>"  # Problem.file for problems with the archive itself
METADATA_PREFIX = "metadata."
MAX_UNCOMPRESSED = 1 << 30  # a zip bomb is refused before anything is inflated
_MODES = ("absent", "bulk", "delta")


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]  # column -> stripped cell; "" when empty
    complete: bool = True  # False: wrong cell count, only its sourcedId is trusted (to index it)

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    spec: FileSpec
    header: tuple[str, ...]
    rows: list[Row]
    usable: bool  # False when the header is broken: rows are indexed for their ids, not built


@dataclass
class Bundle:
    version: str  # layout: "1.1" or "1.2"
    tables: dict[str, Table] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # bulk files that are missing or unreadable


def read_bundle(data: bytes | Path | BinaryIO, problems: list[Problem]) -> Bundle | None:
    """The bundle's tables, or None when it cannot be read at all (no archive, manifest or version)."""
    members = _members(data, problems)
    if members is None:
        return None
    if MANIFEST not in members:
        problems.append(Problem(MANIFEST, None, None, "the bundle has no manifest.csv (expected at the top level "
                                                      "of the zip, with the columns propertyName,value)"))
        return None
    manifest = _manifest(members[MANIFEST], problems)
    if manifest is None:
        return None
    version = _version(manifest, problems)
    if version is None:
        return None
    bundle = Bundle(version)
    for spec in FILES[version].values():
        wanted = _wanted(spec, manifest, members, version, problems)
        table = _table(spec, members, problems) if wanted else None
        if table is not None:
            bundle.tables[spec.name] = table
        elif wanted or spec.name in REQUIRED_FILES[version]:
            bundle.unreadable.add(spec.name)  # references into it are not checked: they would all dangle
    _check_other_version(manifest, version, problems)
    _check_modes(manifest, problems)
    return bundle


# --------------------------------------------------------------------------------------------------
# The archive


def _members(data: bytes | Path | BinaryIO, problems: list[Problem]) -> dict[str, bytes] | None:
    """File name -> bytes for the files at the bundle's top level."""
    if isinstance(data, Path) and data.is_dir():
        return {path.name: path.read_bytes() for path in sorted(data.iterdir()) if path.is_file()}
    source: Path | BinaryIO = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    try:
        with zipfile.ZipFile(source) as archive:
            return _zip_members(archive, problems)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, zlib.error, EOFError, OSError) as error:
        problems.append(Problem(BUNDLE, None, None, f"not a readable zip file ({error})"))
        return None


def _zip_members(archive: zipfile.ZipFile, problems: list[Problem]) -> dict[str, bytes] | None:
    infos = [info for info in archive.infolist() if not info.is_dir() and not info.filename.startswith("__MACOSX/")]
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
        problems.append(Problem(BUNDLE, None, None, f"the zip inflates to more than {MAX_UNCOMPRESSED} bytes"))
        return None
    root = _root([info.filename for info in infos])
    return {info.filename[len(root):]: archive.read(info) for info in infos
            if info.filename.startswith(root) and "/" not in info.filename[len(root):]}


def _root(names: list[str]) -> str:
    """'' for files at the top of the zip; 'folder/' when the zip holds one folder with the manifest."""
    if MANIFEST in names:
        return ""
    folders = [name[: -len(MANIFEST)] for name in names if name.endswith("/" + MANIFEST) and name.count("/") == 1]
    return folders[0] if len(folders) == 1 else ""


# --------------------------------------------------------------------------------------------------
# manifest.csv


def _manifest(data: bytes, problems: list[Problem]) -> dict[str, tuple[str, int]] | None:
    """propertyName -> (value, line)."""
    records = _records(MANIFEST, data, problems)
    if records is None:
        return None
    if not records or [cell for cell in records[0][1]] != ["propertyName", "value"]:
        found = ",".join(records[0][1]) if records else "nothing"
        problems.append(Problem(MANIFEST, 1, None, f"the header must be propertyName,value; found {found!r}"))
        return None
    properties: dict[str, tuple[str, int]] = {}
    for line, cells in records[1:]:
        if len(cells) != 2:
            problems.append(Problem(MANIFEST, line, None, f"{len(cells)} cells; expected 2 (propertyName,value)"))
        elif cells[0] in properties:
            problems.append(Problem(MANIFEST, line, "propertyName",
                                    f"{cells[0]!r} is given twice (first on line {properties[cells[0]][1]})"))
        else:
            properties[cells[0]] = (cells[1], line)
    return properties


def _version(manifest: dict[str, tuple[str, int]], problems: list[Problem]) -> str | None:
    if "oneroster.version" not in manifest:
        problems.append(Problem(MANIFEST, None, "propertyName", "no oneroster.version property; expected one of: "
                                + ", ".join(VERSIONS)))
        return None
    value, line = manifest["oneroster.version"]
    if value not in VERSIONS:
        problems.append(Problem(MANIFEST, line, "value", f"unknown oneroster.version {value!r}; expected one of: "
                                + ", ".join(VERSIONS)))
        return None
    return VERSIONS[value]


def _wanted(spec: FileSpec, manifest: dict[str, tuple[str, int]], members: dict[str, bytes], version: str,
            problems: list[Problem]) -> bool:
    """Whether to read the file: marked bulk. A required file that is not, or a file the manifest does not
    list although the bundle holds it, is a problem (the manifest decides, so say what it should say)."""
    key = f"file.{spec.name}"
    mode, line = manifest.get(key, ("", None))
    if mode == "bulk":
        return True
    if spec.name in REQUIRED_FILES[version] and mode != "delta":
        said = f"marks it {mode!r}" if mode else "does not list it"
        problems.append(Problem(MANIFEST, line, "value" if line else None,
                                f"{key}: a roster needs {spec.file}, but manifest.csv {said}; expected {key}=bulk"))
    elif not mode and spec.file in members:
        problems.append(Problem(MANIFEST, None, None, f"the bundle holds {spec.file} but manifest.csv does not "
                                                      f"list it; add {key}=bulk (or {key}=absent to skip it)"))
    return False


def _check_other_version(manifest: dict[str, tuple[str, int]], version: str, problems: list[Problem]) -> None:
    """A file of another version's layout marked bulk would be skipped without a word: say so instead (a 1.1
    bundle has no roles.csv, and no score scales or assessments at all: IC-LI-1P1-ONLY)."""
    for name in (name for layout, files in FILES.items() if layout != version for name in files):
        mode, line = manifest.get(f"file.{name}", ("", None))
        if mode == "bulk" and name not in FILES[version]:
            problems.append(Problem(MANIFEST, line, "value", f"file.{name} is marked bulk, but a OneRoster {version} "
                                                             f"bundle has no {name}.csv; mark it absent"))


def _check_modes(manifest: dict[str, tuple[str, int]], problems: list[Problem]) -> None:
    """Every file.* value is absent, bulk or delta; delta files cannot be imported (bulk mode only)."""
    for key, (mode, line) in manifest.items():
        if not key.startswith("file."):
            continue
        if mode == "delta":
            problems.append(Problem(MANIFEST, line, "value", f"{key} is 'delta': only bulk bundles can be "
                                                             f"imported; export {key[5:]}.csv in bulk mode"))
        elif mode not in _MODES:
            problems.append(Problem(MANIFEST, line, "value", f"bad value {mode!r} for {key}; expected one of: "
                                    + ", ".join(_MODES)))


# --------------------------------------------------------------------------------------------------
# CSV files


def _records(file: str, data: bytes, problems: list[Problem]) -> list[tuple[int, list[str]]] | None:
    """(start line, stripped cells) of every non-blank record, or None when the file cannot be parsed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(file, line, None, f"not UTF-8 text (byte {data[error.start]:#04x}); "
                                                  "expected a UTF-8 CSV file"))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):  # blank lines and all-empty rows carry nothing
                records.append((start, [cell.strip() for cell in cells]))
            start = reader.line_num + 1
    except csv.Error as error:
        problems.append(Problem(file, start, None, f"not readable as CSV ({error})"))
        return None
    return records


def _table(spec: FileSpec, members: dict[str, bytes], problems: list[Problem]) -> Table | None:
    """The rows of a file the manifest marks bulk, or None when it is missing or cannot be read."""
    if spec.file not in members:
        problems.append(Problem(spec.file, None, None, f"manifest.csv marks file.{spec.name} as bulk, "
                                                       "but the bundle has no such file"))
        return None
    records = _records(spec.file, members[spec.file], problems)
    if records is None:
        return None
    if not records:
        problems.append(Problem(spec.file, None, None, "the file is empty; expected the header line "
                                + ",".join(spec.columns)))
        return None
    line, cells = records[0]
    header = tuple(cells)
    usable = _header_ok(spec, line, header, problems)
    rows = []
    for line, cells in records[1:]:
        complete = len(cells) == len(header)
        if not complete:
            problems.append(Problem(spec.file, line, None,
                                    f"{len(cells)} cells, but the header has {len(header)} columns"))
        rows.append(Row(line, dict(zip(header, cells, strict=False)), complete))
    return Table(spec, header, rows, usable)


def _header_ok(spec: FileSpec, line: int, header: tuple[str, ...], problems: list[Problem]) -> bool:
    """Report every header problem; True when the rows can be read by column (no column twice or missing)."""
    usable = True
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(Problem(spec.file, line, column, "the column is given twice"))
            usable = False
        seen.add(column)
        if column == "metadata.ic":  # Infinite Campus keys: metadata.ic is an object (docs/data-model.md)
            problems.append(Problem(spec.file, line, column, "metadata.ic holds Infinite Campus keys; "
                                                             "use columns metadata.ic.<key>"))
        elif column not in spec.columns and not _metadata_column(column):
            problems.append(Problem(spec.file, line, column,
                                    f"unknown column; expected one of: {', '.join(spec.columns)} "
                                    "(or an extension column metadata.<name>)"))
    for column in spec.columns:
        if column in spec.required and column not in seen:
            problems.append(Problem(spec.file, line, column, "the required column is missing from the header"))
            usable = False
    metadata = [column for column in seen if _metadata_column(column)]
    for shorter in metadata:  # metadata.ic and metadata.ic.school cannot both be set
        problems.extend(Problem(spec.file, line, longer, f"clashes with column {shorter}")
                        for longer in metadata if longer.startswith(shorter + "."))
    return usable


def _metadata_column(column: str) -> bool:
    return column.startswith(METADATA_PREFIX) and all(column[len(METADATA_PREFIX):].split("."))
