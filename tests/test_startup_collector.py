"""The start-up pauses Python's cyclic garbage collector (BENCHMARKS.md, "Start-up"): whatever happens,
the process gets it back as it was — a refused ``mock-ic serve``, a generated district, the test server."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date

import pytest

from mock_ic import cli
from mock_ic.control import seed


@pytest.fixture
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_a_refused_serve_gives_the_collector_back_as_it_was(enabled: bool, collector_restored: None,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    (gc.enable if enabled else gc.disable)()
    assert cli.main(["serve", "--workers", "2", "--database", "sqlite:///:memory:"]) == 3
    assert "in-memory database" in capsys.readouterr().err
    assert gc.isenabled() is enabled


@pytest.mark.parametrize("enabled", [True, False])
def test_generating_a_district_gives_the_collector_back_as_it_was(enabled: bool, collector_restored: None) -> None:
    (gc.enable if enabled else gc.disable)()
    district = seed.generate(seed.load_recipe({"schools": 1, "students": 5, "teachers": 2, "courses": 2,
                                               "classes": 2}), today=date(2026, 10, 1))
    assert district["users"]
    assert gc.isenabled() is enabled

