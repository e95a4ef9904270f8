"""Graceful shutdown: a call in flight when the server is told to stop still completes, and is audited."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

# Long enough that shutdown starts while the call waits on Aircall; uvicorn notices should_exit within 0.1 s.
IN_FLIGHT_SECONDS = 0.5
POLL_LIMIT = 5_000


async def poll_until(condition: Any, what: str) -> None:
    for _ in range(POLL_LIMIT):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.mark.parametrize(
    ("mode", "stateless"), [("legacy", False), ("legacy", True), ("auto", False)], ids=["stateful", "stateless", "auto"]
)
async def test_a_call_in_flight_at_shutdown_completes_and_is_audited(
    start_http: Any, mode: str, stateless: bool
) -> None:
    async with start_http(graceful_shutdown_seconds=10, stateless=stateless) as harness:
        faults = harness.sandbox.sandbox.faults
        reached_aircall = asyncio.Event()
        draw = faults.draw

        def draw_and_signal() -> Any:
            reached_aircall.set()  # the request has reached the sandbox and now waits out the latency
            return draw()

        faults.draw = draw_and_signal
        async with harness.connect(harness.tokens["alpha"], mode=mode) as client:
            # The client checks structured results against the tool's output schema: list first, so that after
            # shutdown starts the client has nothing left to ask but the call itself.
            await client.list_tools()
            faults.latency_seconds = IN_FLIGHT_SECONDS
            call = asyncio.create_task(client.call_tool("get_company", {}))
            await asyncio.wait_for(reached_aircall.wait(), timeout=10)
            harness.server.should_exit = True
            # The listening socket closes first: from here on the server is shutting down.
            await poll_until(lambda: not harness.server.servers[0].is_serving(), "the server stops listening")
            assert not call.done()
            result = await asyncio.wait_for(call, timeout=10)
            # The client is still connected (a legacy session keeps a GET stream open), yet the server stops
            # well inside its 10 s grace period: once the calls are done it ends the sessions itself.
            await asyncio.wait_for(harness.serving, timeout=5)
        audit = harness.audit_lines()

    assert not result.is_error
    assert result.structured_content["company"]["name"]
    assert [(line["agent"], line["tool"], line["decision"]) for line in audit] == [("alpha", "get_company", "allowed")]
