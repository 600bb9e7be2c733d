"""`mock-ic tenant ...` against a running server (the process-wide MockIC server)."""

from __future__ import annotations

import json

import pytest

from mock_ic.cli import main
from mock_ic.resources import fixtures_dir
from mock_ic.testing import shared_server


@pytest.fixture(scope="module")
def url() -> str:
    return shared_server().base_url


def test_tenant_cli_create_list_snapshot_restore_delete(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    small = json.dumps({"schools": 1, "students": 30, "teachers": 3, "courses": 3, "classes": 6})
    assert main(["tenant", "--url", url, "create", "cli-one", "--recipe", small,
                 "--setting", "title_max_length_v1p2=40", "--client-id", "cli-one-client"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["clientId"] == "cli-one-client" and created["settings"]["title_max_length_v1p2"] == 40
    assert main(["tenant", "--url", url, "list"]) == 0
    assert "cli-one" in capsys.readouterr().out
    assert main(["tenant", "--url", url, "snapshot", "cli-one", "first"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "first"
    assert main(["tenant", "--url", url, "restore", "cli-one", "first"]) == 0
    assert main(["tenant", "--url", url, "reset", "cli-one"]) == 0
    capsys.readouterr()
    assert main(["tenant", "--url", url, "import-csv", "cli-one",
                 str(fixtures_dir() / "csv" / "oneroster-1.2-small.zip")]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] > 0
    assert main(["tenant", "--url", url, "delete", "cli-one"]) == 0
    assert main(["tenant", "--url", url, "show", "cli-one"]) == 2
    assert "Unknown tenant 'cli-one'" in capsys.readouterr().err


def test_tenant_cli_without_a_server_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    from mock_ic.testing import free_port

    assert main(["tenant", "--url", f"http://127.0.0.1:{free_port()}", "list"]) == 2
    assert "no mock-ic server answers" in capsys.readouterr().err


def test_tenant_cli_bad_setting_is_a_usage_error(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tenant", "--url", url, "create", "cli-bad", "--setting", "nonsense"]) == 3
    assert "NAME=VALUE" in capsys.readouterr().err
