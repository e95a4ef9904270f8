"""Rules every catalogue entry must follow, checked over the whole catalogue."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from typing import Any

import pytest

from aircall_mcp.catalogue import CATALOGUE, by_name, to_mcp_tool, tool_annotations, tool_description
from aircall_mcp.endpoint import NUMBER_NOT_NAMED, Access, Area, Endpoint

# Every row of the endpoint contract (/tmp/plan/endpoints.md), in its order.
EXPECTED_TOOLS = [
    "list_calls",
    "search_calls",
    "get_call",
    "transfer_call",
    "comment_call",
    "tag_call",
    "archive_call",
    "unarchive_call",
    "pause_call_recording",
    "resume_call_recording",
    "delete_recording",
    "delete_voicemail",
    "add_insight_cards",
    "get_call_transcription",
    "get_call_sentiments",
    "get_call_topics",
    "get_call_summary",
    "get_call_action_items",
    "get_call_playbook_result",
    "get_call_evaluations",
    "get_call_predicted_csat",
    "get_call_custom_summary_result",
    "start_ai_agent_call",
    "list_contacts",
    "search_contacts",
    "get_contact",
    "create_contact",
    "update_contact",
    "delete_contact",
    "add_contact_phone_number",
    "update_contact_phone_number",
    "delete_contact_phone_number",
    "add_contact_email",
    "update_contact_email",
    "delete_contact_email",
    "list_users",
    "get_user",
    "create_user",
    "update_user",
    "delete_user",
    "list_user_numbers",
    "list_user_availabilities",
    "get_user_availability",
    "start_outbound_call",
    "prefill_dialer",
    "get_dialer_campaign",
    "create_dialer_campaign",
    "delete_dialer_campaign",
    "list_dialer_campaign_numbers",
    "add_dialer_campaign_numbers",
    "remove_dialer_campaign_number",
    "list_teams",
    "get_team",
    "create_team",
    "delete_team",
    "add_team_member",
    "remove_team_member",
    "list_numbers",
    "get_number",
    "update_number",
    "get_number_registration_status",
    "list_tags",
    "get_tag",
    "create_tag",
    "update_tag",
    "delete_tag",
    "list_webhooks",
    "get_webhook",
    "create_webhook",
    "update_webhook",
    "delete_webhook",
    "configure_messaging",
    "get_messaging_configuration",
    "delete_messaging_configuration",
    "send_message",
    "send_conversation_message",
    "send_group_message",
    "send_group_conversation_message",
    "send_whatsapp_message",
    "send_whatsapp_conversation_message",
    "list_sms_templates",
    "list_whatsapp_templates",
    "get_whatsapp_status",
    "create_analytics_export",
    "get_analytics_export",
    "get_company",
    "check_connection",
]

# Context budget: every agent pays for every description it can see. The total was 9,000 characters for 72 tools,
# i.e. 125 a tool on average; issue 15 adds tools and keeps that average (the hard budget is the whole tools/list).
MAX_DESCRIPTION_CHARS = 260
MAX_TOTAL_DESCRIPTION_CHARS = 125 * len(CATALOGUE)

EXPECTED_WEBHOOK_EVENTS = {
    "tag_call": "call.tagged",
    "comment_call": "call.commented",
    "transfer_call": "call.transferred",
    "archive_call": "call.archived",
    "create_contact": "contact.created",
    "update_contact": "contact.updated",
    "add_contact_phone_number": "contact.updated",
    "update_contact_phone_number": "contact.updated",
    "delete_contact_phone_number": "contact.updated",
    "add_contact_email": "contact.updated",
    "update_contact_email": "contact.updated",
    "delete_contact_email": "contact.updated",
    "delete_contact": "contact.deleted",
    "create_user": "user.created.v2",
    "delete_user": "user.deleted",
    "send_message": "message.sent",
    "send_conversation_message": "message.sent",
    "send_whatsapp_message": "message.sent",
    "send_whatsapp_conversation_message": "message.sent",
    "send_group_message": "group_message.sent",
    "send_group_conversation_message": "group_message.sent",
    "start_ai_agent_call": "ai_voice_agent.started",
    "create_analytics_export": "analytics.report_created",
}

by_tool = pytest.mark.parametrize("endpoint", CATALOGUE, ids=lambda endpoint: endpoint.name)


def _schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _schema_nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _schema_nodes(item)


def test_catalogue_has_exactly_the_contracted_tools_in_order() -> None:
    """One entry per row of the endpoint contract, with the contract's names."""
    assert [endpoint.name for endpoint in CATALOGUE] == EXPECTED_TOOLS


def test_tool_names_are_unique_verb_noun_snake_case() -> None:
    names = [endpoint.name for endpoint in CATALOGUE]
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", name), name


def test_by_name_finds_every_tool_and_nothing_else() -> None:
    for endpoint in CATALOGUE:
        assert by_name(endpoint.name) is endpoint
    assert by_name("drop_database") is None


@by_tool
def test_every_path_placeholder_is_a_required_input_field(endpoint: Endpoint) -> None:
    fields = endpoint.input_model.model_fields
    for placeholder in endpoint.path_fields:
        assert placeholder in fields, placeholder
        assert fields[placeholder].is_required(), placeholder
        assert fields[placeholder].alias in (None, placeholder)


@by_tool
def test_read_tools_are_get_and_deletes_are_destructive(endpoint: Endpoint) -> None:
    if endpoint.access is Access.READ:
        assert endpoint.method == "GET"
    if endpoint.method == "DELETE":
        assert endpoint.access is Access.DESTRUCTIVE
    if endpoint.method == "GET":
        assert endpoint.access is Access.READ


@by_tool
def test_annotations_follow_the_access_class_and_method(endpoint: Endpoint) -> None:
    hints = tool_annotations(endpoint)
    assert hints.title == endpoint.title
    assert hints.read_only_hint is (endpoint.access is Access.READ)
    assert hints.destructive_hint is (endpoint.access is Access.DESTRUCTIVE)
    assert hints.idempotent_hint is (endpoint.method in ("GET", "PUT", "DELETE"))
    assert hints.open_world_hint is True


@by_tool
def test_input_schema_is_a_closed_self_contained_object(endpoint: Endpoint) -> None:
    schema = to_mcp_tool(endpoint).input_schema
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    for node in _schema_nodes(schema):
        assert "$ref" not in node
        assert "$defs" not in node
        assert "title" not in node or isinstance(node.get("title"), dict)  # a property named title is fine


@by_tool
def test_output_schema_is_an_open_object_that_accepts_masked_strings(endpoint: Endpoint) -> None:
    """Grant redaction replaces strings with masks: no string constraint may reject a masked value."""
    schema = to_mcp_tool(endpoint).output_schema
    assert schema is not None
    assert schema["type"] == "object"
    assert "required" not in schema
    for node in _schema_nodes(schema):
        assert "$ref" not in node
        assert not {"format", "pattern", "enum", "const", "minLength", "maxLength"} & node.keys(), node
        assert node.get("additionalProperties") is not False


@by_tool
def test_list_tools_take_paging_and_report_whether_more_exist(endpoint: Endpoint) -> None:
    if not endpoint.paginated:
        return
    assert endpoint.name.startswith("list_") or endpoint.name.startswith("search_")
    tool = to_mcp_tool(endpoint)
    properties = tool.input_schema["properties"]
    assert properties["per_page"]["maximum"] == 50
    assert properties["page"]["minimum"] == 1
    assert properties["max_items"]["maximum"] == 10_000
    assert tool.output_schema is not None
    assert {endpoint.list_key, "meta", "more_available", "capped_at_10000", "pages_fetched", "withheld"} <= set(
        tool.output_schema["properties"]
    )


@by_tool
def test_description_fits_the_context_budget(endpoint: Endpoint) -> None:
    assert endpoint.description == endpoint.description.strip()
    seen = tool_description(endpoint)
    assert len(seen) <= MAX_DESCRIPTION_CHARS, len(seen)
    assert seen.endswith(".")


def test_all_descriptions_together_fit_the_context_budget() -> None:
    assert sum(len(tool_description(endpoint)) for endpoint in CATALOGUE) <= MAX_TOTAL_DESCRIPTION_CHARS


@by_tool
def test_a_tool_that_triggers_a_webhook_event_says_which(endpoint: Endpoint) -> None:
    if endpoint.webhook_event is not None:
        assert tool_description(endpoint).endswith(f"Triggers webhook event {endpoint.webhook_event}.")


@by_tool
def test_action_is_an_infinitive_phrase_over_known_arguments(endpoint: Endpoint) -> None:
    first_word = endpoint.action.split()[0]
    assert not first_word.endswith("ed"), endpoint.action
    model = endpoint.input_model
    for _, field, _, _ in string.Formatter().parse(endpoint.action):
        if field is not None:
            assert field in model.model_fields or isinstance(getattr(model, field, None), property), field


def test_webhook_events_are_declared_for_the_tools_that_trigger_them() -> None:
    for name, event in EXPECTED_WEBHOOK_EVENTS.items():
        endpoint = by_name(name)
        assert endpoint is not None
        assert endpoint.webhook_event == event, name
    for endpoint in CATALOGUE:
        if endpoint.webhook_event is not None:
            assert endpoint.access is not Access.READ


def test_descriptions_steer_between_neighbouring_tools() -> None:
    """The model is told which neighbour to use instead, and the rules that make Aircall refuse a call."""

    def described(name: str) -> str:
        endpoint = by_name(name)
        assert endpoint is not None
        return endpoint.description

    assert "search_calls" in described("list_calls")
    assert "search_contacts" in described("list_contacts")
    assert "get_call_" in described("get_call")
    assert "_phone_number" in described("update_contact")
    assert "list_tags" in described("tag_call")
    assert "5" in described("comment_call")
    assert "exactly one" in described("transfer_call")
    assert "100" in described("create_webhook")
    assert "20" in described("create_contact")
    assert "10,000" in described("search_calls")
    assert "AI Assist" in described("get_call_summary")
    assert "ALL events" in described("update_webhook")
    assert "configure_messaging" in described("send_message")
    assert "send_conversation_message" in described("send_message")
    assert "a real call" in described("start_ai_agent_call")
    assert "get_analytics_export" in described("create_analytics_export")


def test_to_mcp_tool_returns_independent_schemas() -> None:
    endpoint = CATALOGUE[0]
    first = to_mcp_tool(endpoint)
    first.input_schema["properties"].clear()
    assert to_mcp_tool(endpoint).input_schema["properties"]


# Input fields that name one of the company's numbers (a phone line), by name across the catalogue.
_NUMBER_FIELDS = frozenset({"number_id", "default_number_id"})


@by_tool
def test_a_tool_that_takes_a_company_number_declares_it_for_scope_numbers(endpoint: Endpoint) -> None:
    """Security regression (issue 11 §1): scope.numbers can only check the number the catalogue names."""
    named = _NUMBER_FIELDS & set(endpoint.input_model.model_fields)
    if named:
        assert endpoint.number_arg in named, (
            f"{endpoint.name} takes {named} but declares number_arg={endpoint.number_arg}"
        )
    if endpoint.number_arg is not None and endpoint.number_arg != NUMBER_NOT_NAMED:
        field = endpoint.input_model.model_fields[endpoint.number_arg]
        assert field.annotation is not None
        assert "int" in str(field.annotation), endpoint.number_arg
    if endpoint.area is Area.NUMBERS and endpoint.path_fields:
        assert endpoint.number_arg == "number_id", endpoint.name


@by_tool
def test_every_path_value_is_built_as_exactly_one_encoded_segment(endpoint: Endpoint) -> None:
    values: dict[str, object] = {field: "a/b?c#d%e f" for field in endpoint.path_fields}
    path = endpoint.build_path(values)
    assert path.count("/") == endpoint.path.count("/")
    for field in endpoint.path_fields:
        for bad in ("", ".", "..", True, 1.5, None):
            with pytest.raises(ValueError, match=field):
                endpoint.build_path({**values, field: bad})
