"""Rostering suite: every read answers its envelope; paging, filters, sorting and field selection hold.

OR-ENVELOPE / OR-STATUS: every GET of the version (1.2: rostering and grade book) answers 200 with
its wrapper, objects of one shape, valid against the target's served schema when it serves one.
OR-PAGING: bad limits and offsets are refused with the version's invalid-data code, a limit above
the cap is clamped, walking every page equals one big page (no duplicate, no gap) and X-Total-Count
is the number of objects. OR-FILTER / OR-SORT / OR-FIELDS: hypothesis properties over the target's
own data, judged by a client-side oracle over the full lists. OR-NESTED: an unknown parent is 404.
IC-USERS: what the data lets the kit see of IC's hidden users and enrollments.

Reads only: the suite runs unchanged with ``--oneroster-read-only`` (one check changes a mock's
tenant setting through its control plane, and puts it back).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.client import OneRosterClient
from conformance.profiles import Profile
from conformance.suites.auth_raw import Raw, error_problems, json_of, shown
from conformance.suites.rostering_checks import envelope, link_problems, read_page
from conformance.suites.rostering_ids import KnownIds, discover, unknown
from conformance.suites.rostering_spec import UNKNOWN_ID, ReadOperation, object_problems, read_operations
from conformance.suites.rostering_strategies import (
    COLLECTIONS,
    examples,
    filters,
    member,
    page_size,
    selections,
    sorts,
)
from conformance.target import Target
from conformance.transcript import Transcript

WALK_WINDOW = 500  # objects walked per collection (a district's 50,000 users are not all read)
WALK_PAGES = 4
ORACLE_MAX = 5000  # a list longer than this is left out of the filter/sort/fields properties
IC_LIMIT_CAP = 50_000  # OR-PAGING: IC caps limit at 50,000
WALKED = ("orgs", "schools", "academicSessions", "terms", "gradingPeriods", "courses", "classes", "users",
          "students", "teachers", "enrollments", "demographics", "categories", "lineItems", "results", "scoreScales")


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def raw(oneroster_target: Target, oneroster_client: OneRosterClient, oneroster_transcript: Transcript,
        oneroster_read_only: bool) -> Iterator[Raw]:
    caller = Raw(oneroster_target, oneroster_client, oneroster_transcript, oneroster_read_only)
    yield caller
    caller.session.close()


@pytest.fixture(scope="module")
def reads(raw: Raw) -> tuple[list[ReadOperation], str]:
    return read_operations(raw)


@pytest.fixture(scope="module")
def known(oneroster_client: OneRosterClient, pytestconfig: pytest.Config) -> KnownIds:
    return discover(oneroster_client, pytestconfig.getoption("oneroster_sandbox_class"))


@pytest.fixture(scope="module")
def full_lists(oneroster_client: OneRosterClient, raw: Raw) -> dict[str, list[dict[str, Any]]]:
    """path -> every object of the collection, for the properties' oracles (short enough lists only)."""
    lists = {}
    for path, key in COLLECTIONS.items():
        head = raw.get(path, {"limit": 1})
        total = head.headers.get("X-Total-Count", "")
        if head.status_code != 200 or not total.isdigit() or int(total) > ORACLE_MAX:
            continue
        lists[path] = list(oneroster_client.paginate(path.lstrip("/"), key, page_size=ORACLE_MAX))
    if not lists:
        pytest.skip(f"no collection of {', '.join(COLLECTIONS)} has at most {ORACLE_MAX} objects")
    return lists


def _operation(reads: tuple[list[ReadOperation], str], path: str) -> ReadOperation | None:
    return next((op for op in reads[0] if op.path == path), None)


def _fail(problems: list[str]) -> None:
    if problems:
        shown_problems = problems[:25] + ([f"... and {len(problems) - 25} more"] if len(problems) > 25 else [])
        pytest.fail("\n".join(shown_problems), pytrace=False)


# --- OR-ENVELOPE ---------------------------------------------------------------------------------

@pytest.mark.behaviour("OR-ENVELOPE", "OR-STATUS", "OR-PAGING")
def test_or_envelope_every_read_answers_200_with_its_envelope(raw: Raw, reads: tuple[list[ReadOperation], str],
                                                              known: KnownIds) -> None:
    """Every GET of the version, with real ids: 200, its wrapper, a consistent page, well-formed objects.
    A collection is also asked for its last object and one past it, so X-Total-Count is checked exactly."""
    problems: list[str] = []
    for operation in reads[0]:
        path = known.fill(operation)
        if path is None:
            continue  # nothing to name (a district without results or score scales yet)
        response = raw.get(path)
        if not operation.collection:
            value, found = envelope(response, operation, f"GET {response.url}")
            problems += found
            if isinstance(value, dict):
                problems += object_problems([value], f"GET {response.url}")
                asked = known.value(operation, operation.params[-1])
                if value.get("sourcedId") != asked:
                    problems.append(f"OR-ENVELOPE: GET {response.url} answered sourcedId "
                                    f"{value.get('sourcedId')!r}, not {asked!r}, the one asked for")
            continue
        page = read_page(response, operation)
        problems += page.problems
        if page.total:  # the last object is there, and nothing after it (X-Total-Count is exact)
            for offset in (page.total - 1, page.total):  # read_page wants 1 object, then 0
                problems += read_page(raw.get(path, {"limit": 1, "offset": offset}), operation, limit=1,
                                      offset=offset).problems
    _fail(problems)


@pytest.mark.behaviour("OR-ENVELOPE")
def test_or_envelope_empty_collection_is_200_with_an_empty_list(raw: Raw) -> None:
    response = raw.get("/classes", {"filter": f"sourcedId='{UNKNOWN_ID}'"})
    body = json_of(response)
    data = {k: v for k, v in body.items() if k != "statusInfoSet"} if isinstance(body, dict) else body
    assert response.status_code == 200 and data == {"classes": []}, (
        f"OR-ENVELOPE: an empty collection should be 200 {{\"classes\": []}}: {shown(response)}")
    assert response.headers.get("X-Total-Count") == "0", (
        f"OR-PAGING: X-Total-Count of an empty answer should be 0, got {response.headers.get('X-Total-Count')!r}")


# --- OR-PAGING -----------------------------------------------------------------------------------

BAD_PAGING = [({"limit": "0"}, "zero"), ({"limit": "-1"}, "negative"), ({"limit": "abc"}, "non-numeric"),
              ({"limit": "2.5"}, "a fraction"), ({"offset": "-1"}, "a negative offset"),
              ({"offset": "abc"}, "a non-numeric offset")]


@pytest.mark.behaviour("OR-PAGING", "OR-ERRORS")
@pytest.mark.parametrize("params,what", BAD_PAGING, ids=[what for _, what in BAD_PAGING])
def test_or_paging_bad_limit_or_offset_is_400_invalid_data(raw: Raw, params: dict[str, str], what: str) -> None:
    response = raw.get("/classes", params)
    _fail(error_problems(response, 400, "invaliddata", raw.target.version,
                         f"OR-PAGING ({what}: {params})"))


@pytest.mark.behaviour("OR-PAGING")
def test_or_paging_exponent_form_limit(raw: Raw, oneroster_profile: Profile) -> None:
    """``limit=1e2`` is not an integer: IC refuses it (400 invalid data); a plain OneRoster server may
    instead read it as 100, but never answers anything else."""
    response = raw.get("/classes", {"limit": "1e2"})
    if response.status_code == 400 or oneroster_profile.ic:
        _fail(error_problems(response, 400, "invaliddata", raw.target.version, "OR-PAGING (limit=1e2)"))
        return
    total = int(response.headers.get("X-Total-Count", "-1"))
    items = (json_of(response) or {}).get("classes")
    assert response.status_code == 200 and isinstance(items, list) and len(items) == min(100, total), (
        f"OR-PAGING: limit=1e2 should be refused (400) or read as 100: {shown(response)}")


@pytest.mark.behaviour("OR-PAGING")
def test_or_paging_repeated_limit_is_refused_or_one_value_used(raw: Raw, reads: tuple[list[ReadOperation], str]
                                                               ) -> None:
    response = raw.get("/classes", [("limit", "2"), ("limit", "3")])
    if response.status_code == 400:
        _fail(error_problems(response, 400, "invaliddata", raw.target.version, "OR-PAGING (limit=2&limit=3)"))
        return
    operation = _operation(reads, "/classes") or ReadOperation("/classes", "classes", True)
    pages = [read_page(response, operation, limit=limit) for limit in (2, 3)]
    assert any(not p.problems for p in pages), (
        "OR-PAGING: limit=2&limit=3 should be refused (400) or answered as limit 2 or limit 3: "
        + "; ".join(pages[0].problems + pages[1].problems))


@pytest.mark.behaviour("OR-PAGING")
def test_or_paging_limit_above_the_cap_is_clamped_not_refused(raw: Raw, reads: tuple[list[ReadOperation], str],
                                                              oneroster_profile: Profile) -> None:
    operation = _operation(reads, "/classes") or ReadOperation("/classes", "classes", True)
    response = raw.get("/classes", {"limit": IC_LIMIT_CAP + 1})
    # IC clamps to its cap of 50,000; another server may clamp lower, so long as it answers a page
    served = len((json_of(response) or {}).get("classes") or [])
    page = read_page(response, operation, limit=IC_LIMIT_CAP if oneroster_profile.ic or not served else served)
    _fail([f"{p} (limit={IC_LIMIT_CAP + 1}: clamped, not refused)" for p in page.problems])
    admin = raw.target.admin
    if admin is None:
        return
    # The mock's cap is a tenant setting: a small cap shows the clamping on any district.
    before = admin.tenant()["settings"]["limit_cap"]
    admin.settings(limit_cap=3)
    try:
        clamped = read_page(raw.get("/classes", {"limit": 10}), operation, limit=3)
    finally:
        admin.settings(limit_cap=before)
    _fail([f"{p} (the tenant's limit cap set to 3, limit=10 asked)" for p in clamped.problems])


@pytest.mark.behaviour("OR-PAGING")
def test_or_paging_offset_past_the_end_is_an_empty_page(raw: Raw, reads: tuple[list[ReadOperation], str]) -> None:
    operation = _operation(reads, "/classes") or ReadOperation("/classes", "classes", True)
    total = read_page(raw.get("/classes", {"limit": 1}), operation, limit=1).total or 0
    offset = total + 7
    page = read_page(raw.get("/classes", {"offset": offset}), operation, offset=offset)
    _fail(page.problems)
    assert page.items == [] and page.total == total, (
        f"OR-PAGING: offset {offset} past the end ({total}) should be 200 with [] and X-Total-Count {total}: "
        f"{shown(page.response)}")


@pytest.mark.behaviour("OR-PAGING")
@pytest.mark.parametrize("collection", WALKED)
def test_or_paging_walking_every_page_equals_one_big_page(raw: Raw, reads: tuple[list[ReadOperation], str],
                                                          collection: str, oneroster_profile: Profile) -> None:
    """Pages of ``limit`` objects, offset by offset, list each object of one big page once: no
    duplicate, no gap, every page as long as X-Total-Count says, Link naming the next window."""
    operation = _operation(reads, f"/{collection}")
    if operation is None:
        pytest.skip(f"the target serves no GET /{collection}")
    path = operation.path
    first = read_page(raw.get(path, {"limit": 1}), operation, limit=1)
    _fail(first.problems)
    total = first.total or 0
    window = min(total, WALK_WINDOW)
    if window == 0:
        pytest.skip(f"/{collection} is empty")
    size = max(1, -(-window // WALK_PAGES))
    problems: list[str] = []
    walked: list[Any] = []
    for offset in range(0, window, size):
        page = read_page(raw.get(path, {"limit": size, "offset": offset}), operation, limit=size, offset=offset)
        problems += page.problems
        if page.total is not None and page.total != total:
            problems.append(f"OR-PAGING: GET {page.response.url}: X-Total-Count {page.total}, but {total} on the "
                            "first page")
        if oneroster_profile.ic or "Link" in page.response.headers:
            problems += link_problems(page, limit=size, offset=offset, where=f"GET {page.response.url}")
        walked += page.ids
    big = read_page(raw.get(path, {"limit": window}), operation, limit=window)
    problems += big.problems
    repeated = sorted(str(i) for i, n in Counter(walked).items() if n > 1)
    gaps = sorted(str(i) for i in set(big.ids) - set(walked))
    extra = sorted(str(i) for i in set(walked) - set(big.ids))
    if repeated:
        problems.append(f"OR-PAGING: walking /{collection} in pages of {size} listed {repeated[:5]} twice")
    if gaps or extra:
        problems.append(f"OR-PAGING: walking /{collection} in pages of {size} missed {gaps[:5]} and added "
                        f"{extra[:5]} compared with one page of {window}")
    _fail(problems)


# --- OR-FILTER / OR-SORT / OR-FIELDS ----------------------------------------------------------------

@pytest.mark.behaviour("OR-FILTER")
def test_or_filter_answer_equals_the_client_side_filter_of_the_full_list(
        raw: Raw, full_lists: dict[str, list[dict[str, Any]]], oneroster_transcript: Transcript,
        pytestconfig: pytest.Config) -> None:

    @settings(max_examples=examples(pytestconfig, 25))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        oneroster_transcript.start()
        chosen = data.draw(filters(full_lists), label="filter")
        objects = full_lists[chosen.path]
        response = raw.get(chosen.path, {"filter": chosen.text, "limit": len(objects) + 1})
        operation = ReadOperation(chosen.path, chosen.key, True)
        page = read_page(response, operation, limit=len(objects) + 1)
        assert not page.problems, f"OR-FILTER: filter={chosen.text!r}: " + "; ".join(page.problems)
        want = sorted(o["sourcedId"] for o in objects if chosen.holds(o))
        got = sorted(page.ids)
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        assert got == want, (
            f"OR-FILTER: GET {chosen.path}?filter={chosen.text} answered {len(got)} objects, the client-side "
            f"filter of the full list {len(want)}; missing {missing[:5]}, not matching {extra[:5]}")

    check()


def _sort_problems(items: list[dict[str, Any]], field: str, order: str | None, version: str, ic: bool,
                   where: str) -> list[str]:
    keys = [member(o, field) for o in items]
    descending = order == "desc"
    for i in range(len(keys) - 1):
        a, b = keys[i], keys[i + 1]
        if (a > b) if not descending else (a < b):
            return [f"OR-SORT: {where}: {items[i]['sourcedId']} ({a!r}) comes before {items[i + 1]['sourcedId']} "
                    f"({b!r}), not in {'descending' if descending else 'ascending'} order"]
    if not ic:
        return []
    # IC-documented tie-break: objects with equal keys are in sourcedId order (ascending when the
    # sort is; a descending sort may reverse the tie-break too, but every tie the same way). On 1.1
    # a user's sourcedId carries a role prefix (IC-IDS: s123, t456); IC may break ties on the id
    # without it, which keeps paging just as stable.
    tie_keys = [lambda o: o["sourcedId"]]
    if version == "1.1":
        tie_keys.append(lambda o: _unprefixed(o["sourcedId"]))
    for tie_key in tie_keys:
        directions = {tie_key(items[i]) < tie_key(items[i + 1]) for i in range(len(keys) - 1)
                      if keys[i] == keys[i + 1] and tie_key(items[i]) != tie_key(items[i + 1])}
        if not ((not descending and False in directions) or len(directions) > 1):
            return []
    return [f"OR-SORT: {where}: objects with equal {field} are not ordered by sourcedId (ties must be broken "
            "by sourcedId so paging is stable)"]


def _unprefixed(sourced_id: str) -> str:
    return sourced_id[1:] if sourced_id[:1] in ("s", "t") and sourced_id[1:].isdigit() else sourced_id


@pytest.mark.behaviour("OR-SORT")
def test_or_sort_order_holds_and_paging_keeps_it(raw: Raw, full_lists: dict[str, list[dict[str, Any]]],
                                                 oneroster_transcript: Transcript, oneroster_profile: Profile,
                                                 pytestconfig: pytest.Config) -> None:

    @settings(max_examples=examples(pytestconfig, 15))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        oneroster_transcript.start()
        chosen = data.draw(sorts(full_lists), label="sort")
        total = len(full_lists[chosen.path])
        params: dict[str, Any] = {"sort": chosen.field, **({"orderBy": chosen.order} if chosen.order else {})}
        operation = ReadOperation(chosen.path, chosen.key, True)
        whole = read_page(raw.get(chosen.path, {**params, "limit": total}), operation, limit=total)
        assert not whole.problems, f"OR-SORT: sort={chosen.field}: " + "; ".join(whole.problems)
        where = f"GET {whole.response.url}"
        problems = _sort_problems(whole.items, chosen.field, chosen.order, raw.target.version,
                                  oneroster_profile.ic, where)
        size = page_size(total, chosen.pages)
        pieces: list[Any] = []
        for offset in range(0, total, size):
            page = read_page(raw.get(chosen.path, {**params, "limit": size, "offset": offset}), operation,
                             limit=size, offset=offset)
            problems += page.problems
            pieces += page.ids
        if pieces != whole.ids:
            at = next((i for i, (a, b) in enumerate(zip(pieces, whole.ids, strict=False)) if a != b),
                      min(len(pieces), len(whole.ids)))
            problems.append(f"OR-SORT: sorted by {chosen.field} {chosen.order or '(default order)'}, pages of {size} "
                            f"differ from one page of {total} at position {at}: paging is not stable")
        assert not problems, "\n".join(problems)

    check()


@pytest.mark.behaviour("OR-FIELDS")
def test_or_fields_answer_only_the_fields_asked_for(raw: Raw, full_lists: dict[str, list[dict[str, Any]]],
                                                   oneroster_transcript: Transcript, pytestconfig: pytest.Config
                                                   ) -> None:

    @settings(max_examples=examples(pytestconfig, 15))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        oneroster_transcript.start()
        chosen = data.draw(selections(full_lists), label="fields")
        window = {"limit": chosen.limit, "offset": chosen.offset}
        full = raw.get(chosen.path, window)
        part = raw.get(chosen.path, {**window, "fields": ",".join(chosen.fields)})
        assert part.status_code == 200, f"OR-FIELDS: fields={','.join(chosen.fields)}: {shown(part)}"
        whole_items = (json_of(full) or {}).get(chosen.key) or []
        part_items = (json_of(part) or {}).get(chosen.key)
        assert isinstance(part_items, list) and len(part_items) == len(whole_items), (
            f"OR-FIELDS: GET {part.url} lists {len(part_items or [])} objects, without fields {len(whole_items)}")
        for whole_obj, obj in zip(whole_items, part_items, strict=True):
            want = {k: v for k, v in whole_obj.items() if k in chosen.fields}
            assert obj == want, (
                f"OR-FIELDS: GET {part.url}: object {whole_obj.get('sourcedId')} should hold exactly "
                f"{sorted(want)} as without fields; got {sorted(obj) if isinstance(obj, dict) else obj!r}")

    check()


@pytest.mark.behaviour("OR-FIELDS")
def test_or_fields_on_one_object(raw: Raw, known: KnownIds) -> None:
    path = f"/classes/{known.params['classSourcedId']}"
    response = raw.get(path, {"fields": "sourcedId,title"})
    body = json_of(response) or {}
    assert response.status_code == 200 and set(body.get("class") or {}) == {"sourcedId", "title"}, (
        f"OR-FIELDS: GET {path}?fields=sourcedId,title should answer only those two fields: {shown(response)}")


@pytest.mark.behaviour("OR-FILTER", "OR-SORT", "OR-FIELDS", "OR-ERRORS")
def test_or_unknown_filter_sort_or_selection_field(raw: Raw, oneroster_profile: Profile) -> None:
    """An unknown filter field is 400 invalid_filter_field (both versions), a malformed filter too;
    an unknown sort or selection field is 400 on 1.2 (invalid_sort_field is IC's code, not the
    standard's) and a 200 with a warning on 1.1."""
    version = raw.target.version
    problems = error_problems(raw.get("/users", {"filter": "shoeSize='42'"}), 400, "invalid_filter_field", version,
                              "OR-FILTER (unknown field shoeSize)")
    problems += error_problems(raw.get("/users", {"filter": "familyName='Smith"}), 400, "invalid_filter_field",
                               version, "OR-FILTER (malformed: an unclosed quote)")
    if version == "1.2":
        sort_codes = {"invalid_sort_field"} if oneroster_profile.ic else {"invalid_sort_field", "invaliddata"}
        problems += error_problems(raw.get("/users", {"sort": "shoeSize"}), 400, sort_codes, version,
                                   "OR-SORT (unknown field shoeSize)")
        problems += error_problems(raw.get("/users", {"fields": "sourcedId,shoeSize"}), 400,
                                   "invalid_selection_field", version, "OR-FIELDS (unknown field shoeSize)")
    else:
        response = raw.get("/classes", {"sort": "shoeSize", "fields": "title,shoeSize", "limit": 3})
        body = json_of(response) or {}
        infos = body.get("statusInfoSet") or []
        codes = {f.get("imsx_codeMinorFieldValue") for i in infos if isinstance(i, dict)
                 for f in (i.get("imsx_CodeMinor") or {}).get("imsx_codeMinorField") or []}
        if response.status_code != 200 or len(body.get("classes") or []) != 3:
            problems.append(f"OR-SORT/OR-FIELDS: on 1.1 an unknown sort or selection field is a warning, not an "
                            f"error: {shown(response)}")
        elif not {"invalid_sort_field", "invalid_selection_field"} <= codes or any(
                i.get("imsx_severity") != "warning" for i in infos if isinstance(i, dict)):
            problems.append(f"OR-SORT/OR-FIELDS: the 1.1 answer should carry statusInfoSet warnings "
                            f"invalid_sort_field and invalid_selection_field, got {sorted(map(str, codes))}")
    _fail(problems)


# --- OR-NESTED -----------------------------------------------------------------------------------

@pytest.mark.behaviour("OR-NESTED", "OR-ERRORS")
def test_or_nested_unknown_parent_or_object_is_404(raw: Raw, reads: tuple[list[ReadOperation], str]) -> None:
    problems: list[str] = []
    for operation in reads[0]:
        if not operation.params:
            continue
        response = raw.get(unknown(operation))
        problems += error_problems(response, 404, "unknownobject", raw.target.version,
                                   f"OR-NESTED (GET {operation.path} with unknown ids)")
    _fail(problems)


# --- IC-USERS ------------------------------------------------------------------------------------

@pytest.mark.ic
@pytest.mark.behaviour("IC-USERS")
def test_ic_users_hidden_enrollments_and_users_stay_hidden(raw: Raw, oneroster_client: OneRosterClient,
                                                           known: KnownIds) -> None:
    """What the data shows: no enrollment marked a no-show is listed; on 1.1 no user marked without a
    portal account is listed; a class's students are exactly its listed student enrollments' users."""
    problems: list[str] = []
    response = raw.get("/enrollments", {"filter": "metadata.ic.noShow='true'", "limit": 5})
    if response.status_code == 200:
        shown_ids = [e.get("sourcedId") for e in (json_of(response) or {}).get("enrollments") or []]
        if shown_ids:
            problems.append(f"IC-USERS: no-show enrollments are never returned, but {shown_ids} are listed")
    if raw.target.version == "1.1":
        response = raw.get("/users", {"filter": "metadata.ic.portalAccount='false'", "limit": 5})
        hidden = [u.get("sourcedId") for u in (json_of(response) or {}).get("users") or []]
        if response.status_code == 200 and hidden:
            problems.append(f"IC-USERS: 1.1 lists no user without an enabled portal account, but {hidden} are listed")
    cid, school = known.params["classSourcedId"], known.params["schoolSourcedId"]
    enrolled = {e["user"]["sourcedId"] for e in oneroster_client.class_enrollments(cid, school)
                if e.get("role") == "student" and e.get("status", "active") == "active"}
    students = {s["sourcedId"] for s in oneroster_client.class_students(cid)}
    if students - enrolled:
        problems.append(f"IC-USERS: class {cid}'s students {sorted(students - enrolled)[:5]} have no listed "
                        "enrollment in it (a no-show enrollment hides its student too)")
    for user_id in sorted(enrolled - students)[:5]:  # only a user the connection hides may be left out
        response = raw.get(f"/users/{user_id}")
        if response.status_code != 404:
            problems.append(f"IC-USERS: user {user_id} has an active student enrollment in class {cid} but is not "
                            f"among its students, though the user is listed: {shown(response)}")
    _fail(problems)


@pytest.mark.ic
@pytest.mark.behaviour("IC-USERS")
def test_ic_users_teachers_and_students_have_unique_emails(full_lists: dict[str, list[dict[str, Any]]]) -> None:
    users = full_lists.get("/users")
    if users is None:
        pytest.skip(f"more than {ORACLE_MAX} users: the e-mail check reads them all")
    people = [u for u in users if _roles(u) & {"student", "teacher"}]
    emails = Counter(u.get("email") for u in people)
    without = [u["sourcedId"] for u in people if not u.get("email")]
    doubled = sorted(e for e, n in emails.items() if e and n > 1)
    assert not without and not doubled, (
        f"IC-USERS: teachers and students have unique e-mail addresses (clients look teachers up by "
        f"filter=email='...'); without one: {without[:5]}, shared: {doubled[:5]} (GET /users)")


def _roles(user: dict[str, Any]) -> set[str]:
    if isinstance(user.get("role"), str):
        return {user["role"]}
    return {r.get("role") for r in user.get("roles") or [] if isinstance(r, dict)}
