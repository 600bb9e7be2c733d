"""A district-sized CSV import (issue 17) runs in bounded memory and stays all-or-nothing (IC-TENANT: the admin
import, mock_ic/control/csv_import/importer.py ``load_bundle``).

Big bundles are the 1.2 fixture bundle with a generated results.csv, written row by row into a zip in a temporary
directory. The memory test runs the import in a child process and reads its peak RSS (``ru_maxrss``): the bound
is one the all-in-memory import exceeded several times over at the same size (about 235 MiB of growth for
100,000 results, against about 20-27 MiB streamed; docs/admin-api.md).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mock_ic.control.csv_import import CsvImportError, import_bundle, importer, ledger, load_bundle, problems, schema
from mock_ic.resources import fixtures_dir
from mock_ic.store import documents
from mock_ic.store.engine import Database

TODAY = date(2026, 10, 1)
FIXTURE = fixtures_dir() / "csv" / "oneroster-1.2-small"
RESULTS = 100_000  # the memory test's results.csv: ~7 MB of CSV, 100k documents
MAX_GROWTH_MIB = 80  # streamed: ~27 MiB at any size measured (100k, 300k); all in memory: ~235 MiB at 100k
T = "streamed"

Change = Callable[[int, list[str]], list[str]]  # (line, cells) -> the cells to write


def fixture_results() -> tuple[list[str], list[list[str]]]:
    header, *rows = csv.reader(io.StringIO((FIXTURE / "results.csv").read_text(encoding="utf-8"), newline=""))
    return header, rows


def generated_results(count: int, change: Change | None = None) -> Iterator[list[str]]:
    """``count`` results cycling through the fixture's rows (valid line items, students and classes), ids r0000001...;
    ``change`` may edit any row (line 2 is the first)."""
    header, templates = fixture_results()
    yield header
    for n in range(count):
        cells = [f"r{n + 1:07d}", *templates[n % len(templates)][1:]]
        yield change(n + 2, cells) if change else cells


def big_bundle(path: Path, count: int, change: Change | None = None) -> Path:
    """The 1.2 fixture bundle with a generated results.csv, streamed into the zip (never whole in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for source in sorted(FIXTURE.iterdir()):
            if source.name != "results.csv":
                archive.write(source, source.name)
        with archive.open("results.csv", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            csv.writer(text, lineterminator="\n").writerows(generated_results(count, change))
    return path


def cell(column: str, value: str, *lines: int) -> Change:
    header, _ = fixture_results()
    index = header.index(column)

    def change(line: int, cells: list[str]) -> list[str]:
        return [value if (i == index and line in lines) else c for i, c in enumerate(cells)]
    return change


def stored(db: Database, tenant: str) -> dict[str, list[dict[str, Any]]]:
    with db.read() as conn:
        return documents.all_docs(conn, tenant)


def in_id_order(district: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {kind: sorted(docs, key=lambda doc: doc["sourcedId"]) for kind, docs in district.items()}


# --------------------------------------------------------------------------------------------------
# Bounded memory


_CHILD = """
import json, resource, sys
from datetime import date
from pathlib import Path
from mock_ic.control.csv_import import load_bundle
from mock_ic.resources import fixtures_dir
from mock_ic.store.engine import Database

db = Database(sys.argv[1])
today = date(2026, 10, 1)
# The same work on the small fixture first: modules, compiled validators and statement caches are then in place.
load_bundle(db, "warm-up", fixtures_dir() / "csv" / "oneroster-1.2-small.zip", today=today)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = load_bundle(db, sys.argv[2], Path(sys.argv[3]), today=today)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"documents": count, "growth_kib": after - before}))
"""


def test_ic_tenant_csv_import_of_100k_results_grows_peak_memory_by_a_bounded_amount(tmp_path: Path) -> None:
    """The whole import (read, check, write into SQLite) in a child process: its peak RSS grows by less than
    MAX_GROWTH_MIB over a small import's, where the all-in-memory import (every document, then one bulk load)
    grew by ~235 MiB; and every row arrives in the store."""
    bundle = big_bundle(tmp_path / "district.zip", RESULTS)
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    db.create_schema()
    try:
        run = subprocess.run([sys.executable, "-c", _CHILD, str(db.url), T, str(bundle)], capture_output=True,
                             text=True, timeout=300, cwd=Path(__file__).resolve().parents[1], check=False)
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        with db.read() as conn:
            assert documents.count(conn, T, "results") == RESULTS
            assert documents.get_doc(conn, T, "results", f"r{RESULTS:07d}") is not None
        assert report["documents"] == RESULTS + sum(len(docs) for docs in import_bundle(
            FIXTURE, today=TODAY).values()) - len(fixture_results()[1])
    finally:
        db.dispose()
    assert report["growth_kib"] < MAX_GROWTH_MIB * 1024, f"peak RSS grew by {report['growth_kib'] // 1024} MiB"


# --------------------------------------------------------------------------------------------------
# All or nothing, in the store


def test_ic_tenant_csv_import_bad_row_near_the_end_of_a_big_file_leaves_the_tenant_unchanged(
        tmp_path: Path, store_db: Database) -> None:
    """Batches of results are written before the bad row is read; the refusal rolls all of them back."""
    load_bundle(store_db, T, FIXTURE, today=TODAY)
    before = stored(store_db, T)
    count = 5 * importer.BATCH
    bundle = big_bundle(tmp_path / "bad.zip", count, cell("score", "A+", count))  # the last row but one
    with pytest.raises(CsvImportError) as raised:
        load_bundle(store_db, T, bundle, today=TODAY)
    assert [str(p) for p in raised.value.problems] == [
        f"results.csv line {count}, column score: bad number 'A+'; expected a decimal number such as 10 or 9.5"]
    assert stored(store_db, T) == before


def test_load_bundle_stores_what_import_bundle_returns(store_db: Database) -> None:
    for version in ("1.1", "1.2"):
        zipped = fixtures_dir() / "csv" / f"oneroster-{version}-small.zip"
        district = import_bundle(zipped, today=TODAY)
        assert load_bundle(store_db, T, zipped, today=TODAY) == sum(len(docs) for docs in district.values())
        assert in_id_order(stored(store_db, T)) == in_id_order(district), version


def test_a_refused_bundle_opens_no_write_transaction(tmp_path: Path, store_db: Database,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A problem found while reading the files (pass 1) is reported without writing anything."""
    def no_writes() -> None:
        raise AssertionError("a write transaction was opened")
    monkeypatch.setattr(store_db, "write", no_writes)
    bundle = big_bundle(tmp_path / "short.zip", 50, cell("sourcedId", "r0000002", 10))  # line 10 repeats line 3
    with pytest.raises(CsvImportError) as raised:
        load_bundle(store_db, T, bundle, today=TODAY)
    assert [str(p) for p in raised.value.problems] == [
        "results.csv line 10, column sourcedId: duplicate sourcedId 'r0000002' (first on line 3)"]


# --------------------------------------------------------------------------------------------------
# Repeated ids of the files nobody references, found bucket by bucket


def test_repeated_result_ids_are_found_across_spilled_buckets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small buckets that spill to disk find exactly the repeats one dictionary would."""
    monkeypatch.setattr(ledger, "BUCKET_BYTES", 2_000)
    monkeypatch.setattr(ledger, "SPILL", 7)
    repeats = {900: "r0000005", 1500: "r0000005", 2500: "r0001200", 2600: "r0002000"}

    def repeat(line: int, cells: list[str]) -> list[str]:
        return [repeats.get(line, cells[0]), *cells[1:]]
    bundle = big_bundle(tmp_path / "repeats.zip", 3000, repeat)
    with pytest.raises(CsvImportError) as raised:
        import_bundle(bundle, today=TODAY)
    first = {given: n + 2 for n in range(3000) if (given := f"r{n + 1:07d}") in repeats.values()}
    assert [(p.line, p.message) for p in raised.value.problems] == [
        (line, f"duplicate sourcedId {given!r} (first on line {first[given]})") for line, given in sorted(
            repeats.items())]


def test_ledger_names_the_first_row_of_each_repeated_id() -> None:
    with ledger.Ledger(size=0) as ids:
        for line, (canonical, given) in enumerate([("1", "s1"), ("2", "2"), ("1", "t1"), ("1", "1")], start=2):
            ids.add(canonical, given, line)
        assert sorted(ids.repeats()) == [(4, "t1", "1", "s1", 2), (5, "1", "1", "s1", 2)]


def test_line_set_holds_exactly_the_lines_added() -> None:
    lines = ledger.LineSet()
    for line in (2, 9, 1_000_003):
        lines.add(line)
    assert [line for line in range(1_000_010) if line in lines] == [2, 9, 1_000_003]


# --------------------------------------------------------------------------------------------------
# A bounded problem list


def test_thousands_of_bad_rows_keep_the_first_problems_in_file_order_and_count_the_rest(tmp_path: Path) -> None:
    bad = 3 * problems.KEPT
    bundle = big_bundle(tmp_path / "bad-rows.zip", bad + 10, cell("score", "A+", *range(2, bad + 2)))
    with pytest.raises(CsvImportError) as raised:
        import_bundle(bundle, today=TODAY)
    error = raised.value
    assert error.total == bad and len(error.problems) == problems.KEPT
    assert [p.line for p in error.problems] == list(range(2, problems.KEPT + 2))
    assert str(error).startswith(f"{bad} problems in the OneRoster CSV bundle:")
    assert str(error).endswith(f"... and {bad - 100} more (the first {problems.KEPT} are in .problems)")


def test_problems_found_out_of_order_keep_the_first_in_report_order() -> None:
    found = problems.Problems({"a.csv": 0, "b.csv": 1})
    lines = list(range(2, 2 * problems.KEPT + 2))
    for line in reversed(lines):
        found.append(problems.Problem("b.csv", line, None, "b"))
    found.append(problems.Problem("a.csv", 99, None, "a"))
    kept = found.sorted()
    assert len(found) == len(lines) + 1 and len(kept) == problems.KEPT
    assert [(p.file, p.line) for p in kept] == [("a.csv", 99)] + [("b.csv", line) for line in lines[:problems.KEPT - 1]]


# --------------------------------------------------------------------------------------------------
# Reading files as streams: what cannot be read is found wherever it is


def replaced(bundle: Path, name: str, data: bytes, out: Path) -> Path:
    with zipfile.ZipFile(bundle) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, data if info.filename == name else original.read(info))
    return out


def test_a_bad_byte_deep_in_a_big_file_is_named_by_its_line_and_byte(tmp_path: Path) -> None:
    """Past the first chunks read, after multi-byte characters (some across a chunk boundary), after a BOM."""
    bundle = big_bundle(tmp_path / "ok.zip", 20_000, cell("comment", "Très bien, ça va ✓", *range(2, 20_002, 3)))
    with zipfile.ZipFile(bundle) as archive:
        text = archive.read("results.csv")
    lines = text.split(b"\n")
    lines[15_000] += b"\xff"  # line 15,001
    for data, line in ((b"\n".join(lines), 15_001), (b"\xef\xbb\xbf" + b"\n".join(lines), 15_001)):
        [problem] = refused(replaced(bundle, "results.csv", data, tmp_path / "bad.zip"))
        assert (problem.file, problem.line, problem.column) == ("results.csv", line, None)
        assert problem.message == "not UTF-8 text (byte 0xff); expected a UTF-8 CSV file"


def test_not_utf8_anywhere_wins_over_a_csv_error_before_it(tmp_path: Path) -> None:
    """As when a file was decoded whole before it was parsed: the CSV error on line 2 is read first, the byte that
    is not UTF-8 comes past the first chunks."""
    header, rows = fixture_results()
    lines = [",".join(header), '"res-0001"x,' + ",".join(rows[0][1:])] + [",".join(rows[1])] * 3000
    bundle = big_bundle(tmp_path / "ok.zip", 10)
    for tail, expected in ((b"", (2, "not readable as CSV (',' expected after '\"')")),
                           (b"\xff\n", (3003, "not UTF-8 text (byte 0xff); expected a UTF-8 CSV file"))):
        data = "\n".join(lines).encode() + b"\n" + tail
        found = refused(replaced(bundle, "results.csv", data, tmp_path / "bad.zip"))
        assert [(p.line, p.message) for p in found] == [expected]


def test_a_member_that_fails_its_crc_late_is_the_one_problem(tmp_path: Path) -> None:
    """A stored (uncompressed) results.csv with one byte changed near its end: found when its last chunk is read."""
    source = big_bundle(tmp_path / "ok.zip", 5_000)
    out = tmp_path / "crc.zip"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, original.read(info))
    data = bytearray(out.read_bytes())
    with zipfile.ZipFile(out) as archive:
        info = archive.getinfo("results.csv")
        end = info.header_offset + len(info.FileHeader()) + info.compress_size
    data[end - 5] ^= 0x01  # a digit of the last row's cells, still a valid CSV
    out.write_bytes(bytes(data))
    [problem] = refused(out)
    assert problem.file == "<bundle>" and "not a readable zip file (Bad CRC-32 for file 'results.csv')" in str(problem)


def refused(bundle: Path) -> list[problems.Problem]:
    with pytest.raises(CsvImportError) as raised:
        import_bundle(bundle, today=TODAY)
    return raised.value.problems


# --------------------------------------------------------------------------------------------------
# The schema check's fast path is never more lenient than jsonschema


ODD = [None, 0, -1.5, "", "x", "2026-13-45", "2026-10-01T25:00:00Z", [], {}, [1], {"sourcedId": 1}, "ext:x", True]


def mutations(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The document with each field dropped, each field set to each odd value, and one unknown field added."""
    for key in doc:
        yield {k: v for k, v in doc.items() if k != key}
        for value in ODD:
            yield {**doc, key: value}
        if isinstance(doc[key], dict):
            for inner in doc[key]:
                yield {**doc, key: {k: v for k, v in doc[key].items() if k != inner}}
                yield {**doc, key: {**doc[key], inner: 7}}
    yield {**doc, "nickname": "x"}


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_the_fast_schema_check_accepts_every_fixture_document_and_nothing_jsonschema_refuses(version: str) -> None:
    for kind, docs in import_bundle(fixtures_dir() / "csv" / f"oneroster-{version}-small.zip", today=TODAY).items():
        accepts = schema.fast_accepts(kind)
        assert accepts is not None, kind  # the fast path is really taken: a district's import depends on it
        strict: jsonschema.Draft202012Validator = schema.validator(kind)
        for doc in docs:
            assert accepts(doc), (kind, doc["sourcedId"])
            for changed in mutations(doc):
                assert not accepts(changed) or strict.is_valid(changed), (kind, changed)
