"""A small live suite: reads a served mock-ic through the kit's client (tests/test_kit_install.py runs it
with the server's libraries unimportable)."""

import pytest

from conformance.client import OneRosterClient
from conformance.target import Target


@pytest.mark.behaviour("OR-KITFAKE-READ")
def test_live_schools_are_listed(oneroster_client: OneRosterClient) -> None:
    schools = list(oneroster_client.paginate("schools", "orgs", page_size=2))
    assert schools and all(s["sourcedId"] for s in schools)


@pytest.mark.behaviour("OR-KITFAKE-READ")
def test_live_a_class_has_students(oneroster_client: OneRosterClient, oneroster_target: Target) -> None:
    first = oneroster_client.get("classes", params={"limit": 1})["classes"][0]
    assert oneroster_client.class_students(first["sourcedId"]), f"class {first['sourcedId']} has no students"
    assert oneroster_target.admin is None  # a remote target: the kit has no control plane
