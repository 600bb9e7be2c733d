"""``mock-ic passback`` (issues 6 and 10): exit statuses, the report file, the state file, dry runs, the
preflight, the help text."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from conformance.passback.canvas import load_course
from mock_ic.cli import main
from mock_ic.control.seed import school_year_bounds
from mock_ic.testing import MockIC, free_port

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


def passback(ic: MockIC, tmp_path: Path, *extra: str, course: Path = DEMO_COURSE, version: str = "1.2") -> int:
    return main(["passback", str(course), "--oneroster-version", version,
                 "--base-url", ic.gradebook_url if version == "1.2" else ic.v1p1_url, "--token-url", ic.token_url,
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


def test_passback_cli_after_a_tenant_reset_resends_what_the_state_wrongly_says_was_sent(
        ic: MockIC, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`mock-ic tenant reset` restores the seeded district: every Canvas line item is gone, and a normal
    sync must notice (one read per section) instead of saying "No changes"."""
    assert passback(ic, tmp_path, "--quiet", version="1.1") == 0
    first = capsys.readouterr().out
    assert ic.admin is not None
    ic.admin.reset()
    report_file = tmp_path / "report.json"
    assert passback(ic, tmp_path, "--quiet", "--report", str(report_file), version="1.1") == 0
    out = capsys.readouterr().out
    report = json.loads(report_file.read_text())
    assert out == (f"success: 24 line item(s) and {report['counts']['gradesSent']} grade(s) sent, 0 unchanged, "
                   "0 error(s); 3 section(s) resent: their line items were gone\n")  # one line, however long
    sections = ["49740", "49763", "49815"]
    assert report["resentSections"] == sections and report["counts"]["lineItemsSent"] == 24
    assert [w["section"] for w in report["warnings"] if w["title"] is None] == sections
    assert report["message"].endswith("; 3 section(s) resent: their line items were gone")
    assert [w["message"] for w in report["warnings"]] == [
        f"The line items the sync state says were sent to section 'Physical Education - {n}' are gone from the server: "
        "sending them and all their grades again" for n in (1, 2, 3)]
    assert first.startswith("success: 24 line item(s)")
    assert passback(ic, tmp_path, "--quiet", version="1.1") == 0
    assert capsys.readouterr().out.strip() == "success: No changes: nothing to send"


def run_cli(*args: str, tmp_path: Path) -> int:
    return main(["passback", str(DEMO_COURSE), "--state", str(tmp_path / "state.json"), "--retries", "0", *args])


def only_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line on stderr, after checking that nothing else was printed anywhere."""
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    return captured.err.rstrip("\n")


def test_passback_cli_without_a_server_says_so_once_and_exits_3(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    server = f"http://127.0.0.1:{free_port()}"
    base = f"{server}/campus/api/oneroster/v1p2/demo/ims/oneroster"
    assert run_cli("--base-url", base, "--token-url", f"{server}/campus/oauth2/token?appName=demo",
                   tmp_path=tmp_path) == 3
    assert only_error(capsys) == f"error: no OneRoster server answers at {base}: Connection refused"
    assert not (tmp_path / "state.json").exists()


def test_passback_cli_names_an_unanswered_token_url_on_another_server(ic: MockIC, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    token_url = f"http://127.0.0.1:{free_port()}/oauth2/token"
    assert run_cli("--base-url", ic.gradebook_url, "--token-url", token_url, tmp_path=tmp_path) == 3
    assert only_error(capsys) == f"error: no OneRoster server answers at {token_url}: Connection refused"


def test_passback_cli_with_a_base_url_that_is_not_a_oneroster_root_says_so_once_and_exits_3(
        ic: MockIC, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--base-url", ic.base_url, "--token-url", ic.token_url, f"--client-id={ic.client_id}",
                   f"--client-secret={ic.client_secret}", tmp_path=tmp_path) == 3
    assert only_error(capsys) == (f"error: {ic.base_url} is not a OneRoster 1.2 root (GET {ic.base_url}/rostering/v1p2/"
                                  "academicSessions got HTTP 404): it should end with /ims/oneroster")
    assert ic.admin is not None
    assert ic.admin.requests(method="PUT") == [] and not (tmp_path / "state.json").exists()


def test_passback_cli_with_a_1_1_root_given_as_1_2_says_it_is_no_1_2_root(ic: MockIC, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = ic.v1p1_url.removesuffix("/v1p1")
    assert run_cli("--base-url", root, "--token-url", ic.token_url, f"--client-id={ic.client_id}",
                   f"--client-secret={ic.client_secret}", tmp_path=tmp_path) == 3
    assert only_error(capsys) == (f"error: {root} is not a OneRoster 1.2 root (GET {root}/rostering/v1p2/"
                                  "academicSessions got HTTP 404): check the part before /ims/oneroster "
                                  "(the connection's own root, as IC shows it)")


def test_passback_cli_with_a_wrong_secret_names_the_token_url_and_the_oauth_error(
        ic: MockIC, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--base-url", ic.gradebook_url, "--token-url", ic.token_url, f"--client-id={ic.client_id}",
                   "--client-secret=not-the-secret", tmp_path=tmp_path) == 3
    assert only_error(capsys) == (f"error: the token request to {ic.token_url} was refused: HTTP 401 invalid_client: "
                                  "Client authentication failed: unknown client_id or wrong client_secret for this "
                                  "appName")
    assert ic.admin is not None
    assert ic.admin.requests(method="PUT") == [] and not (tmp_path / "state.json").exists()


def test_passback_cli_with_another_tenants_base_url_says_the_token_is_not_taken(
        ic: MockIC, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with MockIC() as other:
        base = other.gradebook_url.removesuffix("/gradebook/v1p2")
        assert run_cli("--base-url", base, "--token-url", ic.token_url, f"--client-id={ic.client_id}",
                       f"--client-secret={ic.client_secret}", tmp_path=tmp_path) == 3
    message = only_error(capsys)
    assert message.startswith(f"error: the OneRoster server at {base} does not take the token from {ic.token_url}: "
                              "HTTP 401 ")
    assert message.endswith("(do the base URL and the token URL belong to the same connection?)")


def test_passback_cli_the_preflight_leaves_a_busy_server_to_the_sync(ic: MockIC, tmp_path: Path) -> None:
    """A 503 is not a configuration error: the sync titles it (Exchange Error), as Canvas does."""
    assert ic.admin is not None
    ic.admin.scenario("exchange-error")
    assert passback(ic, tmp_path, "--retries", "0", "--quiet") == 2


def test_passback_cli_version_flag_is_oneroster_version_only(ic: MockIC, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        passback(ic, tmp_path, "--version", "1.1")
    assert refused.value.code == 2 and "unrecognized arguments: --version" in capsys.readouterr().err
    report_file = tmp_path / "report.json"
    assert passback(ic, tmp_path, "--quiet", "--report", str(report_file), version="1.1") == 0
    assert json.loads(report_file.read_text())["target"].startswith("1.1 ")


def passback_parser() -> argparse.ArgumentParser:
    from conformance.passback import cli

    commands = argparse.ArgumentParser(prog="mock-ic").add_subparsers()
    cli.add_parser(commands)
    return commands.choices["passback"]


def test_passback_cli_every_argument_has_help_and_the_help_has_no_markup() -> None:
    parser = passback_parser()
    missing = [a.dest for a in parser._actions if not a.help or a.help == argparse.SUPPRESS]
    assert missing == []
    text = parser.format_help()
    assert "``" not in text and "`" not in text and ":mod:" not in text


def test_preflight_words_an_unknown_host_and_a_timeout_as_the_os_does() -> None:
    import socket

    from conformance.client_errors import TransportError
    from conformance.passback.preflight import _reason

    def no_answer(cause: BaseException) -> TransportError:
        try:
            try:
                raise cause
            except BaseException as inner:
                raise TransportError(f"No HTTP answer after every retry: {inner}") from None
        except TransportError as exc:
            return exc

    assert _reason(no_answer(socket.gaierror(-2, "Name or service not known"))) == "Name or service not known"
    assert _reason(no_answer(TimeoutError("timed out"))) == "timed out"
    assert _reason(TransportError("No HTTP answer: ... [Errno 113] No route to host')")) == "No route to host"
