"""The web pages under ``/_mock/ui`` (issue 16), in a real browser: headless Chromium (Debian's ``chromium``)
driven by Playwright for Python, against a server on a loopback port.

Grades go in through the reference passback client, as an LMS would send them; the tests then look at the
pages as a teacher and a QA engineer do. Every request the browser makes is recorded: none may go to a host
other than the mock. The screenshots the README shows are taken here: ``MOCK_IC_UPDATE_SCREENSHOTS=1``
writes them to ``docs/images/``.

Without Chromium (``/usr/bin/chromium`` or ``MOCK_IC_CHROMIUM``) the browser tests skip, saying how to install
it, except under ``CI=true``, where they fail: CI installs it (``.ci/run``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import uvicorn
from starlette.testclient import TestClient

from conformance.client import OneRosterClient
from mock_ic.app import create_app
from mock_ic.control.faults.rules import EFFECT_KEYS, FIRING_KEYS
from mock_ic.control.tenants import DEMO_CREDENTIALS
from mock_ic.settings import Settings
from mock_ic.testing import wait_until_healthy
from mock_ic.web import fault_form

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
SCREENSHOTS = ("gradebook.png", "traffic.png", "faults.png")
WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 420, "height": 800}
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
TIMEOUT = 30


# --- the server and the browser ------------------------------------------------------------------

@dataclass(frozen=True)
class Served:
    base: str

    def client(self, version: str = "1.2") -> OneRosterClient:
        root = (f"{self.base}/campus/api/oneroster/v1p2/demo/ims/oneroster" if version == "1.2"
                else f"{self.base}/campus/oneroster/demo/ims/oneroster")
        return OneRosterClient(base_url=root, token_url=f"{self.base}/campus/oauth2/token?appName=demo",
                               version=version, client_id=DEMO_CREDENTIALS["client_id"],
                               client_secret=DEMO_CREDENTIALS["client_secret"],
                               vendor_key=DEMO_CREDENTIALS["vendor_key"],
                               vendor_secret=DEMO_CREDENTIALS["vendor_secret"])

    def ui(self, path: str = "") -> str:
        return f"{self.base}/_mock/ui/{path}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(data_dir=tmp_path_factory.mktemp("web-pages"), validate_responses=True,
                        port=sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until_healthy(base, timeout=120)
    yield Served(base)
    server.should_exit = True
    thread.join(timeout=20)
    sock.close()


def chromium_path() -> str | None:
    given = os.environ.get("MOCK_IC_CHROMIUM")
    return given or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        reason = ("no Chromium: install Debian's `chromium` (apt-get install chromium) or set MOCK_IC_CHROMIUM "
                  "to a Chromium executable")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh browser page at 1280 px; afterwards, no request may have left the mock."""
    context = browser.new_context(viewport=WIDE, accept_downloads=True)
    context.set_default_timeout(TIMEOUT * 1000)
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    mock = urlsplit(served.base).netloc
    foreign = sorted({url for url in seen if urlsplit(url).scheme in ("http", "https")
                      and urlsplit(url).netloc != mock})
    assert not foreign, f"pages requested other hosts: {foreign}"
    assert seen, "the test made no request"
    assert not errors, f"JavaScript errors: {errors}"


def _screenshot(tab: Any, name: str, tmp_path: Path) -> Path:
    """Take a screenshot; MOCK_IC_UPDATE_SCREENSHOTS=1 also keeps it in docs/images/ for the README."""
    target = tmp_path / name
    tab.screenshot(path=str(target), full_page=False)
    if os.environ.get("MOCK_IC_UPDATE_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, IMAGES / name)
    return target


# --- data sent by the reference client ---------------------------------------------------------------

@dataclass(frozen=True)
class Passed:
    class_id: str
    students: list[str]
    ids: dict[str, str]  # what -> sourcedId of the line items and results sent


@pytest.fixture(scope="module")
def passed(served: Served) -> Passed:
    """In one class, through the reference client: a 1.2 line item out of 20 whose first two students (in the
    grid's order) get 10.5 and 30 (extra credit), two more 1.2 items with scores and flags for a dozen students
    (so the screenshot looks like a class in use), and a 1.1 item (IC-LI-CATEGORY-1P1: Uncategorized)."""
    with served.client() as client:
        klass = client.get("classes", {"limit": 1, "offset": 9})["classes"][0]
        class_id = klass["sourcedId"]
        with requests.get(f"{served.base}/_mock/tenants/demo/classes/{class_id}/gradebook", timeout=TIMEOUT) as grid:
            students = [row["sourcedId"] for row in grid.json()["students"]]  # the grid's order
        term = client.class_terms(class_id)[0]
        categories = client.class_categories(class_id)
        due = f"{term['startDate']}T23:59:00Z"
        items = (("web-li-12", "Lab report", 20, 0), ("web-li-essay", "Essay draft", 50, 1),
                 ("web-li-project", "Science project", 100, -1))
        for item_id, title, out_of, category in items:
            status, _ = client.put_line_item(item_id, {
                "title": title, "dueDate": due, "class": {"sourcedId": class_id}, "resultValueMax": out_of,
                "category": {"sourcedId": categories[category]["sourcedId"]}})
            assert status == 201

        def put(result_id: str, item_id: str, student: str, **fields: Any) -> None:
            status, _ = client.put_result(result_id, {"lineItem": {"sourcedId": item_id},
                                                      "student": {"sourcedId": student}, **fields})
            assert status == 201, result_id

        put("web-r-decimal", "web-li-12", students[0], score=10.5, scoreStatus="fully graded")
        put("web-r-extra", "web-li-12", students[1], score=30, scoreStatus="fully graded")
        for n, student in enumerate(students[2:14]):
            put(f"web-r-lab-{n}", "web-li-12", student, score=float(12 + n % 9), scoreStatus="fully graded")
        for n, student in enumerate(students[:14]):
            flags = {"late": "true"} if n % 5 == 1 else {"missing": "true"} if n % 7 == 3 else {}
            status_of = "exempt" if n == 6 else "fully graded"
            put(f"web-r-essay-{n}", "web-li-essay", student, score=31.5 + n, scoreStatus=status_of, **flags)
            put(f"web-r-project-{n}", "web-li-project", student, score=float(70 + 2 * n), scoreStatus="fully graded")
    with served.client("1.1") as legacy:
        status, _ = legacy.put_line_item("web-li-11", {
            "title": "Quiz 1.1", "dueDate": due, "class": {"sourcedId": class_id}, "resultValueMax": 10,
            "category": {"sourcedId": categories[0]["sourcedId"]}})
        assert status == 201
    return Passed(class_id, students, {"li12": "web-li-12", "decimal": "web-r-decimal", "extra": "web-r-extra",
                                       "li11": "web-li-11"})


# --- every page ----------------------------------------------------------------------------------

def test_every_page_loads_with_its_heading_and_labelled_controls(page: Any, served: Served, passed: Passed) -> None:
    """Issue 16: home, class picker, grade book, traffic, a request's detail and faults load; every form
    control has a label (keyboard and screen-reader use)."""
    pages = {
        "": "A mock Infinite Campus OneRoster server",
        "demo/classes": "Classes of demo",
        f"demo/classes/{passed.class_id}": "grade book",
        "demo/requests": "Traffic of demo",
        "demo/faults": "Faults and scenarios of demo",
    }
    for path, heading in pages.items():
        response = page.goto(served.ui(path))
        assert response is not None and response.status == 200, path
        assert heading in page.locator("h1").inner_text(), path
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
            .map(e => e.name || e.id)""")
        assert unlabelled == [], f"{path}: controls without a label: {unlabelled}"
    page.goto(served.ui("demo/requests"))
    page.locator("#rows a").first.click()
    assert page.locator("h1").inner_text().startswith(("GET", "PUT", "POST", "DELETE"))
    assert page.locator("pre").count() >= 1  # a pretty-printed body


def test_home_masks_secrets_until_asked_and_gives_a_copyable_token_line(page: Any, served: Served) -> None:
    page.goto(served.ui())
    secret = page.locator("details.secret").first
    assert not page.get_by_text(DEMO_CREDENTIALS["client_secret"], exact=True).first.is_visible()
    secret.locator("summary").click()
    assert page.get_by_text(DEMO_CREDENTIALS["client_secret"], exact=True).first.is_visible()
    token_line = page.locator("pre[id^='curl-token']").first.inner_text()
    assert "grant_type=client_credentials" in token_line and "/campus/oauth2/token?appName=demo" in token_line
    assert page.locator("a[href$='/ims/oneroster/rostering/v1p2/ui/']").count() >= 1  # a Swagger UI link


def test_class_picker_filters_by_school_teacher_term_and_search(page: Any, served: Served, passed: Passed) -> None:
    page.goto(served.ui("demo/classes"))
    total = page.locator("tbody tr").count()
    assert total > 0
    marked = page.locator("tbody tr", has=page.locator(".pill.vendor"))
    assert marked.count() >= 1  # the class the passback wrote to is marked
    page.get_by_label("Class name or sourcedId").fill(passed.class_id)
    page.get_by_role("button", name="Show").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and passed.class_id in rows.inner_text()
    assert "from the vendor" in rows.inner_text()
    assert int(rows.locator("td.num").inner_text()) == len(passed.students)
    page.get_by_label("Class name or sourcedId").fill("")
    school = page.get_by_label("School")
    school.select_option(index=1)
    page.get_by_role("button", name="Show").click()
    shown = page.locator("tbody tr").count()
    assert 0 < shown <= total


# --- the grade book ----------------------------------------------------------------------------------

def test_ic_view_cells_as_the_teacher_sees_them_in_the_browser(page: Any, served: Served, passed: Passed,
                                                               tmp_path: Path) -> None:
    """IC-RES-DECIMAL 10.5 shows as 10 with 10.5 in the detail; IC-RES-EXTRA-CREDIT 30 of 20 shows 20 +10 EC;
    IC-LI-CATEGORY-1P1 the 1.1 item is under Uncategorized (the first column group)."""
    page.goto(served.ui(f"demo/classes/{passed.class_id}"))
    decimal = page.locator(f"td[data-result='{passed.ids['decimal']}']")
    assert decimal.inner_text().strip() == "10"
    extra = page.locator(f"td[data-result='{passed.ids['extra']}']")
    assert extra.inner_text().split() == ["20", "+10", "EC"]
    groups = page.locator("tr.categories th[scope='colgroup']")
    assert groups.first.inner_text() == "Uncategorized"
    assert page.locator(f"th[data-line-item='{passed.ids['li11']}']").count() == 1
    _screenshot(page, "gradebook.png", tmp_path)
    decimal.locator("a").click()
    assert page.locator("#detail-score").inner_text() == "10.5 of 20"
    assert page.locator("#detail-display").inner_text() == "10"


def test_ic_view_grading_period_filter(page: Any, served: Served, passed: Passed) -> None:
    page.goto(served.ui(f"demo/classes/{passed.class_id}"))
    periods = page.get_by_label("Grading period")
    options = periods.locator("option").all_inner_texts()
    assert options[0] == "all grading periods" and len(options) >= 2
    with requests.get(f"{served.base}/_mock/tenants/demo/classes/{passed.class_id}/gradebook",
                      timeout=TIMEOUT) as answer:
        grid = answer.json()
    item_period = {col["sourcedId"]: col["gradingPeriod"] for group in grid["categories"] for col in group["lineItems"]}
    chosen = item_period[passed.ids["li12"]]
    periods.select_option(value=chosen)
    page.get_by_role("button", name="Show").click()
    shown = page.locator("th[data-line-item]").evaluate_all("cells => cells.map(c => c.dataset.lineItem)")
    assert passed.ids["li12"] in shown
    assert all(item_period[item] == chosen for item in shown)
    other = next(p["sourcedId"] for p in grid["gradingPeriods"] if p["sourcedId"] != chosen)
    periods.select_option(value=other)
    page.get_by_role("button", name="Show").click()
    assert passed.ids["li12"] not in page.locator("th[data-line-item]").evaluate_all(
        "cells => cells.map(c => c.dataset.lineItem)")


def test_ic_res_one_way_teacher_edit_in_the_page_then_the_next_passback_overwrites_it(
        page: Any, served: Served, passed: Passed) -> None:
    """IC-RES-ONE-WAY: the teacher edits a cell in the page (keyboard only); the vendor reads the teacher's
    value; the vendor's next PUT overwrites it and the page shows the vendor's score again."""
    page.goto(served.ui(f"demo/classes/{passed.class_id}"))
    link = page.locator(f"td[data-result='{passed.ids['decimal']}'] a")
    link.focus()
    page.keyboard.press("Enter")
    field = page.get_by_label("New score (as the teacher, in IC; empty clears it)")
    field.fill("7")
    field.press("Enter")
    assert "Teacher edit saved" in page.locator(".notice").inner_text()
    assert page.locator(f"td[data-result='{passed.ids['decimal']}']").inner_text().strip() == "7"
    with served.client() as client:
        assert client.get_result(passed.ids["decimal"])["score"] == 7.0
        status, _ = client.put_result(passed.ids["decimal"], {
            "lineItem": {"sourcedId": passed.ids["li12"]}, "student": {"sourcedId": passed.students[0]},
            "score": 10.5, "scoreStatus": "fully graded"})
        assert status == 200
    page.reload()
    assert page.locator(f"td[data-result='{passed.ids['decimal']}']").inner_text().strip() == "10"


def test_grade_book_fits_1280_and_a_narrow_window(page: Any, served: Served, passed: Passed) -> None:
    """The page never scrolls sideways: a wide grid scrolls inside its own box."""
    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        page.goto(served.ui(f"demo/classes/{passed.class_id}"))
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"], (viewport, width)


# --- traffic -------------------------------------------------------------------------------------------

def test_traffic_filters_detail_live_refresh_and_har_download(page: Any, served: Served, passed: Passed,
                                                              tmp_path: Path) -> None:
    page.goto(served.ui("demo/requests"))
    page.get_by_label("Method").select_option("PUT")
    page.get_by_role("button", name="Filter").click()
    methods = set(page.locator("#rows tr td:nth-child(3)").all_inner_texts())
    assert methods == {"PUT"}
    _screenshot(page, "traffic.png", tmp_path)
    page.get_by_label("Method").select_option("")
    page.get_by_role("button", name="Filter").click()
    page.get_by_label("Live (every 2 s)").check()
    with served.client() as client:
        client.get("orgs", {"limit": 1, "filter": "name~'live-refresh-probe'"})
    from playwright.sync_api import expect

    expect(page.locator("#rows")).to_contain_text("live-refresh-probe", timeout=TIMEOUT * 1000)
    page.get_by_label("Live (every 2 s)").uncheck()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download HAR").click()
    har = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert har["log"]["version"] == "1.2" and har["log"]["entries"]
    assert all(entry["request"]["method"] for entry in har["log"]["entries"])


# --- faults and scenarios ----------------------------------------------------------------------------

def test_fault_rules_form_arms_a_next_1_call_503_that_fires_and_counts(page: Any, served: Served,
                                                                        tmp_path: Path) -> None:
    """FAULT-RULES from the page: add "next 1 call -> 503" on schools, see it fire once and its counter move,
    then remove it."""
    page.goto(served.ui("demo/faults"))
    page.get_by_label("id (optional)").fill("web-503")
    page.get_by_label("Path glob").fill("*/rostering/v1p2/schools")
    page.get_by_label("Fires").select_option("times")
    page.get_by_label("N or p").fill("1")
    page.get_by_label("Effect").select_option("status")
    page.get_by_label("Value (status, ms, N, or truncated/nonjson/schema)").fill("503")
    page.get_by_role("button", name="Add the rule").click()
    assert "web-503 armed" in page.locator(".notice").inner_text()
    with served.client() as client:
        token = client.token()
    headers = {"Authorization": f"Bearer {token}"}
    schools = f"{served.base}/campus/api/oneroster/v1p2/demo/ims/oneroster/rostering/v1p2/schools"
    statuses = [requests.get(schools, headers=headers, timeout=TIMEOUT).status_code for _ in range(2)]
    assert statuses == [503, 200]
    page.reload()
    row = page.locator("tr[data-rule='web-503']")
    assert (row.locator(".matched").inner_text(), row.locator(".fired").inner_text()) == ("1", "1")
    _screenshot(page, "faults.png", tmp_path)
    row.get_by_role("button", name="Remove rule web-503").click()
    assert page.locator("tr[data-rule='web-503']").count() == 0


def test_fault_rules_form_refuses_a_bad_rule_naming_the_problem(page: Any, served: Served) -> None:
    page.goto(served.ui("demo/faults"))
    page.get_by_label("Path glob").fill("schools")  # can never match: not a glob over the whole path
    page.get_by_role("button", name="Add the rule").click()
    assert "can never match" in page.locator(".error").inner_text()


def test_fault_form_offers_every_firing_and_effect_key() -> None:
    assert set(fault_form.FIELDS["firings"]) == set(FIRING_KEYS)
    assert set(fault_form.FIELDS["effects"]) == set(EFFECT_KEYS)


def test_scenario_snapshot_and_restore_from_the_page(page: Any, served: Served, passed: Passed) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(served.ui("demo/faults"))
    page.get_by_label("Snapshot name").fill("before-scenario")
    page.get_by_role("button", name="Take a snapshot").click()
    assert "Snapshot before-scenario saved" in page.locator(".notice").inner_text()
    page.get_by_label("Scenario", exact=True).select_option("exchange-error")
    page.get_by_role("button", name="Apply").click()
    assert "Scenario exchange-error applied" in page.locator(".notice").inner_text()
    assert page.locator("tr[data-rule]").count() >= 1
    page.get_by_role("button", name="Restore snapshot before-scenario").click()
    assert "restored" in page.locator(".notice").inner_text()
    for rule in page.locator("tr[data-rule]").evaluate_all("rows => rows.map(r => r.dataset.rule)"):
        page.get_by_role("button", name=f"Remove rule {rule}").click()
    assert page.locator("tr[data-rule]").count() == 0


# --- without a browser: the guard and the committed screenshots -------------------------------------

def test_the_admin_token_guards_the_pages(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, admin_token="s3cret", host="testserver", port=80))
    with TestClient(app) as client:
        assert client.get("/_mock/ui/demo/classes").status_code == 401
        assert client.post("/_mock/ui/demo/reset").status_code == 401
        opened = client.get("/_mock/ui/demo/classes?admin_token=s3cret")
        assert opened.status_code == 200 and "Classes of demo" in opened.text
        assert client.get("/_mock/ui/demo/faults").status_code == 200  # the cookie the link set


def test_readme_screenshots_are_committed_pngs_of_the_pages() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in SCREENSHOTS:
        image = IMAGES / name
        data = image.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        width = int.from_bytes(data[16:20], "big")
        assert width == WIDE["width"], (name, width)
        assert f"docs/images/{name}" in readme, name
