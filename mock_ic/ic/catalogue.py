"""What mock-ic does about each behaviour of the IC / OneRoster catalogue (IC_BEHAVIOUR.md), by ID.

The one hand-kept part of docs/behaviour.md: each ID's status and what exactly is done. The rest of
each row is derived: the tenant settings from :class:`~mock_ic.ic.settings.TenantSettings` (each
setting names its rule), the code from the registry (:mod:`mock_ic.ic.registry`) and from the
modules that name the ID, the tests from the tests that name it. ``python -m tests.test_behaviour_doc
--write`` regenerates the page; a test fails when it is stale.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Behaviour:
    id: str
    status: str  # "tested" (implemented, proven by the tests named), "partial" (the gap said), "not yet" (the issue)
    note: str = ""  # what exactly is done, and where a user meets it
    other_settings: str = ""  # what tunes it besides the tenant settings (e.g. a district recipe's fields)


@dataclass(frozen=True)
class Section:
    title: str
    behaviours: tuple[Behaviour, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "1. Tenancy, URLs, authentication",
        (
            Behaviour(
                "IC-TENANT", "tested", note="admin API `/_mock/tenants`, CLI `mock-ic tenant`, `mock_ic.testing.MockIC`"
            ),
            Behaviour("IC-URL-1P2", "tested"),
            Behaviour("IC-URL-1P1", "tested"),
            Behaviour(
                "IC-URL-1P1-SPLIT",
                "tested",
                note=('1.1 at `/campus/api/ims/oneroster/{rostering,gradebook}/v1p1`, each root with its '
                      "service's 1.1 operations (a grade book operation is one that needs the vendor header), "
                      'hrefs on the root that serves their kind'),
            ),
            Behaviour("IC-URL-STD", "tested"),
            Behaviour("IC-AUTH-TOKEN", "tested"),
            Behaviour("IC-AUTH-BEARER", "tested"),
            Behaviour("IC-AUTH-SCOPE", "tested"),
            Behaviour("IC-VENDOR-HEADER", "tested"),
            Behaviour("IC-GRADEBOOK-SYNC", "tested"),
            Behaviour(
                "IC-SCHOOL-SCOPE",
                "tested",
                note="lists, reads, parents and writes; demographics carry no school and stay visible",
            ),
        ),
    ),
    Section(
        "2. Reading",
        (
            Behaviour("OR-ENVELOPE", "tested"),
            Behaviour("OR-PAGING", "tested"),
            Behaviour("OR-FILTER", "tested"),
            Behaviour("OR-SORT", "tested"),
            Behaviour("OR-FIELDS", "tested"),
            Behaviour("OR-NESTED", "tested"),
            Behaviour("OR-ERRORS", "tested"),
            Behaviour("OR-STATUS", "tested"),
        ),
    ),
    Section(
        "2b. What real clients send",
        (
            Behaviour(
                "IC-LENIENT-IN",
                "tested",
                note=('references by sourcedId only, missing status/dateLastModified, integers for floats, '
                      'date-time scoreDate (stored as its date) accepted; `strict_input` refuses them with 400 '
                      'naming the field — a non-date in any `format: date` field (scoreDate) names the value and'
                      ' the expected `YYYY-MM-DD` (the Draft 4 format checker has no `date`; '
                      '`mock_ic/oneroster/schemas.py` adds it)'),
            ),
            Behaviour("IC-TITLE-OVER", "tested"),
            Behaviour("IC-VENDOR-OPTIONAL", "tested"),
        ),
    ),
    Section(
        "3. Identifiers and roster shape",
        (
            Behaviour("IC-IDS", "tested"),
            Behaviour("IC-TERMS", "tested", other_settings="recipe `terms_per_school`"),
            Behaviour("IC-USERS", "tested", other_settings="recipe ratios"),
        ),
    ),
    Section(
        "4. Line items",
        (
            Behaviour("IC-LI-UPSERT", "tested"),
            Behaviour("IC-LI-TITLE-LEN", "tested"),
            Behaviour("IC-LI-DUP-TITLE", "tested"),
            Behaviour("IC-LI-DUE-DATE", "tested"),
            Behaviour("IC-LI-GRADING-WINDOW", "tested"),
            Behaviour("IC-LI-CATEGORY-1P1", "tested"),
            Behaviour("IC-LI-CATEGORY-1P2", "tested"),
            Behaviour("IC-LI-CLASS", "tested"),
            Behaviour("IC-LI-OWNER", "tested"),
            Behaviour("IC-LI-DELETE", "tested"),
            Behaviour("IC-LI-1P1-ONLY", "tested",
                      note=("by the contract: openapi/oneroster-v1p1.yaml has no score scale or assessment path; a 1.1 "
                            "CSV bundle that marks such a file bulk is refused; the kit's ic-1.1 profile checks the "
                            "404s")),
            Behaviour(
                "IC-ASSESS-1P2",
                "tested",
                note=("1.2 only: `assessmentLineItems` and `assessmentResults` GET all/one, PUT (201/200), DELETE, "
                      "1EdTech scopes `assessment.*` plus the vendor header; 1.1 answers 404 \"No such endpoint\" "
                      "on every assessment path (IC-LI-1P1-ONLY). An assessment line item needs a title and, "
                      "unlike 1EdTech, a class (IC-LI-CLASS: IC files every score under a section); a "
                      "`parentAssessmentLineItem` must exist, in the same class, and not be the item or one of its "
                      "descendants; a `scoreScale` named must exist. An assessment result needs an existing "
                      "assessment line item (always checked) and a student actively enrolled in its class. "
                      "\"Within the score scale\" (the result's own, else its line item's): a numeric `score` lies "
                      "between the lowest and highest numeric `itemValueLHS`, both included (2.5 is within a 1-4 "
                      "scale); a scale whose values are not numbers (E/M/P/N) takes no numeric score; a `textScore` "
                      "is one of the scale's values, left- or right-hand side, trimmed and case-insensitive, or a "
                      "number within a numeric scale's range (non-numeric values have no order, so only membership "
                      "is checked). Deleting an assessment line item takes its results with it (as IC-LI-DELETE) "
                      "and is refused (422) while active assessment line items name it as parent. From the line "
                      "item rules: IC-LI-OWNER applies (seeded assessment line items are `metadata.ic.origin: "
                      "campus`, 403 on PUT/DELETE), IC-RES-DECIMAL (scores stored as sent) and IC-RES-EXTRA-CREDIT "
                      "(a negative score → 422; above `resultValueMax` is accepted unless a score scale bounds it); "
                      "IC-LI-GRADING-WINDOW does not (an assessment line item has no grading period or due date), "
                      "nor do IC-LI-TITLE-LEN, IC-LI-DUP-TITLE or the category rules. Stored and listed, never a "
                      "column of the teacher's grade book grid. The demo district seeds, per school, three score "
                      "scales (points 0-100, percent, standards 1-4) in its first class, that class's line items "
                      "graded on one, and three assessment line items (one a child) with results. A 1.2 CSV bundle "
                      "may carry `scoreScales.csv` (the binding's) and `assessmentLineItems.csv`, "
                      "`assessmentResults.csv` (mock-ic's own: the 1.2 CSV binding has no assessment file); the "
                      "export, snapshots and the request log carry them like every kind. The kit's gradebook suite "
                      "probes them on ic-1.2 and oneroster-1.2, and docs/contract.md lists how the mock departs "
                      "from 1EdTech's own gradebook file on these operations"),
            ),
            Behaviour(
                "IC-GRADING-TASK",
                "tested",
                note=("**District** (`mock_ic/control/grading_tasks.py`): per class, line items made inside IC "
                      "(`metadata.ic.origin: campus`) with the strings `ext_infiniteCampus_isGradingWindowOpen`, "
                      "`ext_infiniteCampus_isStandard`, `ext_infiniteCampus_isOneTime`: on letter grades \"<term> "
                      "Grade\" per term, on quarters \"S1/S2 Grade\" (posted in the semester's second quarter), "
                      "\"Final Grade\" in the last term (the one-time task); elementary schools one standard per "
                      "term (\"Q1 Number Sense\") on a 1-4 group; sourcedId sectionID + termID + taskID (IC-IDS), "
                      "category IC's placeholder (a task is in no category). Each task's score group is a score "
                      "scale of its class, named by `scoreScale` on 1.2 (`itemValueLHS` the minimum percent, "
                      "`itemValueRHS` the score, as 1EdTech reads a mapping: \"90\" → \"A\"); 1.1 has no score "
                      "scales, the teacher view shows the group. **Window**: a task's is its term's grading period's, "
                      "closed and opened by IC-LI-GRADING-WINDOW's control; a read then says "
                      "`isGradingWindowOpen: \"false\"` (stored documents say \"true\", so a filter on that field "
                      "sees \"true\"); a grade posted while closed → 422 IC-LI-GRADING-WINDOW. **Posting** "
                      "(`PUT results/{id}`, 1.1 and 1.2): the percent in `score` and/or the score in "
                      "`metadata.ext_infiniteCampus_scoreGrade` (a string; a number stands for its text); a percent "
                      "alone gets the score of the highest minimum percent at or below it (below all → 422); a score "
                      "alone must be one of the group's (trimmed, any case; stored as the group spells it) and leaves "
                      "the percent empty; neither → 422; an unknown score → 422 listing the group's scores with their "
                      "minimum percents. Students must be actively enrolled (IC-RES-UPSERT), a negative percent is "
                      "IC-RES-EXTRA-CREDIT's, and a vendor PUT/DELETE of a task's line item or of its score group's "
                      "scale is 403 (IC-LI-OWNER: IC-made, like every campus line item). **[model] choices**: the "
                      "result's sourcedId is the vendor's, as for every result (IC-IDS); IC keeps one grade per "
                      "student and task, so the teacher view shows the result written last. Both given: "
                      "`grading_task_both_given` `keep` (both stored as sent, the score must be the group's: a "
                      "teacher may fill both columns), `percent` (the percent's score replaces the one sent) or "
                      "`reject` (422 when they disagree). On 1.2 the result names the score group (`scoreScale`) "
                      "and carries the score in `textScore`, which a vendor may send instead "
                      "(`grading_task_text_score`, off: neither read nor written); both naming different scores → "
                      "422. A `scoreStatus` \"not submitted\" beside a posted grade becomes \"fully graded\"; every "
                      "result says `metadata.ext_infiniteCampus_isAssignmentResult` (\"false\" on a task). Each 422 "
                      "names the field, the value, the task and the group. The teacher view: a \"Grading tasks\" "
                      "column group (window, score group; each student's percent and score); the reference client "
                      "posts current grades with `mock-ic passback --final-grades`"),
            ),
            Behaviour(
                "IC-CAT-OWNER",
                "tested",
                note=("1.1 and 1.2: seeded (and imported) categories → 403 on PUT/DELETE; a vendor's category is"
                      ' marked `metadata.ic.origin: "vendor"` and names its class in `metadata.ic.class` '
                      '(optional; must be a visible class, else 422); a replace without class or weight keeps '
                      'the stored ones, naming another class → 422; DELETE while active line items use it → 422 '
                      'naming them'),
            ),
        ),
    ),
    Section(
        "5. Results and the teacher's view",
        (
            Behaviour("IC-RES-UPSERT", "tested"),
            Behaviour("IC-RES-DECIMAL", "tested"),
            Behaviour("IC-RES-EXTRA-CREDIT", "tested"),
            Behaviour("IC-RES-BLANK", "tested"),
            Behaviour("IC-RES-FLAGS", "tested"),
            Behaviour("IC-RES-ONE-WAY", "tested", note="`PUT /_mock/tenants/{app}/results/{id}/teacher-edit`"),
            Behaviour(
                "IC-VIEW",
                "tested",
                note="JSON at `/_mock/tenants/{app}/classes/{id}/gradebook`, HTML at `/_mock/ui/{app}/classes/{id}`",
            ),
        ),
    ),
    Section(
        "6. Faults",
        (
            Behaviour(
                "FAULT-RULES",
                "tested",
                note="per tenant, shared by every server on the database; admin API `/_mock/tenants/{app}/faults`",
            ),
            Behaviour(
                "FAULT-SCENARIOS",
                "tested",
                note="`POST /_mock/tenants/{app}/scenario`, `mock-ic serve --scenario NAME`",
            ),
            Behaviour("IC-LOAD", "tested", note="counted per server process (docs/architecture.md says why)"),
        ),
    ),
    Section(
        "6b. Rules as a registry",
        (
            Behaviour(
                "RULE-SWITCH",
                "tested",
                note=('`mock_ic/ic/registry.py`; every rule of `mock_ic/ic/rules.py` is registered with its ID, '
                      'settings and checks; a rejection starts its description with `[ID]` and carries '
                      '`X-Mock-IC-Rule: ID`; `rules: {"ID": false}` switches a rule off (IC-LI-CLASS cannot be: '
                      'the stored line item needs its class)'),
            ),
        ),
    ),
)
