"""The operator HTTP route on the real HTTP server (its own token, never an agent's) and the notify URL."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import mcp_types as types
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aircall_mcp import grants
from aircall_mcp.approvals import ApprovalGate, ApprovalQueue, FileBackend, Notifier
from aircall_mcp.approvals.operator import OPERATOR_PATH, operator_routes
from aircall_mcp.audit import AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.http import MCP_PATH, build_http_app, http_server
from aircall_mcp.sandbox import running_sandbox
from aircall_mcp.server import Runtime, build_server
from aircall_mcp.settings import HttpSettings
from tests.http.conftest import HTTP_SANDBOX, wait_started

OPERATOR_TOKEN = "operator-secret-token-for-tests"


@dataclass
class Served:
    base_url: str
    agent_token: str
    audit_path: Path
    received: list[dict[str, Any]]
    tag_ids: list[int]

    def http(self, token: str | None = None) -> httpx2.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx2.AsyncClient(base_url=self.base_url, headers=headers, timeout=30.0)

    async def delete_tag(self, tag_id: int) -> types.CallToolResult:
        async with (
            self.http(self.agent_token) as http,
            Client(streamable_http_client(self.base_url + MCP_PATH, http_client=http)) as client,
        ):
            return await client.call_tool("delete_tag", {"tag_id": tag_id})


@contextlib.asynccontextmanager
async def uvicorn_app(app: Any, server: uvicorn.Server | None = None) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port (with `server`, the one `serve --transport http` runs, if given)."""
    server = server or uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        yield await wait_started(server, task)
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def serving(tmp_path: Path) -> AsyncIterator[Served]:
    received: list[dict[str, Any]] = []

    async def receive(request: Request) -> JSONResponse:
        received.append(await request.json())
        return JSONResponse({"ok": True})

    receiver = Starlette(routes=[Route("/hook", receive, methods=["POST"])])
    grants_dir = tmp_path / "grants"
    grants_dir.mkdir()
    token, line = grants.mint_token()
    grant = f'areas: {{tags: full}}\ntools: {{approve: [delete_tag]}}\ntokens: ["{line}"]\n'
    (grants_dir / "unattended.yaml").write_text(grant, encoding="utf-8")
    audit_path = tmp_path / "audit.jsonl"
    async with uvicorn_app(receiver) as hook_url, running_sandbox(HTTP_SANDBOX) as sandbox:
        credentials = BasicCredentials.model_validate(
            {"api_id": sandbox.config.api_id, "api_token": sandbox.config.api_token}
        )
        store = grants.GrantStore(grants_dir, CATALOGUE)
        async with AircallClient(credentials, sandbox.base_url, limiter=False) as aircall:
            audit = AuditLog(audit_path, secrets=[*credentials.secrets(), OPERATOR_TOKEN])
            queue = ApprovalQueue(FileBackend(tmp_path / "approvals"))
            gate = ApprovalGate(queue, wait_seconds=0, notifier=Notifier(hook_url + "/hook"))
            runtime = Runtime(client=aircall, grants=store, audit=audit, transport="http", approvals=gate)
            routes = operator_routes(queue, audit, SecretStr(OPERATOR_TOKEN))
            settings = HttpSettings(host="127.0.0.1", port=0)
            app = build_http_app(build_server(runtime), store, settings, extra_routes=routes)
            try:
                async with uvicorn_app(app, http_server(app, settings)) as base_url:
                    yield Served(base_url, token, audit_path, received, sorted(sandbox.sandbox.state.tags))
            finally:
                audit.close()


async def test_security_operator_route_accepts_only_the_operator_token(tmp_path: Path) -> None:
    async with serving(tmp_path) as served:
        await served.delete_tag(served.tag_ids[0])
        for token in (None, served.agent_token, OPERATOR_TOKEN + "x"):
            async with served.http(token) as http:
                listing = await http.get(OPERATOR_PATH)
                deciding = await http.post(f"{OPERATOR_PATH}/apr_x/approve", json={"by": "me"})
            assert listing.status_code == 401
            assert deciding.status_code == 401
        async with served.http(OPERATOR_TOKEN) as http:
            listing = await http.get(OPERATOR_PATH)
    assert listing.status_code == 200
    assert [a["state"] for a in listing.json()["approvals"]] == ["pending"]
    assert OPERATOR_TOKEN not in served.audit_path.read_text(encoding="utf-8")


async def test_operator_approves_over_http_and_the_agents_retry_runs_once(tmp_path: Path) -> None:
    async with serving(tmp_path) as served:
        tag = served.tag_ids[0]
        pending = await served.delete_tag(tag)
        async with served.http(OPERATOR_TOKEN) as http:
            approval_id = (await http.get(OPERATOR_PATH)).json()["approvals"][0]["id"]
            shown = await http.get(f"{OPERATOR_PATH}/{approval_id}")
            missing_by = await http.post(f"{OPERATOR_PATH}/{approval_id}/approve", json={})
            approved = await http.post(f"{OPERATOR_PATH}/{approval_id}/approve", json={"by": "lead", "reason": "ok"})
            twice = await http.post(f"{OPERATOR_PATH}/{approval_id}/deny", json={"by": "lead"})
        ran = await served.delete_tag(tag)
    assert pending.is_error
    assert shown.json()["arguments"] == {"tag_id": tag}
    assert missing_by.status_code == 400
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    assert twice.status_code == 409
    assert "already approved by lead" in twice.json()["error"]
    assert not ran.is_error
    lines = [json.loads(line) for line in served.audit_path.read_text(encoding="utf-8").splitlines()]
    assert [(line["phase"], line["decision"], line["transport"]) for line in lines] == [
        ("approval", "pending", "http"),
        ("outcome", "pending", "http"),
        ("approval", "approved", "http"),
        ("intent", "approved", "http"),
        ("outcome", "approved", "http"),
    ]
    assert lines[2]["note"] == f"approval {approval_id} by lead"


async def test_each_new_pending_approval_is_posted_once_as_a_slack_shaped_message(tmp_path: Path) -> None:
    async with serving(tmp_path) as served:
        await served.delete_tag(served.tag_ids[0])
        await served.delete_tag(served.tag_ids[0])  # the same call again: the same approval, no second message
        await served.delete_tag(served.tag_ids[1])
    assert len(served.received) == 2
    first = served.received[0]
    assert isinstance(first["text"], str)  # what a Slack incoming webhook shows
    assert f"aircall-mcp approvals approve {first['approval']['id']}" in first["text"]
    assert "unattended" in first["text"]
    assert first["approval"]["arguments"] == {"tag_id": served.tag_ids[0]}
    assert "arguments_hash" not in first["approval"]
