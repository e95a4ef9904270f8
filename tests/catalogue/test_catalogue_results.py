"""Shaped results are compact and always validate against the tool's published output schema."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from aircall_mcp.catalogue import CATALOGUE, by_name, to_mcp_tool
from aircall_mcp.endpoint import Endpoint
from aircall_mcp.results import compact_json, prune, shape_result

# ------------------------------------------------------------------------------------------------ sample bodies
# Small, realistic Aircall answers (shapes from /work/shared/aircall-api.md §4), nulls and empties included.

META = {
    "count": 1,
    "total": 1,
    "current_page": 1,
    "per_page": 20,
    "next_page_link": None,
    "previous_page_link": None,
}
USER_REF = {
    "id": 456,
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "direct_link": "https://api.aircall.io/v1/users/456",
}
NUMBER = {
    "id": 789,
    "direct_link": "https://api.aircall.io/v1/numbers/789",
    "name": "Support FR",
    "digits": "+33 1 76 11 11 11",
    "country": "FR",
    "time_zone": "Europe/Paris",
    "created_at": "2026-06-19T19:38:35.000Z",
    "open": True,
    "availability_status": "open",
    "is_ivr": False,
    "live_recording_activated": True,
    "priority": None,
    "users": [USER_REF],
    "messages": {"welcome": "https://cdn.aircall.io/welcome.mp3", "waiting": None},
}
CONTACT = {
    "id": 321,
    "direct_link": "https://api.aircall.io/v1/contacts/321",
    "first_name": "Grace",
    "last_name": "Hopper",
    "company_name": None,
    "information": "",
    "is_shared": True,
    "created_at": 1_718_000_000,
    "updated_at": 1_718_000_500,
    "phone_numbers": [{"id": 11, "label": "Work", "value": "+14155550100"}],
    "emails": [],
}
CALL = {
    "id": 9_007_199_254_740_993,
    "sid": "CA123",
    "direct_link": "https://api.aircall.io/v1/calls/9007199254740993",
    "direction": "inbound",
    "status": "done",
    "started_at": 1_718_000_000,
    "answered_at": None,
    "ended_at": 1_718_000_042,
    "duration": 42,
    "raw_digits": "+1 415-555-0100",
    "missed_call_reason": "agents_did_not_answer",
    "recording": None,
    "voicemail": "https://voicemail.aircall.io/abc.mp3",
    "asset": "https://assets.aircall.io/calls/1/voicemail",
    "archived": False,
    "cost": "0.0",
    "number": NUMBER,
    "user": None,
    "contact": CONTACT,
    "assigned_to": None,
    "teams": [{"id": 5, "name": "Support", "direct_link": "https://api.aircall.io/v1/teams/5"}],
    "comments": [{"id": 1, "content": "Called back", "posted_at": 1_718_000_100, "posted_by": None}],
    "tags": [{"id": 56, "name": "VIP", "tagged_by": USER_REF, "tagged_at": 1_718_000_200}],
    "participants": [],
}
USER = {
    "id": 456,
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "direct_link": "https://api.aircall.io/v2/users/456",
    "language": "en-US",
    "created_at": "2026-06-19T19:38:35.000Z",
    "time_zone": "Etc/UTC",
    "state": "always_opened",
    "wrap_up_time": 0,
    "extension": "001",
    "availability_status": "available",
    "available": True,
    "default_number_id": None,
    "substatus": "always_opened",
}
TEAM = {
    "id": 5,
    "name": "Support",
    "direct_link": "https://api.aircall.io/v1/teams/5",
    "created_at": "2026-06-19T19:38:35.000Z",
    "users": [USER_REF],
}
TAG = {"id": 56, "name": "VIP", "color": "#FF5733", "description": None}
WEBHOOK = {
    "id": 77,
    "webhook_id": "0b6a7c4e-1f0e-4a56-9a53-1c2f2b7d9e11",
    "direct_link": "https://api.aircall.io/v1/webhooks/0b6a7c4e-1f0e-4a56-9a53-1c2f2b7d9e11",
    "custom_name": "Webhook",
    "url": "https://hooks.example.com/aircall",
    "active": True,
    "token": "a" * 32,
    "events": ["call.ended", "call.tagged"],
    "created_at": "2026-06-19T19:38:35.000Z",
}
# Messaging, AI Voice Agent and analytics answers as the reference samples them (Riprock/aircall-api payloads).
MESSAGE = {
    "id": "messageId",
    "status": "pending",
    "direct_link": "https://api.aircall.io/v1/numbers/123/messages/SM123",
    "direction": "outbound",
    "created_at": "2024-07-30T07:29:21.000Z",
    "raw_digits": "+14155550100",
    "body": "text you want to send",
}
GROUP_MESSAGE = {
    "group_message_id": "8f3c2c4e-9c6c-4c8e-9b4a-2c1f7e3d9c52",
    "status": "pending",
    "created_at": 1722317361216,
    "group_conversation_id": "c4b8c1c0-0c6e-4c3f-9c1c-5c2f8e7a91d4",
    "participants": ["+13000000001", "+13000000002"],
    "media_url": [],
    "body": "text you want to send",
}
WHATSAPP_TEMPLATES = {
    "templates": [{"id": 1, "wabaId": "1", "name": "order", "category": "UTILITY", "status": "APPROVED"}],
    "pageInfo": {"currentToken": 0, "nextToken": 10, "totalCount": 50},
}
WHATSAPP_STATUS = {"wabaId": "1", "status": "ONLINE", "canSendMessage": True, "qualityRating": "GREEN"}
EXPORT = {
    "exportID": "9d3f2a1e-2b6c-4f0a-9c3e-1a2b3c4d5e6f",
    "createdAt": "2026-05-20T09:35:12.000Z",
    "status": "COMPLETED",
    "downloadUrl": "https://aircall-analytics-exports.s3.amazonaws.com/x.csv",
    "downloadUrlExpiresAt": "2026-05-20T10:35:12.000Z",
}
INSIGHT = {"id": 8, "call_id": 1, "content": "Customer asked for a refund", "created_at": "2026-06-19T19:38:35.000Z"}


def _listing(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return {key: [item], "meta": META}


EMPTY = None  # 204 / empty 201

SAMPLES: dict[str, Any] = {
    "list_calls": _listing("calls", CALL),
    "search_calls": _listing("calls", CALL),
    "get_call": {"call": CALL},
    "transfer_call": EMPTY,
    "comment_call": EMPTY,
    "tag_call": EMPTY,
    "archive_call": {"call": {**CALL, "archived": True}},
    "unarchive_call": {"call": CALL},
    "pause_call_recording": EMPTY,
    "resume_call_recording": EMPTY,
    "delete_recording": EMPTY,
    "delete_voicemail": EMPTY,
    "add_insight_cards": EMPTY,
    "get_call_transcription": {
        "transcription": {
            "id": 3,
            "call_id": 1,
            "call_created_at": "2026-06-19T19:38:35.000Z",
            "type": "call",
            "content": {
                "language": "en",
                "utterances": [{"start_time": 0.5, "end_time": 2.25, "text": "Hello", "participant_type": "internal"}],
            },
        }
    },
    "get_call_sentiments": {
        "sentiment": {"id": 8, "call_id": 1, "participants": [{"type": "external", "value": "POSITIVE"}]}
    },
    "get_call_topics": {"topic": {"id": 8, "call_id": 1, "content": ["billing", "refund"]}},
    "get_call_summary": {"summary": INSIGHT},
    "get_call_action_items": {"action_items": [INSIGHT]},
    "get_call_playbook_result": {"playbook_result": {"id": 8, "call_id": 1, "score": 0.8, "topics": []}},
    "get_call_evaluations": {"evaluations": [INSIGHT]},
    "get_call_predicted_csat": {
        "csat": {"call_id": 1, "call_uuid": "CA123", "score": 4, "drivers": [{"polarity": "positive", "label": "Fast"}]}
    },
    "get_call_custom_summary_result": {"custom_summary_result": INSIGHT},
    "list_contacts": _listing("contacts", CONTACT),
    "search_contacts": _listing("contacts", CONTACT),
    "get_contact": {"contact": CONTACT},
    "create_contact": {"contact": CONTACT},
    "update_contact": {"contact": CONTACT},
    "delete_contact": EMPTY,
    "add_contact_phone_number": {"contact": CONTACT},
    "update_contact_phone_number": {"contact": CONTACT},
    "delete_contact_phone_number": EMPTY,
    "add_contact_email": {"contact": CONTACT},
    "update_contact_email": {"contact": CONTACT},
    "delete_contact_email": EMPTY,
    "list_users": _listing("users", USER),
    "get_user": {"user": USER},
    "create_user": {"user": USER},
    "update_user": {"user": USER},
    "delete_user": EMPTY,
    "list_user_numbers": _listing("numbers", {**NUMBER, "flow_editor_enabled": True}),
    "list_user_availabilities": _listing("users", {"id": 456, "availability": "in_call"}),
    "get_user_availability": {"availability": "available"},
    "start_outbound_call": EMPTY,
    "prefill_dialer": EMPTY,
    "get_dialer_campaign": {"dialer_campaign": {"id": 1, "number_id": 789, "created_at": "2026-06-19T19:38:35.000Z"}},
    "create_dialer_campaign": EMPTY,
    "delete_dialer_campaign": EMPTY,
    "list_dialer_campaign_numbers": {
        "numbers": [{"id": 2, "number": "+14155550100", "called": False, "created_at": "2026-06-19T19:38:35.000Z"}]
    },
    "add_dialer_campaign_numbers": EMPTY,
    "remove_dialer_campaign_number": EMPTY,
    "list_teams": _listing("teams", TEAM),
    "get_team": {"team": TEAM},
    "create_team": {"team": {**TEAM, "users": []}},
    "delete_team": EMPTY,
    "add_team_member": {"team": TEAM},
    "remove_team_member": {"team": {**TEAM, "users": []}},
    "list_numbers": _listing("numbers", NUMBER),
    "get_number": {"number": NUMBER},
    "update_number": {"number": NUMBER},
    "get_number_registration_status": {"registration_status": {"number_id": 789, "status": "registered"}},
    "list_tags": _listing("tags", TAG),
    "get_tag": {"tag": TAG},
    "create_tag": {"tag": TAG},
    "update_tag": {"tag": TAG},
    "delete_tag": EMPTY,
    "list_webhooks": {"webhooks": [WEBHOOK], "meta": {"count": 1, "total": 1, "current_page": 1, "per_page": 20}},
    "get_webhook": {"webhook": WEBHOOK},
    "create_webhook": {"webhook": WEBHOOK},
    "update_webhook": {"webhook": WEBHOOK},
    "delete_webhook": EMPTY,
    "get_company": {"company": {"name": "Acme", "users_count": 40, "numbers_count": 8}},
    "check_connection": {"ping": "pong"},
    "start_ai_agent_call": {"id": "01ARZ3", "idempotency_key": "k-1", "status": "PENDING", "virtual_agent_id": "a"},
    "configure_messaging": {"callbackUrl": "https://hooks.example.com/sms"},
    "get_messaging_configuration": {"callbackUrl": "https://hooks.example.com/sms"},
    "delete_messaging_configuration": EMPTY,
    "send_message": MESSAGE,
    "send_conversation_message": MESSAGE,
    "send_group_message": GROUP_MESSAGE,
    "send_group_conversation_message": GROUP_MESSAGE,
    "send_whatsapp_message": {**MESSAGE, "channel": "whatsapp"},
    "send_whatsapp_conversation_message": {**MESSAGE, "channel": "whatsapp"},
    "list_sms_templates": _listing("templates", {"id": 8821, "name": "order_update", "body": "On its way."}),
    "list_whatsapp_templates": WHATSAPP_TEMPLATES,
    "get_whatsapp_status": WHATSAPP_STATUS,
    "create_analytics_export": {"exportID": EXPORT["exportID"], "createdAt": EXPORT["createdAt"], "status": "PENDING"},
    "get_analytics_export": EXPORT,
}

# Valid arguments for the tools whose empty-body result echoes the path ids.
PATH_IDS: dict[str, Any] = {
    "call_id": 9_007_199_254_740_993,
    "contact_id": 321,
    "phone_number_id": 11,
    "email_id": 12,
    "user_id": 456,
    "team_id": 5,
    "number_id": 789,
    "tag_id": 56,
    "webhook_id": "0b6a7c4e-1f0e-4a56-9a53-1c2f2b7d9e11",
    "agent_id": "agent-abc123",
    "export_id": "9d3f2a1e-2b6c-4f0a-9c3e-1a2b3c4d5e6f",
}


def _arguments(endpoint: Endpoint) -> BaseModel:
    """Arguments built without validation: shaping only reads path ids from them."""
    return endpoint.input_model.model_construct(**{field: PATH_IDS[field] for field in endpoint.path_fields})


def _mask_strings(value: Any) -> Any:
    # What grant redaction does to a result: strings become masks, everything else stays.
    if isinstance(value, dict):
        return {key: _mask_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_strings(item) for item in value]
    return "•••" if isinstance(value, str) else value


def _validator(endpoint: Endpoint) -> Draft202012Validator:
    schema = to_mcp_tool(endpoint).output_schema
    assert schema is not None
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_there_is_a_sample_response_for_every_tool() -> None:
    assert set(SAMPLES) == {endpoint.name for endpoint in CATALOGUE}


@pytest.mark.parametrize("endpoint", CATALOGUE, ids=lambda endpoint: endpoint.name)
def test_shaped_sample_validates_against_the_output_schema(endpoint: Endpoint) -> None:
    shaped = shape_result(endpoint, _arguments(endpoint), copy.deepcopy(SAMPLES[endpoint.name]))
    validator = _validator(endpoint)
    validator.validate(shaped)
    validator.validate(_mask_strings(shaped))


@pytest.mark.parametrize("endpoint", [ep for ep in CATALOGUE if ep.paginated], ids=lambda endpoint: endpoint.name)
def test_server_paged_results_validate_against_the_output_schema(endpoint: Endpoint) -> None:
    assert endpoint.list_key is not None
    items = SAMPLES[endpoint.name][endpoint.list_key] * 3
    shaped = shape_result(endpoint, _arguments(endpoint), items, pages_fetched=3, more_available=True, capped=True)
    assert shaped["pages_fetched"] == 3
    assert shaped["capped_at_10000"] is True
    _validator(endpoint).validate({**shaped, "withheld": 2})


# ------------------------------------------------------------------------------------------------ shaping rules


def _shape(name: str, data: Any, **paging: Any) -> dict[str, Any]:
    endpoint = by_name(name)
    assert endpoint is not None
    return shape_result(endpoint, _arguments(endpoint), data, **paging)


def test_nulls_and_empty_containers_are_dropped_but_zero_false_and_links_kept() -> None:
    shaped = _shape("get_call", {"call": CALL})
    call = shaped["call"]
    assert "answered_at" not in call
    assert "user" not in call
    assert "participants" not in call
    assert "emails" not in call["contact"]
    assert call["comments"] == [{"id": 1, "content": "Called back", "posted_at": 1_718_000_100}]
    assert call["archived"] is False
    assert call["contact"]["information"] == ""
    assert call["direct_link"] == CALL["direct_link"]
    assert call["id"] == 9_007_199_254_740_993


def test_prune_keeps_zero_false_and_drops_nested_empties() -> None:
    assert prune({"a": 0, "b": False, "c": None, "d": {"e": [], "f": {}}, "g": [None, {}, 1]}) == {
        "a": 0,
        "b": False,
        "g": [1],
    }


def test_an_empty_body_becomes_ok_with_the_path_ids() -> None:
    assert _shape("tag_call", None) == {"ok": True, "call_id": 9_007_199_254_740_993}
    assert _shape("delete_contact_phone_number", "") == {"ok": True, "contact_id": 321, "phone_number_id": 11}


def test_a_list_page_reports_more_available_from_the_next_page_link() -> None:
    page = {"calls": [CALL], "meta": {**META, "total": 45, "next_page_link": "https://api.aircall.io/v1/calls?page=2"}}
    shaped = _shape("list_calls", page)
    assert shaped["more_available"] is True
    assert "capped_at_10000" not in shaped
    assert "pages_fetched" not in shaped


def test_a_list_page_without_link_keys_works_out_more_available_from_counts() -> None:
    meta = {"count": 20, "total": 45, "current_page": 1, "per_page": 20}
    assert _shape("list_webhooks", {"webhooks": [WEBHOOK], "meta": meta})["more_available"] is True
    meta = {"count": 5, "total": 45, "current_page": 3, "per_page": 20}
    assert _shape("list_webhooks", {"webhooks": [WEBHOOK], "meta": meta})["more_available"] is False


def test_the_last_reachable_page_of_a_huge_result_says_the_cap_was_hit() -> None:
    meta = {**META, "total": 23_000, "current_page": 200, "per_page": 50, "next_page_link": None}
    shaped = _shape("list_calls", {"calls": [CALL], "meta": meta})
    assert shaped["more_available"] is False
    assert shaped["capped_at_10000"] is True


def test_an_empty_page_still_holds_an_empty_list() -> None:
    shaped = _shape("list_tags", {"tags": [], "meta": {**META, "count": 0, "total": 0}})
    assert shaped["tags"] == []
    assert shaped["more_available"] is False


def test_a_body_that_is_not_an_object_is_wrapped() -> None:
    assert _shape("get_company", ["a", None]) == {"items": ["a"]}
    assert _shape("check_connection", "pong") == {"result": "pong"}


def test_compact_json_has_no_spaces_and_keeps_non_ascii() -> None:
    assert compact_json({"name": "Zoé", "ids": [1, 2]}) == '{"name":"Zoé","ids":[1,2]}'


USER = {
    "id": 7,
    "direct_link": "https://api.aircall.io/v1/users/7",
    "name": "Ava Patel",
    "email": "ava@example.com",
    "time_zone": "Europe/Paris",
    "language": "fr-FR",
    "availability_status": "available",
}
NUMBER = {
    "id": 3,
    "direct_link": "https://api.aircall.io/v1/numbers/3",
    "name": "Paris",
    "digits": "+33 1 76 11 11 11",
    "country": "FR",
    "users": [USER],
    "messages": {"welcome": "https://example.com/welcome.mp3"},
}
LISTED_CALL = {
    "id": 1,
    "direct_link": "https://api.aircall.io/v1/calls/1",
    "raw_digits": "+33 6 12 34 56 78",
    "user": USER,
    "number": NUMBER,
    "contact": {
        "id": 5,
        "direct_link": "https://api.aircall.io/v1/contacts/5",
        "first_name": "Lea",
        "company_name": "X",
    },
    "teams": [{"id": 2, "name": "Sales", "users": [USER]}],
    "comments": [{"id": 9, "content": "hi", "posted_by": USER}],
}
USER_REFERENCE = {"id": 7, "name": "Ava Patel", "email": "ava@example.com"}


def test_list_results_cut_nested_users_and_numbers_down_to_references() -> None:
    call = _shape("list_calls", {"calls": [LISTED_CALL], "meta": META})["calls"][0]
    assert call["user"] == USER_REFERENCE
    assert call["number"] == {"id": 3, "name": "Paris", "digits": "+33 1 76 11 11 11"}
    assert call["comments"][0]["posted_by"] == USER_REFERENCE
    assert call["teams"] == [{"id": 2, "name": "Sales", "users": [USER_REFERENCE]}]
    # The listed item itself, and a contact asked for with fetch_contact, keep every field.
    assert call["raw_digits"] == LISTED_CALL["raw_digits"]
    assert call["direct_link"] == LISTED_CALL["direct_link"]
    assert call["contact"] == LISTED_CALL["contact"]


def test_listed_numbers_keep_their_own_fields_and_reference_their_users() -> None:
    number = _shape("list_numbers", {"numbers": [NUMBER], "meta": META})["numbers"][0]
    assert number["users"] == [USER_REFERENCE]
    assert number["country"] == "FR"
    assert number["messages"] == NUMBER["messages"]


def test_getting_one_object_returns_its_nested_objects_whole() -> None:
    call = _shape("get_call", {"call": LISTED_CALL})["call"]
    assert call["user"] == USER
    assert call["number"]["users"] == [USER]


def test_a_phone_number_string_under_a_reference_key_is_left_alone() -> None:
    page = {"numbers": [{"id": 1, "number": "+33612345678", "called": False}], "meta": META}
    assert _shape("list_dialer_campaign_numbers", page)["numbers"] == [
        {"id": 1, "number": "+33612345678", "called": False}
    ]
