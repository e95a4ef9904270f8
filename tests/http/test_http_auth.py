"""Bearer tokens from grant files, no OAuth metadata, /healthz, and --anonymous-agent for loopback development."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.errors import ConfigurationError
from aircall_mcp.grants import GrantStore, mint_token
from aircall_mcp.http import build_http_app
from aircall_mcp.server import Runtime, build_server
from aircall_mcp.settings import HttpSettings

PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
ACCEPT = "application/json, text/event-stream"
OAUTH_DISCOVERY_PATHS = [
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-protected-resource/mcp",
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
]


async def test_a_request_without_a_token_gets_401_with_www_authenticate(served: Any) -> None:
    async with served.http(accept=ACCEPT) as http:
        response = await http.post("/mcp", json=PING)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer acm_not-a-real-token", "Bearer sha256:" + "0" * 64, "Basic c2FuZGJveDpzYW5kYm94", "acm_no-scheme"],
)
async def test_an_unknown_or_malformed_token_gets_401(served: Any, authorization: str) -> None:
    async with served.http(accept=ACCEPT, authorization=authorization) as http:
        response = await http.post("/mcp", json=PING)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_the_hash_of_a_token_is_not_itself_a_token(served: Any) -> None:
    stored = (served.grants_dir / "alpha.yaml").read_text(encoding="utf-8").split('"')[1]
    async with served.http(stored, accept=ACCEPT) as http:
        response = await http.post("/mcp", json=PING)

    assert stored.startswith("sha256:")
    assert response.status_code == 401


def settled_edit(path: Path, text: str) -> None:
    """Edit a grant the documented way (write a copy, then rename it over), as finished a while ago."""
    copy = path.with_name(f".{path.name}.tmp")
    copy.write_text(text, encoding="utf-8")
    past = time.time_ns() - 60_000_000_000
    os.utime(copy, ns=(past, past))
    copy.replace(path)


async def test_a_token_removed_from_its_grant_file_stops_working(served: Any) -> None:
    path = served.grants_dir / "alpha.yaml"
    settled_edit(path, "description: reads the company only\nareas: {company: read}\ntokens: []\n")
    async with served.http(served.tokens["alpha"], accept=ACCEPT) as http:
        response = await http.post("/mcp", json=PING)

    assert response.status_code == 401


async def test_the_token_index_updates_on_a_grant_edit(served: Any) -> None:
    token, line = mint_token()
    path = served.grants_dir / "beta.yaml"
    old_line = path.read_text(encoding="utf-8").split('"')[1]
    async with served.http(token, accept=ACCEPT) as http:
        before = await http.post("/mcp", json=PING)
    settled_edit(path, f'areas: {{tags: read}}\ntokens: ["{old_line}", "{line}"]\n')
    async with served.connect(token) as beta:
        tools = {tool.name for tool in (await beta.list_tools()).tools}
    settled_edit(path, f'areas: {{tags: read}}\ntokens: ["{old_line}"]\n')
    async with served.http(token, accept=ACCEPT) as http:
        after = await http.post("/mcp", json=PING)

    assert before.status_code == 401
    assert tools == {"list_tags", "get_tag"}
    assert after.status_code == 401


async def test_security_a_hostile_grant_file_does_not_affect_another_agent(served: Any) -> None:
    """Security regression: a grant nested thousands of levels deep dropped every HTTP agent's requests."""
    token, line = mint_token()
    hostile = f'tokens: ["{line}"]\nareas: ' + "[" * 20_000 + "]" * 20_000 + "\n"
    settled_edit(served.grants_dir / "mallory.yaml", hostile)
    async with served.http(token, accept=ACCEPT) as http:
        refused = await http.post("/mcp", json=PING)
    async with served.connect(served.tokens["alpha"]) as alpha:
        tools = {tool.name for tool in (await alpha.list_tools()).tools}
        result = await alpha.call_tool("get_company", {})

    assert refused.status_code == 401
    assert tools == {"get_company", "check_connection"}
    assert not result.is_error


async def test_no_oauth_metadata_is_advertised(served: Any) -> None:
    async with served.http() as http:
        discovery = {path: (await http.get(path)).status_code for path in OAUTH_DISCOVERY_PATHS}
        unauthorised = await http.post("/mcp", json=PING, headers={"accept": ACCEPT})

    assert discovery == dict.fromkeys(OAUTH_DISCOVERY_PATHS, 404)
    challenge = unauthorised.headers["www-authenticate"]
    assert "resource_metadata" not in challenge
    assert "/.well-known/" not in challenge


async def test_healthz_answers_200_without_a_token(served: Any) -> None:
    async with served.http() as http:
        response = await http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_anonymous_agent_serves_token_less_requests_as_that_agent_on_loopback(start_http: Any) -> None:
    async with start_http(anonymous_agent="alpha") as harness:
        async with harness.connect(None) as anonymous:
            tools = {tool.name for tool in (await anonymous.list_tools()).tools}
            result = await anonymous.call_tool("get_company", {})
        # A presented token still names its own agent, and a bad one is still refused.
        async with harness.connect(harness.tokens["beta"]) as beta:
            beta_tools = {tool.name for tool in (await beta.list_tools()).tools}
        async with harness.http("acm_not-a-real-token", accept=ACCEPT) as http:
            unknown = await http.post("/mcp", json=PING)
        audit = harness.audit_lines()

    assert tools == {"get_company", "check_connection"}
    assert not result.is_error
    assert beta_tools == {"list_tags", "get_tag"}
    assert unknown.status_code == 401
    assert [(line["agent"], line["tool"]) for line in audit] == [("alpha", "get_company")]


def bare_app(tmp_path: Any, settings: HttpSettings) -> Any:
    """Build (never serve) the app: for settings that must be refused before anything listens."""
    store = GrantStore(tmp_path, CATALOGUE)
    runtime = Runtime(client=None, grants=store, audit=None)  # type: ignore[arg-type]  # never called
    return build_http_app(build_server(runtime), store, settings)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "mcp.example.com"])
def test_anonymous_agent_is_refused_on_a_non_loopback_host(tmp_path: Any, host: str) -> None:
    settings = HttpSettings(host=host, anonymous_agent="alpha", allowed_hosts=("mcp.example.com",))
    with pytest.raises(ConfigurationError, match="--anonymous-agent"):
        bare_app(tmp_path, settings)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_anonymous_agent_is_accepted_on_loopback_hosts(tmp_path: Any, host: str) -> None:
    assert bare_app(tmp_path, HttpSettings(host=host, anonymous_agent="alpha")) is not None
