"""Arguments are validated like Aircall would, then turned into exactly the request Aircall expects."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from aircall_mcp.catalogue import action_text, build_request, by_name
from aircall_mcp.endpoint import Endpoint, PreparedRequest


def _endpoint(name: str) -> Endpoint:
    endpoint = by_name(name)
    assert endpoint is not None
    return endpoint


def _args(name: str, arguments: dict[str, Any]) -> BaseModel:
    return _endpoint(name).input_model.model_validate(arguments)


def _request(name: str, arguments: dict[str, Any]) -> PreparedRequest:
    return build_request(_endpoint(name), _args(name, arguments))


def _error_locations(name: str, arguments: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        _args(name, arguments)
    return [error["loc"] for error in caught.value.errors()]


def _error_text(name: str, arguments: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        _args(name, arguments)
    return str(caught.value)


# ----------------------------------------------------------------------------------------------- build_request


def test_list_arguments_go_to_the_query_as_strings_and_max_items_stays_here() -> None:
    request = _request(
        "list_calls", {"per_page": 50, "page": 2, "from": 1_700_000_000, "fetch_contact": True, "max_items": 500}
    )
    assert request == PreparedRequest(
        method="GET",
        path="/v1/calls",
        query={"per_page": "50", "page": "2", "from": "1700000000", "fetch_contact": "true"},
        body=None,
    )


def test_false_flags_are_sent_as_the_word_false() -> None:
    assert _request("get_call", {"call_id": 7, "fetch_short_urls": False}).query == {"fetch_short_urls": "false"}


def test_tag_filters_are_repeated_tags_brackets_keys() -> None:
    request = _request("search_calls", {"tags": [3, 5], "direction": "inbound"})
    assert request.path == "/v1/calls/search"
    assert request.query == {"tags[]": ["3", "5"], "direction": "inbound"}


def test_post_arguments_go_to_the_body_and_path_ids_into_the_path() -> None:
    request = _request("tag_call", {"call_id": 9_007_199_254_740_993, "tags": [56]})
    assert request == PreparedRequest(
        method="POST", path="/v1/calls/9007199254740993/tags", query={}, body={"tags": [56]}
    )


def test_query_fields_of_a_put_travel_in_the_query() -> None:
    request = _request(
        "update_webhook",
        {"webhook_id": "0b6a7c4e-1f0e-4a56-9a53-1c2f2b7d9e11", "events": ["call.ended"], "events_action": "add"},
    )
    assert request.method == "PUT"
    assert request.path == "/v1/webhooks/0b6a7c4e-1f0e-4a56-9a53-1c2f2b7d9e11"
    assert request.query == {"events_action": "add"}
    assert request.body == {"events": ["call.ended"]}


def test_an_email_user_id_is_url_quoted_in_the_path() -> None:
    assert _request("get_user", {"user_id": "john.doe+ops@aircall.io"}).path == "/v2/users/john.doe%2Bops%40aircall.io"
    assert _request("get_user", {"user_id": 42}).path == "/v2/users/42"


def test_post_and_put_without_fields_send_no_body() -> None:
    assert _request("add_team_member", {"team_id": 3, "user_id": 4}) == PreparedRequest(
        method="POST", path="/v1/teams/3/users/4", query={}, body=None
    )
    assert _request("archive_call", {"call_id": 1}).body is None


def test_nested_bodies_are_sent_as_json_without_nulls() -> None:
    request = _request(
        "create_contact",
        {"first_name": "Ada", "phone_numbers": [{"label": "Work", "value": "+33612345678"}]},
    )
    assert request.body == {"first_name": "Ada", "phone_numbers": [{"label": "Work", "value": "+33612345678"}]}


def test_a_delete_sends_nothing_but_the_path() -> None:
    request = _request("delete_contact_email", {"contact_id": 12, "email_id": 34})
    assert request == PreparedRequest(method="DELETE", path="/v1/contacts/12/email_details/34", query={}, body=None)


def test_transfer_sends_only_the_chosen_destination() -> None:
    request = _request("transfer_call", {"call_id": 5, "team_id": 2, "dispatching_strategy": "random"})
    assert request.body == {"team_id": 2, "dispatching_strategy": "random"}


def test_action_text_renders_arguments_for_the_audit() -> None:
    endpoint = _endpoint("tag_call")
    assert action_text(endpoint, _args("tag_call", {"call_id": 1234, "tags": [56]})) == "tag call 1234 with tags [56]"
    transfer = _endpoint("transfer_call")
    text = action_text(transfer, _args("transfer_call", {"call_id": 1, "number": "+14155550100"}))
    assert text == "transfer call 1 to an external number"
    update = _endpoint("update_contact")
    text = action_text(update, _args("update_contact", {"contact_id": 3, "last_name": "Lovelace"}))
    assert text == "update contact 3: last_name"


# ----------------------------------------------------------------------------------------------- validation


def test_per_page_above_50_is_refused_naming_the_field() -> None:
    assert _error_locations("list_calls", {"per_page": 51}) == [("per_page",)]


def test_max_items_above_the_aircall_cap_is_refused() -> None:
    assert _error_locations("list_contacts", {"max_items": 10_001}) == [("max_items",)]


def test_an_unknown_argument_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError) as caught:
        _args("get_call", {"call_id": 1, "include_everything": True})
    (error,) = caught.value.errors()
    assert error["loc"] == ("include_everything",)
    assert error["type"] == "extra_forbidden"


def test_a_phone_number_not_in_e164_is_refused_naming_the_field() -> None:
    assert _error_locations("transfer_call", {"call_id": 1, "number": "06 12 34 56 78"}) == [("number",)]
    assert _error_locations("prefill_dialer", {"user_id": 1, "to": "+0123456789"}) == [("to",)]


def test_two_transfer_destinations_are_refused() -> None:
    assert "exactly one of user_id, team_id or number" in _error_text(
        "transfer_call", {"call_id": 1, "user_id": 2, "team_id": 3}
    )
    assert "exactly one" in _error_text("transfer_call", {"call_id": 1})


def test_a_dispatching_strategy_without_a_team_is_refused() -> None:
    assert "only with team_id" in _error_text(
        "transfer_call", {"call_id": 1, "user_id": 2, "dispatching_strategy": "random"}
    )


def test_a_blank_comment_is_refused() -> None:
    assert _error_locations("comment_call", {"call_id": 1, "content": "   "}) == [("content",)]


def test_tag_names_are_refused_where_ids_are_needed() -> None:
    assert _error_locations("tag_call", {"call_id": 1, "tags": ["urgent"]}) == [("tags", 0)]


def test_a_contact_with_21_phone_numbers_is_refused() -> None:
    phones = [{"label": "Work", "value": f"+3361234{index:04d}"} for index in range(21)]
    assert _error_locations("create_contact", {"phone_numbers": phones}) == [("phone_numbers",)]


def test_a_contact_needs_a_phone_number() -> None:
    assert _error_locations("create_contact", {"first_name": "Ada"}) == [("phone_numbers",)]


def test_a_colour_that_is_not_hex_is_refused() -> None:
    assert _error_locations("create_tag", {"name": "VIP", "color": "red"}) == [("color",)]


def test_a_plain_http_webhook_url_is_refused() -> None:
    assert _error_locations("create_webhook", {"url": "http://example.com/hook"}) == [("url",)]


def test_an_update_without_any_change_is_refused_listing_what_may_change() -> None:
    text = _error_text("update_tag", {"tag_id": 4})
    assert "name, color, description" in text


HOOK = "0b6a7c4e-1f0e-4a56-9a53-1c2f2b7d9e11"


def test_events_action_remove_without_events_is_refused() -> None:
    # Issue 11 §6: only "remove" needs events; "add" without events is the documented re-enable (next test).
    assert "events_action remove needs events" in _error_text(
        "update_webhook", {"webhook_id": HOOK, "events_action": "remove"}
    )


def test_events_action_add_without_events_re_enables_a_webhook_and_sends_no_events() -> None:
    request = _request("update_webhook", {"webhook_id": HOOK, "events_action": "add", "active": True})
    assert (request.method, request.path) == ("PUT", f"/v1/webhooks/{HOOK}")
    assert request.query == {"events_action": "add"}
    assert request.body == {"active": True}


def test_user_id_is_a_number_or_an_email_but_nothing_else() -> None:
    assert _args("get_user", {"user_id": 7}).model_dump()["user_id"] == 7
    assert _args("get_user", {"user_id": "ada@example.com"}).model_dump()["user_id"] == "ada@example.com"
    # Issue 11 §2: a numeric string is not an integer id (the published schema says integer or email).
    for not_a_user in ("7", "../company", "ada@example.com/numbers", "a@b.c/../../v1/webhooks", True):
        with pytest.raises(ValidationError):
            _args("get_user", {"user_id": not_a_user})


def test_a_time_window_that_ends_before_it_starts_is_refused() -> None:
    assert "from must not be after to" in _error_text("list_calls", {"from": 200, "to": 100})


def test_searching_contacts_needs_a_criterion() -> None:
    assert "phone_number or email" in _error_text("search_contacts", {"per_page": 5})


def test_a_webhook_id_cannot_smuggle_a_path() -> None:
    assert _error_locations("get_webhook", {"webhook_id": "../users"})


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.emails(), st.emails().map(lambda e: e + "/numbers"), st.integers()))
def test_security_any_user_ref_the_model_accepts_stays_one_path_segment(value: object) -> None:
    """Security regression (issue 11 §2): whatever get_user accepts, the decoded path has the template's segments."""
    try:
        args = _args("get_user", {"user_id": value})
    except ValidationError:
        return
    path = unquote(build_request(_endpoint("get_user"), args).path)
    assert path.count("/") == 3, path
    assert not set(path) & set("?#%\\ \t\r\n"), path


# ------------------------------------------------------------------------------------ messaging and analytics


def test_messaging_arguments_are_sent_under_aircalls_own_names() -> None:
    sms = _request("send_message", {"number_id": 7, "to": "+14155550100", "body": "hi", "media_url": ["https://a.b/c"]})
    assert (sms.path, sms.body) == (
        "/v1/numbers/7/messages/send",
        {"to": "+14155550100", "body": "hi", "mediaUrl": ["https://a.b/c"]},
    )
    config = _request("configure_messaging", {"number_id": 7, "callback_url": "https://hooks.example.com/sms"})
    assert config.body == {"callbackUrl": "https://hooks.example.com/sms"}
    template = {"id": "12", "body": [{"key": "{{1}}", "value": "Jo"}]}
    whatsapp = _request(
        "send_whatsapp_conversation_message", {"number_id": 7, "to": "+14155550100", "template": template}
    )
    assert whatsapp.body == {"lineId": 7, "externalNumber": "+14155550100", "templateParams": template}


def test_the_analytics_export_nests_its_filters_under_input() -> None:
    request = _request(
        "create_analytics_export",
        {"report_name": "USER_STATUS_HISTORY", "timezone": "UTC", "relative_range": "LAST_WEEK", "user_ids": [3, 4]},
    )
    assert request.body == {
        "input": {
            "reportName": "USER_STATUS_HISTORY",
            "filter": {"dateFilter": {"relative": "LAST_WEEK"}, "timezone": "UTC", "userIDs": [3, 4]},
        }
    }


@pytest.mark.parametrize(
    "dates",
    [
        {},
        {"relative_range": "TODAY", "from_date": "2026-05-01", "to_date": "2026-05-02"},
        {"from_date": "2026-05-01"},
        {"from_date": "2026-05-03", "to_date": "2026-05-02"},
    ],
    ids=["none", "both", "half", "reversed"],
)
def test_an_export_takes_exactly_one_date_range(dates: dict[str, Any]) -> None:
    assert "date" in _error_text(
        "create_analytics_export", {"report_name": "CALLS_HISTORY", "timezone": "UTC", **dates}
    )


def test_message_bodies_are_capped_at_aircalls_limits() -> None:
    base = {"number_id": 7, "to": "+14155550100"}
    assert _error_locations("send_message", {**base, "body": "x" * 1601}) == [("body",)]
    assert _request("send_message", {**base, "body": "é" * 1600}).body is not None
    assert _error_locations("send_whatsapp_message", {**base, "text": "x" * 4097}) == [("text",)]
    assert _error_locations("send_message", {**base, "body": ""}) == [("body",)]


def test_an_ai_voice_agent_id_cannot_smuggle_a_path() -> None:
    args = {"contact_phone": "+14155550100", "idempotency_key": "k"}
    assert _error_locations("start_ai_agent_call", {**args, "agent_id": "../users/1"}) == [("agent_id",)]
    assert _request("start_ai_agent_call", {**args, "agent_id": "agent-1"}).path == "/v1/outbound-calls/agents/agent-1"
