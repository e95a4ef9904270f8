"""Masks in results and audited arguments, and the call-scope filter on results."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Area, Endpoint
from aircall_mcp.grants import Grant, filter_and_redact, mask_email, mask_phone, parse_grant, redact_arguments

from .conftest import SYNTHETIC


def grant(text: str) -> Grant:
    return parse_grant(text, agent="analyst", catalogue=SYNTHETIC)


def ep(name: str) -> Endpoint:
    # The real endpoint: masks follow the tags of its output model.
    return next(e for e in CATALOGUE if e.name == name)


CALL: dict[str, Any] = {
    "id": 1,
    "raw_digits": "+1 800-123-4567",
    "recording": "https://aircall.example/rec/1.mp3",
    "recording_short_url": "https://short/r1",
    "voicemail": "https://aircall.example/vm/1.mp3",
    "asset": "https://assets.aircall.io/calls/1/voicemail",
    "number": {"id": 123, "digits": "+33 1 76 11 11 45", "name": "Paris"},
    "user": {"id": 7, "email": "jane.doe@example.com"},
    "comments": [{"id": 3, "content": "call back on +44 20 7946 0958 or mail bob@corp.example"}],
    "contact": {
        "phone_numbers": [{"id": 1, "label": "work", "value": "+16469346142"}],
        "emails": [{"id": 2, "label": "work", "value": "bob@corp.example"}],
    },
}


def test_phone_mask_keeps_the_country_code_and_the_last_two_digits() -> None:
    assert mask_phone("+33 1 76 11 11 45") == "+33 • •• •• •• 45"
    assert mask_phone("+16469346142") == "+1••••••••42"
    assert mask_phone("+1 800-123-4567") == "+1 •••-•••-••67"
    assert mask_phone("0612345678") == "••••••••78"
    assert mask_phone("anonymous") == "anonymous"


def test_email_mask_keeps_the_first_letter_and_the_domain() -> None:
    assert mask_email("jane.doe@example.com") == "j•••@example.com"


def test_no_redaction_returns_the_result_unchanged() -> None:
    result, withheld = filter_and_redact(grant("areas: {calls: read}"), ep("get_call"), {"call": CALL})
    assert result == {"call": CALL}
    assert withheld == 0


def test_phone_numbers_are_masked_under_every_key_of_the_table_and_in_text() -> None:
    result, _ = filter_and_redact(grant("redact: [phone_numbers]"), ep("get_call"), {"call": CALL})
    call = result["call"]
    assert call["raw_digits"] == "+1 •••-•••-••67"
    assert call["number"]["digits"] == "+33 • •• •• •• 45"
    assert call["contact"]["phone_numbers"][0] == {"id": 1, "label": "work", "value": "+1••••••••42"}
    assert "+44 •• •••• ••58" in call["comments"][0]["content"]
    assert call["user"]["email"] == "jane.doe@example.com"  # only what the grant asks is masked
    assert CALL["raw_digits"] == "+1 800-123-4567"  # the input is not modified


def test_emails_are_masked_in_fields_lists_and_text() -> None:
    result, _ = filter_and_redact(grant("redact: [emails]"), ep("get_call"), {"call": CALL})
    call = result["call"]
    assert call["user"]["email"] == "j•••@example.com"
    assert call["contact"]["emails"][0]["value"] == "b•••@corp.example"
    assert "b•••@corp.example" in call["comments"][0]["content"]
    assert call["raw_digits"] == "+1 800-123-4567"


def test_recording_and_voicemail_urls_are_replaced() -> None:
    result, _ = filter_and_redact(grant("redact: [recordings]"), ep("get_call"), {"call": CALL})
    assert result["call"]["recording"] == "[redacted]"
    assert result["call"]["recording_short_url"] == "[redacted]"
    assert result["call"]["asset"] == "[redacted]"
    assert result["call"]["voicemail"] == CALL["voicemail"]
    result, _ = filter_and_redact(grant("redact: [voicemails]"), ep("get_call"), {"call": CALL})
    assert result["call"]["voicemail"] == "[redacted]"
    assert result["call"]["recording"] == CALL["recording"]


def test_absent_recordings_stay_absent() -> None:
    result, _ = filter_and_redact(grant("redact: [recordings]"), ep("get_call"), {"call": {"id": 1, "recording": None}})
    assert result == {"call": {"id": 1, "recording": None}}


def test_plain_string_phone_lists_are_masked_in_arguments() -> None:
    g = grant("redact: [phone_numbers, emails]")
    args = {"user_id": 4, "phone_numbers": ["+33612345678"], "to": "+33698765432", "email": "ann@example.com"}
    assert redact_arguments(g, args) == {
        "user_id": 4,
        "phone_numbers": ["+33•••••••78"],
        "to": "+33•••••••32",
        "email": "a•••@example.com",
    }


def test_scope_filters_listed_calls_on_other_numbers_and_counts_them() -> None:
    g = grant("areas: {calls: read}\nscope: {numbers: [123]}")
    calls = [{"id": 1, "number": {"id": 123}}, {"id": 2, "number": {"id": 9}}, {"id": 3, "number": None}]
    result, withheld = filter_and_redact(g, ep("list_calls"), {"calls": calls, "meta": {"count": 3}})
    assert [c["id"] for c in result["calls"]] == [1]
    assert withheld == 2
    assert result["meta"] == {"count": 3}


def test_scope_withholds_a_single_call_on_another_number() -> None:
    g = grant("areas: {calls: read}\nscope: {numbers: [123]}")
    result, withheld = filter_and_redact(g, ep("get_call"), {"call": {"id": 2, "number": {"id": 9}}})
    assert result == {}
    assert withheld == 1


def test_scope_filters_only_results_of_calls_area_tools() -> None:
    g = grant("scope: {numbers: [123]}")
    not_calls = replace(ep("list_calls"), area=Area.NUMBERS)
    result = {"calls": [{"id": 2, "number": {"id": 9}}]}
    assert filter_and_redact(g, not_calls, result) == (result, 0)
