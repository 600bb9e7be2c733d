"""Where a user lands: the index at / and /_mock/, every service root, redirects that keep the app
name, and 1.1 at the split roots vendors configure (IC-URL-1P1-SPLIT)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from mock_ic.mounts import MOUNTS, SERVICES
from tests.conftest import VENDOR

ORIGIN = "http://testserver"
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def service_roots() -> list[str]:
    roots = [m.base for m in MOUNTS if m.oneroster]
    roots += [s.for_app("demo") for s in SERVICES]
    return roots


@pytest.mark.parametrize("path", ["/", "/_mock", "/_mock/"])
def test_index_answers_json_with_tenants_urls_docs_ui_and_health(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    index = response.json()
    demo = next(t for t in index["tenants"] if t["appName"] == "demo")
    assert demo["urls"] == {
        "token": f"{ORIGIN}/campus/oauth2/token?appName=demo",
        "rostering": f"{ORIGIN}/campus/api/oneroster/v1p2/demo/ims/oneroster/rostering/v1p2",
        "gradebook": f"{ORIGIN}/campus/api/oneroster/v1p2/demo/ims/oneroster/gradebook/v1p2",
        "v1p1": f"{ORIGIN}/campus/oneroster/demo/ims/oneroster/v1p1",
    }
    assert index["health"] == f"{ORIGIN}/_mock/health" and index["teacherView"] == f"{ORIGIN}/_mock/ui/"
    assert index["docs"]["rostering-ic"] == f"{ORIGIN}/campus/api/ims/oneroster/rostering/v1p2/ui/"
    assert {s["key"] for s in index["services"]} == {"rostering", "gradebook", "v1p1"}
    for url in [index["health"], index["teacherView"], *index["docs"].values(), *index["openapi"].values()]:
        assert client.get(url.removeprefix(ORIGIN)).status_code == 200, url


def test_index_is_a_page_for_a_browser(client: TestClient) -> None:
    response = client.get("/", headers=BROWSER)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<h2>Tenants (IC application connections)</h2>" in page
    assert f"{ORIGIN}/campus/api/oneroster/v1p2/demo/ims/oneroster/rostering/v1p2" in page
    assert 'href="http://testserver/_mock/ui/demo/classes"' in page and "/_mock/health" in page


@pytest.mark.parametrize("root", service_roots())
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_service_root_answers_200_with_its_resource_paths(client: TestClient, root: str, slash: str) -> None:
    """IC-URL-1P1-SPLIT: every service root, split 1.1 roots included, lists its resource paths."""
    response = client.get(root + slash, follow_redirects=False)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["baseUrl"] == ORIGIN + root
    paths = {r["path"] for r in body["resources"]}
    assert paths, body
    for path in ("/lineItems", "/classes/{classSourcedId}/lineItems"):
        assert (path in paths) == ("gradebook" in root or root.endswith("/ims/oneroster/v1p1")), (root, path)
    assert ("/schools" in paths) == ("gradebook" not in root)
    assert client.get(body["docs"].removeprefix(ORIGIN)).status_code == 200


def test_service_root_is_a_page_for_a_browser(client: TestClient) -> None:
    response = client.get("/campus/api/oneroster/v1p2/demo/ims/oneroster/gradebook/v1p2", headers=BROWSER)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "/campus/api/oneroster/v1p2/demo/ims/oneroster/gradebook/v1p2/lineItems" in response.text


@pytest.mark.parametrize("path", ["/campus/api/oneroster/v1p2/demo/ims/oneroster/rostering/v1p2/schools/",
                                  "/campus/oneroster/demo/ims/oneroster/v1p1/schools/"])
def test_a_redirect_keeps_the_app_name(client: TestClient, auth: dict[str, str], path: str) -> None:
    response = client.get(path + "?limit=1", headers=auth, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"{ORIGIN}{path.rstrip('/')}?limit=1"
    followed = client.get(path + "?limit=1", headers=auth)
    assert followed.status_code == 200 and len(followed.json()["orgs"]) == 1


def test_ic_url_1p1_split_roots_serve_each_services_1p1_operations(client: TestClient, token: str) -> None:
    """GG4L's Grade Sync configures an IC 1.1 connection as [URL]/api/ims/oneroster/rostering/v1p1."""
    headers = {"Authorization": f"Bearer {token}", **VENDOR}
    rostering = "/campus/api/ims/oneroster/rostering/v1p1"
    gradebook = "/campus/api/ims/oneroster/gradebook/v1p1"
    users = client.get(f"{rostering}/students?limit=2", headers=headers)
    assert users.status_code == 200
    assert all(u["sourcedId"].startswith("s") and u["role"] == "student" for u in users.json()["users"])  # 1.1
    line_items = client.get(f"{gradebook}/lineItems?limit=20", headers=headers)
    assert line_items.status_code == 200 and line_items.json()["lineItems"]
    assert client.get(f"{gradebook}/schools", headers=headers).status_code == 404
    assert client.get(f"{rostering}/lineItems", headers=headers).status_code == 404
    # each href points at the split root that serves its kind
    item = next(i for i in line_items.json()["lineItems"]  # an assignment: a grading task is in no category
                if "ext_infiniteCampus_isGradingWindowOpen" not in i.get("metadata", {}))
    assert item["category"]["href"] == f"{ORIGIN}{gradebook}/categories/{item['category']['sourcedId']}"
    assert item["class"]["href"] == f"{ORIGIN}{rostering}/classes/{item['class']['sourcedId']}"
    for ref in (item["category"], item["class"]):
        assert client.get(ref["href"].removeprefix(ORIGIN), headers=headers).status_code == 200
    # 1.1 errors, 1.1 spelling
    missing = client.get(f"{gradebook}/lineItems/no-such-item", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["statusInfoSet"][0]["imsx_CodeMinor"]["imsx_codeMinorField"][0][
        "imsx_codeMinorFieldValue"] == "unknown object"


def test_ic_url_1p1_split_gradebook_root_needs_the_vendor_header(client: TestClient, token: str) -> None:
    response = client.get("/campus/api/ims/oneroster/gradebook/v1p1/lineItems",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert re.search("x-vendor-authorization", response.json()["statusInfoSet"][0]["imsx_description"])


def test_every_url_the_readme_lists_answers(client: TestClient, token: str) -> None:
    """The README's URL table and the paragraph after it stay true."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("| what | URL (appName `demo`) |"):readme.index("Grade book calls enforce")]
    paths: list[str] = []
    for code in re.findall(r"`(/[^`]+)`", section):
        expanded = [code]
        if "{rostering,gradebook}" in code:
            expanded = [code.replace("{rostering,gradebook}", s) for s in ("rostering", "gradebook")]
        paths += [p for p in expanded if "{" not in p]
    assert len(paths) >= 15, paths
    headers = {"Authorization": f"Bearer {token}", **VENDOR}
    for path in paths:
        if path.startswith("/campus/oauth2/token"):
            continue  # a POST, tested in test_auth.py
        assert client.get(path, headers=headers).status_code == 200, path
