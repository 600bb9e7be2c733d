"""Handlers of the OneRoster 1.2 rostering and gradebook specs (operationIds resolve here)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mock_ic.api import handlers
from mock_ic.api.serving import on_loop
from mock_ic.oneroster.endpoints import CLASS, GRADEBOOK_READS, ROSTERING, SCHOOL, Parent

ROSTER = handlers.Flavour("1.2", "rostering")
GRADEBOOK = handlers.Flavour("1.2", "gradebook")

handlers.install_reads(globals(), ROSTER, ROSTERING)
handlers.install_reads(globals(), GRADEBOOK, GRADEBOOK_READS)


@on_loop
def putLineItem(sourcedId: str, body: Any) -> Response:  # operationIds name the handlers
    return handlers.put(GRADEBOOK, "lineItems", sourcedId, body)


@on_loop
def putResult(sourcedId: str, body: Any) -> Response:
    return handlers.put(GRADEBOOK, "results", sourcedId, body)


@on_loop
def putCategory(sourcedId: str, body: Any) -> Response:
    return handlers.put(GRADEBOOK, "categories", sourcedId, body)


@on_loop
def putScoreScale(sourcedId: str, body: Any) -> Response:
    return handlers.put(GRADEBOOK, "scoreScales", sourcedId, body)


@on_loop
def putAssessmentLineItem(sourcedId: str, body: Any) -> Response:
    return handlers.put(GRADEBOOK, "assessmentLineItems", sourcedId, body)


@on_loop
def putAssessmentResult(sourcedId: str, body: Any) -> Response:
    return handlers.put(GRADEBOOK, "assessmentResults", sourcedId, body)


@on_loop
def deleteLineItem(sourcedId: str) -> Response:
    return handlers.delete(GRADEBOOK, "lineItems", sourcedId)


@on_loop
def deleteResult(sourcedId: str) -> Response:
    return handlers.delete(GRADEBOOK, "results", sourcedId)


@on_loop
def deleteCategory(sourcedId: str) -> Response:
    return handlers.delete(GRADEBOOK, "categories", sourcedId)


@on_loop
def deleteScoreScale(sourcedId: str) -> Response:
    return handlers.delete(GRADEBOOK, "scoreScales", sourcedId)


@on_loop
def deleteAssessmentLineItem(sourcedId: str) -> Response:
    return handlers.delete(GRADEBOOK, "assessmentLineItems", sourcedId)


@on_loop
def deleteAssessmentResult(sourcedId: str) -> Response:
    return handlers.delete(GRADEBOOK, "assessmentResults", sourcedId)


@on_loop
def postLineItemsForClass(classSourcedId: str, body: Any) -> Response:
    return handlers.post(GRADEBOOK, "lineItems", body, {"class": {"sourcedId": classSourcedId}}, (CLASS,),
                         {"classSourcedId": classSourcedId})


@on_loop
def postLineItemsForSchool(schoolSourcedId: str, body: Any) -> Response:
    return handlers.post(GRADEBOOK, "lineItems", body, {"school": {"sourcedId": schoolSourcedId}}, (SCHOOL,),
                         {"schoolSourcedId": schoolSourcedId})


@on_loop
def postResultsForLineItem(lineItemSourcedId: str, body: Any) -> Response:
    parent = Parent("lineItemSourcedId", "lineItems", "lineItem")
    return handlers.post(GRADEBOOK, "results", body, {"lineItem": {"sourcedId": lineItemSourcedId}}, (parent,),
                         {"lineItemSourcedId": lineItemSourcedId})


@on_loop
def postResultsForAcademicSessionForClass(classSourcedId: str, academicSessionSourcedId: str,
                                          body: Any) -> Response:
    session = Parent("academicSessionSourcedId", "academicSessions", "academicSession")
    return handlers.post(GRADEBOOK, "results", body, {}, (CLASS, session),
                         {"classSourcedId": classSourcedId, "academicSessionSourcedId": academicSessionSourcedId})
