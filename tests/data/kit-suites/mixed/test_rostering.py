"""A fake rostering suite: everything passes."""

import pytest


@pytest.mark.behaviour("OR-KITFAKE-PAGING")
@pytest.mark.parametrize("limit", [1, 100])
def test_fake_paging(limit: int) -> None:
    assert limit > 0


@pytest.mark.ic
@pytest.mark.behaviour("IC-KITFAKE-IDS")
def test_fake_ic_ids() -> None:
    assert True
