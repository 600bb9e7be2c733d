"""The contract suite's confinement (conformance/suites/contract_sandbox.py): whatever schemathesis draws,
a write the kit sends names only the sandbox's own ids and points into the sandbox class."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conformance.sandbox import PREFIX, TITLE_PREFIX
from conformance.suites.contract_sandbox import WRAPPERS, Confinement

POOLS = {kind: [f"{PREFIX}r-{kind}-{i}" for i in range(3)] for kind in WRAPPERS}
CONFINEMENT = Confinement(class_id="c-7", pools=POOLS, students=["s-1", "s-2"], categories=["cat-1"],
                          term_id="t-1", due_date="2026-10-01T12:00:00Z", assign_date="2026-09-01T08:00:00Z",
                          school_id="sch-1", course_id="co-1", probe_id=f"{PREFIX}r-never-created")
ANY_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                        max_leaves=8)
REFERENCES = ("class", "lineItem", "student", "category", "scoreScale", "gradingPeriod", "academicSession", "school",
              "assessmentLineItem", "parentAssessmentLineItem")
# References to what the kit itself writes: always one of its pool's ids (nothing else holds any here).
POOLED = {"lineItem": "lineItems", "scoreScale": "scoreScales", "assessmentLineItem": "assessmentLineItems",
          "parentAssessmentLineItem": "assessmentLineItems"}


def _case(method: str, declared: str, path: str, params: dict[str, Any], body: Any = None) -> Any:
    return SimpleNamespace(method=method, operation=SimpleNamespace(method=declared.lower(), path=path),
                           path_parameters=params, body=body, meta=None)


@given(kind=st.sampled_from(sorted(WRAPPERS)), method=st.sampled_from(["PUT", "DELETE"]), drawn=ANY_JSON,
       obj=st.dictionaries(st.sampled_from([*REFERENCES, "title", "sourcedId", "dueDate"]),
                           st.fixed_dictionaries({"sourcedId": ANY_JSON}) | ANY_JSON, max_size=8))
def test_contract_sandbox_a_declared_write_names_a_pool_id_or_nothing_real(kind: str, method: str, drawn: Any,
                                                                          obj: dict[str, Any]) -> None:
    case = _case(method, method, f"/{kind}/{{sourcedId}}", {"sourcedId": drawn}, {WRAPPERS[kind]: obj})
    assert CONFINEMENT.confine(case)
    sent = case.path_parameters["sourcedId"]
    assert sent in POOLS[kind] or sent == "" or str(sent).startswith(f"{CONFINEMENT.probe_id}/")
    if method == "PUT":
        for key in REFERENCES:
            ref = obj.get(key)
            if isinstance(ref, dict) and isinstance(ref.get("sourcedId"), int | float) and not isinstance(
                    ref["sourcedId"], bool):
                assert ref["sourcedId"] == -1
        if isinstance(obj.get("class"), dict) and isinstance(obj["class"].get("sourcedId"), str) \
                and obj["class"]["sourcedId"]:
            assert obj["class"]["sourcedId"] == "c-7"
        if isinstance(obj.get("title"), str):
            assert obj["title"].startswith(TITLE_PREFIX)
        for key, kind_of_ref in POOLED.items():
            ref = obj.get(key)
            if isinstance(ref, dict) and isinstance(ref.get("sourcedId"), str) and ref["sourcedId"]:
                assert ref["sourcedId"] in POOLS[kind_of_ref], (key, ref)


@given(params=st.dictionaries(st.sampled_from(["sourcedId", "classSourcedId"]), ANY_JSON, max_size=2))
def test_contract_sandbox_an_undeclared_method_probe_names_nothing_that_exists(params: dict[str, Any]) -> None:
    case = _case("DELETE", "GET", "/classes/{sourcedId}", dict(params))
    if not params:
        assert not CONFINEMENT.confine(case)  # a collection: never sent
        return
    assert CONFINEMENT.confine(case)
    assert set(case.path_parameters.values()) == {CONFINEMENT.probe_id}


def test_contract_sandbox_post_operations_are_not_sent_and_reads_are_untouched() -> None:
    post = _case("POST", "POST", "/classes/{classSourcedId}/lineItems", {"classSourcedId": "c-9"},
                 {"lineItems": []})
    assert not CONFINEMENT.confine(post)
    read = _case("GET", "GET", "/lineItems/{sourcedId}", {"sourcedId": "li-1"})
    assert CONFINEMENT.confine(read) and read.path_parameters == {"sourcedId": "li-1"}


def test_contract_sandbox_the_same_drawn_id_stands_for_the_same_pool_id() -> None:
    first = _case("PUT", "PUT", "/lineItems/{sourcedId}", {"sourcedId": "abc"}, {"lineItem": {}})
    again = _case("DELETE", "DELETE", "/lineItems/{sourcedId}", {"sourcedId": "abc"})
    CONFINEMENT.confine(first)
    CONFINEMENT.confine(again)
    assert first.path_parameters == again.path_parameters
    assert first.body == {"lineItem": {}}  # nothing added to a drawn body outside the stateful phase
