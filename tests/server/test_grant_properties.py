"""Property, over MCP: for any grant, tools/list shows exactly the tools whose call the grant does not refuse.

One sandbox serves every example of a test: each example rewrites the agent's grant file (the store
reloads it on the next request) and opens a fresh in-memory MCP session.

Calling every tool for real would be slow and would change the sandbox, so each tool is called with
empty arguments: the server asks the grant before it validates, so "Not permitted" means refused by the
grant, and anything else (mostly a validation error) means the grant let the call through.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Access, Area
from tests.server.conftest import Harness

TOOLS = [ep.name for ep in CATALOGUE]
ENDPOINTS = {ep.name: ep for ep in CATALOGUE}
LEVEL_ACCESS: dict[str, frozenset[Access]] = {
    "off": frozenset(),
    "read": frozenset({Access.READ}),
    "write": frozenset({Access.READ, Access.WRITE}),
    "full": frozenset(Access),
}
AGENT = "generated"

tool_lists = st.lists(st.sampled_from(TOOLS), max_size=6, unique=True)


@st.composite
def grants(draw: st.DrawFn) -> dict[str, Any]:
    """Random areas and levels, tools.allow / deny / confirm over the real catalogue, sometimes a call scope."""
    areas = draw(st.dictionaries(st.sampled_from([a.value for a in Area]), st.sampled_from(list(LEVEL_ACCESS))))
    data: dict[str, Any] = {"areas": areas, "tools": {"allow": draw(tool_lists), "deny": draw(tool_lists)}}
    if draw(st.booleans()):
        data["tools"]["confirm"] = draw(tool_lists)
    if draw(st.booleans()):
        data["scope"] = {"numbers": draw(st.lists(st.integers(1, 500_000), max_size=2, unique=True))}
    return data


def write_grant(harness: Harness, data: dict[str, Any]) -> None:
    harness.write_grant(AGENT, yaml.safe_dump(data))


def text(result: types.CallToolResult) -> str:
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    return content.text


def expected_ceiling(data: dict[str, Any]) -> set[str]:
    """An upper bound the grant text makes obvious: deny removes, allow and area levels are the only ways in."""
    levels = data["areas"]
    by_level = {n for n, ep in ENDPOINTS.items() if ep.access in LEVEL_ACCESS[levels.get(ep.area.value, "off")]}
    return (by_level | set(data["tools"]["allow"])) - set(data["tools"]["deny"])


@pytest.mark.parametrize("mode", ["legacy", "auto"])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=grants())
async def test_listed_tools_are_exactly_the_tools_the_grant_lets_through(
    harness: Harness, mode: str, data: dict[str, Any]
) -> None:
    write_grant(harness, data)
    before = len(harness.requests)
    async with harness.connect(AGENT, mode=mode) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        let_through: set[str] = set()
        for name in TOOLS:
            sent_before = len(harness.requests)
            result = await client.call_tool(name, {})
            if result.is_error and text(result).startswith("Not permitted"):
                assert len(harness.requests) == sent_before, f"refused {name} still reached Aircall"
            else:
                let_through.add(name)
    assert listed == let_through
    assert listed <= expected_ceiling(data)
    assert not listed & set(data["tools"]["deny"])
    # Only tools that take no required argument can have reached Aircall with {}.
    for request in harness.requests[before:]:
        assert request.method == "GET", request


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=grants())
async def test_refused_calls_with_valid_arguments_send_nothing(harness: Harness, data: dict[str, Any]) -> None:
    write_grant(harness, data)
    state = harness.sandbox.sandbox.state
    ids = {
        "call_id": next(iter(state.calls)),
        "tag_id": next(iter(state.tags)),
        "contact_id": next(iter(state.contacts)),
        "user_id": next(iter(state.users)),
        "team_id": next(iter(state.teams)),
    }
    async with harness.connect(AGENT) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        for name in sorted(set(TOOLS) - listed):
            fields = ENDPOINTS[name].input_model.model_fields
            args = {key: value for key, value in ids.items() if key in fields}
            before = len(harness.requests)
            result = await client.call_tool(name, args)
            assert result.is_error, name
            assert "Not permitted" in text(result), name
            assert len(harness.requests) == before, f"refused {name} reached Aircall"
