"""compose.yaml wires what README "Running at scale" says: two mock-ic servers from this Dockerfile on one
PostgreSQL, behind a balancer that sends to both; the admin token from the environment.

No container engine runs here, so the file is read as compose would read it: YAML with its merge keys, the
``x-`` extension resolved, ``$$`` escapes in the balancer's config. What a typo would break is checked:
a server pointed at the wrong database, a balancer that forgets a server, a server with no admin token.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ("mock-ic-1", "mock-ic-2")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_two_servers_from_the_dockerfile_share_the_postgres_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:") and "pg_isready" in postgres["healthcheck"]["test"]
    for name in SERVERS:
        server = services[name]
        assert server["build"] == "." and (ROOT / "Dockerfile").is_file()
        url = make_url(server["environment"]["MOCK_IC_DATABASE"])
        assert url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg"
        assert url.host == "postgres" and url.port == 5432
        assert (url.username, url.password, url.database) == (
            postgres["environment"]["POSTGRES_USER"], postgres["environment"]["POSTGRES_PASSWORD"],
            postgres["environment"]["POSTGRES_DB"])
        assert server["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_admin_token_comes_from_the_environment_and_is_required(compose: dict[str, Any]) -> None:
    for name in SERVERS:
        token = compose["services"][name]["environment"]["MOCK_IC_ADMIN_TOKEN"]
        assert re.fullmatch(r"\$\{MOCK_IC_ADMIN_TOKEN:\?.+\}", token), token  # compose refuses to start without it


def test_the_balancer_sends_to_both_servers_and_publishes_one_port(compose: dict[str, Any]) -> None:
    balancer = compose["services"]["balancer"]
    assert balancer["ports"] == ["8080:80"]
    assert {name: dep["condition"] for name, dep in balancer["depends_on"].items()} == dict.fromkeys(
        SERVERS, "service_healthy")  # the image's HEALTHCHECK on /_mock/health
    config = compose["configs"][balancer["configs"][0]["source"]]["content"]
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", config, re.S)
    assert upstream is not None
    assert re.findall(r"server ([\w-]+):8080", upstream[2]) == list(SERVERS)
    assert f"proxy_pass http://{upstream[1]};" in config
    # nginx variables are escaped from compose's interpolation, and a 5xx is never retried elsewhere:
    # it may be a fault rule the client has to see.
    assert "$$http_host" in config and re.search(r"\$\w", config.replace("$$", "")) is None
    assert re.search(r"proxy_next_upstream error;", config) and "http_5" not in config


def test_every_server_says_the_balancers_address_in_its_hrefs(compose: dict[str, Any]) -> None:
    port = compose["services"]["balancer"]["ports"][0].split(":")[0]
    for name in SERVERS:
        public = compose["services"][name]["environment"]["MOCK_IC_PUBLIC_URL"]
        assert public.endswith(f"localhost:{port}}}"), public


def test_the_image_serves_on_every_interface_with_a_health_check_and_the_postgres_driver() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*\[[\w,]*postgres[\w,]*\]", dockerfile)
    assert "HEALTHCHECK" in dockerfile and "/_mock/health" in dockerfile
    assert '"--host", "0.0.0.0", "--port", "8080"' in dockerfile and "USER 10001" in dockerfile
