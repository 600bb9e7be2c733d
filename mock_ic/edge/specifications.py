"""connexion's check of a specification against the OpenAPI schema, run once per document, not per use.

connexion 3.3 checks a spec against the OpenAPI 3.0 JSON schema (jsonschema, pure Python) whenever it
builds a ``connexion.spec.Specification``: in ``add_api`` (``ConnexionMiddleware.add_api ->
Specification.load(dict) -> Specification.__init__ -> _validate_spec``), ~0.28 s a mount, 2.5 s for our
nine mounts of five files; and again for every ``/openapi.json`` or Swagger UI request
(``with_base_path -> clone``). Our ``openapi/`` files are fixed and shipped in the wheel, and
``tests/test_openapi_valid.py`` runs this very check (and openapi-spec-validator) on each spec as served
at each mount, so the server need not repeat it:

    with trusted_specifications():
        for mount in MOUNTS:
            app.add_api(mount.specification(), ...)

Inside the block (this thread or task only: a context variable) a spec is taken as valid, unchecked.
Anywhere, a spec whose content was checked or trusted before is not checked again; its ``servers``
are left out of that comparison because connexion rewrites them for each base path it serves a spec at.
Any other spec is checked as connexion always does.

The hook replaces ``Specification._validate_spec``, a private classmethod; it is installed only on the
connexion releases it was read against (:data:`PINNED`). On any other release connexion is left as
it is (every spec checked, start-up slower) and ``tests/test_openapi_valid.py`` fails, asking for this
module to be read again against the new connexion.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import version
from typing import Any

import orjson
from connexion.spec import Specification

PINNED = ("3.3.",)  # the connexion releases whose Specification.__init__ / _validate_spec this was read against

_NORMAL, _TRUSTED, _CHECKING = "normal", "trusted", "checking"
_mode: ContextVar[str] = ContextVar("mock_ic_specification_checks", default=_NORMAL)
_checked: set[bytes] = set()  # digests of the spec contents checked or trusted in this process
_install_lock = threading.Lock()
_original: Any = None  # connexion's own _validate_spec (the classmethod object), once installed


def pinned() -> bool:
    """Whether the installed connexion is one this hook was written for."""
    return version("connexion").startswith(PINNED) and isinstance(
        Specification.__dict__.get("_validate_spec"), classmethod)


def installed() -> bool:
    return _original is not None


def install() -> bool:
    """Put the hook in place (idempotent); False, changing nothing, on a connexion release it does not know."""
    global _original
    with _install_lock:
        if _original is None and pinned():
            _original = Specification.__dict__["_validate_spec"]
            Specification._validate_spec = classmethod(_validate_once)  # type: ignore[method-assign,assignment]
    return installed()


@contextmanager
def trusted_specifications() -> Iterator[None]:
    """Within the block, connexion takes every spec it is given as valid (see the module's docstring)."""
    install()
    token = _mode.set(_TRUSTED)
    try:
        yield
    finally:
        _mode.reset(token)


def check(spec: Mapping[str, Any]) -> None:
    """Build the spec as ``add_api`` does with connexion's check always run, whatever was trusted before.

    Raises ``connexion.exceptions.InvalidSpecification``. The check the hook spares the server; the tests
    run it on every mounted spec.
    """
    token = _mode.set(_CHECKING)
    try:
        Specification.from_dict(copy.deepcopy(dict(spec)))
    finally:
        _mode.reset(token)


def _validate_once(cls: type[Specification], spec: dict[str, Any]) -> None:
    mode, digest = _mode.get(), _digest(spec)
    if mode != _CHECKING and digest is not None and digest in _checked:
        return
    if mode != _TRUSTED:
        _original.__func__(cls, spec)
    if digest is not None:
        _checked.add(digest)


def _digest(spec: dict[str, Any]) -> bytes | None:
    """The content of a spec, its servers aside; None when it is not plain JSON data (then it is checked)."""
    try:
        text = orjson.dumps({k: v for k, v in spec.items() if k != "servers"},
                            option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return None
    return hashlib.blake2b(text, digest_size=16).digest()
