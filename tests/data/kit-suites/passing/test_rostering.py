"""A fake rostering suite that passes, one test skipped by the oneroster-1.2 profile."""

import pytest


@pytest.mark.behaviour("OR-KITFAKE-PAGING")
def test_fake_paging() -> None:
    assert True


@pytest.mark.ic
@pytest.mark.behaviour("IC-KITFAKE-IDS")
def test_fake_ic_ids() -> None:
    assert True
