"""`mock-ic tenant ...` against a running server (the process-wide MockIC server)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

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
    assert main(["tenant", "--url", url, "export", "cli-one"]) == 0  # written as it arrives, not held
    exported = json.loads(capsys.readouterr().out)
    assert exported == requests.get(f"{url}/_mock/tenants/cli-one/export", timeout=30).json()
    assert exported["appName"] == "cli-one" and exported["documents"]["users"]
    assert main(["tenant", "--url", url, "import-csv", "cli-one", "no-such-bundle.zip"]) == 3
    assert "no such file: no-such-bundle.zip" in capsys.readouterr().err
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


def test_tenant_cli_bad_setting_value_is_refused_by_the_server_and_nothing_made(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tenant", "--url", url, "create", "cli-typed", "--setting", "title_max_length_v1p2=abc"]) == 2
    err = capsys.readouterr().err
    assert "422" in err and "'title_max_length_v1p2'" in err and "'abc'" in err and "from 1 to 4000" in err
    assert main(["tenant", "--url", url, "show", "cli-typed"]) == 2


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    """A server whose control plane needs an admin token."""
    from mock_ic.testing import _Server

    server = _Server(admin_token="cli-admin-token")
    yield server.base_url
    server.stop()


@pytest.mark.parametrize("where", ["before", "after", "env"])
def test_tenant_cli_sends_the_admin_token_given_before_or_after_the_action_or_in_the_environment(
        guarded: str, where: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    argv = {"before": ["tenant", "--url", guarded, "--admin-token", "cli-admin-token", "list"],
            "after": ["tenant", "list", "--url", guarded, "--admin-token", "cli-admin-token"],
            "env": ["tenant", "list"]}[where]
    if where == "env":
        monkeypatch.setenv("MOCK_IC_URL", guarded)
        monkeypatch.setenv("MOCK_IC_ADMIN_TOKEN", "cli-admin-token")
    assert main(argv) == 0, capsys.readouterr().err
    assert "mock-ic tenants" in capsys.readouterr().out


def test_tenant_cli_without_the_admin_token_says_how_to_give_it(
        guarded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCK_IC_ADMIN_TOKEN", raising=False)
    assert main(["tenant", "--url", guarded, "list"]) == 2
    assert "401" in (err := capsys.readouterr().err) and "--admin-token or $MOCK_IC_ADMIN_TOKEN" in err
    assert main(["tenant", "--url", guarded, "list", "--admin-token", "wrong"]) == 2
    assert "the admin token is wrong" in capsys.readouterr().err
