"""A fake auth suite: one pass, a failure that names its behaviour and carries requests, a failure that
names none (reported under its marker), a group of failures (as hypothesis raises them)."""

import pytest

from conformance.transcript import Transcript

LINE_ITEM = "https://sis.example/ims/oneroster/gradebook/v1p2/lineItems/mockic-kit-1"


@pytest.mark.behaviour("IC-KITFAKE-TOKEN")
def test_fake_token_is_granted() -> None:
    assert True


@pytest.mark.behaviour("IC-KITFAKE-TOKEN", "IC-KITFAKE-DUP")
def test_fake_duplicate_title_is_refused(oneroster_transcript: Transcript) -> None:
    body = {"lineItem": {"sourcedId": "mockic-kit-1", "title": "KIT Quiz"}}
    oneroster_transcript.record("PUT", LINE_ITEM, body, 201)
    oneroster_transcript.record("PUT", LINE_ITEM.replace("-1", "-2"), body, 201)
    assert 201 == 422, ("IC-KITFAKE-DUP: a second active line item titled 'KIT Quiz' in class 7 was accepted "
                        "(201); expected 422")


@pytest.mark.behaviour("IC-KITFAKE-VENDOR")
def test_fake_vendor_header_is_required() -> None:
    status = 200
    assert status == 401, f"GET /classes without the vendor header answered {status}"


@pytest.mark.behaviour("IC-KITFAKE-SCOPE")
def test_fake_scopes_are_checked() -> None:
    # what hypothesis raises when it finds several distinct failures in one test
    raise ExceptionGroup("Hypothesis found 2 distinct failures.", [
        AssertionError("IC-KITFAKE-SCOPE: a token without the gradebook scope read /lineItems (200); expected 401"),
        AssertionError("IC-KITFAKE-SCOPE: a token without the roster scope read /classes (200); expected 401"),
    ])
