"""Rostering rows -> canonical 1.2 documents (docs/data-model.md): orgs, academic sessions, courses,
classes, users (with 1.2 roles.csv), enrollments and demographics."""

from __future__ import annotations

from mock_ic.control.csv_import.cells import Cells, Doc, HeldRole, compact, id_key, set_ic
from mock_ic.control.seed import ref
from mock_ic.ic import ids

ORG_TYPES = ("department", "district", "local", "national", "school", "state")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
CLASS_TYPES = ("homeroom", "scheduled")
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")
ROLES_1P1 = ("administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher")
ROLES_1P2 = ("aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor", "relative",
             "siteAdministrator", "student", "systemAdministrator", "teacher")
ROLE_TYPES = ("primary", "secondary")
SEXES = ("male", "female", "unspecified", "other")
_RACE_AND_ETHNICITY = ("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                       "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
                       "hispanicOrLatinoEthnicity")
_BIRTH_PLACE = ("countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus")
# A 1.1 administrator is a 1.2 districtAdministrator at an org above the schools, else a siteAdministrator.
_DISTRICT_LEVEL = {"district", "local", "state", "national"}


def org(c: Cells) -> Doc:
    doc = c.common("orgs")
    doc |= {"name": c.text("name"), "type": c.enum("type", ORG_TYPES),
            "identifier": c.text("identifier") or "",  # required by the 1.2 schema, optional in the CSV
            "parent": _parent(c, "orgs")}
    return compact(doc)


def academic_session(c: Cells) -> Doc:
    doc = c.common("academicSessions")
    doc |= {"title": c.text("title"), "type": c.enum("type", SESSION_TYPES),
            "startDate": c.day("startDate"), "endDate": c.day("endDate"),
            "parent": _parent(c, "academicSessions"), "schoolYear": _year(c)}
    if doc["startDate"] and doc["endDate"] and doc["endDate"] < doc["startDate"]:
        c.problem("endDate", f"endDate {doc['endDate']} is before startDate {doc['startDate']}")
    return compact(doc)


def course(c: Cells) -> Doc:
    doc = c.common("courses")
    doc |= {"title": c.text("title"), "schoolYear": c.ref("schoolYearSourcedId", "academicSessions"),
            "courseCode": c.text("courseCode") or "",  # required by the 1.2 schema, optional in the CSV
            "grades": c.items("grades"), "subjects": c.items("subjects"), "org": c.ref("orgSourcedId", "orgs"),
            "subjectCodes": c.items("subjectCodes")}
    return compact(doc)


def klass(c: Cells) -> Doc:
    doc = c.common("classes")
    doc |= {"title": c.text("title"), "classCode": c.text("classCode"),
            "classType": c.enum("classType", CLASS_TYPES), "location": c.text("location"),
            "grades": c.items("grades"), "subjects": c.items("subjects"),
            "course": c.ref("courseSourcedId", "courses"), "school": c.ref("schoolSourcedId", "orgs"),
            "terms": c.refs("termSourcedIds", "academicSessions"), "subjectCodes": c.items("subjectCodes"),
            "periods": c.items("periods")}
    return compact(doc)


def user_1p1(c: Cells) -> Doc:
    """1.1 role + orgSourcedIds -> 1.2 roles: the primary role at the first org, secondary at the others."""
    role = c.enum("role", ROLES_1P1, ext=False)
    orgs = c.refs("orgSourcedIds", "orgs")
    roles = [{"roleType": "primary" if index == 0 else "secondary",
              "role": _role_at(c, role, org["sourcedId"]), "org": org}
             for index, org in enumerate(orgs) if role]
    return _user(c, roles, orgs[0] if orgs else None)


def user_1p2(c: Cells) -> Doc:
    """Roles come from roles.csv (primary first); primaryOrg from primaryOrgSourcedId, else the primary role's org."""
    held = sorted(c.ctx.roles.pop(c.given_id, []), key=lambda role: role[0])  # each user is built once
    roles = [_role_doc(role) for role in held]
    if not roles and c.ctx.roles_read:
        c.problem("sourcedId", f"user {c.given_id!r} has no role in roles.csv; every user needs at least one")
    primary_org = c.ref("primaryOrgSourcedId", "orgs") or (roles[0]["org"] if roles else None)
    doc = _user(c, roles, primary_org)
    doc |= compact({"userMasterIdentifier": c.text("userMasterIdentifier"),
                    "preferredFirstName": c.text("preferredGivenName"),
                    "preferredMiddleName": c.text("preferredMiddleName"),
                    "preferredLastName": c.text("preferredFamilyName"), "pronouns": c.text("pronouns")})
    return doc


def role(c: Cells) -> None:
    """A roles.csv row joins its user's roles (a tobedeleted role is one the user no longer holds)."""
    c.text("sourcedId")
    c.moment("dateLastModified")
    active = c.enum("status", ("active", "tobedeleted"), ext=False) != "tobedeleted"
    user = c.text("userSourcedId")
    known_user = bool(user) and c.resolve("userSourcedId", "users", user or "") is not None
    role_type, name = c.enum("roleType", ROLE_TYPES, ext=False), c.enum("role", ROLES_1P2)
    org = c.ref("orgSourcedId", "orgs")
    begin, end = c.day("beginDate"), c.day("endDate")
    if not (known_user and active and role_type and name and org):
        return
    held = c.ctx.roles.setdefault(user or "", [])
    for _, other_type, other_name, other_org, *_ in held:
        if role_type == other_type == "primary":
            c.problem("roleType", f"user {user!r} has a second primary role; a user has one primary role")
        elif (name, org["sourcedId"]) == (other_name, other_org):
            c.problem("role", f"user {user!r} already holds role {name!r} at org {org['sourcedId']!r}")
    # Primary first, then in roles.csv sourcedId order: the same roles whatever the row order.
    held.append(((role_type != "primary", *id_key(c.given_id)), role_type, name, org["sourcedId"], begin, end))


def _role_doc(held: HeldRole) -> Doc:
    _, role_type, name, org, begin, end = held
    return compact({"roleType": role_type, "role": name, "org": ref("orgs", org), "beginDate": begin,
                    "endDate": end})


def enrollment(c: Cells) -> Doc:
    doc = c.common("enrollments")
    doc |= {"user": c.ref("userSourcedId", "users"), "class": c.ref("classSourcedId", "classes"),
            "school": c.ref("schoolSourcedId", "orgs"), "role": c.enum("role", ENROLLMENT_ROLES),
            "primary": c.flag("primary") or "false", "beginDate": c.day("beginDate"), "endDate": c.day("endDate")}
    return compact(doc)


def demographics(c: Cells) -> Doc:
    doc = c.common("demographics")
    doc |= {"birthDate": c.day("birthDate"), "sex": c.enum("sex", SEXES)}
    doc |= {name: c.flag(name) for name in _RACE_AND_ETHNICITY}
    doc |= {name: c.text(name) for name in _BIRTH_PLACE}
    return compact(doc)


# --------------------------------------------------------------------------------------------------


def _parent(c: Cells, name: str) -> dict[str, str] | None:
    parent = c.ref("parentSourcedId", name)
    if parent and c.row.get("parentSourcedId") == c.given_id:
        c.problem("parentSourcedId", f"{c.given_id!r} cannot be its own parent")
    return parent


def _year(c: Cells) -> str | None:
    value = c.text("schoolYear")
    if value and not (value.isdigit() and len(value) == 4):
        c.problem("schoolYear", f"bad schoolYear {value!r}; expected the year the school year ends, e.g. 2027")
        return None
    return value


def _role_at(c: Cells, role: str | None, org_id: str) -> str | None:
    if role != "administrator":
        return role
    org_type = c.ctx.raw("orgs", org_id, "type").lower()
    return "districtAdministrator" if org_type in _DISTRICT_LEVEL else "siteAdministrator"


def _user(c: Cells, roles: list[Doc], primary_org: dict[str, str] | None) -> Doc:
    """The fields 1.1 and 1.2 users share, and the IC metadata: legacySourcedId (IC-IDS), portalAccount (IC-USERS)."""
    doc = c.common("users")
    enabled = c.flag("enabledUser") or "true"
    doc |= {"username": c.text("username"), "userIds": c.user_ids("userIds"), "enabledUser": enabled,
            "givenName": c.text("givenName"), "familyName": c.text("familyName"),
            "middleName": c.text("middleName"), "roles": roles, "primaryOrg": primary_org,
            "identifier": c.text("identifier"), "email": c.text("email"), "sms": c.text("sms"),
            "phone": c.text("phone"), "agents": c.refs("agentSourcedIds", "users"), "grades": c.items("grades"),
            "password": c.text("password")}
    if c.ctx.version == "1.1":
        legacy = c.given_id  # the id as the 1.1 bundle gave it, prefix and all
    else:
        legacy = ids.legacy_user_id(roles[0]["role"] if roles else "", doc["sourcedId"])  # IC-IDS
    set_ic(doc, "legacySourcedId", legacy)
    set_ic(doc, "portalAccount", "false" if enabled == "false" else "true")
    return compact(doc)

