"""Grade-sync flow: what an LMS integration runs when it is certified against a SIS, step by step.

1. a token with the grade book scopes (and the roster read it needs);
2. the teacher, found by ``filter=email='...'`` on users (IC-USERS: e-mails are unique);
3. that teacher's classes, holding the class;
4. the class's students, categories and grading periods (the class's terms and their grading periods);
5. create, read, update and delete a line item, then a result, in the sandbox class; an extra-credit
   score; an exempt result.

The bodies are those integrations send (IC-LENIENT-IN: references by sourcedId only, no status or
dateLastModified, whole numbers for floats) on the IC profiles, complete 1EdTech objects on the
others (grade_sync_payloads.py). Steps 1-4 only read and run in a read-only run too; step 5 writes
only what the sandbox names, in its class, and removes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from conformance.client import OneRosterClient
from conformance.client_errors import NotFound, OneRosterError
from conformance.profiles import Profile
from conformance.read_only import refuse_writes
from conformance.sandbox import TITLE_PREFIX, Sandbox
from conformance.suites.auth_raw import Raw, json_of, shown
from conformance.suites.grade_sync_payloads import Payloads, due_date_in, parse_instant
from conformance.suites.rostering_ids import central_class
from conformance.suites.rostering_strategies import quoted
from conformance.target import Target
from conformance.transcript import Transcript

# What a grade sync asks for: the roster read it needs (roster.readonly: the class-scoped routes such as
# /classes/{id}/students are not in roster-core, 1EdTech 1.2) and the grade book scopes it uses.
SYNC_SCOPES = ("roster.readonly", "gradebook.readonly", "gradebook.createput", "gradebook.delete")
SCOPE_PREFIX = {"1.2": "https://purl.imsglobal.org/spec/or/v1p2/scope/",
                "1.1": "https://purl.imsglobal.org/spec/or/v1p1/scope/"}
MAX_SCORE = 20


# --- fixtures: the read half ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def sync_client(oneroster_target: Target, oneroster_transcript: Transcript,
                oneroster_read_only: bool) -> Iterator[OneRosterClient]:
    """The integration's own client: a token for the sync scopes only."""
    prefix = SCOPE_PREFIX[oneroster_target.version]
    client = oneroster_target.client(scope=" ".join(prefix + s for s in SYNC_SCOPES))
    oneroster_transcript.attach(client)
    if oneroster_read_only:
        refuse_writes(client)
    yield client
    client.close()


@pytest.fixture(scope="module")
def raw(oneroster_target: Target, sync_client: OneRosterClient, oneroster_transcript: Transcript,
        oneroster_read_only: bool) -> Iterator[Raw]:
    caller = Raw(oneroster_target, sync_client, oneroster_transcript, oneroster_read_only)
    yield caller
    caller.session.close()


@pytest.fixture(scope="module")
def sync_class(request: pytest.FixtureRequest, sync_client: OneRosterClient, oneroster_read_only: bool,
               pytestconfig: pytest.Config) -> dict[str, Any]:
    """The sandbox class (a read-only run: the one named, else one with a teacher and students)."""
    if oneroster_read_only:
        return central_class(sync_client, pytestconfig.getoption("oneroster_sandbox_class"))
    sandbox: Sandbox = request.getfixturevalue("oneroster_sandbox")
    return sync_client.get_class(sandbox.class_id)


@pytest.fixture(scope="module")
def teacher(sync_client: OneRosterClient, sync_class: dict[str, Any], oneroster_profile: Profile) -> dict[str, Any]:
    teachers = sync_client.class_teachers(sync_class["sourcedId"])
    with_email = [t for t in teachers if isinstance(t.get("email"), str) and t["email"]]
    if not with_email:
        message = (f"IC-USERS: no teacher of class {sync_class['sourcedId']} has an e-mail address "
                   f"(teachers: {[t.get('sourcedId') for t in teachers]}); integrations find teachers by e-mail")
        if oneroster_profile.ic:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return with_email[0]


@dataclass(frozen=True)
class ClassPlan:
    """What the write half needs to know of the class, found the way an integration finds it."""

    class_id: str
    school_id: str
    students: list[str]
    category_id: str | None
    grading_period_id: str | None
    due: datetime


def _grading_periods(client: OneRosterClient, term_id: str) -> list[dict[str, Any]]:
    try:
        return list(client.paginate(f"terms/{term_id}/gradingPeriods", "academicSessions"))
    except NotFound:
        return []


@pytest.fixture(scope="module")
def plan(sync_client: OneRosterClient, sync_class: dict[str, Any]) -> ClassPlan:
    class_id = sync_class["sourcedId"]
    students = [s["sourcedId"] for s in sync_client.class_students(class_id) if s.get("status", "active") == "active"]
    categories = sync_client.class_categories(class_id)
    terms = sync_client.class_terms(class_id)
    found = due_date_in(terms, datetime.now(UTC).date())
    if found is None:
        pytest.skip(f"class {class_id} has no dated term to put a due date in")
    term, due = found
    periods = [p for p in _grading_periods(sync_client, term["sourcedId"])
               if str(p.get("startDate", ""))[:10] <= due.date().isoformat() <= str(p.get("endDate", ""))[:10]]
    return ClassPlan(class_id, sync_class["school"]["sourcedId"], students,
                     categories[0]["sourcedId"] if categories else None,
                     periods[0]["sourcedId"] if periods else None, due)


# --- 1-4: the read half --------------------------------------------------------------------------

@pytest.mark.behaviour("IC-AUTH-TOKEN", "IC-AUTH-SCOPE")
def test_grade_sync_token_with_the_grade_book_scopes(raw: Raw) -> None:
    prefix = SCOPE_PREFIX[raw.target.version]
    wanted = " ".join(prefix + s for s in SYNC_SCOPES)
    response = raw.token_request({"grant_type": "client_credentials", "scope": wanted},
                                 basic=(raw.target.client_id, raw.target.client_secret))
    assert response.status_code == 200, f"IC-AUTH-TOKEN: a grade sync's token request was refused: " \
                                        f"{response.status_code} {json_of(response) and json_of(response).get('error')}"
    granted = (json_of(response) or {}).get("scope")
    if isinstance(granted, str):  # by name: a server may answer another version's URIs for the same scopes
        names = {s.rsplit("/", 1)[-1] for s in granted.split()}
        missing = sorted(set(SYNC_SCOPES) - names)
        assert not missing, f"IC-AUTH-TOKEN: asked for {wanted!r}, the grant lacks {missing} ({granted!r})"


@pytest.mark.behaviour("OR-FILTER", "IC-USERS")
def test_grade_sync_teacher_found_by_email(sync_client: OneRosterClient, teacher: dict[str, Any]) -> None:
    expression = f"email={quoted(teacher['email'])}"
    found = list(sync_client.paginate("users", "users", params={"filter": expression}))
    assert [u.get("sourcedId") for u in found] == [teacher["sourcedId"]], (
        f"IC-USERS: GET /users?filter={expression} should find exactly teacher {teacher['sourcedId']}, found "
        f"{[u.get('sourcedId') for u in found]}")


@pytest.mark.behaviour("OR-NESTED")
def test_grade_sync_teachers_classes_hold_the_class(sync_client: OneRosterClient, teacher: dict[str, Any],
                                                    sync_class: dict[str, Any]) -> None:
    classes = list(sync_client.paginate(f"teachers/{teacher['sourcedId']}/classes", "classes"))
    ids = [c.get("sourcedId") for c in classes]
    assert sync_class["sourcedId"] in ids, (
        f"OR-NESTED: GET /teachers/{teacher['sourcedId']}/classes should hold class {sync_class['sourcedId']}, "
        f"which lists the teacher; got {ids[:10]}")


@pytest.mark.behaviour("OR-NESTED", "IC-TERMS")
def test_grade_sync_class_students_categories_and_grading_periods(sync_client: OneRosterClient,
                                                                  sync_class: dict[str, Any],
                                                                  oneroster_profile: Profile) -> None:
    class_id = sync_class["sourcedId"]
    problems = []
    students = sync_client.class_students(class_id)
    if not students:
        problems.append(f"OR-NESTED: GET /classes/{class_id}/students lists no student")
    not_students = [s.get("sourcedId") for s in students if "student" not in _roles(s)]
    if not_students:
        problems.append(f"OR-NESTED: GET /classes/{class_id}/students lists non-students {not_students[:5]}")
    terms = sync_client.class_terms(class_id)
    if not terms:
        problems.append(f"IC-TERMS: class {class_id} names no term")
    if oneroster_profile.ic:
        if not sync_client.class_categories(class_id):
            problems.append(f"IC-LI-CATEGORY-1P2: class {class_id} has no grade book category to file line items in")
        for term in terms:
            periods = _grading_periods(sync_client, term["sourcedId"])
            if not any(p.get("type") == "gradingPeriod" for p in periods):
                problems.append(f"IC-TERMS: term {term['sourcedId']} of class {class_id} has no gradingPeriod "
                                f"session (GET /terms/{term['sourcedId']}/gradingPeriods); IC grades by term")
    assert not problems, "\n".join(problems)


def _roles(user: dict[str, Any]) -> set[str]:
    if isinstance(user.get("role"), str):
        return {user["role"]}
    return {r.get("role") for r in user.get("roles") or [] if isinstance(r, dict)}


# --- 5: the write half ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def payloads(oneroster_target: Target, oneroster_profile: Profile) -> Payloads:
    hrefs = {name: oneroster_target.service_url("rostering") + f"/{name}"
             for name in ("classes", "orgs", "academicSessions", "users")}
    hrefs |= {name: oneroster_target.service_url("gradebook") + f"/{name}" for name in ("categories", "lineItems")}
    return Payloads(lenient=oneroster_profile.ic, hrefs=hrefs)


class Sync:
    """The write steps of one test, each checked as the catalogue says."""

    def __init__(self, client: OneRosterClient, raw: Raw, sandbox: Sandbox, plan: ClassPlan, payloads: Payloads,
                 profile: Profile) -> None:
        self.client, self.raw, self.sandbox, self.plan, self.payloads = client, raw, sandbox, plan, payloads
        self.profile = profile
        self.version = raw.target.version

    def title(self, sourced_id: str) -> str:
        """Unique in the class (IC-LI-DUP-TITLE) and within 1.2's 30 characters (IC-LI-TITLE-LEN)."""
        return f"{TITLE_PREFIX}sync {self.sandbox.run_id}-{sourced_id.rsplit('-', 1)[-1]}"

    def put(self, kind: str, sourced_id: str, body: dict[str, Any], *, created: bool, behaviour: str) -> None:
        """PUT an upsert; 201 when it creates and 200 when it replaces on IC (IC-LI-UPSERT), either elsewhere."""
        self.sandbox.check_ours(sourced_id)
        singular = kind[:-1]
        try:
            status, _ = self.client.put(f"{kind}/{sourced_id}", {singular: body})
        except OneRosterError as error:
            pytest.fail(f"{behaviour}: PUT /{kind}/{sourced_id} {json_trimmed(body)} was refused: {error}",
                        pytrace=False)
        want = ({201} if created else {200}) if self.profile.ic else {200, 201}
        what = "a new" if created else "a replaced"
        assert status in want, (f"{behaviour}: PUT /{kind}/{sourced_id} answered {status}; expected "
                                f"{' or '.join(map(str, sorted(want)))} ({what} object)")

    def get(self, kind: str, sourced_id: str, behaviour: str) -> dict[str, Any]:
        try:
            found = self.client.get(f"{kind}/{sourced_id}").get(kind[:-1])
        except OneRosterError as error:
            pytest.fail(f"{behaviour}: GET /{kind}/{sourced_id} after the PUT failed: {error}", pytrace=False)
        assert isinstance(found, dict), f"OR-ENVELOPE: GET /{kind}/{sourced_id} has no {kind[:-1]!r} object"
        return found

    def delete(self, kind: str, sourced_id: str, behaviour: str) -> None:
        self.sandbox.check_ours(sourced_id)
        response = self.raw.call("DELETE", f"/{kind}/{sourced_id}")
        want = {204} if self.profile.ic else {200, 204}
        assert response.status_code in want, f"{behaviour}: expected 204, got {shown(response)}"
        gone = self.raw.get(f"/{kind}/{sourced_id}")
        assert gone.status_code == 404, f"{behaviour}: GET after the DELETE should be 404, got {shown(gone)}"

    def line_item(self, *, title: str | None = None, max_score: float = MAX_SCORE) -> tuple[str, dict[str, Any]]:
        sourced_id = self.sandbox.new_id("lineItems")
        body = self.payloads.line_item(
            sourced_id, title=title or self.title(sourced_id), class_id=self.plan.class_id,
            school_id=self.plan.school_id, category_id=self.plan.category_id,
            grading_period_id=self.plan.grading_period_id, due=self.plan.due, max_score=max_score,
            version=self.version)
        self.put("lineItems", sourced_id, body, created=True, behaviour="IC-LI-UPSERT")
        return sourced_id, body

    def result(self, line_item_id: str, student_id: str, *, score: float | None, status: str = "fully graded",
               sourced_id: str | None = None) -> tuple[str, dict[str, Any]]:
        created = sourced_id is None
        sourced_id = sourced_id or self.sandbox.new_id("results")
        body = self.payloads.result(sourced_id, line_item_id=line_item_id, student_id=student_id, score=score,
                                    score_status=status, scored=datetime.now(UTC))
        self.put("results", sourced_id, body, created=created, behaviour="IC-RES-UPSERT")
        return sourced_id, body


def json_trimmed(body: Any) -> str:
    text = json.dumps(body, separators=(",", ":"))
    return text if len(text) <= 300 else text[:300] + "..."


@pytest.fixture
def sync(sync_client: OneRosterClient, raw: Raw, oneroster_sandbox: Sandbox, plan: ClassPlan, payloads: Payloads,
         oneroster_profile: Profile) -> Sync:
    if raw.target.version == "1.2" and plan.category_id is None:
        pytest.skip(f"class {plan.class_id} has no category, and a 1.2 line item needs one")
    return Sync(sync_client, raw, oneroster_sandbox, plan, payloads, oneroster_profile)


def _same_instant(a: Any, b: Any) -> bool:
    first, second = parse_instant(a), parse_instant(b)
    return first is not None and first == second


def _line_item_problems(stored: dict[str, Any], sent: dict[str, Any], version: str, ic: bool) -> list[str]:
    where = f"GET /lineItems/{sent['sourcedId']}"
    problems = []
    for name in ("title", "description"):
        if stored.get(name) != sent.get(name):
            problems.append(f"IC-LI-UPSERT: {where}: {name} {stored.get(name)!r}, sent {sent.get(name)!r}")
    for name in ("assignDate", "dueDate"):
        if not _same_instant(stored.get(name), sent[name]):
            problems.append(f"IC-LI-UPSERT: {where}: {name} {stored.get(name)!r}, sent {sent[name]!r}")
    if (stored.get("class") or {}).get("sourcedId") != sent["class"]["sourcedId"]:
        problems.append(f"IC-LI-UPSERT: {where}: class {stored.get('class')!r}, sent {sent['class']!r}")
    if stored.get("resultValueMax") != sent["resultValueMax"]:
        problems.append(f"IC-LENIENT-IN: {where}: resultValueMax {stored.get('resultValueMax')!r}, sent "
                        f"{sent['resultValueMax']!r}")
    if version == "1.2" and "category" in sent and (stored.get("category") or {}).get("sourcedId") != \
            sent["category"]["sourcedId"]:
        problems.append(f"IC-LI-CATEGORY-1P2: {where}: category {stored.get('category')!r}, sent {sent['category']!r}")
    if stored.get("status") != "active":
        problems.append(f"IC-LENIENT-IN: {where}: status {stored.get('status')!r}; a line item sent without one is "
                        "stored active" if ic else f"OR-STATUS: {where}: status {stored.get('status')!r}")
    if parse_instant(stored.get("dateLastModified")) is None:
        problems.append(f"OR-STATUS: {where}: dateLastModified {stored.get('dateLastModified')!r}")
    return problems


@pytest.mark.writes
@pytest.mark.behaviour("IC-LI-UPSERT", "IC-LENIENT-IN", "IC-LI-DELETE", "OR-STATUS")
def test_grade_sync_line_item_create_read_update_delete(sync: Sync, oneroster_profile: Profile) -> None:
    line_item_id, sent = sync.line_item()
    stored = sync.get("lineItems", line_item_id, "IC-LI-UPSERT")
    problems = _line_item_problems(stored, sent, sync.version, oneroster_profile.ic)
    listed = [li.get("sourcedId") for li in sync.client.class_line_items(sync.plan.class_id)]
    if line_item_id not in listed:
        problems.append(f"IC-LI-UPSERT: GET /classes/{sync.plan.class_id}/lineItems does not list {line_item_id}")
    assert not problems, "\n".join(problems)

    renamed = {**sent, "title": sent["title"] + " v2", "resultValueMax": sync.payloads.number(MAX_SCORE + 5)}
    sync.put("lineItems", line_item_id, renamed, created=False, behaviour="IC-LI-UPSERT")
    again = sync.get("lineItems", line_item_id, "IC-LI-UPSERT")
    problems = _line_item_problems(again, renamed, sync.version, oneroster_profile.ic)
    before, after = parse_instant(stored.get("dateLastModified")), parse_instant(again.get("dateLastModified"))
    if before and after and after < before:
        problems.append(f"OR-STATUS: dateLastModified went back from {stored['dateLastModified']} to "
                        f"{again['dateLastModified']} on a write")
    assert not problems, "\n".join(problems)

    sync.delete("lineItems", line_item_id, "IC-LI-DELETE")
    listed = [li.get("sourcedId") for li in sync.client.class_line_items(sync.plan.class_id)]
    assert line_item_id not in listed, f"IC-LI-DELETE: the deleted {line_item_id} is still listed in the class"


def _result_problems(stored: dict[str, Any], sent: dict[str, Any]) -> list[str]:
    where = f"GET /results/{sent['sourcedId']}"
    problems = []
    for name in ("lineItem", "student"):
        if (stored.get(name) or {}).get("sourcedId") != sent[name]["sourcedId"]:
            problems.append(f"IC-RES-UPSERT: {where}: {name} {stored.get(name)!r}, sent {sent[name]!r}")
    if stored.get("scoreStatus") != sent["scoreStatus"]:
        problems.append(f"IC-RES-UPSERT: {where}: scoreStatus {stored.get('scoreStatus')!r}, sent "
                        f"{sent['scoreStatus']!r}")
    if "score" in sent and stored.get("score") != sent["score"]:
        problems.append(f"IC-RES-DECIMAL: {where}: score {stored.get('score')!r}, sent {sent['score']!r} (the API "
                        "returns exactly what was stored)")
    if stored.get("status") != "active" or parse_instant(stored.get("dateLastModified")) is None:
        problems.append(f"OR-STATUS: {where}: status {stored.get('status')!r}, dateLastModified "
                        f"{stored.get('dateLastModified')!r}")
    return problems


def _student(sync: Sync, index: int) -> str:
    if len(sync.plan.students) <= index:
        pytest.skip(f"class {sync.plan.class_id} has fewer than {index + 1} students")
    return sync.plan.students[index]


@pytest.mark.writes
@pytest.mark.behaviour("IC-RES-UPSERT", "IC-LENIENT-IN", "IC-RES-DECIMAL", "OR-STATUS")
def test_grade_sync_result_create_read_update_delete(sync: Sync) -> None:
    line_item_id, _ = sync.line_item()
    student = _student(sync, 0)
    result_id, sent = sync.result(line_item_id, student, score=17)
    problems = _result_problems(sync.get("results", result_id, "IC-RES-UPSERT"), sent)
    listed = [r.get("sourcedId") for r in sync.client.line_item_results(sync.plan.class_id, line_item_id)]
    if result_id not in listed:
        problems.append(f"IC-RES-UPSERT: GET /classes/{sync.plan.class_id}/lineItems/{line_item_id}/results does "
                        f"not list {result_id}")
    assert not problems, "\n".join(problems)

    _, regraded = sync.result(line_item_id, student, score=18.5, sourced_id=result_id)
    problems = _result_problems(sync.get("results", result_id, "IC-RES-UPSERT"), regraded)
    assert not problems, "\n".join(problems)

    sync.delete("results", result_id, "IC-RES-UPSERT")
    sync.delete("lineItems", line_item_id, "IC-LI-DELETE")


@pytest.mark.ic
@pytest.mark.writes
@pytest.mark.behaviour("IC-RES-EXTRA-CREDIT")
def test_grade_sync_extra_credit_score_is_kept(sync: Sync) -> None:
    """A score above resultValueMax is extra credit: accepted and returned as sent."""
    line_item_id, _ = sync.line_item()
    result_id, sent = sync.result(line_item_id, _student(sync, 1), score=MAX_SCORE + 5)
    stored = sync.get("results", result_id, "IC-RES-EXTRA-CREDIT")
    assert stored.get("score") == sent["score"], (
        f"IC-RES-EXTRA-CREDIT: {MAX_SCORE + 5} of {MAX_SCORE} should be kept as sent; GET /results/{result_id} "
        f"answers score {stored.get('score')!r}")
    sync.delete("results", result_id, "IC-RES-EXTRA-CREDIT")
    sync.delete("lineItems", line_item_id, "IC-LI-DELETE")


@pytest.mark.writes
@pytest.mark.behaviour("IC-RES-FLAGS", "IC-RES-BLANK")
def test_grade_sync_exempt_result_without_a_score(sync: Sync) -> None:
    line_item_id, _ = sync.line_item()
    result_id, sent = sync.result(line_item_id, _student(sync, 2), score=None, status="exempt")
    stored = sync.get("results", result_id, "IC-RES-FLAGS")
    problems = _result_problems(stored, sent)
    assert not problems, "\n".join(problems)
    sync.delete("results", result_id, "IC-RES-FLAGS")
    sync.delete("lineItems", line_item_id, "IC-LI-DELETE")
