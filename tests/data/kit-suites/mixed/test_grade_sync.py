"""A fake grade-sync suite that cannot be collected (a missing import): reported as an error."""

import mockic_kit_no_such_module  # noqa: F401


def test_fake_never_runs() -> None:
    raise AssertionError("not collected")
