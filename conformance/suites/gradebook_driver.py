"""The gradebook suite's machinery: the sandbox class's facts, and a driver that sends each request to
the target and to the oracle (conformance/model.py, and on 1.2 conformance/assessment_model.py for score
scales and assessments) and says, in the catalogue's terms, where they part.

A :class:`Driver` holds one model of the class. ``put``/``delete`` send the request, compare the
answer with the model's :class:`~conformance.model.Outcome` (status, codeMinor) and apply what was
accepted; ``check`` GETs an object and compares it field by field; ``check_lists`` compares the
class's line items, results and categories (score scales, assessment line items and their results),
restricted to the objects the driver wrote. Every failure is an AssertionError whose message starts with
the behaviour IDs that predicted the answer, then the request and what was expected and got.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from conformance.assessment_model import AssessmentBook
from conformance.client import NotFound, OneRosterClient, OneRosterError
from conformance.grading_task_model import GradingTask, ScoreGroup, is_grading_task
from conformance.model import ClassFacts, Config, Expectation, Gradebook, Outcome, Term, diff
from conformance.profiles import Profile
from conformance.sandbox import PREFIX, NotOurs, Sandbox, delete_all
from conformance.strategies import Context
from conformance.target import Target
from conformance.transcript import Transcript

WRAPPERS = {"lineItems": "lineItem", "results": "result", "categories": "category", "scoreScales": "scoreScale",
            "assessmentLineItems": "assessmentLineItem", "assessmentResults": "assessmentResult"}
ASSESSMENT_KINDS = frozenset({"scoreScales", "assessmentLineItems", "assessmentResults"})  # 1.2 only
BODY_SHOWN = 400  # characters of a request body quoted in a failure


def _shown(body: Any) -> str:
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= BODY_SHOWN else text[:BODY_SHOWN] + "...}"


def _minor(code: str | None) -> str:
    return (code or "").replace(" ", "").lower()  # 1.1 spells "invalid data", 1.2 "invaliddata"


# --- the sandbox class ----------------------------------------------------------------------------

@dataclass
class Env:
    """Everything the gradebook tests share: the target, its client, the sandbox class's facts."""

    target: Target
    profile: Profile
    client: OneRosterClient
    sandbox: Sandbox
    transcript: Transcript
    facts: ClassFacts
    context: Context
    settings: dict[str, Any] | None
    tasks: tuple[GradingTask, ...] = ()  # the class's grading tasks (IC-GRADING-TASK), read once
    _unknown_line_item: str | None = field(default=None, repr=False)

    @property
    def class_id(self) -> str:
        return self.facts.sourced_id

    @property
    def admin(self) -> Any:
        return self.target.admin

    def config(self) -> Config:
        return Config.from_settings(self.profile.version, self.profile.ic, self.settings)

    def unknown_line_item(self) -> str:
        """A line item id of the kit's that is never created (results naming it must be refused)."""
        if self._unknown_line_item is None:
            self._unknown_line_item = self.sandbox.new_id("lineItems")
        return self._unknown_line_item

    def fresh_model(self) -> Gradebook:
        """A model of the class as it is now: its categories and the line items it already holds."""
        model = Gradebook(self.config(), [self.facts])
        for category in self.client.class_categories(self.class_id):
            model.know_category(category["sourcedId"], self.class_id, category.get("title", ""),
                                vendor=Sandbox.owns(category["sourcedId"]), weight=category.get("weight"))
        for item in self.client.class_line_items(self.class_id):
            model.know_line_item(item["sourcedId"], self.class_id, item.get("title", ""),
                                 status=item.get("status", "active"),
                                 category=(item.get("category") or {}).get("sourcedId"),
                                 grading_period=(item.get("gradingPeriod") or {}).get("sourcedId"),
                                 vendor=Sandbox.owns(item["sourcedId"]))
        for task in self.tasks:
            model.know_grading_task(task)
        return model

    def fresh_assessments(self) -> AssessmentBook | None:
        """On 1.2, a model of the class's assessments: the ones it already holds (none on 1.1)."""
        if self.profile.version != "1.2":
            return None
        book = AssessmentBook(self.config(), [self.facts])
        for item in self.client.class_assessment_line_items(self.class_id):
            book.know_line_item(item["sourcedId"], self.class_id,
                                parent=(item.get("parentAssessmentLineItem") or {}).get("sourcedId"),
                                status=item.get("status", "active"), vendor=Sandbox.owns(item["sourcedId"]))
        return book

    @contextmanager
    def session(self, *, assessments: bool = False) -> Iterator[Driver]:
        """A driver over a fresh model (``assessments``: with one of the class's assessments too); whatever
        it created is deleted when the block ends."""
        driver = Driver(self, self.fresh_model(), self.fresh_assessments() if assessments else None)
        try:
            yield driver
        finally:
            driver.cleanup()


def load_env(target: Target, profile: Profile, client: OneRosterClient, sandbox: Sandbox,
             transcript: Transcript) -> Env:
    facts = load_facts(client, sandbox.class_id)
    settings = target.admin.tenant().get("settings") if target.admin is not None else None
    config = Config.from_settings(profile.version, profile.ic, settings)
    categories = tuple(c["sourcedId"] for c in client.class_categories(sandbox.class_id)
                       if not Sandbox.owns(c["sourcedId"]) and c.get("status", "active") == "active")
    context = Context(
        version=profile.version, ic=profile.ic, class_id=facts.sourced_id, school_id=facts.school,
        terms=facts.terms, categories=categories, students=tuple(sorted(facts.students)),
        unenrolled=tuple(_unenrolled_students(client, facts)), title_limit=config.title_limit,
        unknown_class=f"{PREFIX}no-such-class", unknown_student=f"{PREFIX}no-such-student",
        strict_only=bool((settings or {}).get("strict_input")), base=target.base_url)
    tasks = load_grading_tasks(client, sandbox.class_id, target.admin) if profile.ic else ()
    return Env(target, profile, client, sandbox, transcript, facts, context, settings, tasks)


def load_grading_tasks(client: OneRosterClient, class_id: str, admin: Any) -> tuple[GradingTask, ...]:
    """The class's grading tasks with their score groups where the target shows them: on 1.2 the score scale
    a task names; on a mock-ic target (either version) its teacher view; else unknown."""
    items = [li for li in client.class_line_items(class_id)
             if is_grading_task(li) and li.get("status", "active") == "active"]
    if not items:
        return ()
    shown = ({c["sourcedId"]: c for c in admin.gradebook(class_id).get("gradingTasks", [])}
             if admin is not None and client.version != "1.2" else {})
    scales: dict[str, ScoreGroup | None] = {}
    tasks = []
    for item in items:
        scale_id = (item.get("scoreScale") or {}).get("sourcedId")
        if scale_id and client.version == "1.2" and scale_id not in scales:
            scales[scale_id] = ScoreGroup.from_scale(client.get_score_scale(scale_id))
        group = scales.get(scale_id or "") or (ScoreGroup.from_view(shown[item["sourcedId"]])
                                               if item["sourcedId"] in shown else None)
        tasks.append(GradingTask(item["sourcedId"], str(item.get("title", "")),
                                 (item.get("gradingPeriod") or {}).get("sourcedId"), group))
    return tuple(tasks)


def load_facts(client: OneRosterClient, class_id: str) -> ClassFacts:
    """The class's school, terms (with the grading period of each, IC-TERMS) and students."""
    klass = client.get_class(class_id)
    terms = []
    for term in client.class_terms(class_id):
        periods = []
        for child in term.get("children") or []:
            session = client.get(f"academicSessions/{child['sourcedId']}").get("academicSession") or {}
            if session.get("type") == "gradingPeriod":
                periods.append(session["sourcedId"])
        terms.append(Term(term["sourcedId"], date.fromisoformat(term["startDate"][:10]),
                          date.fromisoformat(term["endDate"][:10]), periods[0] if len(periods) == 1 else None))
    if not terms:
        raise RuntimeError(f"the sandbox class {class_id!r} has no terms: a line item needs a due date inside one")
    students = frozenset(s["sourcedId"] for s in client.class_students(class_id))
    return ClassFacts(class_id, (klass.get("school") or {}).get("sourcedId"), tuple(terms), students)


def _unenrolled_students(client: OneRosterClient, facts: ClassFacts, wanted: int = 2,
                         classes_read: int = 500) -> list[str]:
    """Real students who are not in the class: of a class of another school, so that no enrolment
    the connection does not show (IC-USERS: no-shows) can make them enrolled after all; else of
    another class of the same school. Reads at most ``classes_read`` classes of a big district."""
    fallback: list[str] = []
    listing = client.paginate("classes", "classes", params={"limit": 50}, page_size=50)
    for _, klass in zip(range(classes_read), listing, strict=False):
        if klass["sourcedId"] == facts.sourced_id:
            continue
        same_school = (klass.get("school") or {}).get("sourcedId") == facts.school
        if same_school and fallback:
            continue
        found = [s["sourcedId"] for s in client.class_students(klass["sourcedId"])
                 if s["sourcedId"] not in facts.students][:wanted]
        if found and not same_school:
            return found
        fallback = fallback or found
    return fallback


# --- the driver -----------------------------------------------------------------------------------

@dataclass
class Driver:
    env: Env
    model: Gradebook
    assessments: AssessmentBook | None = None  # score scales and assessments (1.2 sessions that ask for it)
    written: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in WRAPPERS})
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)  # the last accepted body of each id
    last: dict[str, tuple[str, Outcome]] = field(default_factory=dict)  # id -> (request, outcome)

    @property
    def client(self) -> OneRosterClient:
        return self.env.client

    def new_id(self, kind: str) -> str:
        sourced_id = self.env.sandbox.new_id(kind)
        self.written[kind].append(sourced_id)
        return sourced_id

    # -- writes ---------------------------------------------------------------------------------

    def put(self, kind: str, sourced_id: str, body: dict[str, Any], *, foreign: bool = False) -> Outcome:
        """PUT and judge. ``foreign``: the object is not the kit's; only a mock target, restored from a
        snapshot afterwards, may be sent such a write (the kit never modifies what it did not create)."""
        self._guard(sourced_id, foreign)
        self._note(kind, sourced_id)
        outcome = self._predict("put", kind)(sourced_id, body)
        request = f"PUT {kind}/{sourced_id} {_shown({WRAPPERS[kind]: body})}"
        try:
            status, _ = self.client.put(f"{kind}/{sourced_id}", {WRAPPERS[kind]: body})
            error = None
        except OneRosterError as raised:
            if raised.status is None:
                raise
            status, error = raised.status, raised
        if self._judge(outcome, request, status, error):
            self.bodies[sourced_id] = body
        return outcome

    def delete(self, kind: str, sourced_id: str, *, foreign: bool = False) -> Outcome:
        self._guard(sourced_id, foreign)
        self._note(kind, sourced_id)
        outcome = self._predict("delete", kind)(sourced_id)
        before = self._result_ids()
        try:
            self.client.delete(f"{kind}/{sourced_id}")
            status, error = 204, None
        except OneRosterError as raised:
            if raised.status is None:
                raise
            status, error = raised.status, raised
        request = f"DELETE {kind}/{sourced_id}"
        if self._judge(outcome, request, status, error):
            for gone in before - self._result_ids():
                self.last[gone] = (request, outcome)  # results that went with their line item
        return outcome

    def _predict(self, verb: str, kind: str) -> Any:
        """The model's method that predicts a ``verb`` (put, delete) of an object of ``kind``."""
        if kind in ASSESSMENT_KINDS:
            book = self._book()
            return {("put", "scoreScales"): book.put_score_scale, ("delete", "scoreScales"): book.delete_score_scale,
                    ("put", "assessmentLineItems"): book.put_line_item,
                    ("delete", "assessmentLineItems"): book.delete_line_item,
                    ("put", "assessmentResults"): book.put_result,
                    ("delete", "assessmentResults"): book.delete_result}[verb, kind]
        model = self.model
        return {("put", "lineItems"): model.put_line_item, ("delete", "lineItems"): model.delete_line_item,
                ("put", "results"): model.put_result, ("delete", "results"): model.delete_result,
                ("put", "categories"): model.put_category, ("delete", "categories"): model.delete_category}[verb, kind]

    def _book(self) -> AssessmentBook:
        if self.assessments is None:
            raise RuntimeError("score scales and assessments need a 1.2 session(assessments=True)")
        return self.assessments

    def _result_ids(self) -> set[str]:
        return set(self.model.results) | (set(self.assessments.results) if self.assessments else set())

    def _expect(self, kind: str, sourced_id: str) -> Expectation | None:
        if kind in ASSESSMENT_KINDS:
            return self._book().expect(kind, sourced_id)
        return {"lineItems": self.model.expect_line_item, "results": self.model.expect_result,
                "categories": self.model.expect_category}[kind](sourced_id)

    def _in_limbo(self, kind: str, sourced_id: str) -> bool:
        """A result the standard lets outlive its deleted line item, or not."""
        if kind == "results":
            return sourced_id in self.model.limbo
        return kind == "assessmentResults" and sourced_id in self._book().limbo

    def _guard(self, sourced_id: str, foreign: bool) -> None:
        if foreign and self.env.admin is None:
            raise NotOurs(f"{sourced_id!r} is not the kit's, and only a mock target can be restored after a write")
        if not foreign:
            self.env.sandbox.check_ours(sourced_id)

    def _note(self, kind: str, sourced_id: str) -> None:
        if Sandbox.owns(sourced_id) and sourced_id not in self.written[kind]:
            self.written[kind].append(sourced_id)

    def _judge(self, outcome: Outcome, request: str, status: int, error: OneRosterError | None) -> bool:
        """Compare the answer with the outcome; apply it to the model if accepted. True if applied."""
        request_id = request.split()[1].split("/", 1)[1]
        self.last[request_id] = (request, outcome)
        answered = f"{status}" + (f" {error.code_minor} ({error.description[:200]})" if error else "")
        rules = ", ".join(outcome.rules)
        if 200 <= status < 300:
            if status in outcome.statuses and (outcome.accepted or outcome.either):
                self.model.commit(outcome)
                return True
            raise AssertionError(f"{rules}: {request} answered {answered}; expected {outcome.describe()}")
        if outcome.either and 400 <= status < 500:
            return False  # refused, and the standard allows that: the checks make sure nothing changed
        if not outcome.accepted and status in outcome.statuses:
            if outcome.code_minor and _minor(error.code_minor if error else None) != _minor(outcome.code_minor):
                raise AssertionError(f"{rules}, OR-ERRORS: {request} answered {answered}; expected codeMinor "
                                     f"{outcome.code_minor} ({outcome.reason})")
            return False
        raise AssertionError(f"{rules}: {request} answered {answered}; expected {outcome.describe()}")

    # -- reads ----------------------------------------------------------------------------------

    def fetch(self, kind: str, sourced_id: str) -> dict[str, Any] | None:
        try:
            return self.client.get(f"{kind}/{sourced_id}").get(WRAPPERS[kind])
        except NotFound:
            return None

    def check(self, kind: str, sourced_id: str) -> dict[str, Any] | None:
        """GET the object and compare it with the model (404 where the model holds nothing)."""
        if self._in_limbo(kind, sourced_id):
            return None  # the standard leaves open whether it outlived its line item
        expect = self._expect(kind, sourced_id)
        got = self.fetch(kind, sourced_id)
        request, outcome = self.last.get(sourced_id, ("(no request)", None))
        history = f"after {request}" + (f" (expected {outcome.describe()})" if outcome else "")
        if expect is None and got is not None:
            rules = ", ".join(outcome.rules) if outcome else "IC-LI-UPSERT"
            raise AssertionError(f"{rules}: GET {kind}/{sourced_id} found {_shown(got)}, but nothing should be "
                                 f"there {history}")
        if expect is not None and got is None:
            rules = ", ".join(dict.fromkeys([*(outcome.rules if outcome else ()), _upsert_rule(kind)]))
            raise AssertionError(f"{rules}: GET {kind}/{sourced_id} answered 404 {history}")
        if expect is not None and got is not None:
            wrong = diff(expect, got)
            if wrong:
                rules = ", ".join(dict.fromkeys(rule for rule, _ in wrong))
                raise AssertionError(f"{rules}: GET {kind}/{sourced_id} {history}: "
                                     + "; ".join(what for _, what in wrong) + f" (got {_shown(got)})")
        return got

    def check_lists(self, *kinds: str) -> None:
        """The class's lists, restricted to what this driver wrote, against the model."""
        class_id = self.env.class_id
        for kind in kinds or ("lineItems", "results", "categories"):
            mine = set(self.written[kind])
            if not mine:
                continue
            if kind == "categories" and not self.model.ic:
                continue  # plain OneRoster ties no category to a class
            listed = {o["sourcedId"]: o for o in self._listing(kind) if o.get("sourcedId") in mine}
            if kind in ASSESSMENT_KINDS:
                must, may = self._book().listed(kind, mine)
            elif kind == "results":
                must, may = self.model.class_result_ids(class_id, mine)
            elif kind == "lineItems":
                must, may = self.model.class_line_item_ids(class_id, mine), set()
            else:
                must, may = self.model.class_category_ids(class_id, mine), set()
            self._compare_listing(kind, listed, must, may)

    def _listing(self, kind: str) -> list[dict[str, Any]]:
        """The class's objects of a kind. An assessment result names no class: the results of the
        assessment line items this driver wrote stand for the class's."""
        class_id = self.env.class_id
        if kind == "assessmentResults":
            return [r for item in self.written["assessmentLineItems"]
                    for r in self.client.assessment_line_item_results(item)]
        return {"lineItems": self.client.class_line_items, "results": self.client.class_results,
                "categories": self.client.class_categories, "scoreScales": self.client.class_score_scales,
                "assessmentLineItems": self.client.class_assessment_line_items}[kind](class_id)

    def _compare_listing(self, kind: str, listed: dict[str, dict[str, Any]], must: set[str], may: set[str]) -> None:
        where = f"the class {self.env.class_id}'s {kind}"
        for missing in sorted(must - set(listed)):
            request, outcome = self.last.get(missing, ("(no request)", None))
            rules = ", ".join(dict.fromkeys([*(outcome.rules if outcome and outcome.accepted else ()),
                                             _upsert_rule(kind)]))
            raise AssertionError(f"{rules}: {where} does not list {missing} after {request}")
        for extra in sorted(set(listed) - must - may):
            request, outcome = self.last.get(extra, ("(no request)", None))
            rules = ", ".join(outcome.rules) if outcome else _upsert_rule(kind)
            raise AssertionError(f"{rules}: {where} lists {extra}, which should not be there after {request}"
                                 + (f" (expected {outcome.describe()})" if outcome else ""))
        for sourced_id in sorted(must):
            want = self._expect(kind, sourced_id)
            wrong = diff(want, listed[sourced_id]) if want is not None else []
            if wrong:
                rules = ", ".join(dict.fromkeys(rule for rule, _ in wrong))
                raise AssertionError(f"{rules}: {where}, entry {sourced_id}: "
                                     + "; ".join(what for _, what in wrong))

    # -- the end ----------------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Delete what this driver wrote (the sandbox deletes it again at the end of the run, and reports
        what could not be deleted)."""
        delete_all(self.client, self.written)


def _upsert_rule(kind: str) -> str:
    return {"lineItems": "IC-LI-UPSERT", "results": "IC-RES-UPSERT", "categories": "IC-CAT-OWNER"}.get(
        kind, "IC-ASSESS-1P2")
