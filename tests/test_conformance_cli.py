"""``mock-ic conformance`` (issue 12, the runner): one line per suite, failures with their behaviour IDs
and curl lines, JUnit XML a JUnit reader understands, the markdown report, exit statuses, usage errors.

The runner's own tests run the fake suites of tests/data/kit-suites/ (``--suites-dir``), so they do not
depend on the real suites: ``mixed/`` passes, fails, skips and cannot be collected on purpose;
``passing/`` passes; ``live/`` reads a real server through the kit's client.
"""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from conformance.client import OneRosterClient
from conformance.runner import RunConfig, run
from conformance.sandbox import PREFIX
from mock_ic.cli import main
from mock_ic.testing import MockIC, free_port
from tests.test_banner import assert_snapshot

ROOT = Path(__file__).resolve().parents[1]
KIT_SUITES = ROOT / "tests" / "data" / "kit-suites"
MIXED, PASSING, LIVE = KIT_SUITES / "mixed", KIT_SUITES / "passing", KIT_SUITES / "live"
ALL_SUITES = ["contract", "auth", "rostering", "gradebook", "grade-sync", "passback"]
SECRET = "kit-test-secret-9f2c"  # a client secret that must never be printed
TIME = re.compile(r"\b\d+:\d\d$", flags=re.M)


def conformance(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["conformance", *args])
    out, err = capsys.readouterr()
    return code, out, err


def fake_run(capsys: pytest.CaptureFixture[str], suites: Path, *args: str) -> tuple[int, str, str]:
    """The fake suites need no server: --in-process starts one only when a test asks for the target."""
    return conformance(capsys, "--in-process", "--suites-dir", str(suites), *args)


def masked(text: str) -> str:
    return TIME.sub("M:SS", text)


def test_conformance_prints_one_line_per_suite_then_each_failure(capsys: pytest.CaptureFixture[str]) -> None:
    """The plain output (not a terminal): the suite lines in the profile's order, a missing suite "not
    available", a broken one "error", then the failures with behaviour IDs and curl lines, then the summary."""
    code, out, _ = fake_run(capsys, MIXED)
    assert code == 1
    assert_snapshot("conformance-run-mixed.txt", masked(out))


def test_conformance_exit_status_is_0_only_when_every_selected_suite_passes(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = fake_run(capsys, PASSING)
    assert code == 0, out
    assert out.splitlines()[-1].startswith("PASSED: profile ic-1.2, 6 suites: 2 passed, 4 not available")
    assert fake_run(capsys, MIXED)[0] == 1
    assert fake_run(capsys, MIXED, "--suite", "contract", "--suite", "rostering")[0] == 0
    assert fake_run(capsys, MIXED, "--suite", "auth")[0] == 1
    assert fake_run(capsys, MIXED, "--suite", "grade-sync")[0] == 1  # could not be collected
    # a suite the kit does not carry fails the run when it was asked for by name
    code, out, _ = fake_run(capsys, PASSING, "--suite", "contract", "gradebook")
    assert code == 1 and "gradebook .......... not available (asked for with --suite)" in out


def test_conformance_profile_and_read_only_skip_what_they_exclude(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = fake_run(capsys, PASSING, "--profile", "oneroster-1.2", "--suite", "rostering")
    assert code == 0
    assert re.search(r"^rostering \.+ passed 1, skipped 1  \d+:\d\d$", out, flags=re.M), out  # the @ic test
    code, out, _ = fake_run(capsys, MIXED, "--read-only", "--suite", "contract")
    assert code == 0
    assert re.search(r"^contract \.+ passed 2, skipped 1  \d+:\d\d$", out, flags=re.M), out  # the @writes test


def test_conformance_flushes_each_suite_line_as_the_suite_finishes() -> None:
    """A CI log is a pipe, block-buffered: each line is flushed when written, not at the end of the run."""

    class Log(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.lines_at_flush: list[int] = []

        def flush(self) -> None:
            self.lines_at_flush.append(self.getvalue().count("\n"))

    log = Log()
    verdict = run(RunConfig(in_process=True, suites_dir=PASSING), out=log)
    assert verdict.exit_code == 0
    assert log.lines_at_flush[:6] == [1, 2, 3, 4, 5, 6]


def test_conformance_ignores_the_callers_pytest_settings(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI's PYTEST_ADDOPTS, its plugins, the ini file and conftest.py above the suites do not change the
    verdict (this very test runs inside the project's pytest session, its ini file and conftest)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-n auto --no-such-option")
    monkeypatch.setenv("PYTEST_PLUGINS", "no_such_plugin_module")
    code, out, _ = fake_run(capsys, PASSING)
    assert code == 0, out
    assert os.environ["PYTEST_ADDOPTS"] == "-n auto --no-such-option"  # given back


def test_conformance_junit_xml_names_each_suite_and_failing_case(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "out" / "kit.xml"
    assert fake_run(capsys, MIXED, "--junit", str(path))[0] == 1
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == ALL_SUITES
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (13, 3, 1, 2)
    auth = suites["auth"]
    assert (auth.tests, auth.failures, auth.errors) == (4, 3, 0)
    failing = {case.name: case for case in auth if case.result and isinstance(case.result[0], Failure)}
    assert set(failing) == {"test_fake_duplicate_title_is_refused", "test_fake_vendor_header_is_required",
                            "test_fake_scopes_are_checked"}
    assert {case.classname for case in auth} == {"auth"}
    duplicate = failing["test_fake_duplicate_title_is_refused"]
    assert "IC-KITFAKE-DUP: a second active line item titled 'KIT Quiz'" in duplicate.result[0].message
    properties = {p.get("name"): p.get("value") for p in duplicate._elem.iter("property")}
    assert properties["behaviours"] == "IC-KITFAKE-DUP"
    assert properties["requests"].startswith('curl -X PUT -H "Authorization: Bearer $TOKEN"')
    assert [case.name for case in suites["rostering"]] == ["test_fake_paging[1]", "test_fake_paging[100]",
                                                           "test_fake_ic_ids"]
    gradebook = list(suites["gradebook"])
    assert len(gradebook) == 1 and isinstance(gradebook[0].result[0], Skipped)
    broken = list(suites["grade-sync"])
    assert len(broken) == 1 and isinstance(broken[0].result[0], Error)
    assert {p.name: p.value for p in suites["contract"].properties()}["profile"] == "ic-1.2"


def test_conformance_markdown_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.md"
    assert fake_run(capsys, MIXED, "--report", str(path), "--seed", "7", "--examples", "3",
                    "--profile", "ic-1.1")[0] == 1
    report = path.read_text(encoding="utf-8")
    assert report.startswith("# OneRoster conformance: FAILED\n")
    for row in ("| target | mock-ic started in process (a fresh tenant of the demo district) |",
                "| profile | ic-1.1 — Infinite Campus, OneRoster 1.1 connection |", "| seed | 7 |",
                "| examples | 3 |", "| read-only | no |",
                "| auth | failed | 4 | 1 | 3 | 0 | ", "| gradebook | not available | | | | | |",
                "| grade-sync | error | 0 | 0 | 0 | 0 | ",
                # behaviours checked: the failing test counts under the ID its message names, the passing under
                # their markers
                "| IC-KITFAKE-DUP | failed | 0 | 1 |", "| IC-KITFAKE-TOKEN | passed | 1 | 0 |",
                "| IC-KITFAKE-VENDOR | failed | 0 | 1 |", "| OR-KITFAKE-SPEC | passed | 2 | 0 |"):
        assert row in report, row
    assert "### auth :: test_fake_duplicate_title_is_refused\n\nBehaviours: IC-KITFAKE-DUP\n" in report
    assert "```sh\ncurl -X PUT " in report
    assert "9 behaviours checked, 3 failed." in report
    assert "ExceptionGroup: Hypothesis found 2 distinct failures.\n  [1] AssertionError: IC-KITFAKE-SCOPE: a token " \
           "without the gradebook scope" in report


def test_conformance_against_a_remote_server_keeps_its_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A remote target: secrets from the environment, a preflight, read-only; no secret in any output."""
    with MockIC() as ic:
        monkeypatch.setenv("ONEROSTER_CLIENT_SECRET", ic.client_secret)
        monkeypatch.setenv("ONEROSTER_VENDOR_SECRET", ic.vendor_secret)
        report, junit = tmp_path / "report.md", tmp_path / "kit.xml"
        code, out, err = conformance(capsys, "--base-url", root_of(ic), "--token-url", ic.token_url,
                                     f"--client-id={ic.client_id}", f"--vendor-key={ic.vendor_key}", "--read-only",
                                     "--suites-dir", str(LIVE), "--report", str(report), "--junit", str(junit))
        assert code == 0, out + err
        assert re.search(r"^rostering \.+ passed 2  \d+:\d\d$", out, flags=re.M), out
        written = out + err + report.read_text(encoding="utf-8") + junit.read_text(encoding="utf-8")
        assert ic.client_secret not in written and ic.vendor_secret not in written
        assert f"| target | {root_of(ic)} (token {ic.token_url}, client id {ic.client_id}" in written
        assert "| read-only | yes: nothing was written |" in written


def test_conformance_cleanup_deletes_only_the_kits_objects(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with MockIC() as ic:
        monkeypatch.setenv("ONEROSTER_CLIENT_SECRET", ic.client_secret)
        monkeypatch.setenv("ONEROSTER_VENDOR_SECRET", ic.vendor_secret)
        client = OneRosterClient(base_url=root_of(ic), token_url=ic.token_url, client_id=ic.client_id,
                                 client_secret=ic.client_secret, vendor_key=ic.vendor_key,
                                 vendor_secret=ic.vendor_secret)
        with client:
            klass = client.get("classes", params={"limit": 1})["classes"][0]["sourcedId"]
            left = {"title": "KIT left over", "class": {"sourcedId": klass}, "status": "active"}
            theirs = {"title": "A teacher's column", "class": {"sourcedId": klass}, "status": "active"}
            line_item = next(li for li in client.class_line_items(klass)  # an assignment, not a grading task
                             if "ext_infiniteCampus_isGradingWindowOpen" not in li.get("metadata", {}))
            for sourced_id, body in ((f"{PREFIX}left-1", left), ("teacher-made-1", theirs)):
                full = {**line_item, **body, "sourcedId": sourced_id}
                full.pop("dateLastModified", None)
                client.put_line_item(sourced_id, full)
            code, out, err = conformance(capsys, "--base-url", root_of(ic), "--token-url", ic.token_url,
                                         f"--client-id={ic.client_id}", f"--vendor-key={ic.vendor_key}",
                                         "--cleanup", "--sandbox-class", str(klass))
            assert (code, err) == (0, ""), out + err
            assert out == f"deleted 1 of the kit's objects ({PREFIX}*) from class {klass}\n"
            remaining = {li["sourcedId"] for li in client.class_line_items(klass)}
        assert f"{PREFIX}left-1" not in remaining and "teacher-made-1" in remaining


def test_conformance_cleanup_takes_assessments_and_score_scales_children_first(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """On 1.2 ``--cleanup`` also deletes the kit's assessment results, assessment line items (a parent
    after its child, whatever order they are listed in) and score scales of the class, and nothing else."""
    with MockIC() as ic:
        monkeypatch.setenv("ONEROSTER_CLIENT_SECRET", ic.client_secret)
        monkeypatch.setenv("ONEROSTER_VENDOR_SECRET", ic.vendor_secret)
        client = OneRosterClient(base_url=root_of(ic), token_url=ic.token_url, client_id=ic.client_id,
                                 client_secret=ic.client_secret, vendor_key=ic.vendor_key,
                                 vendor_secret=ic.vendor_secret)
        with client:
            klass = client.get("classes", params={"limit": 1})["classes"][0]["sourcedId"]
            student = client.class_students(klass)[0]["sourcedId"]
            scale = {"title": "KIT scale", "type": "points", "class": {"sourcedId": klass},
                     "scoreScaleValue": [{"itemValueLHS": "0", "itemValueRHS": "0"}]}
            for sourced_id in (f"{PREFIX}scale-1", "district-scale-1"):
                client.put_score_scale(sourced_id, scale)
            client.put_assessment_line_item(f"{PREFIX}a-parent", {"title": "KIT parent", "class": {"sourcedId": klass}})
            client.put_assessment_line_item(f"{PREFIX}a-child", {
                "title": "KIT child", "class": {"sourcedId": klass}, "scoreScale": {"sourcedId": f"{PREFIX}scale-1"},
                "parentAssessmentLineItem": {"sourcedId": f"{PREFIX}a-parent"}})
            client.put_assessment_result(f"{PREFIX}a-result", {"assessmentLineItem": {"sourcedId": f"{PREFIX}a-child"},
                                                               "student": {"sourcedId": student}, "score": 0})
            code, out, err = conformance(capsys, "--base-url", root_of(ic), "--token-url", ic.token_url,
                                         f"--client-id={ic.client_id}", f"--vendor-key={ic.vendor_key}",
                                         "--cleanup", "--sandbox-class", str(klass))
            assert (code, err) == (0, ""), out + err
            assert out == f"deleted 4 of the kit's objects ({PREFIX}*) from class {klass}\n"
            assert not [i for i in client.class_assessment_line_items(klass) if i["sourcedId"].startswith(PREFIX)]
            assert {s["sourcedId"] for s in client.class_score_scales(klass)} >= {"district-scale-1"}
            assert f"{PREFIX}scale-1" not in {s["sourcedId"] for s in client.class_score_scales(klass)}


def root_of(ic: MockIC) -> str:
    return ic.gradebook_url.removesuffix("/gradebook/v1p2")


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("ONEROSTER_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("ONEROSTER_VENDOR_SECRET", raising=False)
    yield


REMOTE = ["--base-url", "http://127.0.0.1:9/campus/api/oneroster/v1p2/x/ims/oneroster",
          "--token-url", "http://127.0.0.1:9/campus/oauth2/token", "--client-id", "kit"]


@pytest.mark.parametrize(("args", "secret", "message"), [
    ([], None, "no target: give --base-url, --token-url and --client-id (secrets in ONEROSTER_CLIENT_SECRET / "
               "ONEROSTER_VENDOR_SECRET), or --in-process"),
    (REMOTE, None, "set ONEROSTER_CLIENT_SECRET to the connection's client secret"),
    ([*REMOTE, "--vendor-key", "k", "--read-only"], SECRET, "--vendor-key needs ONEROSTER_VENDOR_SECRET"),
    (REMOTE[:2], SECRET, "--base-url needs --token-url and --client-id"),
    ([*REMOTE, "--in-process"], SECRET, "give either --in-process or --base-url, not both"),
    (REMOTE, SECRET, "writing to a remote target needs --sandbox-class ID"),
    ([*REMOTE, "--read-only", "--cleanup"], SECRET, "--cleanup needs --sandbox-class ID"),
    (["--in-process", "--cleanup"], None, "--cleanup needs a remote target"),
    (["--in-process", "--profile", "oneroster-1.2", "--suite", "passback"], None,
     "profile oneroster-1.2 does not run passback (its suites: contract, auth, rostering, gradebook, grade-sync)"),
    (["--in-process", "--in-process-settings", "{rules"], None, "--in-process-settings is not JSON"),
    (["--in-process", "--suites-dir", "/nonexistent/kit"], None, "--suites-dir /nonexistent/kit is not a directory"),
])
def test_conformance_usage_errors_exit_3_with_one_line(args: list[str], secret: str | None, message: str,
                                                       no_secrets: None, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if secret:
        monkeypatch.setenv("ONEROSTER_CLIENT_SECRET", secret)
    code, out, err = conformance(capsys, *args)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"mock-ic conformance: error: {message}"), err
    assert SECRET not in err


def test_conformance_a_server_that_does_not_answer_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The preflight: one line, not one error per test."""
    port = free_port()
    monkeypatch.setenv("ONEROSTER_CLIENT_SECRET", SECRET)
    code, out, err = conformance(capsys, "--base-url", f"http://127.0.0.1:{port}/campus/ims/oneroster",
                                 "--token-url", f"http://127.0.0.1:{port}/token", "--client-id", "kit", "--read-only")
    assert (code, out) == (3, "")
    assert err == (f"mock-ic conformance: error: no OneRoster server answers at http://127.0.0.1:{port}/campus/ims/"
                   "oneroster: Connection refused\n")


def test_conformance_argument_errors_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--profile", "ic-9"], ["--suite", "nope"], ["--examples", "0"], ["--no-such-flag"]):
        with pytest.raises(SystemExit) as refused:
            main(["conformance", "--in-process", *args])
        assert refused.value.code == 3, args
        assert "error:" in capsys.readouterr().err


def test_conformance_help(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as done:
        main(["conformance", "--help"])
    assert done.value.code == 0
    assert_snapshot("conformance-help.txt", capsys.readouterr().out)


REAL_SUITES = ROOT / "conformance" / "suites"
QUICK_SUITES = [s for s in ("auth", "rostering") if (REAL_SUITES / f"test_{s}.py").exists()]


@pytest.mark.skipif(not QUICK_SUITES, reason="neither the auth nor the rostering suite is in the kit yet")
def test_conformance_in_process_passes_the_real_quick_suites(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """End to end: the kit's own suites (the quick ones; `make test` stays short) judge a mock started in
    process, and pass. The full run of every suite is benchmarks/BENCHMARKS.md's."""
    junit = tmp_path / "kit.xml"
    code, out, err = conformance(capsys, "--in-process", "--junit", str(junit),
                                 *[arg for suite in QUICK_SUITES for arg in ("--suite", suite)])
    assert code == 0, out + err
    for suite in QUICK_SUITES:
        assert re.search(rf"^{suite} \.+ passed \d+", out, flags=re.M), out
    assert [suite.name for suite in JUnitXml.fromfile(str(junit))] == QUICK_SUITES


def test_conformance_on_a_terminal_shows_the_same_lines_under_a_progress_display() -> None:
    """stdout a terminal: a live display (drawn on a duplicate of the terminal's descriptor, which pytest's
    capture does not redirect) and still one line per suite, then the failures."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mock_ic.cli", "conformance", "--in-process", "--suites-dir",
                             str(MIXED)], stdout=secondary, stderr=secondary, cwd=ROOT,
                            env={**os.environ, "COLUMNS": "100", "TERM": "xterm"})
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.wait(timeout=120) == 1
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))
    for line in ("contract ........... passed 3", "auth ............... failed 3 of 4",
                 "gradebook .......... not available", "FAILED auth :: test_fake_duplicate_title_is_refused"):
        assert line in shown, shown
