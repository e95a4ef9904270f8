"""scope.numbers covers every tool that acts through or on a number (issue 11 §1), end to end through the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mcp_types as types

if TYPE_CHECKING:
    from tests.server.conftest import Harness


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def _scope_to_first_number(harness: Harness) -> tuple[int, int, int]:
    """A grant scoped to the first number; returns (that number, another number, a user assigned to the first)."""
    ws = harness.sandbox.sandbox.state
    inside, outside = list(ws.numbers)[:2]
    user = next(iter(ws.users))
    harness.write_grant(
        "scoped", f"areas: {{users: write, numbers: write, calls: read}}\nscope: {{numbers: [{inside}]}}\n"
    )
    return inside, outside, user


async def test_security_scoped_agent_cannot_place_a_call_from_another_number(harness: Harness) -> None:
    """Security regression: start_outbound_call from a number outside scope.numbers sends nothing to Aircall."""
    inside, outside, user = _scope_to_first_number(harness)
    async with harness.connect("scoped") as client:
        harness.sandbox.sandbox.clear_requests()
        refused = await client.call_tool(
            "start_outbound_call", {"user_id": user, "number_id": outside, "to": "+33612345678"}
        )
        assert refused.is_error is True
        assert "scope.numbers" in text_of(refused)
        assert harness.requests == []
        placed = await client.call_tool(
            "start_outbound_call", {"user_id": user, "number_id": inside, "to": "+33612345678"}
        )
    assert placed.is_error is False, text_of(placed)
    assert [(r.method, r.path) for r in harness.requests] == [("POST", f"/v1/users/{user}/calls")]


async def test_security_scoped_agent_cannot_read_or_update_another_number(harness: Harness) -> None:
    """Security regression: get_number / update_number / registration status of another number send nothing."""
    inside, outside, _ = _scope_to_first_number(harness)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("get_number", {"number_id": outside}),
        ("update_number", {"number_id": outside, "name": "Taken over"}),
        ("get_number_registration_status", {"number_id": outside}),
    ]
    async with harness.connect("scoped") as client:
        harness.sandbox.sandbox.clear_requests()
        for tool, args in calls:
            refused = await client.call_tool(tool, args)
            assert refused.is_error is True, tool
            assert "scope.numbers" in text_of(refused), tool
        assert harness.requests == []
        allowed = await client.call_tool("get_number", {"number_id": inside})
    assert allowed.is_error is False, text_of(allowed)
    assert harness.sandbox.sandbox.state.numbers[outside].name != "Taken over"


async def test_security_number_lists_show_only_scoped_numbers_and_dialer_tools_are_hidden(harness: Harness) -> None:
    """Security regression: list_numbers is filtered to the scope; dialer campaigns (unnamed number) are not offered."""
    inside, _, _ = _scope_to_first_number(harness)
    async with harness.connect("scoped") as client:
        listed = await client.call_tool("list_numbers", {})
        tools = {tool.name for tool in (await client.list_tools()).tools}
    assert listed.is_error is False, text_of(listed)
    content = listed.structured_content
    assert content is not None
    assert [n["id"] for n in content["numbers"]] == [inside]
    assert content["withheld"] == len(harness.sandbox.sandbox.state.numbers) - 1
    assert "start_outbound_call" in tools
    assert not {t for t in tools if "dialer_campaign" in t}
