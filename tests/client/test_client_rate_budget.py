"""The company budget against the sandbox's Aircall window, in each way Aircall may report it (issue 11 §5).

Client, limiter and sandbox share one virtual clock: waits for a reset cost no real time.
"""

from __future__ import annotations

import anyio

from aircall_mcp.client import AircallResponse
from aircall_mcp.endpoint import PreparedRequest
from tests.client.conftest import MakeRig, Rig


async def burst(rig: Rig, calls: int, agents: int = 3) -> list[AircallResponse]:
    """`calls` pings sent at once by `agents` agents, as concurrent tool calls would."""
    responses: list[AircallResponse] = []

    async def one(index: int) -> None:
        responses.append(await rig.client.send(PreparedRequest("GET", "/v1/ping"), agent=f"agent-{index % agents}"))

    async with anyio.create_task_group() as group:
        for index in range(calls):
            group.start_soon(one, index)
    return responses


def statuses(rig: Rig) -> list[int | None]:
    return [request.status for request in rig.requests]


async def test_reliability_30_calls_on_a_10_per_4s_budget_all_succeed_with_zero_429s(make_rig: MakeRig) -> None:
    """The limiter learns the 4 s window from the resets: none of the 30 is refused as a wait of about 62 s."""
    async with make_rig(rate_limit=10, rate_window_seconds=4.0, max_wait=30.0) as rig:
        responses = await burst(rig, 30)
        assert len(responses) == 30
        assert statuses(rig) == [200] * 30
        assert rig.limiter is not None
        assert 4.0 <= rig.limiter.window_seconds <= 5.0  # the integer reset header rounds up


async def test_reliability_a_millisecond_reset_does_not_lock_the_budget(make_rig: MakeRig) -> None:
    """X-AircallApi-Reset in milliseconds: two windows' worth of calls all go through, none rate limited."""
    async with make_rig(rate_limit=5, rate_window_seconds=10.0, max_wait=30.0, reset_header_milliseconds=True) as rig:
        await rig.client.send(PreparedRequest("GET", "/v1/ping"))
        assert int(rig.sandbox.sandbox.rate.headers()["X-AircallApi-Reset"]) > 10**12  # the sandbox sent milliseconds
        responses = await burst(rig, 9)
        assert len(responses) == 9
        assert 429 not in statuses(rig)


async def test_reliability_headers_only_on_429_pace_from_the_429s_own_headers(make_rig: MakeRig) -> None:
    """2xx answers carry no rate headers: the first 429 teaches 5 per 10 s, and the rest is paced without another."""
    async with make_rig(rate_limit=5, rate_window_seconds=10.0, rate_headers_only_on_429=True) as rig:
        started = rig.clock.now()
        responses = await burst(rig, 20)
        assert len(responses) == 20
        seen = statuses(rig)
        first_429 = seen.index(429)
        later = seen[first_429:]
        # Calls already in flight when the 429 came may meet the same spent window; after that, none.
        assert later.count(429) <= seen[:first_429].count(200)
        assert 429 not in seen[first_429 + 3 :]
        assert rig.limiter is not None
        assert rig.limiter.limit == 5
        # Four windows' worth of calls in about four windows, not at the 5-a-minute a 60 s window would give.
        assert rig.clock.now() - started < 60.0
