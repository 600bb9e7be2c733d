"""A small live auth check with plain requests: a wrong secret gets no token."""

import pytest
import requests

from conformance.target import Target


@pytest.mark.behaviour("OR-KITFAKE-AUTH")
def test_live_a_wrong_secret_is_refused(oneroster_target: Target) -> None:
    answer = requests.post(oneroster_target.token_url, data={"grant_type": "client_credentials"},
                           auth=(oneroster_target.client_id, "not-the-secret"), timeout=30)
    assert answer.status_code == 401, answer.text
