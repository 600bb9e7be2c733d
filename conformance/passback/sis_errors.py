"""The ten Canvas SIS error titles for Infinite Campus, and which one a failed call earns.

Canvas shows a grade passback failure under one of ten titles (its SIS Error Code Dictionary,
Infinite Campus entries). It decides from the call that failed, the HTTP answer and, for IC's
business refusals (422), the description. :func:`title_for` is that decision, written as the table in
``docs/passback.md`` ("SIS error titles"); ``docs/scenarios.md`` lists the mock scenario that
produces each title.
"""

from __future__ import annotations

import re
from enum import StrEnum

from conformance.client_errors import DeadlineExceeded, MalformedResponse, OneRosterError


class Title(StrEnum):
    ASSIGNMENT_CANNOT_BE_CREATED = "Assignment Cannot Be Created"
    ASSIGNMENT_DATES_ERROR = "Assignment Dates Error"
    ASSIGNMENT_SCORES_EXPORT_ERROR = "Assignment Scores Export Error"
    ASSIGNMENT_SCORES_EXPORT_PUT_ERROR = "Assignment Scores Export PUT Error"
    CANNOT_EXPORT_SUBMISSION_IN_SECTION = "Cannot Export Canvas Submission in Section"
    COULD_NOT_DETERMINE_CLASS_OR_GRADING_PERIOD = "Could Not Determine Class or Grading Period"
    EXCHANGE_ERROR = "Exchange Error"
    DATA_SYNC_JOB_TIMED_OUT = "Data Sync Job Timed Out"
    PUT_FOR_ONEROSTER_ERROR = "PUT for OneRoster Error"
    UNABLE_TO_PROCESS_SCORE = "Unable to Process Score"


class Operation(StrEnum):
    """The calls of a sync, as far as titling goes."""

    ROSTER = "roster"  # reading the class, its students, terms
    CATEGORIES = "categories"  # reading the class's grading categories
    LINE_ITEMS = "line_items"  # listing the class's line items (matching by title + due date)
    LINE_ITEM_PUT = "line_item_put"
    RESULTS = "results"  # reading results
    RESULT_PUT = "result_put"


# IC's refusals, recognised by their description (mock_ic/ic/rules.py words them; a real IC says
# something close). Case-insensitive.
_DATES = re.compile(r"dates? error|due ?date|\bterms?\b", re.IGNORECASE)
_CLASS_OR_PERIOD = re.compile(r"grading (window|period)|refers to class|unknown class|no class|section .*not found",
                              re.IGNORECASE)
_NOT_ENROLLED = re.compile(r"not (actively )?enrolled|enrol?lment", re.IGNORECASE)
_SCORE = re.compile(r"score", re.IGNORECASE)

_EXCHANGE_STATUSES = {502, 503, 504}


def title_for(operation: Operation, status: int | None, description: str = "", *, timed_out: bool = False,
              malformed: bool = False) -> Title:
    """The Canvas title of one failed call.

    ``status`` None means there was no HTTP answer (connection refused, reset or dropped);
    ``timed_out`` that the sync's deadline passed; ``malformed`` that a 2xx body was not the
    OneRoster answer.
    """
    if timed_out:
        return Title.DATA_SYNC_JOB_TIMED_OUT
    if (status is None and not malformed) or status in _EXCHANGE_STATUSES:
        return Title.EXCHANGE_ERROR
    if operation is Operation.LINE_ITEM_PUT:
        return _line_item_title(status, description, malformed)
    if operation is Operation.RESULT_PUT:
        return _result_title(status, description, malformed)
    if operation is Operation.RESULTS:
        return Title.ASSIGNMENT_SCORES_EXPORT_ERROR
    if operation is Operation.ROSTER and status == 404:
        return Title.COULD_NOT_DETERMINE_CLASS_OR_GRADING_PERIOD
    # Reading the class's categories or line items before the PUT: the assignment cannot be made.
    if operation in (Operation.CATEGORIES, Operation.LINE_ITEMS):
        return Title.ASSIGNMENT_CANNOT_BE_CREATED
    return Title.EXCHANGE_ERROR


def _line_item_title(status: int | None, description: str, malformed: bool) -> Title:
    if status == 422 and not malformed:
        if _CLASS_OR_PERIOD.search(description):
            return Title.COULD_NOT_DETERMINE_CLASS_OR_GRADING_PERIOD
        if _DATES.search(description):
            return Title.ASSIGNMENT_DATES_ERROR
        return Title.ASSIGNMENT_CANNOT_BE_CREATED
    return Title.PUT_FOR_ONEROSTER_ERROR


def _result_title(status: int | None, description: str, malformed: bool) -> Title:
    if status is not None and status >= 500:
        return Title.ASSIGNMENT_SCORES_EXPORT_ERROR
    if status == 422 and not malformed:
        if _CLASS_OR_PERIOD.search(description) and "grading" in description.lower():
            return Title.COULD_NOT_DETERMINE_CLASS_OR_GRADING_PERIOD
        if _NOT_ENROLLED.search(description):
            return Title.CANNOT_EXPORT_SUBMISSION_IN_SECTION
        if _SCORE.search(description):
            return Title.UNABLE_TO_PROCESS_SCORE
    return Title.ASSIGNMENT_SCORES_EXPORT_PUT_ERROR


def title_of(operation: Operation, error: OneRosterError) -> Title:
    """The title of a client exception raised by ``operation``."""
    return title_for(operation, error.status, error.description,
                     timed_out=isinstance(error, DeadlineExceeded),
                     malformed=isinstance(error, MalformedResponse))
