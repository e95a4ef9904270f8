"""aircall://events: listed and readable per grant; subscribers hear only of events their grant may see."""

from __future__ import annotations

import json
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from tests.events.conftest import EventsHarness
from tests.events.test_events_e2e import scoped_grant

URI = "aircall://events"


class Updates:
    """Collects notifications/resources/updated received by a legacy client."""

    def __init__(self) -> None:
        self.uris: list[str] = []
        self.arrived = anyio.Event()

    async def __call__(self, message: Any) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            self.uris.append(str(message.params.uri))
            self.arrived.set()


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_events_resource_is_listed_and_reads_the_agents_masked_events(
    events: EventsHarness, mode: str
) -> None:
    a, b = events.number_ids()[:2]
    events.write_grant("agent-a", scoped_grant(a))
    events.write_grant("tags-only", "areas: {tags: read}\n")
    events.sender.simulate_call(a)
    events.sender.simulate_call(b)
    await events.deliver()

    async with events.connect("agent-a", mode=mode) as client:
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        read = await client.read_resource(URI)
    async with events.connect("tags-only", mode=mode) as client:
        hidden = (await client.list_resources()).resources
        with pytest.raises(MCPError):
            await client.read_resource(URI)

    assert listed == [URI]
    shown = json.loads(read.contents[0].text)  # type: ignore[union-attr]
    assert [e["data"]["number"]["id"] for e in shown["events"]] == [a] * 4
    assert all("•" in e["data"]["raw_digits"] for e in shown["events"])
    assert hidden == []


async def test_a_legacy_subscriber_is_told_of_its_events_and_not_of_events_it_may_not_see(
    events: EventsHarness,
) -> None:
    a, b = events.number_ids()[:2]
    events.write_grant("agent-a", scoped_grant(a))
    updates = Updates()
    async with events.connect("agent-a", message_handler=updates) as client:
        with pytest.warns(Warning, match="subscribe"):
            await client.subscribe_resource(URI)
        events.sender.simulate_call(b, answered=False)
        await events.deliver()
        await anyio.wait_all_tasks_blocked()
        assert updates.uris == []
        events.sender.simulate_call(a, answered=False)
        await events.deliver()
        with anyio.fail_after(5):
            await updates.arrived.wait()

    assert set(updates.uris) == {URI}


async def test_a_modern_listener_is_told_of_its_events_and_not_of_events_it_may_not_see(
    events: EventsHarness,
) -> None:
    a, b = events.number_ids()[:2]
    events.write_grant("agent-a", scoped_grant(a))
    heard: list[Any] = []
    arrived = anyio.Event()
    async with events.connect("agent-a", mode="auto") as client, client.listen(resource_subscriptions=[URI]) as sub:

        async def hear() -> None:
            async for event in sub:
                heard.append(event)
                arrived.set()

        with anyio.fail_after(5):
            async with anyio.create_task_group() as group:
                group.start_soon(hear)
                events.sender.simulate_call(b, answered=False)
                await events.deliver()
                await anyio.wait_all_tasks_blocked()
                assert heard == []
                events.sender.simulate_call(a, answered=False)
                await events.deliver()
                await arrived.wait()
                group.cancel_scope.cancel()

    assert {getattr(e, "uri", None) for e in heard} == {URI}
