"""Grants reach the messaging, AI Voice Agent and analytics tools with the same power as the others (issue 15).

Areas and levels, number scope on the sending number, constraints on recipients (element by element for group
participants), audit masking of recipients and bodies, and the body cap, end to end through the sandbox.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import mcp_types as types
import pytest
from mcp import Client

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Access, Area
from aircall_mcp.sandbox.messaging import AGENT_IDS
from tests.server.tool_cases import configured_number, whatsapp_line

if TYPE_CHECKING:
    from tests.server.conftest import Harness

CUSTOMER = "+14155550100"
STRANGER = "+14155550199"


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


async def visible(client: Client) -> set[str]:
    return {tool.name for tool in (await client.list_tools()).tools}


async def refused_unsent(harness: Harness, client: Client, tool: str, args: dict[str, Any]) -> str:
    harness.sandbox.sandbox.clear_requests()
    result = await client.call_tool(tool, args)
    assert result.is_error is True, f"{tool} was not refused: {text_of(result)}"
    assert harness.requests == [], "a refused call must send nothing to Aircall"
    return text_of(result)


def names(area: Area, *accesses: Access) -> set[str]:
    return {ep.name for ep in CATALOGUE if ep.area is area and ep.access in accesses}


@pytest.mark.parametrize(
    ("level", "accesses"),
    [
        ("read", (Access.READ,)),
        ("write", (Access.READ, Access.WRITE)),
        ("full", (Access.READ, Access.WRITE, Access.DESTRUCTIVE)),
    ],
)
async def test_messaging_and_analytics_levels_follow_the_access_classes(
    harness: Harness, level: str, accesses: tuple[Access, ...]
) -> None:
    harness.write_grant("texter", f"areas: {{messaging: {level}, analytics: {level}}}\n")
    async with harness.connect("texter") as client:
        tools = await visible(client)
    assert tools == names(Area.MESSAGING, *accesses) | names(Area.ANALYTICS, *accesses)
    assert ("send_message" in tools) is (level != "read")
    assert ("delete_messaging_configuration" in tools) is (level == "full")


async def test_the_ai_voice_agent_call_is_a_calls_write(harness: Harness) -> None:
    harness.write_grant("caller", "areas: {calls: write}\n")
    harness.write_grant("reader", "areas: {calls: read, messaging: full}\n")
    async with harness.connect("caller") as client:
        assert "start_ai_agent_call" in await visible(client)
    async with harness.connect("reader") as client:
        assert "start_ai_agent_call" not in await visible(client)


async def test_security_a_scoped_texter_sends_only_from_its_numbers(harness: Harness) -> None:
    """Security regression: a messaging agent scoped to numbers cannot send, or read status, from another number."""
    ws = harness.sandbox.sandbox.state
    inside, line = configured_number(ws), whatsapp_line(ws)
    assert inside != line
    harness.write_grant("texter", f"areas: {{messaging: write}}\nscope: {{numbers: [{inside}]}}\n")
    async with harness.connect("texter") as client:
        for tool, args in [
            ("send_message", {"number_id": line, "to": CUSTOMER, "body": "hi"}),
            ("send_group_message", {"number_id": line, "participants": [CUSTOMER], "body": "hi"}),
            ("send_whatsapp_message", {"number_id": line, "to": CUSTOMER, "text": "hi"}),
            ("get_whatsapp_status", {"number_id": line}),
            ("configure_messaging", {"number_id": line}),
        ]:
            assert "scope.numbers" in await refused_unsent(harness, client, tool, cast(dict[str, Any], args)), tool
        sent = await client.call_tool("send_message", {"number_id": inside, "to": CUSTOMER, "body": "hi"})
    assert sent.is_error is False, text_of(sent)
    assert [(r.method, r.path) for r in harness.requests] == [("POST", f"/v1/numbers/{inside}/messages/send")]


async def test_security_a_number_scope_hides_the_ai_voice_agent_call_and_the_analytics_export(
    harness: Harness,
) -> None:
    """Security regression: neither names a number the scope could check (the agent's line, a company-wide report)."""
    inside = configured_number(harness.sandbox.sandbox.state)
    harness.write_grant("scoped", f"areas: {{calls: write, analytics: write}}\nscope: {{numbers: [{inside}]}}\n")
    async with harness.connect("scoped") as client:
        tools = await visible(client)
        assert {"start_ai_agent_call", "create_analytics_export"}.isdisjoint(tools)
        args = {"agent_id": AGENT_IDS[0], "contact_phone": CUSTOMER, "idempotency_key": "k1"}
        assert "scope.numbers" in await refused_unsent(harness, client, "start_ai_agent_call", args)


async def test_security_recipients_are_constrained_one_by_one(harness: Harness) -> None:
    """Security regression: a fixed list of recipients holds for `to` and for every group participant."""
    number = configured_number(harness.sandbox.sandbox.state)
    harness.write_grant(
        "texter",
        f"""
areas: {{messaging: write}}
constraints:
  send_message: {{to: ["{CUSTOMER}"], number_id: [{number}]}}
  send_group_message: {{participants: ["{CUSTOMER}", "+14155550101"]}}
""",
    )
    async with harness.connect("texter") as client:
        refusal = await refused_unsent(
            harness, client, "send_message", {"number_id": number, "to": STRANGER, "body": "hi"}
        )
        assert "constraints.send_message.to" in refusal
        refusal = await refused_unsent(
            harness,
            client,
            "send_group_message",
            {"number_id": number, "participants": [CUSTOMER, STRANGER], "body": "x"},
        )
        assert "constraints.send_group_message.participants" in refusal
        harness.sandbox.sandbox.clear_requests()
        ok = await client.call_tool(
            "send_group_message", {"number_id": number, "participants": [CUSTOMER], "body": "x"}
        )
    assert ok.is_error is False, text_of(ok)
    assert len(harness.requests) == 1


async def test_security_the_audit_masks_recipients_and_bodies_where_the_grant_masks_phone_numbers(
    harness: Harness,
) -> None:
    """Security regression: a send audited under a grant masking phone numbers keeps neither number nor text."""
    ws = harness.sandbox.sandbox.state
    number = configured_number(ws)
    harness.write_grant("texter", "areas: {messaging: write, calls: write}\nredact: [phone_numbers]\n")
    secret_text = "Your code is 4242, call +33612345678"
    async with harness.connect("texter") as client:
        for tool, args in [
            ("send_message", {"number_id": number, "to": CUSTOMER, "body": secret_text}),
            ("send_group_message", {"number_id": number, "participants": [CUSTOMER, STRANGER], "body": secret_text}),
            ("send_whatsapp_message", {"number_id": whatsapp_line(ws), "to": CUSTOMER, "text": secret_text}),
            (
                "start_ai_agent_call",
                {
                    "agent_id": AGENT_IDS[0],
                    "contact_phone": CUSTOMER,
                    "idempotency_key": "k1",
                    "context": {"note": secret_text},
                },
            ),
        ]:
            result = await client.call_tool(tool, cast(dict[str, Any], args))
            assert result.is_error is False, f"{tool}: {text_of(result)}"
    lines = [line for line in harness.audit_lines() if line.get("arguments")]
    assert len(lines) >= 4
    for line in lines:
        dumped = json.dumps(line)
        for leaked in (CUSTOMER, STRANGER, "4242", "+33612345678", "14155550100"):
            assert leaked not in dumped, (leaked, line)


async def test_a_body_over_aircalls_limit_is_refused_before_anything_is_sent(harness: Harness) -> None:
    number = configured_number(harness.sandbox.sandbox.state)
    async with harness.connect("tester") as client:
        refusal = await refused_unsent(
            harness, client, "send_message", {"number_id": number, "to": CUSTOMER, "body": "x" * 1601}
        )
        assert "body" in refusal
        assert "1600" in refusal
        both = {"number_id": number, "participants": [CUSTOMER], "body": "x", "media_url": ["https://a.example/x.png"]}
        assert "exactly one of body or media_url" in await refused_unsent(harness, client, "send_group_message", both)
        whatsapp = {"number_id": whatsapp_line(harness.sandbox.sandbox.state), "to": CUSTOMER}
        assert "exactly one of text or template" in await refused_unsent(
            harness, client, "send_whatsapp_message", whatsapp
        )


async def test_aircalls_refusal_to_send_from_an_unconfigured_number_reaches_the_model(harness: Harness) -> None:
    ws = harness.sandbox.sandbox.state
    unconfigured = next(n for n in ws.numbers if n not in ws.messaging.configurations)
    async with harness.connect("tester") as client:
        result = await client.call_tool("send_message", {"number_id": unconfigured, "to": CUSTOMER, "body": "hi"})
    assert result.is_error is True
    assert "configuration" in text_of(result)
