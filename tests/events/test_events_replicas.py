"""Events kept in Redis: a delivery received by one replica is served by another (even one over stdio)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.events import RELAYED_EVENTS
from aircall_mcp.events.service import EventOptions, running_events
from aircall_mcp.grants import parse_grant
from aircall_mcp.sandbox import SandboxHandle
from aircall_mcp.shared import SharedStateUnavailable

TOKEN = "0123456789abcdef0123456789abcdef"


def aircall(sandbox: SandboxHandle) -> AircallClient:
    credentials = BasicCredentials.model_validate({"api_id": "sandbox-api-id", "api_token": "sandbox-api-token"})
    return AircallClient(credentials, sandbox.base_url, limiter=False)


async def test_a_delivery_received_by_one_replica_is_served_by_another_through_redis(
    sandbox: SandboxHandle, redis_server: Any
) -> None:
    options = EventOptions(redis_url=SecretStr(redis_server.url), tokens=(SecretStr(TOKEN),), learn_tokens=False)
    body = {
        "resource": "call",
        "event": "call.ended",
        "timestamp": 1_800_000_100,
        "token": TOKEN,
        "data": {"id": 42, "number": {"id": 7}, "raw_digits": "+33 6 12 34 56 78"},
    }
    async with (
        aircall(sandbox) as client,
        running_events(
            options, client, sandbox=None, receiver_url="http://127.0.0.1:1/aircall/webhooks", company="c1"
        ) as http_one,
        running_events(options, client, sandbox=None, receiver_url=None, company="c1") as stdio_two,
        running_events(options, client, sandbox=None, receiver_url=None, company="c2") as other_company,
    ):
        assert http_one.receiver is not None
        assert stdio_two.receiver is None
        app = Starlette(routes=[http_one.receiver.route()])
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://127.0.0.1") as http:
            assert (await http.post("/aircall/webhooks", json=body)).status_code == 200
            assert (await http.post("/aircall/webhooks", json=body)).status_code == 200  # replayed

        grant = parse_grant("areas: {calls: read}\nredact: [phone_numbers]\n", agent="a", catalogue=CATALOGUE)
        seen, _ = await stdio_two.next_events(grant, 0, max_events=10, wait_seconds=0, types=RELAYED_EVENTS)
        elsewhere, _ = await other_company.next_events(grant, 0, max_events=10, wait_seconds=0, types=RELAYED_EVENTS)

    assert [(e["event"], e["data"]["id"]) for e in seen] == [("call.ended", 42)]
    assert seen[0]["data"]["raw_digits"] == "+33 • •• •• •• 78"
    assert elsewhere == []


async def test_reliability_an_unreachable_redis_stops_the_events_at_start_up(sandbox: SandboxHandle) -> None:
    options = EventOptions(redis_url=SecretStr("redis://:pw-secret@127.0.0.1:1/0"), learn_tokens=False)
    async with aircall(sandbox) as client:
        with pytest.raises(SharedStateUnavailable) as raised:
            async with running_events(options, client, sandbox=None, receiver_url=None, company="c1"):
                pass
    assert "pw-secret" not in str(raised.value)
