"""Typed tenant settings: every setting declares its type and range; a bad value is a 422 naming the
setting, the value and what is allowed, on create, on PATCH and through ``mock-ic tenant --setting``,
and nothing is stored."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from mock_ic.ic.settings import ALLOWED, TenantSettings, json_schema
from mock_ic.resources import openapi_dir
from tests.conftest import code_minor

ADMIN = "/_mock"
SMALL = {"schools": 1, "students": 30, "teachers": 3, "courses": 3, "classes": 6}

# setting -> (values it refuses, a value it takes that is not the default, words of the allowed-values text)
CASES: dict[str, tuple[list[Any], Any, str]] = {
    "token_lifetime": (["x", 0, 604_801, True, 1.5], 60, "an integer from 1 to 604800"),
    "vendor_header_required": (["yes", 1, None], False, "true or false"),
    "gradebook_sync": (["no", 0], False, "true or false"),
    "strict_input": (["on", 1], True, "true or false"),
    "title_max_length_v1p1": (["abc", 0, -5, 4001], 60, "an integer from 1 to 4000"),
    "title_max_length_v1p2": (["abc", 0, 4001, "40"], 45, "an integer from 1 to 4000"),
    "title_over_limit": (["cut", "", None], "truncate", "'reject' or 'truncate'"),
    "duplicate_title_check": (["true", None], False, "true or false"),
    "closed_grading_periods": (["q1", [""], [1], None], ["gp-1"], "a list of non-empty strings"),
    "schools": (["s1", [3], [""]], ["school-1"], "or null (every school)"),
    "max_concurrent": ([-1, 0, "2", 1001], 3, "an integer from 1 to 1000, or null (no limit)"),
    "limit_cap": (["abc", 0, -1, 1_000_001, None], 500, "an integer from 1 to 1000000"),
    "grading_task_both_given": (["first", "", None], "reject", "'keep' or 'percent' or 'reject'"),
    "grading_task_text_score": (["yes", 0, None], False, "true or false"),
    "rules": ([{"IC-LI-CLASS": False}, {"IC-NOPE": False}, {"IC-LI-DUP-TITLE": "no"}, "off", None],
              {"IC-LI-DUP-TITLE": False}, "an object of rule IDs to true/false"),
}


@pytest.fixture(scope="module")
def tenant(client: TestClient) -> str:
    response = client.post(f"{ADMIN}/tenants", json={"appName": "typed-settings", "recipe": SMALL})
    assert response.status_code == 201, response.text
    return "typed-settings"


def test_every_setting_has_a_case_here() -> None:
    assert set(CASES) == {f.name for f in fields(TenantSettings)}


def test_admin_spec_declares_the_settings_as_the_code_does() -> None:
    """openapi/mock-admin.yaml's TenantSettings is generated from mock_ic/ic/settings.py."""
    spec = yaml.safe_load((openapi_dir() / "mock-admin.yaml").read_text(encoding="utf-8"))
    declared = dict(spec["components"]["schemas"]["TenantSettings"])
    declared.pop("description")
    assert declared == json_schema()


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_value_on_create_is_422_naming_setting_value_and_allowed_and_creates_nothing(
        client: TestClient, name: str) -> None:
    bad_values, _, allowed = CASES[name]
    for bad in bad_values:
        response = client.post(f"{ADMIN}/tenants", json={"appName": "never-made", "recipe": SMALL,
                                                          "settings": {name: bad}})
        assert response.status_code == 422, (bad, response.text)
        assert code_minor(response.json()) == "invaliddata"
        description = response.json()["imsx_description"]
        assert f"'{name}'" in description and repr(bad) in description and allowed in description, description
        assert client.get(f"{ADMIN}/tenants/never-made").status_code == 404


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_value_on_patch_is_422_and_changes_nothing_good_value_is_stored(
        client: TestClient, tenant: str, name: str) -> None:
    bad_values, good, allowed = CASES[name]
    before = client.get(f"{ADMIN}/tenants/{tenant}").json()["settings"]
    for bad in bad_values:
        response = client.patch(f"{ADMIN}/tenants/{tenant}", json={"settings": {name: bad}})
        assert response.status_code == 422, (bad, response.text)
        assert allowed in response.json()["imsx_description"]
        assert client.get(f"{ADMIN}/tenants/{tenant}").json()["settings"] == before
    response = client.patch(f"{ADMIN}/tenants/{tenant}", json={"settings": {name: good}})
    assert response.status_code == 200, response.text
    assert response.json()["settings"][name] == good
    client.patch(f"{ADMIN}/tenants/{tenant}", json={"settings": {name: before[name]}})


def test_unknown_setting_is_422_listing_the_settings(client: TestClient, tenant: str) -> None:
    response = client.patch(f"{ADMIN}/tenants/{tenant}", json={"settings": {"shoe_size": 3}})
    assert response.status_code == 422
    assert "'shoe_size' is not a tenant setting" in response.json()["imsx_description"]
    assert all(name in response.json()["imsx_description"] for name in ALLOWED)


def test_the_values_that_used_to_break_the_server_are_refused(client: TestClient) -> None:
    """Issue 10: a stored `title_max_length_v1p2=abc` made every line item PUT a 500, `token_lifetime: "x"`
    broke the token endpoint, `limit_cap: "abc"` every read, `max_concurrent: -1` made every call 429."""
    for settings in ({"title_max_length_v1p2": "abc"}, {"token_lifetime": "x"}, {"limit_cap": "abc"},
                     {"max_concurrent": -1}):
        response = client.post(f"{ADMIN}/tenants", json={"appName": "was-broken", "recipe": SMALL,
                                                          "settings": settings})
        assert response.status_code == 422, response.text
    assert client.get(f"{ADMIN}/tenants/was-broken").status_code == 404


def test_a_bad_value_stored_by_an_older_release_falls_back_to_the_default(caplog: pytest.LogCaptureFixture) -> None:
    stored = {"title_max_length_v1p2": "abc", "limit_cap": 70, "retired_setting": True}
    settings = TenantSettings.from_stored(stored)
    assert settings.title_max_length_v1p2 == TenantSettings().title_max_length_v1p2
    assert settings.limit_cap == 70
    assert "title_max_length_v1p2" in caplog.text and "retired_setting" in caplog.text
