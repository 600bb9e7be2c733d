"""Where the contract suite's OpenAPI descriptions come from, and which operations belong to which service.

The spec judged is the target's own when it serves one (mock-ic serves ``<service root>/openapi.json``
on every mount, the app-scoped IC URLs included); a real Infinite Campus serves none, so the user
names the files (``--oneroster-spec FILE``, repeatable: the 1.2 rostering and gradebook files, or the
one 1.1 file; mock-ic's are ``openapi/oneroster-*.yaml`` of its repository). Neither: the suite skips,
saying so. The kit never reads mock-ic's files on its own: a kit installed without the server has
none, and a spec taken silently from elsewhere would judge a server against a contract it never made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from conformance.target import Target

SERVICES = ("rostering", "gradebook")
# The grade book collections (IC-VENDOR-HEADER lists them); a path naming one at a collection position
# is a grade book operation. 1.1 serves both services at one root, so its one spec is split by this.
GRADEBOOK_COLLECTIONS = frozenset({"categories", "lineItemCategories", "lineItems", "lineitems", "results",
                                   "scoreScales", "assessmentLineItems", "assessmentResults"})
SPEC_TIMEOUT = 30  # seconds to fetch a served spec: a bound for a hung server, not a speed requirement


class NoSpec(LookupError):
    """Neither the target nor the user gave a spec for a service (the suite skips with this reason)."""


class BrokenSpec(ValueError):
    """The target serves a spec that is not one: JSON with OpenAPI's keys that no OpenAPI 3 document has
    (the suite fails: the target's own contract cannot be read)."""


@dataclass(frozen=True)
class Spec:
    service: str  # rostering | gradebook
    document: dict[str, Any]
    source: str  # the URL or file it came from, for messages
    base_url: str  # where its paths are sent: the target's service root


def is_gradebook_path(path: str) -> bool:
    """``/classes/{classSourcedId}/lineItems`` -> True. Collection names sit at the even positions."""
    segments = [s for s in path.split("/") if s]
    return any(s in GRADEBOOK_COLLECTIONS for s in segments[::2])


def belongs_to(service: str, path: str) -> bool:
    return is_gradebook_path(path) == (service == "gradebook")


def resolve(target: Target, service: str, files: list[str] | None) -> Spec:
    """The spec of one service of the target: served by the target, else from the files named."""
    base = target.service_url(service)
    served = served_spec(base)
    if served is not None:
        return Spec(service, served, f"{base}/openapi.json", base)
    for file in files or ():
        document = load_file(file)
        if any(belongs_to(service, path) for path in document.get("paths", {})):
            return Spec(service, document, file, base)
    if files:
        raise NoSpec(f"none of the spec files given ({', '.join(files)}) has a {service} operation "
                     f"(a path under {', '.join(sorted(GRADEBOOK_COLLECTIONS))} is a grade book one)")
    raise NoSpec(f"the target serves no OpenAPI description at {base}/openapi.json (a real Infinite Campus "
                 "serves none): give the spec files with --oneroster-spec FILE (mock-ic's are "
                 "openapi/oneroster-v1p2-rostering.yaml and openapi/oneroster-v1p2-gradebook.yaml for 1.2, "
                 "openapi/oneroster-v1p1.yaml for 1.1)")


def served_spec(base_url: str) -> dict[str, Any] | None:
    """``<base>/openapi.json`` when it is an OpenAPI 3 document; None for a 404, HTML, any other JSON;
    :class:`BrokenSpec` for JSON that names OpenAPI's keys with values no OpenAPI 3 document has."""
    url = f"{base_url}/openapi.json"
    try:
        response = requests.get(url, timeout=SPEC_TIMEOUT, headers={"Accept": "application/json"})
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    try:
        document = response.json()
    except ValueError:
        return None
    if _is_openapi(document):
        return document
    if isinstance(document, dict) and {"openapi", "paths"} & set(document):
        shown = {key: document[key] for key in ("openapi", "paths") if key in document}
        raise BrokenSpec(f"the target serves {url} (HTTP 200), but it is no OpenAPI 3 document: "
                         + ", ".join(f"{key}={str(value)[:60]!r}" for key, value in shown.items()))
    return None


def load_file(file: str) -> dict[str, Any]:
    """A spec file, YAML or JSON; ValueError saying what is wrong with it."""
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"--oneroster-spec {file}: cannot read it ({error.strerror or error})") from None
    if path.suffix.lower() == ".json":
        document = json.loads(text)
    else:
        import yaml  # schemathesis needs PyYAML, so the kit has it too

        document = yaml.safe_load(text)
    if not _is_openapi(document):
        raise ValueError(f"--oneroster-spec {file}: not an OpenAPI 3 document (no 'openapi' and 'paths' keys)")
    return document


def _is_openapi(document: Any) -> bool:
    return (isinstance(document, dict) and str(document.get("openapi", "")).startswith("3")
            and isinstance(document.get("paths"), dict))
