"""`aircall-mcp webhooks register`: creates the webhook once, completes an existing one; --dry-run changes nothing."""

from __future__ import annotations

import pytest

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.events import RELAYED_EVENTS
from aircall_mcp.events.register import RegisterError, register_webhook
from aircall_mcp.sandbox import SandboxHandle

URL = "https://mcp.example.com/aircall/webhooks"


def client_for(sandbox: SandboxHandle) -> AircallClient:
    credentials = BasicCredentials.model_validate({"api_id": "sandbox-api-id", "api_token": "sandbox-api-token"})
    return AircallClient(credentials, sandbox.base_url, limiter=False)


def hooks_for(sandbox: SandboxHandle, url: str) -> list[object]:
    return [hook for hook in sandbox.sandbox.state.webhooks.values() if hook.url == url]


async def test_register_creates_one_webhook_for_the_relayed_events_and_then_finds_it(sandbox: SandboxHandle) -> None:
    async with client_for(sandbox) as client:
        dry = await register_webhook(client, URL, dry_run=True)
        assert hooks_for(sandbox, URL) == []
        created = await register_webhook(client, URL, dry_run=False)
        again = await register_webhook(client, URL, dry_run=False)

    assert dry[0].startswith("would create a webhook")
    assert created[0].startswith("created webhook")
    assert "nothing to do" in again[0]
    (hook,) = hooks_for(sandbox, URL)
    assert hook.events == list(RELAYED_EVENTS)  # type: ignore[attr-defined]
    token = hook.token  # type: ignore[attr-defined]
    assert not any(token in line for line in [*created, *again])


async def test_register_adds_missing_events_and_re_enables_a_disabled_webhook(sandbox: SandboxHandle) -> None:
    hook = sandbox.sandbox.webhooks.add_receiver(URL, events=["call.ended"])
    hook.active = False
    async with client_for(sandbox) as client:
        dry = await register_webhook(client, URL, dry_run=True)
        assert hook.events == ["call.ended"]
        done = await register_webhook(client, URL, dry_run=False)

    assert "would add" in dry[0]
    assert "re-enable" in dry[0]
    assert done[-1].startswith("updated webhook")
    assert set(hook.events) == set(RELAYED_EVENTS)
    assert hook.active


async def test_register_refuses_a_url_aircall_would_refuse(sandbox: SandboxHandle) -> None:
    async with client_for(sandbox) as client:
        with pytest.raises(RegisterError, match="https"):
            await register_webhook(client, "http://mcp.example.com/aircall/webhooks", dry_run=False)
