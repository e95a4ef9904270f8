"""The HTTP server in OAuth mode, served by uvicorn on loopback, trusting a real issuer also on loopback.

Grants: `bot` (a machine client), `person` (a person's subject), `team` (a group) are OAuth principals;
`alpha` and `beta` keep their static tokens beside them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import textwrap
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr

from aircall_mcp.audit import AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.grants import GrantStore
from aircall_mcp.http import MCP_PATH, build_http_app, http_server
from aircall_mcp.oauth.edge import oauth_edge
from aircall_mcp.oauth.settings import OAuthSettings
from aircall_mcp.sandbox import running_sandbox
from aircall_mcp.server import Runtime, build_server
from aircall_mcp.settings import HttpSettings
from tests.http.conftest import HTTP_SANDBOX, HttpHarness, wait_started, write_grants
from tests.oauth.issuer import INTROSPECTION_CLIENT, LoopbackIssuer

OAUTH_GRANTS = {
    "bot": "description: reporting bot\nareas: {company: read}\noauth: {clients: [reporting-bot]}\n",
    "person": "description: a person's assistant\nareas: {tags: read}\noauth: {subjects: [user-42]}\n",
    "team": "description: support leads\nareas: {numbers: read}\noauth: {groups: [support-leads]}\n",
}
BOT_TOOLS = {"get_company", "check_connection"}
PERSON_TOOLS = {"list_tags", "get_tag"}
TEAM_TOOLS = {"list_numbers", "get_number", "get_number_registration_status"}


class FakeMonotonic:
    """The issuer cache's clock: tests move it instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class OAuthHarness:
    http: HttpHarness
    issuer: LoopbackIssuer
    settings: OAuthSettings
    clock: FakeMonotonic

    @property
    def resource(self) -> str:
        return self.settings.resource_url

    def token(self, **claims: Any) -> str:
        return self.issuer.mint(audience=claims.pop("audience", self.resource), **claims)

    def sent_to_aircall(self) -> int:
        return len(self.http.sandbox.sandbox.requests)


@contextlib.asynccontextmanager
async def serve_app(app: Any) -> AsyncIterator[tuple[str, uvicorn.Server, asyncio.Task[None]]]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        yield await wait_started(server, task), server, task
    finally:
        server.should_exit = True
        await task


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def issuer() -> AsyncIterator[LoopbackIssuer]:
    state = LoopbackIssuer()
    async with serve_app(state.app()) as (base_url, _, _):
        state.base_url = base_url
        yield state


StartOAuth = Callable[..., contextlib.AbstractAsyncContextManager[OAuthHarness]]


@pytest.fixture
def start_oauth(tmp_path: Path, issuer: LoopbackIssuer) -> StartOAuth:
    """Serve the app in OAuth mode; keyword arguments override OAuthSettings (an async context manager)."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[OAuthHarness]:
        grants_dir = tmp_path / "grants"
        tokens = write_grants(grants_dir)
        for agent, body in OAUTH_GRANTS.items():
            (grants_dir / f"{agent}.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
        audit_path = tmp_path / "audit.jsonl"
        # The resource URL names the port, so the port is chosen before the app is built.
        http_settings = HttpSettings(host="127.0.0.1", port=free_port())
        clock = FakeMonotonic()
        async with running_sandbox(replace(HTTP_SANDBOX)) as sandbox:
            credentials = BasicCredentials.model_validate(
                {"api_id": sandbox.config.api_id, "api_token": sandbox.config.api_token}
            )
            # rescan_seconds=0: an edit in place is seen by the next request (tests edit grants mid-test).
            store = GrantStore(grants_dir, CATALOGUE, rescan_seconds=0)
            async with AircallClient(credentials, sandbox.base_url, limiter=False) as aircall:
                audit = AuditLog(audit_path, secrets=[*credentials.secrets(), *store.token_hashes()])
                runtime = Runtime(client=aircall, grants=store, audit=audit, transport="http")
                settings = OAuthSettings(
                    issuer=issuer.issuer,
                    resource_url=f"http://127.0.0.1:{http_settings.port}{MCP_PATH}",
                    client_id=INTROSPECTION_CLIENT[0],
                    client_secret=SecretStr(INTROSPECTION_CLIENT[1]),
                    **overrides,
                )
                async with oauth_edge(settings, store, audit, monotonic=clock) as edge:
                    uv = http_server(
                        build_http_app(build_server(runtime), store, http_settings, oauth=edge), http_settings
                    )
                    task = asyncio.create_task(uv.serve())
                    try:
                        base_url = await wait_started(uv, task)
                        harness = HttpHarness(base_url, sandbox, uv, grants_dir, audit_path, tokens, task)
                        yield OAuthHarness(harness, issuer, settings, clock)
                    finally:
                        uv.should_exit = True
                        await task
                        audit.close()

    return start


@pytest.fixture
async def oauth(start_oauth: StartOAuth) -> AsyncIterator[OAuthHarness]:
    async with start_oauth() as harness:
        yield harness
