"""The kit's pytest plugin: a OneRoster target for the suites, and for a team's own tests beside them.

    pytest --oneroster-base-url https://district.infinitecampus.org/campus/api/oneroster/v1p2/app/ims/oneroster \\
           --oneroster-token-url https://.../campus/oauth2/token?appName=app --oneroster-client-id ID \\
           --oneroster-vendor-key KEY --oneroster-sandbox-class 1234 my_tests/

(secrets in ``ONEROSTER_CLIENT_SECRET`` / ``ONEROSTER_VENDOR_SECRET``), or ``--oneroster-in-process``
to judge a mock-ic the plugin starts. Fixtures: ``oneroster_target``, ``oneroster_profile``,
``oneroster_client`` (read-only when ``--oneroster-read-only``), ``oneroster_sandbox`` (the class the
kit may write in; what it creates there is deleted at the end). Markers: ``behaviour(ID, ...)`` names
the catalogue behaviours a test proves (a failure is reported under them), ``ic`` marks an expectation
only Infinite Campus has, ``writes`` a test that writes. Registered through the ``pytest11`` entry
point; it does nothing until a test asks for a target.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from conformance.profiles import DEFAULT_PROFILE, PROFILES, Profile, profile
from conformance.read_only import refuse_writes
from conformance.sandbox import Sandbox
from conformance.target import Target, from_environment, in_process
from conformance.transcript import Transcript

if TYPE_CHECKING:
    from conformance.client import OneRosterClient

# A behaviour ID of the catalogue, as failures and markers name them (IC-LI-DUP-TITLE, OR-PAGING, ...).
BEHAVIOUR_ID = re.compile(r"(?<![\w-])((?:IC|OR|FAULT|RULE)-[A-Z0-9]+(?:-[A-Z0-9]+)*)(?![\w-])")
TRANSCRIPT = pytest.StashKey["Transcript"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oneroster", "OneRoster conformance (mock-ic's kit)")
    group.addoption("--oneroster-base-url", metavar="URL", help="the connection's .../ims/oneroster root")
    group.addoption("--oneroster-token-url", metavar="URL", help="the OAuth 2 token endpoint")
    group.addoption("--oneroster-client-id", metavar="ID", help="client id (secret: $ONEROSTER_CLIENT_SECRET)")
    group.addoption("--oneroster-vendor-key", metavar="KEY",
                    help="vendor key of the grade book calls (secret: $ONEROSTER_VENDOR_SECRET)")
    group.addoption("--oneroster-profile", metavar="NAME", default=DEFAULT_PROFILE, choices=sorted(PROFILES),
                    help=f"what the target is judged against: {', '.join(PROFILES)} (default {DEFAULT_PROFILE})")
    group.addoption("--oneroster-read-only", action="store_true",
                    help="no PUT, POST or DELETE on OneRoster resources (for a production connection)")
    group.addoption("--oneroster-sandbox-class", metavar="ID",
                    help="the class the kit may write in (required to write to a remote target)")
    group.addoption("--oneroster-in-process", action="store_true", help="judge a mock-ic started in this process")
    group.addoption("--oneroster-spec", metavar="FILE", action="append", default=[],
                    help="an OpenAPI file of the target (repeatable), for the contract suite when the target "
                         "serves none (a real Infinite Campus does not)")
    group.addoption("--oneroster-examples", metavar="N", type=int, default=None,
                    help="hypothesis examples per property (default: each suite's own; derandomized unless "
                         "--hypothesis-seed is given)")
    group.addoption("--oneroster-in-process-settings", metavar="JSON", default="{}",
                    help="tenant settings of the in-process mock, e.g. '{\"rules\": {\"IC-LI-DUP-TITLE\": false}}'")
    group.addoption("--oneroster-in-process-faults", metavar="JSON", default="[]",
                    help="fault rules of the in-process mock (FAULT-RULES), e.g. '[{\"path\": \"*/users\", "
                         "\"status\": 500}]': how the kit shows it catches a faulty server")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "behaviour(*ids): the catalogue behaviours the test proves")
    config.addinivalue_line("markers", "ic: an expectation only Infinite Campus has (skipped by oneroster-* profiles)")
    config.addinivalue_line("markers", "writes: the test writes to the target (skipped by --oneroster-read-only)")
    if _active(config):
        _hypothesis_profile(config)


def _hypothesis_profile(config: pytest.Config) -> None:
    """A run against a target: no per-example deadline (a network round trip is not a slow test), the
    same examples every run unless a seed is given (a red verdict can be reproduced)."""
    from hypothesis import HealthCheck, settings

    examples = config.getoption("oneroster_examples")
    settings.register_profile(
        "oneroster-conformance", deadline=None, print_blob=True, database=None,  # no .hypothesis/ replays
        derandomize=config.getoption("hypothesis_seed", None) is None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        **({"max_examples": examples} if examples else {}))
    settings.load_profile("oneroster-conformance")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _active(config):
        return
    chosen = profile(config.getoption("oneroster_profile"))
    read_only = config.getoption("oneroster_read_only")
    for item in items:
        if item.get_closest_marker("ic") and not chosen.ic:
            item.add_marker(pytest.mark.skip(reason=f"an Infinite Campus behaviour; profile {chosen.name} "
                                                    "judges the standard only"))
        if item.get_closest_marker("writes") and read_only:
            item.add_marker(pytest.mark.skip(reason="writes, and the run is read-only"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        # On the item too: JUnit XML takes a test's properties from its last (teardown) report.
        said = _messages(call.excinfo.value) if call.excinfo is not None else report.longreprtext
        found = [("behaviours", ", ".join(failed_behaviours(item, said)))]
        transcript = item.config.stash.get(TRANSCRIPT, None)
        if transcript is not None and transcript.calls:
            found.append(("requests", transcript.as_curl()))
        report.user_properties.extend(found)
        item.user_properties.extend(found)


def pytest_runtest_setup(item: pytest.Item) -> None:
    transcript = item.config.stash.get(TRANSCRIPT, None)
    if transcript is not None:
        transcript.start()


def failed_behaviours(item: pytest.Item, failure: str) -> list[str]:
    """The behaviours a failure is reported under: those its message names, else those the test is marked with."""
    named = list(dict.fromkeys(BEHAVIOUR_ID.findall(failure)))
    if named:
        return named
    return [i for marker in item.iter_markers("behaviour") for i in marker.args]


def _messages(error: BaseException) -> str:
    """The error's message, and each one's of a group (hypothesis reports distinct failures as a group)."""
    inner = getattr(error, "exceptions", None)
    if isinstance(error, BaseExceptionGroup) and inner:
        return "\n".join(_messages(e) for e in inner)
    return f"{type(error).__name__}: {error}"


def _active(config: pytest.Config) -> bool:
    return bool(config.getoption("oneroster_base_url") or config.getoption("oneroster_in_process"))


# --- fixtures --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def oneroster_profile(pytestconfig: pytest.Config) -> Profile:
    return profile(pytestconfig.getoption("oneroster_profile"))


@pytest.fixture(scope="session")
def oneroster_read_only(pytestconfig: pytest.Config) -> bool:
    return bool(pytestconfig.getoption("oneroster_read_only"))


@pytest.fixture(scope="session")
def oneroster_target(pytestconfig: pytest.Config, oneroster_profile: Profile) -> Iterator[Target]:
    option = pytestconfig.getoption
    if option("oneroster_in_process"):
        settings = json.loads(option("oneroster_in_process_settings"))
        faults = json.loads(option("oneroster_in_process_faults"))
        with in_process(version=oneroster_profile.version, settings=settings, faults=faults) as target:
            yield target
        return
    if not option("oneroster_base_url"):
        pytest.skip("no OneRoster target: give --oneroster-base-url (and its token URL and client id) "
                    "or --oneroster-in-process")
    missing = [name for name in ("token_url", "client_id") if not option(f"oneroster_{name}")]
    if missing:
        flags = ", ".join("--oneroster-" + name.replace("_", "-") for name in missing)
        raise pytest.UsageError(f"--oneroster-base-url needs {flags}")
    try:
        yield from_environment(base_url=option("oneroster_base_url"), token_url=option("oneroster_token_url"),
                               client_id=option("oneroster_client_id"), version=oneroster_profile.version,
                               vendor_key=option("oneroster_vendor_key"))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


@pytest.fixture(scope="session")
def oneroster_transcript(pytestconfig: pytest.Config) -> Transcript:
    """The requests of the current test (of its last hypothesis example, when the suite calls
    ``start()`` at the beginning of each): a failure is reported with them as curl lines."""
    return pytestconfig.stash.setdefault(TRANSCRIPT, Transcript())


@pytest.fixture(scope="session")
def oneroster_client(oneroster_target: Target, oneroster_read_only: bool,
                     oneroster_transcript: Transcript) -> Iterator[OneRosterClient]:
    client = oneroster_target.client()
    oneroster_transcript.attach(client)
    if oneroster_read_only:
        refuse_writes(client)
    yield client
    client.close()


@pytest.fixture(scope="session")
def oneroster_sandbox(pytestconfig: pytest.Config, oneroster_target: Target, oneroster_client: OneRosterClient,
                      oneroster_read_only: bool) -> Iterator[Sandbox]:
    """The class the kit writes in; everything created through it is deleted when the session ends."""
    if oneroster_read_only:
        pytest.skip("the run is read-only: nothing is written, so there is no sandbox")
    class_id = pytestconfig.getoption("oneroster_sandbox_class")
    if class_id is None:
        if oneroster_target.admin is None:
            raise pytest.UsageError("writing to a remote target needs --oneroster-sandbox-class: the one class "
                                    "the kit may create line items and results in")
        class_id = _a_class_with_students(oneroster_client)
    sandbox = Sandbox(str(class_id))
    yield sandbox
    problems = sandbox.cleanup(oneroster_target.client())
    if problems:
        raise RuntimeError("the kit could not remove what it created: " + "; ".join(problems))


def _a_class_with_students(client: OneRosterClient) -> str:
    """In the mock's demo district: a class with students, terms and categories to write in."""
    for klass in client.paginate("classes", "classes", params={"limit": 20}, page_size=20):
        if len(client.class_students(klass["sourcedId"])) >= 4 and klass.get("terms"):
            return str(klass["sourcedId"])
    raise RuntimeError("the target has no class with four students and a term to write in")

