"""The real Streamable HTTP app, served by uvicorn on 127.0.0.1, in front of the sandbox.

Two agents with tokens: `alpha` may read the company, `beta` may read tags. Nothing else is granted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import textwrap
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from aircall_mcp import grants
from aircall_mcp.audit import AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.http import MCP_PATH, build_http_app, http_server
from aircall_mcp.sandbox import SandboxConfig, SandboxHandle, running_sandbox
from aircall_mcp.server import Runtime, build_server
from aircall_mcp.settings import HttpSettings

# Unlimited upstream budget and no latency: these tests are about the transport, not pacing.
HTTP_SANDBOX = SandboxConfig(users=10, teams=3, numbers=4, contacts=40, calls=60, tags=6, rate_limit=None)
STARTUP_TIMEOUT_SECONDS = 10.0

GRANTS = {
    "alpha": "description: reads the company only\nareas: {company: read}\n",
    "beta": "description: reads tags only\nareas: {tags: read}\n",
}
ALPHA_TOOLS = {"get_company", "check_connection"}
BETA_TOOLS = {"list_tags", "get_tag"}


@dataclass
class HttpHarness:
    """One uvicorn-served MCP app, its sandbox, grants directory, audit file and each agent's token."""

    base_url: str
    sandbox: SandboxHandle
    server: uvicorn.Server
    grants_dir: Path
    audit_path: Path
    tokens: dict[str, str]
    serving: asyncio.Task[None]

    @property
    def url(self) -> str:
        return self.base_url + MCP_PATH

    def http(self, token: str | None = None, **headers: str) -> httpx2.AsyncClient:
        """A plain HTTP client to the server, with `Authorization: Bearer token` when a token is given."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return httpx2.AsyncClient(base_url=self.base_url, headers=headers, timeout=30.0)

    @contextlib.asynccontextmanager
    async def connect(self, token: str | None, *, mode: str = "legacy") -> AsyncIterator[Client]:
        """The SDK's own Streamable HTTP client, presenting `token`."""
        async with (
            self.http(token) as http,
            Client(streamable_http_client(self.url, http_client=http), mode=mode) as client,
        ):
            yield client

    def audit_text(self) -> str:
        return self.audit_path.read_text(encoding="utf-8") if self.audit_path.exists() else ""

    def audit_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.audit_text().splitlines()]


def write_grants(directory: Path) -> dict[str, str]:
    """Grant files for alpha and beta, each listing the hash of a freshly minted token; returns the tokens."""
    directory.mkdir(parents=True, exist_ok=True)
    tokens: dict[str, str] = {}
    for agent, body in GRANTS.items():
        token, line = grants.mint_token()
        tokens[agent] = token
        text = textwrap.dedent(body) + f'tokens: ["{line}"]\n'
        (directory / f"{agent}.yaml").write_text(text, encoding="utf-8")
    return tokens


async def wait_started(server: uvicorn.Server, task: asyncio.Task[None]) -> str:
    """Poll (bounded) until uvicorn accepts connections; the base URL with the port it really bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started serving")
        if loop.time() > deadline:
            raise TimeoutError("uvicorn did not start in time")
        await asyncio.sleep(0.002)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}"


StartHttp = Callable[..., contextlib.AbstractAsyncContextManager[HttpHarness]]


@pytest.fixture
def start_http(tmp_path: Path) -> StartHttp:
    """Serve the app with HttpSettings overridden by keyword arguments (an async context manager)."""

    @contextlib.asynccontextmanager
    async def start(**settings_overrides: Any) -> AsyncIterator[HttpHarness]:
        grants_dir = tmp_path / "grants"
        tokens = write_grants(grants_dir)
        audit_path = tmp_path / "audit.jsonl"
        settings = HttpSettings(**{"host": "127.0.0.1", "port": 0, **settings_overrides})
        async with running_sandbox(replace(HTTP_SANDBOX)) as sandbox:
            credentials = BasicCredentials.model_validate(
                {"api_id": sandbox.config.api_id, "api_token": sandbox.config.api_token}
            )
            store = grants.GrantStore(grants_dir, CATALOGUE)
            async with AircallClient(credentials, sandbox.base_url, limiter=False) as aircall:
                audit = AuditLog(audit_path, secrets=[*credentials.secrets(), *store.token_hashes()])
                runtime = Runtime(
                    client=aircall,
                    grants=store,
                    audit=audit,
                    transport="http",
                    default_agent=settings.anonymous_agent,
                )
                app = build_http_app(build_server(runtime), store, settings)
                server = http_server(app, settings)  # the server `aircall-mcp serve --transport http` runs
                task = asyncio.create_task(server.serve(), name="aircall-mcp-http")
                try:
                    base_url = await wait_started(server, task)
                    yield HttpHarness(base_url, sandbox, server, grants_dir, audit_path, tokens, task)
                finally:
                    server.should_exit = True
                    await task
                    audit.close()

    return start


@pytest.fixture
async def served(start_http: StartHttp) -> AsyncIterator[HttpHarness]:
    """The app with default settings (stateful, loopback, 1 MiB body limit)."""
    async with start_http() as harness:
        yield harness
