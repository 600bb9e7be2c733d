"""``mock-ic conformance --read-only`` writes nothing (issue 12): a production connection is safe.

The kit's real suites run against a mock-ic tenant as a remote target would be judged (secrets from
the environment, no control plane), and the mock's request log is then read: no PUT, PATCH or
DELETE reached it, and every POST was a token request.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from mock_ic.settings import Settings
from mock_ic.testing import MockIC

ROOT = Path(__file__).resolve().parents[1]
WRITES = ("PUT", "PATCH", "DELETE")


def test_read_only_sends_no_put_post_or_delete_to_oneroster(tmp_path: Path) -> None:
    with MockIC() as ic:
        root = ic.gradebook_url.removesuffix("/gradebook/v1p2")
        env = {**os.environ, "ONEROSTER_CLIENT_SECRET": ic.client_secret, "ONEROSTER_VENDOR_SECRET": ic.vendor_secret}
        result = subprocess.run(
            [sys.executable, "-m", "mock_ic.cli", "conformance", "--base-url", root, "--token-url", ic.token_url,
             "--client-id", ic.client_id, "--vendor-key", ic.vendor_key, "--read-only", "--examples", "1",
             "--report", str(tmp_path / "report.md")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout + result.stderr
        assert ic.admin is not None
        log = f"{ic.base_url}/_mock/tenants/{ic.app_name}/requests"
        total = int(requests.get(log, params={"limit": 1}, timeout=60).headers["X-Total-Count"])
        assert 0 < total < Settings().request_log_keep, f"{total} entries: none, or pruned (a write could be gone)"
        writes = [f"{e['method']} {e['path']}"
                  for method in WRITES for e in ic.admin.requests(method=method, limit=1000)]
        assert not writes, f"a read-only run wrote: {writes[:5]}"
        posts = {e["path"] for e in ic.admin.requests(method="POST", limit=1000)}
        assert posts and all(path.startswith("/campus/oauth2/token") for path in posts), posts
