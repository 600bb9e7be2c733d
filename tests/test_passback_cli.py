"""``mock-ic passback`` (issue 6): exit statuses, the report file, the state file, dry runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from conformance.passback.canvas import load_course
from mock_ic.cli import main
from mock_ic.seed import school_year_bounds
from mock_ic.testing import MockIC

ROOT = Path(__file__).resolve().parent.parent
DEMO_COURSE = ROOT / "fixtures" / "canvas" / "demo-course.json"


def shift_years() -> int:
    """Years between the demo course's school year and the one the mock serves today (IC-TERMS)."""
    exported = load_course(DEMO_COURSE).exported_at.date()
    return school_year_bounds(date.today())[0].year - school_year_bounds(exported)[0].year


@pytest.fixture
def ic() -> Iterator[MockIC]:
    with MockIC() as instance:
        yield instance


def passback(ic: MockIC, tmp_path: Path, *extra: str, course: Path = DEMO_COURSE) -> int:
    return main(["passback", str(course), "--base-url", ic.gradebook_url, "--token-url", ic.token_url,
                 # "=": a generated secret may start with "-"
                 f"--client-id={ic.client_id}", f"--client-secret={ic.client_secret}", f"--vendor-key={ic.vendor_key}",
                 f"--vendor-secret={ic.vendor_secret}", "--state", str(tmp_path / "state.json"),
                 "--shift-years", str(shift_years()), *extra])


def test_passback_cli_succeeds_writes_the_report_and_then_has_no_changes(ic: MockIC, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    report_file = tmp_path / "report.json"
    assert passback(ic, tmp_path, "--report", str(report_file)) == 0
    report = json.loads(report_file.read_text())
    assert report["status"] == "success" and report["counts"]["gradesSent"] > 0
    assert report["counts"]["lineItemsSent"] == 24 and report["errors"] == []
    printed = capsys.readouterr().out
    assert "success" in printed and "line items sent" in printed
    assert ic.client_secret not in printed and ic.vendor_secret not in printed

    assert passback(ic, tmp_path, "--quiet") == 0
    assert capsys.readouterr().out.strip() == "success: No changes: nothing to send"
    history = json.loads((tmp_path / "state.json").read_text())["history"]
    assert [h["status"] for h in history] == ["success", "success"]


def test_passback_cli_partial_sync_exits_1(ic: MockIC, tmp_path: Path) -> None:
    assert ic.admin is not None
    ic.admin.scenario("unable-to-process-score")
    report_file = tmp_path / "report.json"
    assert passback(ic, tmp_path, "--report", str(report_file), "--quiet") == 1
    report = json.loads(report_file.read_text())
    assert report["status"] == "partial" and report["counts"]["lineItemsSent"] == 24
    assert {e["title"] for e in report["errors"]} == {"Unable to Process Score"}


def test_passback_cli_failed_sync_exits_2(ic: MockIC, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ic.admin is not None
    ic.admin.scenario("exchange-error")
    assert passback(ic, tmp_path, "--retries", "0") == 2
    out = capsys.readouterr().out
    assert "failed" in out and "Exchange Error" in out


def test_passback_cli_dry_run_sends_nothing(ic: MockIC, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert passback(ic, tmp_path, "--dry-run") == 0
    assert "Dry run: would send 24 line item(s)" in capsys.readouterr().out
    assert ic.admin is not None
    assert ic.admin.requests() == []
    assert not (tmp_path / "state.json").exists()


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "not JSON: Expecting property name"),
    ('{"format": "mock-ic/canvas-course", "version": 1}', "$"),
])
def test_passback_cli_bad_course_file_exits_3_naming_it(ic: MockIC, tmp_path: Path, content: str, expected: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "course.json"
    bad.write_text(content)
    assert passback(ic, tmp_path, course=bad) == 3
    err = capsys.readouterr().err
    assert str(bad) in err and expected in err


def test_passback_cli_refuses_more_than_five_concurrent_requests(ic: MockIC, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert passback(ic, tmp_path, "--concurrency", "6") == 3
    assert "--concurrency must be 1..5, got 6" in capsys.readouterr().err


def test_passback_cli_concurrency_limit_is_the_sync_limit() -> None:
    from conformance.passback import cli, sync

    assert cli.MAX_CONCURRENCY == sync.MAX_CONCURRENCY == 5
