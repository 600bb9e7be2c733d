"""A fake contract suite: two passing tests and one that writes (skipped by a read-only run)."""

import pytest


@pytest.mark.behaviour("OR-KITFAKE-SPEC")
def test_fake_answers_match_the_spec() -> None:
    assert True


@pytest.mark.behaviour("OR-KITFAKE-SPEC", "OR-KITFAKE-STATUS")
def test_fake_statuses_are_documented() -> None:
    assert True


@pytest.mark.writes
@pytest.mark.behaviour("OR-KITFAKE-PUT")
def test_fake_put_is_an_upsert() -> None:
    assert True
