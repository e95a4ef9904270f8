"""Live events: how fast the receiver takes deliveries and fans them out to 50 agents, and how late they arrive.

Deliveries are the sandbox's own (realistic call payloads: created, answered, hungup, ended), POSTed to the real
receiver route of the real HTTP app through httpx2's ASGI transport (in process: no network, so the figures are
the server's own cost). Fifty agents with different grants (scoped to one of the numbers, some masking phone
numbers, some all numbers) each loop on `EventFeed.next_events` (what wait_for_events runs) with a wait bound.

Prints: deliveries accepted per second with nobody listening, then with 50 agents listening; events fanned out per
second (events x agents that may see them); and the delay from the start of a delivery's POST to its return from an
agent's wait, p50/p99.

    .venv/bin/python benchmarks/events_bench.py [--calls 1000] [--agents 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx2
from pydantic import SecretStr
from starlette.applications import Starlette

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.events import EventFeed, MemoryEventStore, Retention, WebhookReceiver, WebhookTokens
from aircall_mcp.grants import Grant, parse_grant
from aircall_mcp.sandbox import Sandbox, SandboxConfig


def deliveries(calls: int) -> tuple[list[dict[str, Any]], str, list[int]]:
    sandbox = Sandbox(SandboxConfig(calls=10, contacts=10, webhook_duplicate_rate=0.0, webhook_reorder_rate=0.0))
    hook = sandbox.webhooks.add_receiver("http://127.0.0.1/aircall/webhooks")
    numbers = sorted(sandbox.state.numbers)
    for i in range(calls):
        sandbox.webhooks.simulate_call(numbers[i % len(numbers)])
    return [d.body for d in sandbox.webhooks.outbox], hook.token, numbers


def grants(agents: int, numbers: list[int]) -> list[Grant]:
    made = []
    for i in range(agents):
        if i % 5 == 4:
            text = "areas: {calls: read}\n"  # every number
        else:
            number = numbers[i % len(numbers)]
            text = f"areas: {{calls: read}}\nscope: {{numbers: [{number}]}}\n"
        if i % 2:
            text += "redact: [phone_numbers]\n"
        made.append(parse_grant(text, agent=f"agent-{i}", catalogue=CATALOGUE))
    return made


def app_for(receiver: WebhookReceiver) -> Starlette:
    return Starlette(routes=[receiver.route()])


async def post_all(bodies: list[dict[str, Any]], receiver: WebhookReceiver, sent_at: dict[str, float]) -> float:
    transport = httpx2.ASGITransport(app=app_for(receiver))
    started = time.perf_counter()
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for body in bodies:
            sent_at[f"{body['resource']}:{body['data']['id']}:{body['event']}:{body['timestamp']}"] = (
                time.perf_counter()
            )
            answer = await client.post("/aircall/webhooks", json=body)
            assert answer.status_code == 200, answer.text
            await asyncio.sleep(0)  # let waiting agents run between deliveries, as a real server's loop would
    return time.perf_counter() - started


async def run(calls: int, agents: int) -> None:
    bodies, token, numbers = deliveries(calls)
    tokens = WebhookTokens([SecretStr(token)])

    # 1. Nobody listening: the receiver and the store alone.
    store = MemoryEventStore(Retention(max_events=len(bodies) + 1))
    alone = await post_all(bodies, WebhookReceiver(store, tokens), {})
    print(f"deliveries: {len(bodies)} ({calls} simulated calls on {len(numbers)} numbers)")
    print(f"accepted, nobody listening:      {len(bodies) / alone:9.0f} deliveries/s")

    # 2. Fifty agents waiting on the feed.
    store = MemoryEventStore(Retention(max_events=len(bodies) + 1))
    feed = EventFeed(store)
    receiver = WebhookReceiver(store, tokens)
    agent_grants = grants(agents, numbers)
    sent_at: dict[str, float] = {}
    delays: list[float] = []
    received = [0] * agents
    done = asyncio.Event()

    async def agent(index: int, grant: Grant) -> None:
        cursor = 0
        while not done.is_set():
            events, cursor = await feed.next_events(
                grant,
                cursor,
                max_events=100,
                wait_seconds=1.0,
                types=["call.created", "call.answered", "call.hungup", "call.ended"],
            )
            now = time.perf_counter()
            for event in events:
                key = f"{event['resource']}:{event['id']}:{event['event']}:{event['timestamp']}"
                delays.append(now - sent_at[key])
            received[index] += len(events)

    tasks = [asyncio.create_task(agent(i, g)) for i, g in enumerate(agent_grants)]
    await asyncio.sleep(0.05)
    elapsed = await post_all(bodies, receiver, sent_at)
    expected = sum(len(bodies) if g.scope_numbers is None else len(bodies) // len(numbers) for g in agent_grants)
    deadline = time.perf_counter() + 30
    while sum(received) < expected and time.perf_counter() < deadline:  # noqa: ASYNC110 - polling the agents' counts
        await asyncio.sleep(0.01)
    drained = time.perf_counter() - (deadline - 30)
    done.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    fanned = sum(received)
    print(f"accepted, {agents} agents listening:  {len(bodies) / elapsed:9.0f} deliveries/s")
    print(
        f"fanned out to {agents} agents:          {fanned / (elapsed + drained):9.0f} agent-events/s "
        f"({fanned} agent-events, {expected} expected)"
    )
    quantiles = statistics.quantiles(delays, n=100)
    print(f"delivery -> wait_for_events delay: p50 {quantiles[49] * 1000:.2f} ms, p99 {quantiles[98] * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.agents))


if __name__ == "__main__":
    main()
