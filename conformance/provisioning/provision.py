"""One nightly provisioning run: pull, map, compare with the last run, find the failure modes, write.

Nothing is written and the state is left as it was when the pull fails (the client's OneRoster error
propagates) or on a dry run (``out_dir=None``): the next run then compares with the same previous run.
"""

from __future__ import annotations

from pathlib import Path

from conformance.client import OneRosterClient
from conformance.provisioning import failure_modes
from conformance.provisioning.csv_files import write_diff, write_import, write_report
from conformance.provisioning.diff import compare
from conformance.provisioning.mapping import FILES, Options, map_roster
from conformance.provisioning.pull import PAGE_SIZE, pull
from conformance.provisioning.report import ProvisioningReport
from conformance.provisioning.state import ProvisioningState, TargetState, session_summary
from conformance.state_file import target_key


def provision(client: OneRosterClient, state: ProvisioningState, options: Options, *, scope: str = "bulk",
              out_dir: Path | None = None, page_size: int = PAGE_SIZE) -> ProvisioningReport:
    key = target_key(client.version, client.root)
    previous = state.target(key)
    report = ProvisioningReport(target=client.root, version=client.version, scope=scope, terms=options.terms,
                                drop_status=options.drop_status, today=options.today, first_run=previous.empty)
    requests, retries = client.stats.requests, client.stats.retries
    roster = pull(client, scope, page_size=page_size)
    mapped = map_roster(roster, options)
    outcome = compare(previous.rows, mapped, options.drop_status)
    report.changes = outcome.changes
    report.warnings = failure_modes.find(roster, mapped, outcome, previous.sessions)
    report.rows = {file: len(outcome.rows[file]) for file in FILES}
    report.requests = client.stats.requests - requests
    report.retries = client.stats.retries - retries
    if out_dir is None:
        report.finish()
        return report
    write_import(out_dir, outcome.rows)
    write_diff(out_dir, outcome.changes)
    report.out_dir = str(out_dir)
    report.finish()
    write_report(out_dir, report.to_dict())
    state.targets[key] = TargetState(outcome.kept, {str(s["sourcedId"]): session_summary(s) for s in roster.sessions},
                                     options.terms)
    state.add_summary(report.summary())
    state.save()
    return report
