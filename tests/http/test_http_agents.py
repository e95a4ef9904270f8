"""Two agents over one real Streamable HTTP server: each sees and does only what its own grant allows."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

ALPHA_TOOLS = {"get_company", "check_connection"}
BETA_TOOLS = {"list_tags", "get_tag"}
LEGACY_VERSION = "2025-11-25"
ACCEPT = "application/json, text/event-stream"


def initialize_body(request_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "initialize",
        "params": {
            "protocolVersion": LEGACY_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "0"},
        },
    }


async def agent_session(harness: Any, agent: str, mode: str) -> dict[str, Any]:
    """List tools, call one allowed and one foreign tool, as `agent`; what it saw."""
    own, foreign = ("get_company", "list_tags") if agent == "alpha" else ("list_tags", "get_company")
    async with harness.connect(harness.tokens[agent], mode=mode) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        allowed = await client.call_tool(own, {})
        refused = await client.call_tool(foreign, {})
        return {"tools": listed, "allowed": allowed, "refused": refused, "version": client.protocol_version}


@pytest.mark.parametrize("stateless", [False, True], ids=["stateful", "stateless"])
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_two_agents_at_once_each_see_and_call_only_their_own_tools(
    start_http: Any, mode: str, stateless: bool
) -> None:
    async with start_http(stateless=stateless) as harness:
        alpha, beta = await asyncio.gather(agent_session(harness, "alpha", mode), agent_session(harness, "beta", mode))
        audit = harness.audit_lines()

    assert alpha["version"] == beta["version"] == (LEGACY_VERSION if mode == "legacy" else "2026-07-28")
    assert alpha["tools"] == ALPHA_TOOLS
    assert beta["tools"] == BETA_TOOLS
    assert not alpha["allowed"].is_error
    assert "company" in alpha["allowed"].structured_content
    assert not beta["allowed"].is_error
    assert "tags" in beta["allowed"].structured_content
    assert alpha["refused"].is_error
    assert "alpha may not call list_tags" in alpha["refused"].content[0].text
    assert beta["refused"].is_error
    assert "beta may not call get_company" in beta["refused"].content[0].text
    # The audit names the agent the token belongs to, for every call either agent made.
    decisions = {(line["agent"], line["tool"], line["decision"]) for line in audit}
    assert decisions == {
        ("alpha", "get_company", "allowed"),
        ("alpha", "list_tags", "denied"),
        ("beta", "list_tags", "allowed"),
        ("beta", "get_company", "denied"),
    }


async def test_a_session_opened_by_one_agent_cannot_be_used_with_another_agents_token(served: Any) -> None:
    async with served.http(served.tokens["alpha"], accept=ACCEPT) as alpha_http:
        opened = await alpha_http.post("/mcp", json=initialize_body())
        session_id = opened.headers["mcp-session-id"]
        session_headers = {"mcp-session-id": session_id, "mcp-protocol-version": LEGACY_VERSION}
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        await alpha_http.post(
            "/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session_headers
        )
        own = await alpha_http.post("/mcp", json=listing, headers=session_headers)
        async with served.http(served.tokens["beta"], accept=ACCEPT) as beta_http:
            hijack = await beta_http.post("/mcp", json=listing, headers=session_headers)

    assert opened.status_code == 200
    assert own.status_code == 200
    assert "get_company" in own.text
    assert hijack.status_code == 404
    assert "Session not found" in hijack.text
    assert "get_company" not in hijack.text


async def test_stateless_legacy_issues_no_session_id(start_http: Any) -> None:
    async with start_http(stateless=True) as harness, harness.http(harness.tokens["alpha"], accept=ACCEPT) as http:
        opened = await http.post("/mcp", json=initialize_body())

    assert opened.status_code == 200
    assert LEGACY_VERSION in opened.text
    assert "mcp-session-id" not in opened.headers


async def test_stateful_legacy_issues_a_session_id(served: Any) -> None:
    async with served.http(served.tokens["alpha"], accept=ACCEPT) as http:
        opened = await http.post("/mcp", json=initialize_body())

    assert opened.status_code == 200
    assert opened.headers["mcp-session-id"]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_bearer_token_never_reaches_the_audit_file(served: Any, mode: str) -> None:
    for agent in ("alpha", "beta"):
        await agent_session(served, agent, mode)
    # Also a refused request: an unknown token is turned away before it can be audited at all.
    async with served.http("acm_not-a-real-token") as http:
        await http.post("/mcp", json=initialize_body())

    text = served.audit_text()
    assert text.count('"phase":"outcome"') == 4
    for token in served.tokens.values():
        assert token not in text
        assert token[len("acm_") :] not in text
    assert "acm_" not in text
    assert "Bearer" not in text
