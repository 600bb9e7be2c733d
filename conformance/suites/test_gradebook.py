"""The gradebook suite: line items, results and categories against the oracle (conformance/model.py); on
OneRoster 1.2 also score scales, assessment line items and assessment results
(conformance/assessment_model.py), which a 1.1 connection must not serve at all (IC-LI-1P1-ONLY).

Two parts:

- **rule probes**, one deterministic test per grade book behaviour of the catalogue (IC-LI-*,
  IC-CAT-OWNER, IC-RES-*): each sends the requests that behaviour decides, asks the model what
  the server must answer, and compares. They are what makes a server that breaks one rule fail
  under that rule's ID (with a mock-ic target: switching any one rule off makes this suite fail
  naming it);
- a **state machine** (gradebook_machine.py) of random write sequences, compared with the model
  after every step.

Everything is written in the sandbox class, under the sandbox's prefix, and deleted afterwards. The
probes that need a write to an object the kit did not create (IC-LI-OWNER, IC-CAT-OWNER on the
teacher's categories), a closed grading period (IC-LI-GRADING-WINDOW) or a teacher's edit
(IC-RES-ONE-WAY) run against a mock-ic target only, where the admin API can do (and undo) them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from conformance.client import NotFound, OneRosterError
from conformance.grading_task_model import SCORE_GRADE, GradingTask, is_grading_task
from conformance.model import UNCATEGORIZED, Term
from conformance.profiles import Profile
from conformance.sandbox import TITLE_PREFIX, Sandbox
from conformance.suites import gradebook_machine
from conformance.suites.gradebook_driver import Driver, Env, load_env
from conformance.target import Target
from conformance.transcript import Transcript

pytestmark = [pytest.mark.writes]

MOCK_ONLY = ("a mock-ic target only: {why}; against any other server the kit never writes to what it did "
             "not create, and has no way to {what}")


@pytest.fixture(scope="module")
def gradebook(oneroster_target: Target, oneroster_profile: Profile, oneroster_client: Any,
              oneroster_sandbox: Sandbox, oneroster_transcript: Transcript) -> Env:
    return load_env(oneroster_target, oneroster_profile, oneroster_client, oneroster_sandbox, oneroster_transcript)


# --- bodies as the probes send them ---------------------------------------------------------------

def _title(env: Env, what: str) -> str:
    """A recognisable title, unique to this run, within every limit."""
    return f"{TITLE_PREFIX}{what} {env.sandbox.run_id}"[: env.context.title_limit]


def _ref(env: Env, kind: str, sourced_id: str) -> dict[str, Any]:
    """Lenient on IC (IC-LENIENT-IN: the sourcedId only), the full 1EdTech reference otherwise."""
    if env.context.ic and not env.context.strict_only:
        return {"sourcedId": sourced_id}
    return {"href": env.context.href(kind, sourced_id), "sourcedId": sourced_id, "type": kind}


def _middle_term(env: Env) -> Term:
    terms = [t for t in env.facts.terms if t.grading_period] or list(env.facts.terms)
    return terms[len(terms) // 2]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _in_term(term: Term, days: int | None = None, clock: time = time(12)) -> str:
    day = term.start + timedelta(days=(term.end - term.start).days // 2 if days is None else days)
    return _iso(datetime.combine(day, clock, tzinfo=UTC))


_MISSING: Any = object()


def line_item_body(env: Env, title: str, *, due: Any = _MISSING, category: Any = _MISSING,
                   class_id: str | None = None, maximum: float = 20.0) -> dict[str, Any]:
    body: dict[str, Any] = {"title": title, "class": _ref(env, "class", class_id or env.class_id),
                            "resultValueMax": int(maximum) if env.context.ic and maximum.is_integer() else maximum}
    if due is _MISSING:
        due = _in_term(_middle_term(env))
    if due is not None:
        body["dueDate"] = due
    if category is _MISSING:
        category = env.context.categories[0] if env.context.categories else None
    if category is not None:
        body["category"] = _ref(env, "category", category)
    if not env.context.ic or env.context.strict_only:
        moment = datetime.fromisoformat(body.get("dueDate", "2026-01-08T00:00:00Z").replace("Z", "+00:00"))
        body.update(status="active", dateLastModified="2026-01-01T00:00:00.000Z",
                    assignDate=_iso(moment - timedelta(days=7)), resultValueMin=0.0, resultValueMax=float(maximum))
        if env.profile.version == "1.2" and env.facts.school:
            body["school"] = _ref(env, "org", env.facts.school)
        period = next((t.grading_period for t in env.facts.terms if "dueDate" in body and t.holds(moment)), None)
        if period:
            body["gradingPeriod"] = _ref(env, "academicSession", period)
    return body


def result_body(env: Env, line_item: str, student: str | None = None, **grading: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"lineItem": _ref(env, "lineItem", line_item),
                            "student": _ref(env, "user", student or env.context.students[0]),
                            "scoreStatus": "fully graded", "scoreDate": "2026-01-08", **grading}
    if not env.context.ic or env.context.strict_only:
        body.update(status="active", dateLastModified="2026-01-01T00:00:00.000Z")
        if isinstance(body.get("score"), int):
            body["score"] = float(body["score"])
    return body


def _student(env: Env, index: int) -> str:
    return env.context.students[index % len(env.context.students)]


@contextmanager
def restored(env: Env, why: str) -> Iterator[None]:
    """A probe that writes to objects the kit did not create: on a mock-ic target, from a snapshot."""
    name = f"kit-{env.sandbox.run_id}-{why}"
    env.admin.snapshot(name)
    try:
        yield
    finally:
        env.admin.restore(name)


def _needs_admin(env: Env, why: str, what: str) -> None:
    if env.admin is None:
        pytest.skip(MOCK_ONLY.format(why=why, what=what))


def _needs_version(env: Env, version: str, rule: str) -> None:
    if env.profile.version != version:
        pytest.skip(f"{rule} is a behaviour of OneRoster {version} connections; this one is "
                    f"{env.profile.version}")


def _view_cell(env: Env, result_id: str) -> dict[str, Any] | None:
    """The teacher's grid cell of a result (IC-VIEW, mock-ic's admin API)."""
    for student in env.admin.gradebook(env.class_id).get("students", []):
        for cell in student.get("cells", {}).values():
            if cell.get("resultSourcedId") == result_id:
                return cell
    return None


def check_view(env: Env, driver: Driver, result_id: str, rule: str) -> None:
    """What the teacher sees of a result, against the model (mock-ic targets; others have no view)."""
    if env.admin is None or not env.profile.ic:
        return
    cell = _view_cell(env, result_id)
    want = driver.model.view_cell(result_id)
    if cell is None:
        raise AssertionError(f"{rule}, IC-VIEW: the teacher's grade book of class {env.class_id} shows no cell "
                             f"for result {result_id}")
    got = {"display": cell.get("display"), "score": cell.get("score"), "extraCredit": cell.get("extraCredit"),
           "flags": set(cell.get("flags") or [])}
    wrong = [f"{key}: expected {want[key]!r}, got {got[key]!r}" for key in want
             if not (got[key] == want[key] or (want[key] is not None and got[key] is not None
                                               and key in ("score", "extraCredit")
                                               and float(got[key]) == float(want[key])))]
    if wrong:
        raise AssertionError(f"{rule}, IC-VIEW: the teacher's cell of result {result_id}: " + "; ".join(wrong))


# --- line items -----------------------------------------------------------------------------------

@pytest.mark.behaviour("IC-LI-UPSERT", "IC-LENIENT-IN")
def test_ic_li_upsert_201_then_200_and_get_returns_what_was_stored(gradebook: Env) -> None:
    with gradebook.session() as s:
        item = s.new_id("lineItems")
        body = line_item_body(gradebook, _title(gradebook, "Upsert"))
        s.put("lineItems", item, body)
        s.check("lineItems", item)
        s.put("lineItems", item, {**body, "resultValueMax": 25.5, "description": "replaced"})
        s.check("lineItems", item)
        s.check_lists("lineItems")


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-TITLE-LEN", "IC-TITLE-OVER")
def test_ic_li_title_len_over_the_limit_refused_nothing_stored(gradebook: Env) -> None:
    limit = gradebook.context.title_limit
    with gradebook.session() as s:
        at_limit, over, renamed = s.new_id("lineItems"), s.new_id("lineItems"), s.new_id("lineItems")
        long_title = f"{TITLE_PREFIX}{gradebook.sandbox.run_id} " + "x" * limit
        s.put("lineItems", at_limit, line_item_body(gradebook, long_title[:limit]))
        s.check("lineItems", at_limit)
        s.put("lineItems", over, line_item_body(gradebook, long_title[: limit + 1]))
        s.check("lineItems", over)
        if limit > 31:  # a 1.1 connection takes what a 1.2 one refuses
            s.put("lineItems", renamed, line_item_body(gradebook, _title(gradebook, "Ren").ljust(31, "y")))
            s.check("lineItems", renamed)
        else:
            s.put("lineItems", renamed, line_item_body(gradebook, _title(gradebook, "Ren")))
        # Renaming over the limit leaves the line item as it was.
        s.put("lineItems", renamed, line_item_body(gradebook, long_title[1: limit + 2]))
        s.check("lineItems", renamed)
        s.check_lists("lineItems")


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-DUP-TITLE")
def test_ic_li_dup_title_case_and_blanks_refused_on_create_and_rename(gradebook: Env) -> None:
    with gradebook.session() as s:
        first, second, other = s.new_id("lineItems"), s.new_id("lineItems"), s.new_id("lineItems")
        title = _title(gradebook, "Quiz")
        s.put("lineItems", first, line_item_body(gradebook, title))
        variant = TITLE_PREFIX + title[len(TITLE_PREFIX):].swapcase() + " "
        s.put("lineItems", second, line_item_body(gradebook, variant))
        s.check("lineItems", second)
        s.check("lineItems", first)
        s.put("lineItems", other, line_item_body(gradebook, _title(gradebook, "Other")))
        s.put("lineItems", other, line_item_body(gradebook, TITLE_PREFIX + title[len(TITLE_PREFIX):].upper()))
        s.check("lineItems", other)
        # Re-sending a line item with its own title is no duplicate.
        s.put("lineItems", first, line_item_body(gradebook, title, maximum=30.0))
        s.check("lineItems", first)
        s.check_lists("lineItems")


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-DUE-DATE")
def test_ic_li_due_date_outside_every_term_or_missing_refused_inside_derives_the_grading_period(
        gradebook: Env) -> None:
    terms = gradebook.facts.terms
    first = min(t.start for t in terms)
    last = max(t.end for t in terms)
    with gradebook.session() as s:
        before, after, missing, edge = (s.new_id("lineItems") for _ in range(4))
        s.put("lineItems", before, line_item_body(gradebook, _title(gradebook, "Before"),
                                                  due=_iso(datetime.combine(first, time(0), tzinfo=UTC)
                                                           - timedelta(seconds=1))))
        s.put("lineItems", after, line_item_body(gradebook, _title(gradebook, "After"),
                                                 due=_iso(datetime.combine(last + timedelta(days=1), time(0),
                                                                           tzinfo=UTC))))
        s.put("lineItems", missing, line_item_body(gradebook, _title(gradebook, "NoDue"), due=None))
        for item in (before, after, missing):
            s.check("lineItems", item)
        # The last second of the last term is inside it; the grading period is derived from it.
        last_term = max(terms, key=lambda t: t.end)
        edge_body = line_item_body(gradebook, _title(gradebook, "Edge"),
                                   due=_in_term(last_term, (last_term.end - last_term.start).days, time(23, 59, 59)))
        edge_body.pop("gradingPeriod", None)
        s.put("lineItems", edge, edge_body)
        s.check("lineItems", edge)
        s.check_lists("lineItems")


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-GRADING-WINDOW")
def test_ic_li_grading_window_closed_period_refuses_line_items_and_results(gradebook: Env) -> None:
    _needs_admin(gradebook, "it closes a grading period through the admin API",
                 "close a grading period or tell which are closed")
    term = _middle_term(gradebook)
    period = term.grading_period
    if period is None:
        pytest.skip(f"IC-LI-GRADING-WINDOW: term {term.sourced_id} shows no grading period")
    with gradebook.session() as s:
        item, late_item, result = s.new_id("lineItems"), s.new_id("lineItems"), s.new_id("results")
        body = line_item_body(gradebook, _title(gradebook, "Window"), due=_in_term(term))
        s.put("lineItems", item, body)
        s.put("results", result, result_body(gradebook, item, score=12))
        was_closed = period in s.model.config.closed_grading_periods
        gradebook.admin.close_grading_period(period)
        s.model.close_grading_period(period)
        try:
            s.put("lineItems", late_item, line_item_body(gradebook, _title(gradebook, "Late"), due=_in_term(term, 1)))
            s.put("lineItems", item, {**body, "resultValueMax": 40})
            s.put("results", result, result_body(gradebook, item, score=15))
            for kind, sourced_id in (("lineItems", item), ("lineItems", late_item), ("results", result)):
                s.check(kind, sourced_id)
        finally:
            if not was_closed:
                gradebook.admin.close_grading_period(period, open=True)
                s.model.close_grading_period(period, closed=False)


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-CATEGORY-1P1")
def test_ic_li_category_1p1_any_category_becomes_uncategorized(gradebook: Env) -> None:
    _needs_version(gradebook, "1.1", "IC-LI-CATEGORY-1P1")
    with gradebook.session() as s:
        chosen, unknown, none = s.new_id("lineItems"), s.new_id("lineItems"), s.new_id("lineItems")
        s.put("lineItems", chosen, line_item_body(gradebook, _title(gradebook, "Cat")))
        s.put("lineItems", unknown, line_item_body(gradebook, _title(gradebook, "CatX"),
                                                   category=f"{gradebook.context.unknown_class}-category"))
        s.put("lineItems", none, line_item_body(gradebook, _title(gradebook, "Cat0"), category=None))
        for item in (chosen, unknown, none):
            s.check("lineItems", item)
        s.check_lists("lineItems")


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-CATEGORY-1P2")
def test_ic_li_category_1p2_missing_placeholder_or_foreign_category_refused(gradebook: Env) -> None:
    _needs_version(gradebook, "1.2", "IC-LI-CATEGORY-1P2")
    if not gradebook.context.categories:
        pytest.skip(f"IC-LI-CATEGORY-1P2: class {gradebook.class_id} has no categories to choose from")
    with gradebook.session() as s:
        ids = [s.new_id("lineItems") for _ in range(4)]
        for sourced_id, category, what in zip(ids, (None, UNCATEGORIZED, f"{gradebook.context.unknown_class}-cat",
                                                    gradebook.context.categories[-1]),
                                              ("NoCat", "Uncat", "Foreign", "Good"), strict=True):
            s.put("lineItems", sourced_id, line_item_body(gradebook, _title(gradebook, what), category=category))
            s.check("lineItems", sourced_id)
        s.check_lists("lineItems")


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-CLASS")
def test_ic_li_class_unknown_class_refused(gradebook: Env) -> None:
    with gradebook.session() as s:
        item = s.new_id("lineItems")
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "NoClass"),
                                                class_id=gradebook.context.unknown_class))
        s.check("lineItems", item)


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-OWNER", "IC-GRADING-TASK")
def test_ic_li_owner_line_items_made_in_ic_are_read_only(gradebook: Env) -> None:
    _needs_admin(gradebook, "the probe must try to replace and delete a line item made inside IC, and the "
                            "mock is restored from a snapshot afterwards", "undo such a write")
    with gradebook.session() as s:
        theirs = [li for li in gradebook.client.class_line_items(gradebook.class_id)
                  if not Sandbox.owns(li["sourcedId"])]
        if not theirs:
            pytest.skip(f"IC-LI-OWNER: class {gradebook.class_id} has no line item made inside IC")
        campus = next((li for li in theirs if ((li.get("metadata") or {}).get("ic") or {}).get("origin") == "campus"
                       and not is_grading_task(li)), theirs[0])
        task = next((li for li in theirs if is_grading_task(li)), None)  # IC-GRADING-TASK: IC's own too
        with restored(gradebook, "li-owner"):
            for item in (campus, task) if task is not None else (campus,):
                # The same line item sent back: harmless if it were taken, and still refused.
                s.put("lineItems", item["sourcedId"], {k: v for k, v in item.items() if k != "dateLastModified"},
                      foreign=True)
                s.check("lineItems", item["sourcedId"])
                s.delete("lineItems", item["sourcedId"], foreign=True)
                s.check("lineItems", item["sourcedId"])


@pytest.mark.behaviour("IC-LI-DELETE")
def test_ic_li_delete_204_then_404_and_its_results_go_too(gradebook: Env) -> None:
    with gradebook.session() as s:
        item = s.new_id("lineItems")
        results = [s.new_id("results"), s.new_id("results")]
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "Delete")))
        for index, result in enumerate(results):
            s.put("results", result, result_body(gradebook, item, _student(gradebook, index), score=5 + index))
        s.check_lists("results")
        s.delete("lineItems", item)
        s.check("lineItems", item)
        for result in results:
            s.check("results", result)
        s.check_lists("lineItems", "results")
        s.delete("lineItems", item)


# --- categories -----------------------------------------------------------------------------------

@pytest.mark.ic
@pytest.mark.behaviour("IC-CAT-OWNER")
def test_ic_cat_owner_categories_made_in_ic_are_read_only(gradebook: Env) -> None:
    _needs_admin(gradebook, "the probe must try to replace and delete one of the teacher's categories, and the "
                            "mock is restored from a snapshot afterwards", "undo such a write")
    if not gradebook.context.categories:
        pytest.skip(f"IC-CAT-OWNER: class {gradebook.class_id} has no categories made inside IC")
    with gradebook.session() as s:
        category = gradebook.client.get(f"categories/{gradebook.context.categories[0]}")["category"]
        with restored(gradebook, "cat-owner"):
            s.put("categories", category["sourcedId"],
                  {k: v for k, v in category.items() if k != "dateLastModified"}, foreign=True)
            s.check("categories", category["sourcedId"])
            s.delete("categories", category["sourcedId"], foreign=True)
            s.check("categories", category["sourcedId"])


@pytest.mark.ic
@pytest.mark.behaviour("IC-CAT-OWNER")
def test_ic_cat_owner_vendor_category_keeps_class_and_weight_and_is_not_deleted_while_used(gradebook: Env) -> None:
    with gradebook.session() as s:
        category, item = s.new_id("categories"), s.new_id("lineItems")
        body: dict[str, Any] = {"title": _title(gradebook, "Cat"), "metadata": {"ic": {"class": gradebook.class_id}}}
        if gradebook.profile.version == "1.2":
            body["weight"] = 12.5
        s.put("categories", category, body)
        s.check("categories", category)
        s.put("categories", category, {"title": _title(gradebook, "Cat2")})  # no class, no weight
        s.check("categories", category)
        s.check_lists("categories")
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "InCat"), category=category))
        s.delete("categories", category)
        s.check("categories", category)
        s.delete("lineItems", item)
        s.delete("categories", category)
        s.check("categories", category)


# --- results --------------------------------------------------------------------------------------

@pytest.mark.behaviour("IC-RES-UPSERT", "IC-LENIENT-IN")
def test_ic_res_upsert_201_then_200_and_get_returns_what_was_stored(gradebook: Env) -> None:
    with gradebook.session() as s:
        item, result = s.new_id("lineItems"), s.new_id("results")
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "Res")))
        body = result_body(gradebook, item, score=12, comment="well done")
        if gradebook.context.ic:
            body["scoreDate"] = "2026-01-08T14:05:00Z"  # IC-LENIENT-IN: a date-time, stored as its date
        s.put("results", result, body)
        s.check("results", result)
        s.put("results", result, {**body, "score": 14, "scoreStatus": "partially graded"})
        s.check("results", result)
        s.check_lists("results")


@pytest.mark.ic
@pytest.mark.behaviour("IC-RES-UPSERT")
def test_ic_res_upsert_unknown_line_item_or_student_not_enrolled_refused(gradebook: Env) -> None:
    with gradebook.session() as s:
        item = s.new_id("lineItems")
        orphan, stranger, nobody, kept = (s.new_id("results") for _ in range(4))
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "Enrol")))
        s.put("results", orphan, result_body(gradebook, gradebook.unknown_line_item(), score=3))
        unenrolled = gradebook.context.unenrolled[0] if gradebook.context.unenrolled else None
        if unenrolled is not None:
            s.put("results", stranger, result_body(gradebook, item, unenrolled, score=3))
        s.put("results", nobody, result_body(gradebook, item, gradebook.context.unknown_student, score=3))
        s.put("results", kept, result_body(gradebook, item, score=9))
        s.put("results", kept, result_body(gradebook, item, unenrolled or gradebook.context.unknown_student, score=4))
        for result in (orphan, stranger, nobody, kept):
            s.check("results", result)
        s.check_lists("results")


@pytest.mark.ic
@pytest.mark.behaviour("IC-RES-EXTRA-CREDIT")
def test_ic_res_extra_credit_above_the_maximum_accepted_negative_refused(gradebook: Env) -> None:
    with gradebook.session() as s:
        item, extra, negative = s.new_id("lineItems"), s.new_id("results"), s.new_id("results")
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "Extra"), maximum=20.0))
        s.put("results", extra, result_body(gradebook, item, _student(gradebook, 0), score=30))
        s.check("results", extra)
        check_view(gradebook, s, extra, "IC-RES-EXTRA-CREDIT")
        s.put("results", negative, result_body(gradebook, item, _student(gradebook, 1), score=-1))
        s.check("results", negative)
        s.put("results", extra, result_body(gradebook, item, _student(gradebook, 0), score=-0.5))
        s.check("results", extra)
        s.check_lists("results")


@pytest.mark.ic
@pytest.mark.behaviour("IC-RES-FLAGS")
def test_ic_res_flags_exempt_late_missing_1p2_kept_1p1_without_late_or_missing(gradebook: Env) -> None:
    with gradebook.session() as s:
        item, flagged, plain = s.new_id("lineItems"), s.new_id("results"), s.new_id("results")
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "Flags")))
        s.put("results", flagged, result_body(gradebook, item, _student(gradebook, 0), score=8, scoreStatus="exempt",
                                              late="true", missing="true"))
        s.put("results", plain, result_body(gradebook, item, _student(gradebook, 1), score=8, late="false"))
        for result in (flagged, plain):
            s.check("results", result)
            check_view(gradebook, s, result, "IC-RES-FLAGS")


@pytest.mark.behaviour("IC-RES-DECIMAL")
def test_ic_res_decimal_exact_value_kept(gradebook: Env) -> None:
    with gradebook.session() as s:
        item = s.new_id("lineItems")
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "Decimal")))
        for index, score in enumerate((10.5, 7.125, 19.99, 0.1)):
            result = s.new_id("results")
            s.put("results", result, result_body(gradebook, item, _student(gradebook, index), score=score))
            s.check("results", result)
            check_view(gradebook, s, result, "IC-RES-DECIMAL")
        s.check_lists("results")


@pytest.mark.behaviour("IC-RES-BLANK")
def test_ic_res_blank_result_without_score_is_kept(gradebook: Env) -> None:
    with gradebook.session() as s:
        item, blank = s.new_id("lineItems"), s.new_id("results")
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "Blank")))
        s.put("results", blank, result_body(gradebook, item, scoreStatus="not submitted"))
        s.check("results", blank)
        check_view(gradebook, s, blank, "IC-RES-BLANK")
        s.check_lists("results")


@pytest.mark.ic
@pytest.mark.behaviour("IC-RES-ONE-WAY")
def test_ic_res_one_way_teacher_edit_seen_by_the_vendor_and_overwritten_by_its_next_put(gradebook: Env) -> None:
    _needs_admin(gradebook, "a teacher's edit inside IC is made through the mock's admin API",
                 "edit a score as a teacher")
    with gradebook.session() as s:
        item, result = s.new_id("lineItems"), s.new_id("results")
        s.put("lineItems", item, line_item_body(gradebook, _title(gradebook, "OneWay")))
        body = result_body(gradebook, item, score=15)
        s.put("results", result, body)
        gradebook.admin.teacher_edit(result, score=12)
        s.model.teacher_edit(result, 12)
        s.check("results", result)
        s.put("results", result, body)
        s.check("results", result)


# --- grading tasks ---------------------------------------------------------------------------------

def _open_task(env: Env) -> GradingTask:
    """A grading task of the class whose window is open and whose score group the target shows."""
    closed = env.config().closed_grading_periods
    task = next((t for t in env.tasks if t.group is not None and t.grading_period not in closed), None)
    if task is None:
        pytest.skip(f"IC-GRADING-TASK: class {env.class_id} shows no grading task with an open window and a score "
                    f"group this kit can read (on 1.1 only a mock-ic target's teacher view shows it)")
    return task


def _task_view_cell(env: Env, task: GradingTask, result_id: str) -> dict[str, Any] | None:
    for student in env.admin.gradebook(env.class_id).get("students", []):
        cell = student.get("taskGrades", {}).get(task.sourced_id)
        if cell and cell.get("resultSourcedId") == result_id:
            return dict(cell)
    return None


@pytest.mark.ic
@pytest.mark.behaviour("IC-GRADING-TASK", "IC-RES-UPSERT", "IC-LI-GRADING-WINDOW", "IC-VIEW")
def test_ic_grading_task_grades_are_a_percent_or_a_score_of_the_task_score_group(gradebook: Env) -> None:
    """A percent alone gets the score of its minimum percent; a score of the group alone leaves the percent empty;
    a score not in the group, or a student not in the class, is refused; on a mock-ic target a closed window
    refuses a grade, and the teacher sees the percent and score posted."""
    task = _open_task(gradebook)
    assert task.group is not None
    (top, minimum), (second, _) = task.group.items[0], task.group.items[min(1, len(task.group.items) - 1)]
    with gradebook.session() as s:
        percent, score, unknown, stranger = (s.new_id("results") for _ in range(4))
        s.put("results", percent, result_body(gradebook, task.sourced_id, _student(gradebook, 0),
                                              score=min(minimum + 1.5, 100.0)))
        s.put("results", score, result_body(gradebook, task.sourced_id, _student(gradebook, 1),
                                            metadata={SCORE_GRADE: second}))
        s.put("results", unknown, result_body(gradebook, task.sourced_id, _student(gradebook, 2),
                                              metadata={SCORE_GRADE: f"{TITLE_PREFIX}no such score"}))
        if gradebook.context.unenrolled:
            s.put("results", stranger, result_body(gradebook, task.sourced_id, gradebook.context.unenrolled[0],
                                                   score=minimum))
        for result in (percent, score, unknown, stranger):
            s.check("results", result)
        if gradebook.admin is None:
            return
        cell = _task_view_cell(gradebook, task, percent)
        if cell is None or cell.get("score") != top:
            raise AssertionError(f"IC-GRADING-TASK, IC-VIEW: the teacher's grade of result {percent} on grading task "
                                 f"{task.title!r} is {cell!r}; expected the score {top!r} and its percent")
        if task.grading_period is None:
            return
        closed = s.new_id("results")
        gradebook.admin.close_grading_period(task.grading_period)
        s.model.close_grading_period(task.grading_period)
        try:
            s.put("results", closed, result_body(gradebook, task.sourced_id, _student(gradebook, 3), score=minimum))
            s.check("results", closed)
        finally:
            gradebook.admin.close_grading_period(task.grading_period, open=True)
            s.model.close_grading_period(task.grading_period, closed=False)


# --- score scales and assessments (OneRoster 1.2) ---------------------------------------------------

STANDARDS = (("1", "Beginning"), ("2", "Developing"), ("3", "Proficient"), ("4", "Exceeds"))
_STRICT_COMMON = {"status": "active", "dateLastModified": "2026-01-01T00:00:00.000Z"}


def _strict(env: Env) -> bool:
    return not env.context.ic or env.context.strict_only


def score_scale_body(env: Env, title: str) -> dict[str, Any]:
    """A 1-4 standards scale of the sandbox class."""
    body = {"title": title, "type": "standards", "class": _ref(env, "class", env.class_id),
            "scoreScaleValue": [{"itemValueLHS": lhs, "itemValueRHS": rhs} for lhs, rhs in STANDARDS]}
    return {**body, **_STRICT_COMMON} if _strict(env) else body


def assessment_line_item_body(env: Env, title: str, *, scale: str | None = None,
                              parent: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"title": title, "class": _ref(env, "class", env.class_id), "resultValueMin": 1,
                            "resultValueMax": 4}
    if scale is not None:
        body["scoreScale"] = _ref(env, "scoreScale", scale)
    if parent is not None:
        body["parentAssessmentLineItem"] = _ref(env, "assessmentLineItem", parent)
    if _strict(env):
        body.update(_STRICT_COMMON, resultValueMin=1.0, resultValueMax=4.0)
    return body


def assessment_result_body(env: Env, line_item: str, student: str | None = None, **grading: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"assessmentLineItem": _ref(env, "assessmentLineItem", line_item),
                            "student": _ref(env, "user", student or env.context.students[0]),
                            "scoreStatus": "fully graded", "scoreDate": "2026-01-08", **grading}
    if _strict(env):
        body.update(_STRICT_COMMON)
        if isinstance(body.get("score"), int):
            body["score"] = float(body["score"])
    return body


@pytest.mark.behaviour("IC-ASSESS-1P2", "IC-LI-DELETE")
def test_ic_assess_1p2_score_scale_assessment_line_items_and_results_upsert_list_and_delete(gradebook: Env) -> None:
    _needs_version(gradebook, "1.2", "IC-ASSESS-1P2")
    with gradebook.session(assessments=True) as s:
        scale, parent, child = s.new_id("scoreScales"), s.new_id("assessmentLineItems"), s.new_id("assessmentLineItems")
        result = s.new_id("assessmentResults")
        s.put("scoreScales", scale, score_scale_body(gradebook, _title(gradebook, "Scale")))
        body = assessment_line_item_body(gradebook, _title(gradebook, "Bench"), scale=scale)
        s.put("assessmentLineItems", parent, body)
        s.put("assessmentLineItems", parent, {**body, "description": "replaced"})
        s.put("assessmentLineItems", child, assessment_line_item_body(gradebook, _title(gradebook, "Bench A"),
                                                                      scale=scale, parent=parent))
        s.put("assessmentResults", result, assessment_result_body(gradebook, child, score=3, textScore="Proficient"))
        s.put("assessmentResults", result, assessment_result_body(gradebook, child, score=4, comment="re-scored"))
        for kind, sourced_id in (("scoreScales", scale), ("assessmentLineItems", parent),
                                 ("assessmentLineItems", child), ("assessmentResults", result)):
            s.check(kind, sourced_id)
        s.check_lists("scoreScales", "assessmentLineItems", "assessmentResults")
        # On IC a parent with an active child stays; its child goes, and the child's results with it.
        s.delete("assessmentLineItems", parent)
        s.check("assessmentLineItems", parent)
        s.delete("assessmentLineItems", child)
        s.check("assessmentResults", result)
        s.delete("assessmentLineItems", parent)
        s.check_lists("assessmentLineItems", "assessmentResults")


@pytest.mark.ic
@pytest.mark.behaviour("IC-ASSESS-1P2", "IC-RES-EXTRA-CREDIT")
def test_ic_assess_1p2_refuses_unknown_references_unenrolled_students_and_scores_outside_the_scale(
        gradebook: Env) -> None:
    _needs_version(gradebook, "1.2", "IC-ASSESS-1P2")
    with gradebook.session(assessments=True) as s:
        scale, item = s.new_id("scoreScales"), s.new_id("assessmentLineItems")
        unscaled = s.new_id("assessmentLineItems")
        never = gradebook.sandbox.new_id("assessmentLineItems")  # never created
        s.put("scoreScales", scale, score_scale_body(gradebook, _title(gradebook, "Scale")))
        s.put("assessmentLineItems", item,
              assessment_line_item_body(gradebook, _title(gradebook, "Check"), scale=scale))
        s.put("assessmentLineItems", unscaled, assessment_line_item_body(
            gradebook, _title(gradebook, "NoScale"), scale=gradebook.sandbox.new_id("scoreScales"), parent=never))
        orphan, stranger, outside, unlisted, negative, kept = (s.new_id("assessmentResults") for _ in range(6))
        s.put("assessmentResults", orphan, assessment_result_body(gradebook, never, score=2))
        if gradebook.context.unenrolled:
            s.put("assessmentResults", stranger,
                  assessment_result_body(gradebook, item, gradebook.context.unenrolled[0], score=2))
        s.put("assessmentResults", outside, assessment_result_body(gradebook, item, _student(gradebook, 1), score=7))
        s.put("assessmentResults", unlisted, assessment_result_body(gradebook, item, _student(gradebook, 2),
                                                                    textScore="Excellent"))
        s.put("assessmentResults", negative, assessment_result_body(gradebook, item, _student(gradebook, 3), score=-1))
        s.put("assessmentResults", kept, assessment_result_body(gradebook, item, score=2))
        s.put("assessmentResults", kept, assessment_result_body(gradebook, item, gradebook.context.unknown_student,
                                                                score=2))
        for result in (orphan, stranger, outside, unlisted, negative, kept):
            s.check("assessmentResults", result)
        s.check("assessmentLineItems", unscaled)
        s.check_lists("assessmentResults")


@pytest.mark.ic
@pytest.mark.behaviour("IC-LI-1P1-ONLY")
def test_ic_li_1p1_only_no_score_scale_or_assessment_path_on_a_1p1_connection(gradebook: Env) -> None:
    _needs_version(gradebook, "1.1", "IC-LI-1P1-ONLY")
    probe = gradebook.sandbox.new_id("assessmentLineItems")  # never created: any write would be the kit's own
    calls = [("GET", f"{kind}{one}") for kind in ("scoreScales", "assessmentLineItems", "assessmentResults")
             for one in ("", f"/{probe}")]
    calls.append(("PUT", f"assessmentLineItems/{probe}"))
    for method, path in calls:
        try:
            if method == "GET":
                gradebook.client.get(path)
            else:
                gradebook.client.put(path, {"assessmentLineItem": {"title": _title(gradebook, "1.1"),
                                                                   "class": {"sourcedId": gradebook.class_id}}})
        except NotFound:
            continue
        except OneRosterError as error:
            raise AssertionError(f"IC-LI-1P1-ONLY: {method} {path} on a 1.1 connection answered {error.status} "
                                 f"({error.description[:200]}); expected 404: 1.1 has no score scales or "
                                 "assessments") from None
        raise AssertionError(f"IC-LI-1P1-ONLY: {method} {path} on a 1.1 connection answered 2xx; expected 404: "
                             "1.1 has no score scales or assessments")


# --- the state machine ----------------------------------------------------------------------------

@pytest.mark.behaviour("IC-LI-UPSERT", "IC-LI-TITLE-LEN", "IC-LI-DUP-TITLE", "IC-LI-DUE-DATE", "IC-LI-CATEGORY-1P1",
                       "IC-LI-CATEGORY-1P2", "IC-LI-CLASS", "IC-LI-DELETE", "IC-CAT-OWNER", "IC-RES-UPSERT",
                       "IC-RES-EXTRA-CREDIT", "IC-RES-DECIMAL", "IC-RES-BLANK", "IC-RES-FLAGS", "IC-RES-ONE-WAY",
                       "IC-LENIENT-IN")
def test_gradebook_state_machine_agrees_with_the_model(gradebook: Env, pytestconfig: pytest.Config) -> None:
    examples = pytestconfig.getoption("oneroster_examples") or gradebook_machine.DEFAULT_EXAMPLES
    gradebook_machine.run(gradebook, examples=examples)
