"""Aircall facts found wrong (issue 11 §6) and the sandbox's alternative answers (§5), end to end."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mcp_types as types

from tests.server.tool_cases import first_user, live_call

if TYPE_CHECKING:
    from tests.server.conftest import Harness, StartHarness

TESTER = "tester"


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


async def test_creates_answered_200_as_recorded_traffic_succeed_like_201(start_harness: StartHarness) -> None:
    async with start_harness(created_status=200) as harness, harness.connect(TESTER) as client:
        ws = harness.sandbox.sandbox.state
        results = {
            "create_tag": await client.call_tool("create_tag", {"name": "Recorded", "color": "#FF5733"}),
            "create_contact": await client.call_tool(
                "create_contact", {"phone_numbers": [{"label": "w", "value": "+33612345678"}]}
            ),
            "comment_call": await client.call_tool("comment_call", {"call_id": live_call(ws), "content": "noted"}),
            "create_dialer_campaign": await client.call_tool(
                "create_dialer_campaign", {"user_id": first_user(ws), "phone_numbers": ["+33612345678"]}
            ),
        }
    for tool, result in results.items():
        assert result.is_error is False, (tool, text_of(result))
    assert [r.status for r in harness.requests] == [200, 200, 200, 200]


async def test_search_calls_sends_tag_ids_as_an_array_that_a_strict_aircall_accepts(
    start_harness: StartHarness,
) -> None:
    async with start_harness(accept_comma_joined_tags=False) as harness, harness.connect(TESTER) as client:
        tags = list(harness.sandbox.sandbox.state.tags)[:2]
        result = await client.call_tool("search_calls", {"tags": tags})
    assert result.is_error is False, text_of(result)
    [request] = harness.requests
    assert request.query["tags[]"] == [str(t) for t in tags]
    assert request.status == 200


async def test_update_webhook_events_action_add_without_events_re_enables_and_keeps_the_events(
    harness: Harness,
) -> None:
    hook = next(iter(harness.sandbox.sandbox.state.webhooks.values()))
    hook.active = False
    events = list(hook.events)
    async with harness.connect(TESTER) as client:
        result = await client.call_tool(
            "update_webhook", {"webhook_id": hook.webhook_id, "events_action": "add", "active": True}
        )
    assert result.is_error is False, text_of(result)
    [request] = harness.requests[-1:]
    assert request.query == {"events_action": ["add"]}
    assert request.body == {"active": True}
    assert (hook.active, hook.events) == (True, events)


async def test_update_number_priority_null_is_sent_as_null(harness: Harness) -> None:
    ws = harness.sandbox.sandbox.state
    number_id = list(ws.numbers)[1]
    ws.numbers[number_id].priority = 1
    async with harness.connect(TESTER) as client:
        result = await client.call_tool("update_number", {"number_id": number_id, "priority": None})
        refused = await client.call_tool("update_number", {"number_id": number_id, "priority": False})
    assert result.is_error is False, text_of(result)
    assert refused.is_error is True
    assert "priority" in text_of(refused)
    assert harness.requests[-1].body == {"priority": None}
    assert ws.numbers[number_id].priority is None


async def test_get_call_playbook_result_sends_fetch_playbook(harness: Harness) -> None:
    call_id = next(iter(harness.sandbox.sandbox.state.calls))
    async with harness.connect(TESTER) as client:
        harness.sandbox.sandbox.clear_requests()
        await client.call_tool("get_call_playbook_result", {"call_id": call_id, "fetch_playbook": True})
    [request] = harness.requests
    assert (request.path, request.query) == (f"/v1/calls/{call_id}/playbook_result", {"fetch_playbook": ["true"]})
