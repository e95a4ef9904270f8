"""A client that knows only the server's URL finds its way to a token, in both protocol eras.

The documented dance (MCP authorization spec): 401 with WWW-Authenticate resource_metadata -> Protected
Resource Metadata (RFC 9728) -> the authorization server's metadata (RFC 8414 / OIDC) -> a token for this
resource (RFC 8707) -> the MCP call.
"""

from __future__ import annotations

import re

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.oauth.conftest import BOT_TOOLS, OAuthHarness
from tests.oauth.issuer import MACHINE_CLIENTS

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_client_completes_the_discovery_dance_from_the_401_to_a_token_and_a_tool_list(
    oauth: OAuthHarness, mode: str
) -> None:
    async with httpx2.AsyncClient(timeout=30.0) as http:
        challenge = await http.post(
            oauth.http.url, json=INITIALIZE, headers={"Accept": "application/json, text/event-stream"}
        )
        assert challenge.status_code == 401
        found = re.search(r'resource_metadata="([^"]+)"', challenge.headers["www-authenticate"])
        assert found is not None

        prm = (await http.get(found.group(1))).json()
        assert prm["resource"] == oauth.resource
        assert prm["authorization_servers"] == [oauth.issuer.issuer]

        issuer = prm["authorization_servers"][0]
        metadata = (await http.get(f"{issuer}/.well-known/oauth-authorization-server")).json()
        assert metadata["issuer"] == issuer

        grant = await http.post(
            metadata["token_endpoint"],
            data={
                "grant_type": "client_credentials",
                "client_id": "reporting-bot",
                "client_secret": MACHINE_CLIENTS["reporting-bot"],
                "resource": prm["resource"],
            },
        )
        token = grant.json()["access_token"]

    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30.0) as http,
        Client(streamable_http_client(oauth.http.url, http_client=http), mode=mode) as client,
    ):
        assert {tool.name for tool in (await client.list_tools()).tools} == BOT_TOOLS


async def test_protected_resource_metadata_is_served_at_the_root_and_the_path_suffixed_well_known(
    oauth: OAuthHarness,
) -> None:
    async with oauth.http.http() as http:
        root = await http.get("/.well-known/oauth-protected-resource")
        suffixed = await http.get("/.well-known/oauth-protected-resource/mcp")

    assert root.status_code == suffixed.status_code == 200
    assert root.json() == suffixed.json()
    assert root.json()["resource"] == oauth.resource
    assert root.json()["authorization_servers"] == [oauth.issuer.issuer]


async def test_security_refused_and_missing_tokens_send_nothing_to_aircall(oauth: OAuthHarness) -> None:
    async with oauth.http.http(accept="application/json, text/event-stream") as http:
        assert (await http.post("/mcp", json=INITIALIZE)).status_code == 401
    async with oauth.http.http("not-a-jwt", accept="application/json, text/event-stream") as http:
        assert (await http.post("/mcp", json=INITIALIZE)).status_code == 401
    assert oauth.sent_to_aircall() == 0
