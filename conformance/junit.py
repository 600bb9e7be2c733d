"""``--junit FILE``: JUnit XML for CI, one ``<testsuite>`` per conformance suite.

pytest writes its own JUnit XML (one ``<testsuite name="pytest">`` holding every test, classnames
made from module paths) with the legacy family, which keeps each test's ``file`` and its properties
(the kit's plugin records a failure's ``behaviours`` and ``requests`` there). :func:`write` regroups
it: each testcase moves into the testsuite of its suite, its classname becomes the suite's name
(``auth``, ``grade-sync``) and its name the test's name inside the module. A suite the kit does not
carry appears as a testsuite with one skipped case (an error case when it was asked for by name), so
a CI page lists every suite of the profile.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.verdict import Verdict

COUNTED = ("tests", "failures", "errors", "skipped")


def write(path: Path, pytest_xml: Path | None, modules: dict[str, str], verdict: Verdict) -> None:
    """Write the regrouped XML to ``path``; ``modules`` maps a suite's module file name to the suite."""
    cases: dict[str, list[ET.Element]] = {name: [] for name in verdict.suites}
    if pytest_xml is not None:
        for case in ET.parse(pytest_xml).getroot().iter("testcase"):
            suite = modules.get(Path(case.get("file", "")).name) or _suite_from_classname(case, modules)
            if suite is None:
                continue
            case.set("name", _test_name(case))
            case.set("classname", suite)
            cases[suite].append(case)
    root = ET.Element("testsuites", name="mock-ic conformance")
    for name, suite in verdict.suites.items():
        element = ET.SubElement(root, "testsuite", name=name)
        properties = ET.SubElement(element, "properties")
        for key, value in (("profile", verdict.profile), ("target", verdict.target),
                           ("seed", verdict.seed or "derandomized"), ("state", suite.state)):
            ET.SubElement(properties, "property", name=key, value=value)
        if not suite.available:
            case = ET.SubElement(element, "testcase", classname=name, name="(suite)", time="0")
            word = "error" if suite.asked_for else "skipped"
            ET.SubElement(case, word, message=f"the suite {name} is not available in this kit")
        else:
            element.extend(cases[name])
        _count(element, seconds=suite.seconds)
    _count(root, seconds=verdict.seconds, children="testsuite")
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _suite_from_classname(case: ET.Element, modules: dict[str, str]) -> str | None:
    """Without a ``file`` attribute: the module is the first dotted part of ``classname.name`` that is a suite's."""
    for part in f"{case.get('classname', '')}.{case.get('name', '')}".split("."):
        if f"{part}.py" in modules:
            return modules[f"{part}.py"]
    return None


def _test_name(case: ET.Element) -> str:
    """``test_auth.TestX`` + ``test_y`` -> ``TestX.test_y``: the parts after the module."""
    parts = [p for p in case.get("classname", "").split(".") if p]
    module = next((i for i, p in enumerate(parts) if p.startswith("test_")), None)
    inner = parts[module + 1:] if module is not None else parts
    return ".".join([*inner, case.get("name", "")])


def _count(element: ET.Element, *, seconds: float, children: str = "testcase") -> None:
    totals = dict.fromkeys(COUNTED, 0)
    if children == "testcase":
        for case in element.iter("testcase"):
            totals["tests"] += 1
            totals["failures"] += len(case.findall("failure"))
            totals["errors"] += len(case.findall("error"))
            totals["skipped"] += len(case.findall("skipped"))
    else:
        for suite in element.iter(children):
            for key in COUNTED:
                totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        element.set(key, str(value))
    element.set("time", f"{seconds:.3f}")
