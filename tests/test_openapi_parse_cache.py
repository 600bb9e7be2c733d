"""The openapi/ files are parsed once and kept as JSON in the cache dir (mock_ic/resources.py): a start-up
reads them back with orjson. The cached form must be the YAML's content exactly, and the cache must
never be what breaks a start: a changed file, a damaged entry or an unwritable directory only cost a parse."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
import yaml

from mock_ic.mounts import MOUNTS
from mock_ic.resources import openapi_dir, parsed_text

FILES = sorted(openapi_dir().glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_cached_parse_is_the_yaml_content_exactly(path: Path, tmp_path: Path) -> None:
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))  # the pure-Python loader, as a reference
    written = parsed_text(path, tmp_path)
    [entry] = tmp_path.glob(f"{path.stem}.*.json")
    assert orjson.loads(written) == expected
    assert orjson.loads(entry.read_bytes()) == expected
    assert parsed_text(path, tmp_path) == written  # read back


def _spec(tmp_path: Path, title: str) -> Path:
    path = tmp_path / "spec" / "api.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"openapi: 3.0.3\ninfo: {{title: {title}, version: '1'}}\npaths: {{}}\n", encoding="utf-8")
    return path


def test_an_entry_is_read_instead_of_parsing(tmp_path: Path) -> None:
    path, cache = _spec(tmp_path, "first"), tmp_path / "cache"
    parsed_text(path, cache)
    [entry] = cache.glob("api.*.json")
    entry.write_bytes(b'{"from": "the cache"}')
    assert orjson.loads(parsed_text(path, cache)) == {"from": "the cache"}


def test_a_changed_file_is_parsed_again_and_old_entries_are_pruned(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for version in range(6):
        path = _spec(tmp_path, f"v{version}")
        assert orjson.loads(parsed_text(path, cache))["info"]["title"] == f"v{version}"
        os.utime(next(e for e in cache.glob("api.*.json") if b"v%d" % version in e.read_bytes()),
                 (version, version))  # mtimes in the order written, whatever the clock's resolution
    kept = sorted(orjson.loads(entry.read_bytes())["info"]["title"] for entry in cache.glob("api.*.json"))
    assert kept == ["v2", "v3", "v4", "v5"]


def test_a_damaged_entry_is_parsed_again_and_replaced(tmp_path: Path) -> None:
    path, cache = _spec(tmp_path, "whole"), tmp_path / "cache"
    good = parsed_text(path, cache)
    [entry] = cache.glob("api.*.json")
    entry.write_bytes(good[: len(good) // 2])  # a truncated write
    assert parsed_text(path, cache) == good
    assert entry.read_bytes() == good


def test_an_unusable_cache_dir_only_costs_the_parse(tmp_path: Path) -> None:
    path, blocked = _spec(tmp_path, "no cache"), tmp_path / "a file, not a directory"
    blocked.write_text("")
    assert orjson.loads(parsed_text(path, blocked))["info"]["title"] == "no cache"
    assert orjson.loads(parsed_text(path, None))["info"]["title"] == "no cache"


def test_each_caller_gets_its_own_copy_of_a_mounted_spec() -> None:
    mount = MOUNTS[0]
    first = mount.specification()
    first["paths"].clear()
    assert mount.specification()["paths"]
    assert mount.paths()
