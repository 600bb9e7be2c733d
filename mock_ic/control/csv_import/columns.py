"""The CSV binding's files and columns, per OneRoster version (reference: oneroster-v1p1.md, CSV binding).

A column marked ``*`` must be in the header and have a value on every row: the fields the 1.2
document cannot do without plus the references that tie a row into the roster. Columns marked
``-`` belong to the binding but to nothing the mock stores (resources, user profiles, a score scale's
org); they are accepted and ignored. Any other column is refused unless it is an extension column
``metadata.<path>``, whose values go into the document's metadata (dots nest).

1.2 only (IC-LI-1P1-ONLY): ``scoreScales.csv`` is the binding's (``scoreScaleValue`` holds
``{itemValueLHS:itemValueRHS}`` entries separated by commas). The 1EdTech 1.2 CSV binding has no file
for assessment line items or assessment results (they are REST objects only); ``assessmentLineItems.csv``
and ``assessmentResults.csv`` are mock-ic's own, laid out as the binding lays out line items and results:
the REST object's fields in its order, a reference ``x`` as the column ``xSourcedId``.
"""

from __future__ import annotations

from dataclasses import dataclass

_COMMON = "sourcedId* status dateLastModified"

_SHARED = {
    "orgs": f"{_COMMON} name* type* identifier parentSourcedId",
    "academicSessions": f"{_COMMON} title* type* startDate* endDate* parentSourcedId schoolYear*",
    "courses": f"{_COMMON} schoolYearSourcedId title* courseCode grades orgSourcedId* subjects subjectCodes",
    "classes": f"{_COMMON} title* grades courseSourcedId* classCode classType location schoolSourcedId* "
               "termSourcedIds* subjects subjectCodes periods",
    "enrollments": f"{_COMMON} classSourcedId* schoolSourcedId* userSourcedId* role* primary beginDate endDate",
    "demographics": f"{_COMMON} birthDate sex americanIndianOrAlaskaNative asian blackOrAfricanAmerican "
                    "nativeHawaiianOrOtherPacificIslander white demographicRaceTwoOrMoreRaces "
                    "hispanicOrLatinoEthnicity countryOfBirthCode stateOfBirthAbbreviation cityOfBirth "
                    "publicSchoolResidenceStatus",
}
_LINE_ITEM = f"{_COMMON} title* description assignDate* dueDate* classSourcedId* categorySourcedId*"
_RESULT = f"{_COMMON} lineItemSourcedId* studentSourcedId* scoreStatus* score scoreDate* comment"
_USER = "username userIds givenName* familyName* middleName identifier email sms phone agentSourcedIds grades password"

_BY_VERSION = {
    "1.1": {
        **_SHARED,
        "users": f"{_COMMON} enabledUser orgSourcedIds* role* {_USER}",
        "categories": f"{_COMMON} title*",
        "lineItems": f"{_LINE_ITEM} gradingPeriodSourcedId resultValueMin resultValueMax",
        "results": _RESULT,
    },
    "1.2": {
        **_SHARED,
        "users": f"{_COMMON} enabledUser {_USER} userMasterIdentifier resourceSourcedIds- preferredGivenName "
                 "preferredMiddleName preferredFamilyName primaryOrgSourcedId pronouns",
        "roles": f"{_COMMON} userSourcedId* roleType* role* beginDate endDate orgSourcedId* userProfileSourcedId-",
        "categories": f"{_COMMON} title* weight",
        "lineItems": f"{_LINE_ITEM} academicSessionSourcedId resultValueMin resultValueMax schoolSourcedId",
        "results": f"{_RESULT} textScore classSourcedId inProgress incomplete late missing",
        "scoreScales": f"{_COMMON} title* type* orgSourcedId- courseSourcedId classSourcedId* scoreScaleValue*",
        "assessmentLineItems": f"{_COMMON} title* description classSourcedId* parentAssessmentLineItemSourcedId "
                               "scoreScaleSourcedId resultValueMin resultValueMax",
        "assessmentResults": f"{_COMMON} assessmentLineItemSourcedId* studentSourcedId* score textScore scoreDate* "
                             "scoreScaleSourcedId scorePercentile scoreStatus* comment inProgress incomplete late "
                             "missing",
    },
}

# manifest.csv's oneroster.version -> the layout it uses (1.0 files are laid out as 1.1's).
VERSIONS = {"1.0": "1.1", "1.1": "1.1", "1.2": "1.2"}

# A roster cannot be built without these; the others (demographics, grade book) are optional.
REQUIRED_FILES = {
    "1.1": ("orgs", "academicSessions", "courses", "classes", "users", "enrollments"),
    "1.2": ("orgs", "academicSessions", "courses", "classes", "users", "roles", "enrollments"),
}


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of a version: its columns in binding order, which are required, which ignored."""

    name: str  # e.g. "users" (the file is users.csv)
    columns: tuple[str, ...]
    required: frozenset[str]
    ignored: frozenset[str]

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


def _spec(name: str, text: str) -> FileSpec:
    words = text.split()
    return FileSpec(name, tuple(word.rstrip("*-") for word in words),
                    frozenset(word[:-1] for word in words if word.endswith("*")),
                    frozenset(word[:-1] for word in words if word.endswith("-")))


FILES: dict[str, dict[str, FileSpec]] = {
    version: {name: _spec(name, text) for name, text in files.items()} for version, files in _BY_VERSION.items()
}
