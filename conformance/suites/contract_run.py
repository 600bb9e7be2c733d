"""One contract run against a target: the schemathesis schema of a service, how each case is sent and
judged, and the stateful phase through the spec's OpenAPI links (see test_contract.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import hypothesis
import hypothesis.errors
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig

from conformance.sandbox import delete_all
from conformance.suites.contract_checks import ContractFailure, validate
from conformance.suites.contract_sandbox import WRITE_METHODS, Confinement
from conformance.suites.contract_spec import Spec, belongs_to

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

    from conformance.client import OneRosterClient
    from conformance.transcript import Transcript

REQUEST_TIMEOUT = 60  # seconds per request: a bound for a hung server, not a speed requirement
# What a write may answer to a request the schema admits, besides success: 422 is a refusal of the data
# it names (a class or line item that does not exist, a student not enrolled, a title too long): no
# schema can say which objects exist (the same exception as mock-ic's own contract test).
ACCEPTED_WRITE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
# Chains of the stateful phase per --oneroster-examples: a chain is several calls, and only some of them
# start with a write that succeeds.
STATEFUL_EXAMPLES_FACTOR = 3


class TargetAuth(requests.auth.AuthBase):
    """The target's credentials on every generated request: the client's current bearer token (fetched
    again before it expires) and the vendor header, which the grade book needs and rostering ignores.
    Given to schemathesis as an auth provider, never as plain headers, so no credential appears in a
    case's or a strategy's repr (hypothesis prints those when it reports a problem)."""

    def __init__(self, client: OneRosterClient, vendor_header: dict[str, str]) -> None:
        self._client = client
        self._vendor = dict(vendor_header)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._client.token()}"
        request.headers.update(self._vendor)
        return request

    def __repr__(self) -> str:
        return "TargetAuth(bearer token and vendor header of the target)"


def load_schema(spec: Spec, *, auth: TargetAuth, examples: int, write_chains: bool = False) -> BaseSchema:
    """The spec's operations of its service, sent to the target's service root with its credentials.

    ``write_chains``: for the stateful phase that starts with writes, without the links of the reads'
    answers (a page of line items -> one of them): schemathesis starts chains with the operations that
    have links and no incoming ones, and a listing under a generated class id is a 404.
    """
    paths = {path: item for path, item in spec.document["paths"].items() if belongs_to(spec.service, path)}
    document = {**spec.document, "paths": paths}
    if write_chains:  # links from the writes' answers only: the reads' own, and the shared answers'
        document["paths"] = {path: {method: _without_links(operation) if method == "get" else operation
                                    for method, operation in item.items()} for path, item in paths.items()}
        components = dict(document.get("components") or {})
        components["responses"] = {name: _strip_links(answer)
                                   for name, answer in (components.get("responses") or {}).items()}
        document["components"] = components
    config = SchemathesisConfig.from_dict({
        "base-url": spec.base_url,
        "request-timeout": REQUEST_TIMEOUT,
        # the same cases every run (the plugin's hypothesis profile derandomizes), nothing replayed
        "generation": {"max-examples": examples, "database": "none"},
        # the stateful phase follows the spec's own links only: links schemathesis infers from parameter
        # names (a category's sourcedId into DELETE /results/{sourcedId}) chain calls that mean nothing
        "phases": {"stateful": {"inference": {"algorithms": []}}},
        "operations": [
            {"include-by": "/requestBody/required == true",
             "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_WRITE_STATUSES}}},
            # The coverage phase (every parameter's edge values, negated) costs ~90 requests an operation:
            # for rostering it runs on the top-level collections only, whose query parameters every nested
            # listing shares; the rostering suite walks the paging edges of each one by one.
            *([{"include-path-regex": r"\{", "phases": {"coverage": {"enabled": False}}}]
              if spec.service == "rostering" else []),
        ],
    })
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.auth.set_from_requests(auth)
    return schema


def _without_links(operation: Any) -> Any:
    if not isinstance(operation, dict) or not isinstance(operation.get("responses"), dict):
        return operation
    return {**operation, "responses": {code: _strip_links(answer) for code, answer in operation["responses"].items()}}


def _strip_links(answer: Any) -> Any:
    return {k: v for k, v in answer.items() if k != "links"} if isinstance(answer, dict) else answer


@dataclass
class ContractRun:
    transcript: Transcript
    client: OneRosterClient
    confinement: Confinement | None  # None: read-only, nothing that writes is sent
    stateful_steps: int

    def check(self, case: Any) -> None:
        """Send one generated case (confined to the sandbox if it writes) and run every check on the answer."""
        self.transcript.start()
        if not self.sendable(case):
            return
        response = case.call()
        self.record(case, response)
        validate(case, response)

    def sendable(self, case: Any) -> bool:
        if case.method.upper() not in WRITE_METHODS:
            return True
        return self.confinement is not None and self.confinement.confine(case)

    def record(self, case: Any, response: Any) -> None:
        body = response.request.body
        try:
            sent = json.loads(body) if body else None
        except ValueError:
            sent = None
        self.transcript.record(case.method, response.request.url, sent, response.status_code)
        if self.confinement is not None:
            self.confinement.saw(case, response.status_code)

    def reset_sandbox(self) -> None:
        """Delete the pools' objects, so that every chain of the stateful phase starts from the same server
        (hypothesis may run the beginning of a chain again, and must then meet the same answers)."""
        assert self.confinement is not None
        delete_all(self.client, self.confinement.pools)  # what stays (refused) stays: the checks judge it
        self.confinement.forget_held()

    def stateful(self, schema: BaseSchema, *, examples: int, writes: bool) -> None:
        """Chains of calls along the spec's links.

        Reads (``writes=False``): the GET operations only; a chain starts with a collection (a page of
        line items, then one of them). Writes: a chain starts with a PUT (a line item, then a GET of it,
        of its class's line items, of its results, its DELETE), from a sandbox without the kit's objects;
        POST operations are left out (the server would choose the new objects' ids).
        """
        if writes:
            assert self.confinement is not None, "a stateful run with writes needs the sandbox"
            schema = schema.exclude(method="POST")
        else:
            schema = schema.include(method="GET")
        run = self
        found: list[str] = []  # failures as they happen, each with the chain that led to it
        machine = schema.as_state_machine()

        class KitStateMachine(machine):  # type: ignore[misc, valid-type]
            def setup(self) -> None:
                if writes:
                    run.reset_sandbox()
                run.transcript.start()  # the chain's own calls only

            def step(self, input: Any) -> Any:
                if not run.sendable(input.case):
                    # a chain's write that cannot be confined is never sent: the chain ends here
                    hypothesis.reject()
                if run.confinement is not None:
                    run.confinement.complete(input.case)
                return super().step(input)

            def after_call(self, response: Any, case: Any) -> None:
                super().after_call(response, case)
                run.record(case, response)

            def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                                  **kwargs: Any) -> None:
                try:
                    validate(case, response, recorder=getattr(self, "recorder", None))
                except ContractFailure as failure:
                    found.append(f"{failure}\nThe chain, as sent:\n{run.transcript.as_curl()}")
                    raise

        # Generation only, no shrinking (as schemathesis's own stateful phase): a server keeps what a chain
        # did, so a replayed chain can meet other answers; the failing chain is shown whole instead.
        settings = hypothesis.settings(max_examples=examples * STATEFUL_EXAMPLES_FACTOR,
                                       stateful_step_count=self.stateful_steps, phases=[hypothesis.Phase.generate],
                                       deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
        from schemathesis.generation.stateful import run_state_machine_as_test

        try:
            run_state_machine_as_test(KitStateMachine, settings=settings)
        except hypothesis.errors.Flaky:
            # A chain's beginning, run again, met other answers (a server remembers): what failed was
            # recorded when it failed, and when nothing did the phase passed (schemathesis's own runner
            # decides the same way).
            if found:
                raise ContractFailure(found[0]) from None
