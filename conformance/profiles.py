"""Profiles: what a server is judged against, so a server that is not Infinite Campus is judged fairly.

- ``ic-1.2`` / ``ic-1.1``: Infinite Campus's OneRoster for grade passback, every IC behaviour of the
  catalogue (IC_BEHAVIOUR.md) on that version's connection;
- ``oneroster-1.2``: only what the 1EdTech OneRoster 1.2 standard requires, no IC rule.

Any profile can be run read-only (``--read-only``): no PUT, POST or DELETE on OneRoster resources,
for a production connection. A check that only holds on IC carries ``@pytest.mark.ic``; one that
writes carries ``@pytest.mark.writes``; the plugin skips them where the profile says so.
"""

from __future__ import annotations

from dataclasses import dataclass

# The suites, in the order they run (the modules conformance/suites/test_<name>.py, "-" as "_").
SUITES = ("contract", "auth", "rostering", "gradebook", "grade-sync", "passback")


@dataclass(frozen=True)
class Profile:
    name: str
    version: str  # the OneRoster version of the connection judged
    ic: bool  # IC's own behaviours are expected (else only the standard's)
    suites: tuple[str, ...] = SUITES
    summary: str = ""


PROFILES = {
    "ic-1.2": Profile("ic-1.2", "1.2", True, summary="Infinite Campus, OneRoster 1.2 connection"),
    "ic-1.1": Profile("ic-1.1", "1.1", True, summary="Infinite Campus, OneRoster 1.1 connection"),
    "oneroster-1.2": Profile("oneroster-1.2", "1.2", False, SUITES[:-1],
                             summary="the 1EdTech OneRoster 1.2 standard only (no IC rule, no Canvas passback)"),
}
DEFAULT_PROFILE = "ic-1.2"


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; the profiles: {', '.join(PROFILES)}") from None


def suite_module(suite: str) -> str:
    return f"test_{suite.replace('-', '_')}.py"
