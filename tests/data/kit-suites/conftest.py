"""Fake conformance suites for the runner's own tests (tests/test_conformance_cli.py, tests/test_kit_install.py
run them with ``mock-ic conformance --suites-dir``). The project's own test run does not collect them: some
fail on purpose. Their behaviour IDs (``*-KITFAKE-*``) are not the catalogue's."""

collect_ignore_glob = ["*"]
