"""Contract suite: the target against its own OpenAPI description, with schemathesis.

The spec comes from the target (``<service root>/openapi.json``, as mock-ic serves it) or from the files
given with ``--oneroster-spec FILE`` (a real Infinite Campus serves none; without either the suite
skips and says so). Every operation of the rostering and grade book services is exercised with
generated requests (the examples, coverage and fuzzing phases; ``--oneroster-examples`` per operation,
default :data:`DEFAULT_EXAMPLES`), authenticated with the target's bearer token and vendor header, and
every answer goes through every schemathesis check (status, content type, headers, body against the
response schema, 5xx, acceptance of what the schema admits and refusal of what it does not, ...).
Then the stateful phase follows the spec's OpenAPI ``links``: a line item PUT, then a GET of it, of
its class's line items and of its results; a result PUT, then a GET of it and of its line item; a
page of classes, then one of them and its students.

Writes (``@pytest.mark.writes``, skipped by ``--oneroster-read-only``) stay in the sandbox: every case
that writes is rewritten first (contract_sandbox.py: sandbox ids, the sandbox class, ``KIT`` titles),
``POST`` operations are not run, and a read-only run sends only ``GET`` requests, its stateful phase
following only the links between reads. A failure names the behaviours it breaks (contract_checks.py),
the request and a curl line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

pytest.importorskip("schemathesis", reason="the contract suite needs schemathesis: pip install 'schemathesis>=4,<5'")

import schemathesis

from conformance.suites.contract_run import ContractRun, TargetAuth, load_schema
from conformance.suites.contract_sandbox import Confinement
from conformance.suites.contract_spec import BrokenSpec, NoSpec, Spec, resolve

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

    from conformance.client import OneRosterClient
    from conformance.target import Target
    from conformance.transcript import Transcript

DEFAULT_EXAMPLES = 5  # per operation; --oneroster-examples overrides it
STATEFUL_STEPS = 6  # calls per chain of the stateful phase

pytestmark = pytest.mark.behaviour("OR-ENVELOPE", "OR-ERRORS", "OR-PAGING")


def _examples(config: pytest.Config) -> int:
    return int(config.getoption("oneroster_examples") or DEFAULT_EXAMPLES)


@pytest.fixture(scope="module")
def contract_auth(oneroster_target: Target, oneroster_client: OneRosterClient) -> TargetAuth:
    return TargetAuth(oneroster_client, oneroster_target.vendor_header)


def _spec(service: str, request: pytest.FixtureRequest) -> Spec:
    target: Target = request.getfixturevalue("oneroster_target")
    files = request.config.getoption("oneroster_spec", default=None)
    try:
        return resolve(target, service, list(files) if files else None)
    except NoSpec as reason:
        pytest.skip(str(reason))
    except BrokenSpec as broken:
        pytest.fail(str(broken), pytrace=False)
    except ValueError as error:  # a --oneroster-spec file that cannot be read
        raise pytest.UsageError(str(error)) from None


@pytest.fixture(scope="module")
def rostering_spec(request: pytest.FixtureRequest) -> Spec:
    return _spec("rostering", request)


@pytest.fixture(scope="module")
def gradebook_spec(request: pytest.FixtureRequest) -> Spec:
    return _spec("gradebook", request)


@pytest.fixture(scope="module")
def contract_rostering(rostering_spec: Spec, contract_auth: TargetAuth, pytestconfig: pytest.Config) -> BaseSchema:
    return load_schema(rostering_spec, auth=contract_auth, examples=_examples(pytestconfig))


@pytest.fixture(scope="module")
def contract_gradebook(gradebook_spec: Spec, contract_auth: TargetAuth, pytestconfig: pytest.Config) -> BaseSchema:
    return load_schema(gradebook_spec, auth=contract_auth, examples=_examples(pytestconfig))


@pytest.fixture(scope="module")
def contract_run(request: pytest.FixtureRequest, oneroster_target: Target, oneroster_read_only: bool,
                 oneroster_client: OneRosterClient, oneroster_transcript: Transcript) -> Iterator[ContractRun]:
    confinement = None
    if not oneroster_read_only:
        confinement = Confinement.prepare(request.getfixturevalue("oneroster_sandbox"), oneroster_client)
    run = ContractRun(oneroster_transcript, oneroster_client, confinement, STATEFUL_STEPS)
    yield run
    if confinement is not None:
        # The pools' objects go now rather than at the end of the session: the later suites meet the
        # sandbox class as they would without this one.
        run.reset_sandbox()


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4's fixture-loaded tests read and rename ``item._nodeid``, which pytest 9.2 no longer
    has (the node id is ``item._id``): give it one to read. Its renaming then changes nothing pytest
    reports; each operation is still reported as its own subtest, by its label."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


rostering = schemathesis.pytest.from_fixture("contract_rostering")
gradebook = schemathesis.pytest.from_fixture("contract_gradebook")


@rostering.include(method="GET").parametrize()
def test_contract_rostering_reads(case: Any, contract_run: ContractRun) -> None:
    contract_run.check(case)


@gradebook.include(method="GET").parametrize()
def test_contract_gradebook_reads(case: Any, contract_run: ContractRun) -> None:
    contract_run.check(case)


@pytest.mark.writes
@gradebook.include(method=["PUT", "DELETE"]).parametrize()
def test_contract_gradebook_writes(case: Any, contract_run: ContractRun) -> None:
    contract_run.check(case)


def test_contract_rostering_links(contract_rostering: BaseSchema, contract_run: ContractRun,
                                  pytestconfig: pytest.Config) -> None:
    """The stateful phase over the rostering links: a page of classes, then one of them, its students, ..."""
    contract_run.stateful(contract_rostering, examples=_examples(pytestconfig), writes=False)


def test_contract_gradebook_read_links(contract_gradebook: BaseSchema, contract_run: ContractRun,
                                       pytestconfig: pytest.Config) -> None:
    """The stateful phase over the grade book's links between reads: a page of line items, then one of them."""
    contract_run.stateful(contract_gradebook, examples=_examples(pytestconfig), writes=False)


@pytest.mark.writes
def test_contract_gradebook_write_links(gradebook_spec: Spec, contract_auth: TargetAuth, contract_run: ContractRun,
                                        pytestconfig: pytest.Config) -> None:
    """The stateful phase from the grade book's writes: PUT a line item, then GET it, its class's line items
    and its results, DELETE it; PUT a result, then GET it and its line item (all in the sandbox)."""
    schema = load_schema(gradebook_spec, auth=contract_auth, examples=_examples(pytestconfig), write_chains=True)
    contract_run.stateful(schema, examples=_examples(pytestconfig), writes=True)
