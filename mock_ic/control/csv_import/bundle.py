"""Reading a bundle: the zip (or folder), manifest.csv, and each CSV file as rows with line numbers.

Nothing here knows OneRoster objects; it turns bytes into header-checked rows and reports what
cannot be read. Line numbers are the physical line a record starts on (a quoted cell may span
lines), counting the header as line 1.

Files are streamed, never held: ``open_bundle`` reads each one through once to check it (text, CSV,
header, cell counts), and ``Bundle.rows`` reads it again for each later pass of the import, so a
100 MB results.csv costs a buffer, not its size.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from mock_ic.control.csv_import.columns import FILES, REQUIRED_FILES, VERSIONS, FileSpec
from mock_ic.control.csv_import.problems import Problem, Problems

MANIFEST = "manifest.csv"
BUNDLE = "<bundle>"  # Problem.file for problems with the archive itself
METADATA_PREFIX = "metadata."
MAX_UNCOMPRESSED = 1 << 30  # a zip bomb is refused before anything is inflated
_MODES = ("absent", "bulk", "delta")
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, zlib.error, EOFError, OSError)
_CHUNK = 1 << 16


class Unreadable(Exception):
    """The archive itself cannot be read (a member fails its CRC, say): the import stops with this one problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _BadFile(Exception):
    """One CSV file is not UTF-8 text or not CSV: the file is left out, with this one problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True, slots=True)
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
    usable: bool  # False when the header is broken: rows are indexed for their ids, not built
    size: int  # bytes of the file (uncompressed): how much the import may have to remember of it


@dataclass
class Bundle:
    version: str  # layout: "1.1" or "1.2"
    source: _Source
    tables: dict[str, Table] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # bulk files that are missing or unreadable

    def records(self, table: Table) -> Iterator[tuple[int, list[str]]]:
        """(line, stripped cells) of every row of the table, read again from the bundle (the header skipped)."""
        try:
            records = _records(self.source, table.spec.file)
            if next(records, None) is not None:  # the header
                yield from records
        except _BadFile as bad:  # it was read once already: only a folder changed meanwhile gets here
            raise Unreadable(bad.problem) from None

    def rows(self, table: Table) -> Iterator[Row]:
        for line, cells in self.records(table):
            yield Row(line, dict(zip(table.header, cells, strict=False)), len(cells) == len(table.header))


@contextmanager
def open_bundle(data: bytes | Path | BinaryIO, problems: Problems) -> Iterator[Bundle | None]:
    """The bundle with its tables checked, open for reading their rows; None when it cannot be read at all
    (no archive, manifest or version). Raises Unreadable when the archive breaks while being read."""
    with ExitStack() as stack:
        source = _open(data, problems, stack)
        yield None if source is None else _read(source, problems)


def _read(source: _Source, problems: Problems) -> Bundle | None:
    if MANIFEST not in source.members:
        problems.append(Problem(MANIFEST, None, None, "the bundle has no manifest.csv (expected at the top level "
                                                      "of the zip, with the columns propertyName,value)"))
        return None
    manifest = _manifest(source, problems)
    if manifest is None:
        return None
    version = _version(manifest, problems)
    if version is None:
        return None
    bundle = Bundle(version, source)
    for spec in FILES[version].values():
        wanted = _wanted(spec, manifest, source.members, version, problems)
        table = _table(spec, source, problems) if wanted else None
        if table is not None:
            bundle.tables[spec.name] = table
        elif wanted or spec.name in REQUIRED_FILES[version]:
            bundle.unreadable.add(spec.name)  # references into it are not checked: they would all dangle
    _check_other_version(manifest, version, problems)
    _check_modes(manifest, problems)
    return bundle


# --------------------------------------------------------------------------------------------------
# The archive


@dataclass
class _Source:
    """The files at the bundle's top level, opened one at a time: zip members or a folder's files."""

    members: dict[str, zipfile.ZipInfo | Path]
    archive: zipfile.ZipFile | None = None

    def open(self, name: str) -> IO[bytes]:
        member = self.members[name]
        if isinstance(member, Path):
            return member.open("rb")
        assert self.archive is not None
        return self.archive.open(member)

    def size(self, name: str) -> int:
        member = self.members[name]
        return member.stat().st_size if isinstance(member, Path) else member.file_size

    def failed(self, error: Exception) -> Exception:
        """What to raise when reading fails: a broken zip is the one problem of the bundle; a folder's error stays."""
        if self.archive is None:
            return error
        return Unreadable(Problem(BUNDLE, None, None, f"not a readable zip file ({error})"))


def _open(data: bytes | Path | BinaryIO, problems: Problems, stack: ExitStack) -> _Source | None:
    if isinstance(data, Path) and data.is_dir():
        return _Source({path.name: path for path in sorted(data.iterdir()) if path.is_file()})
    source: Path | BinaryIO = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    try:
        archive = stack.enter_context(zipfile.ZipFile(source))
        return _zip_source(archive, problems)
    except _ZIP_ERRORS as error:
        problems.append(Problem(BUNDLE, None, None, f"not a readable zip file ({error})"))
        return None


def _zip_source(archive: zipfile.ZipFile, problems: Problems) -> _Source | None:
    infos = [info for info in archive.infolist() if not info.is_dir() and not info.filename.startswith("__MACOSX/")]
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
        problems.append(Problem(BUNDLE, None, None, f"the zip inflates to more than {MAX_UNCOMPRESSED} bytes"))
        return None
    root = _root([info.filename for info in infos])
    return _Source({info.filename[len(root):]: info for info in infos
                    if info.filename.startswith(root) and "/" not in info.filename[len(root):]}, archive)


def _root(names: list[str]) -> str:
    """'' for files at the top of the zip; 'folder/' when the zip holds one folder with the manifest."""
    if MANIFEST in names:
        return ""
    folders = [name[: -len(MANIFEST)] for name in names if name.endswith("/" + MANIFEST) and name.count("/") == 1]
    return folders[0] if len(folders) == 1 else ""


# --------------------------------------------------------------------------------------------------
# manifest.csv


def _manifest(source: _Source, problems: Problems) -> dict[str, tuple[str, int]] | None:
    """propertyName -> (value, line)."""
    try:
        records = list(_records(source, MANIFEST))
    except _BadFile as bad:
        problems.append(bad.problem)
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


def _version(manifest: dict[str, tuple[str, int]], problems: Problems) -> str | None:
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


def _wanted(spec: FileSpec, manifest: dict[str, tuple[str, int]], members: dict[str, zipfile.ZipInfo | Path],
            version: str, problems: Problems) -> bool:
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


def _check_other_version(manifest: dict[str, tuple[str, int]], version: str, problems: Problems) -> None:
    """A file of another version's layout marked bulk would be skipped without a word: say so instead (a 1.1
    bundle has no roles.csv, and no score scales or assessments at all: IC-LI-1P1-ONLY)."""
    for name in (name for layout, files in FILES.items() if layout != version for name in files):
        mode, line = manifest.get(f"file.{name}", ("", None))
        if mode == "bulk" and name not in FILES[version]:
            problems.append(Problem(MANIFEST, line, "value", f"file.{name} is marked bulk, but a OneRoster {version} "
                                                             f"bundle has no {name}.csv; mark it absent"))


def _check_modes(manifest: dict[str, tuple[str, int]], problems: Problems) -> None:
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


def _table(spec: FileSpec, source: _Source, problems: Problems) -> Table | None:
    """The checked header of a file the manifest marks bulk, or None when it is missing or cannot be read.

    Read through once: a file that turns out not to be UTF-8 or CSV on its last line has only that problem,
    so the problems of its rows are held apart (bounded) until the end.
    """
    if spec.file not in source.members:
        problems.append(Problem(spec.file, None, None, f"manifest.csv marks file.{spec.name} as bulk, "
                                                       "but the bundle has no such file"))
        return None
    found = problems.local()
    try:
        table = _checked(spec, source, found)
    except _BadFile as bad:
        problems.append(bad.problem)
        return None
    problems.merge(found)
    return table


def _checked(spec: FileSpec, source: _Source, problems: Problems) -> Table | None:
    records = _records(source, spec.file)
    first = next(records, None)
    if first is None:
        problems.append(Problem(spec.file, None, None, "the file is empty; expected the header line "
                                + ",".join(spec.columns)))
        return None
    line, cells = first
    header = tuple(cells)
    usable = _header_ok(spec, line, header, problems)
    for line, cells in records:
        if len(cells) != len(header):
            problems.append(Problem(spec.file, line, None,
                                    f"{len(cells)} cells, but the header has {len(header)} columns"))
    return Table(spec, header, usable, source.size(spec.file))


def _records(source: _Source, file: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, stripped cells) of every non-blank record, streamed; raises _BadFile when the file is not
    UTF-8 text or not CSV (not UTF-8 wins, wherever it is, as when a file was decoded whole)."""
    try:
        with source.open(file) as binary, io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(text, strict=True)
            start = 1
            try:
                for cells in reader:
                    if any(cell.strip() for cell in cells):  # blank lines and all-empty rows carry nothing
                        yield start, [cell.strip() for cell in cells]
                    start = reader.line_num + 1
            except UnicodeDecodeError:
                raise _BadFile(_not_utf8(source, file) or Problem(file, None, None, "not UTF-8 text")) from None
            except csv.Error as error:
                raise _BadFile(_not_utf8(source, file)
                               or Problem(file, start, None, f"not readable as CSV ({error})")) from None
    except _ZIP_ERRORS as error:
        raise source.failed(error) from None


def _not_utf8(source: _Source, file: str) -> Problem | None:
    """The line and byte where the file stops being UTF-8, read a chunk at a time; None when it is UTF-8."""
    line, pending = 1, b""
    with source.open(file) as binary:
        while True:
            chunk = binary.read(_CHUNK)
            data, pending = pending + chunk, b""
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as error:
                if not (chunk and error.reason == "unexpected end of data" and error.end == len(data)):
                    line += data.count(b"\n", 0, error.start)
                    return Problem(file, line, None, f"not UTF-8 text (byte {data[error.start]:#04x}); "
                                                     "expected a UTF-8 CSV file")
                data, pending = data[:error.start], data[error.start:]  # a character the next chunk completes
            line += data.count(b"\n")
            if not chunk:
                return None


def _header_ok(spec: FileSpec, line: int, header: tuple[str, ...], problems: Problems) -> bool:
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
