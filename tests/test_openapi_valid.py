"""Every openapi/ file is a valid OpenAPI document, as served at every mount: proven here, not at start-up.

The server builds its connexion APIs inside ``trusted_specifications()`` (mock_ic/edge/specifications.py),
which spares connexion's per-mount check of each spec against the OpenAPI schema (2.5 s of a 3 s start).
These tests are that proof instead: connexion's own check on each spec exactly as each mount serves it,
and openapi-spec-validator (a stricter, independent validator) on each file. They also pin the hook to
the connexion it was written for and show what it skips and what it still checks.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import Specification
from openapi_spec_validator import validate as openapi_spec_validate

from mock_ic.edge import specifications
from mock_ic.mounts import MOUNTS, Mount
from mock_ic.resources import openapi_dir, openapi_document

FILES = sorted(path.name for path in openapi_dir().glob("*.yaml"))


def test_every_openapi_file_is_served_at_a_mount() -> None:
    assert sorted({mount.spec for mount in MOUNTS}) == FILES


@pytest.mark.parametrize("name", FILES)
def test_openapi_file_is_valid_for_openapi_spec_validator(name: str) -> None:
    openapi_spec_validate(openapi_document(name))


@pytest.mark.parametrize("mount", MOUNTS, ids=[mount.name for mount in MOUNTS])
def test_spec_as_served_at_the_mount_passes_connexions_check(mount: Mount) -> None:
    specifications.check(mount.specification())


def test_the_hook_is_installed_on_this_connexion() -> None:
    """Fails on a connexion release the hook was not read against: read mock_ic/edge/specifications.py
    again against the new connexion.spec (Specification.__init__, _validate_spec), then extend PINNED."""
    assert specifications.pinned()
    assert specifications.install()


def _broken(spec: dict[str, Any], marker: str) -> dict[str, Any]:
    """A spec connexion's check refuses (an operation's responses must be an object), made unique by marker."""
    spec = copy.deepcopy(spec)
    spec["info"]["title"] = marker
    first_path = next(iter(spec["paths"].values()))
    next(op for method, op in first_path.items() if method in {"get", "put", "post", "delete"})["responses"] = 7
    return spec


def test_check_refuses_an_invalid_spec_even_after_it_was_trusted() -> None:
    broken = _broken(openapi_document("ic-oauth.yaml"), "trusted, then checked")
    with specifications.trusted_specifications():
        Specification.load(copy.deepcopy(broken))  # taken as valid: no check inside the block
    with pytest.raises(InvalidSpecification):
        specifications.check(broken)


def test_outside_the_block_an_unknown_spec_is_checked_as_connexion_does() -> None:
    specifications.install()
    with pytest.raises(InvalidSpecification):
        Specification.load(_broken(openapi_document("ic-oauth.yaml"), "never seen"))


def test_a_trusted_spec_is_not_checked_again_at_another_base_path() -> None:
    """What /openapi.json does on every request (with_base_path -> clone) reuses the trust of add_api."""
    broken = _broken(openapi_document("ic-oauth.yaml"), "trusted once")
    with specifications.trusted_specifications():
        built = Specification.load(copy.deepcopy(broken))
    assert built.with_base_path("/elsewhere").base_path == "/elsewhere"  # not refused: not checked again
    changed = _broken(broken, "trusted once, then changed")
    with pytest.raises(InvalidSpecification):
        Specification.load(changed)
