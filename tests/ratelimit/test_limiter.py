"""CompanyLimiter under a FakeClock: pacing, learning from headers, fairness, quotas, bounds, cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import anyio
import pytest
from pydantic import SecretStr

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.errors import RateLimitWaitTooLong
from aircall_mcp.ratelimit import RESET_HORIZON_SECONDS, CompanyLimiter, RateHeaders
from tests.fakes import FakeClock

LATENCY = 0.05


class Window:
    """Aircall's fixed per-company window, as seen by the limiter: counts at send time."""

    def __init__(
        self, clock: FakeClock, limit: int, seconds: float, *, milliseconds: bool = False, only_on_429: bool = False
    ) -> None:
        self.clock, self.limit, self.seconds = clock, limit, seconds
        # X-AircallApi-Reset in UNIX milliseconds; rate headers only on the 429 that says the limit is reached.
        self.milliseconds, self.only_on_429 = milliseconds, only_on_429
        self.started: float | None = None
        self.used = 0
        self.refused = 0
        self.accepted = 0

    def _roll(self) -> None:
        now = self.clock.now()
        if self.started is None or now >= self.started + self.seconds:
            self.started, self.used = now, 0

    def spend(self, n: int) -> None:
        """Another integration of the company spends n requests."""
        self._roll()
        self.used = min(self.limit, self.used + n)

    def hit(self) -> tuple[int, dict[str, str]]:
        self._roll()
        status = 429
        if self.used < self.limit:
            self.used += 1
            self.accepted += 1
            status = 200
        else:
            self.refused += 1
        assert self.started is not None
        reset = self.started + self.seconds
        headers = {
            "X-AircallApi-Limit": str(self.limit),
            "X-AircallApi-Remaining": str(self.limit - self.used),
            "X-AircallApi-Reset": str(round(reset * 1000)) if self.milliseconds else f"{reset:.3f}",
        }
        return status, {} if status == 200 and self.only_on_429 else headers


async def call(limiter: CompanyLimiter, window: Window, agent: str, log: list[tuple[str, int]]) -> None:
    slot = await limiter.acquire(agent)
    status, headers = window.hit()
    await limiter.clock.sleep(LATENCY)
    slot.complete(headers, status=status)
    log.append((agent, status))


async def drive(clock: FakeClock, tasks: Iterable[asyncio.Task[None]], max_steps: int = 100_000) -> None:
    """Move virtual time from one sleeper to the next until every task is done."""
    pending = list(tasks)
    for _ in range(max_steps):
        await clock.settle()
        if all(task.done() for task in pending):
            return
        if not await clock.advance_to_next():
            raise AssertionError("tasks are stuck with nobody sleeping")
    raise AssertionError("did not finish")


def learned(clock: FakeClock, *, remaining: int, limit: int = 120, reset_in: float = 60.0) -> dict[str, str]:
    return {
        "X-AircallApi-Limit": str(limit),
        "X-AircallApi-Remaining": str(remaining),
        "X-AircallApi-Reset": str(clock.now() + reset_in),
    }


async def teach(limiter: CompanyLimiter, headers: dict[str, str]) -> None:
    slot = await limiter.acquire("teacher")
    slot.complete(headers, status=200)


async def test_burst_from_many_agents_gets_zero_429s_and_uses_the_budget() -> None:
    """Twelve agents asking for three windows' worth are paced: no 429, every call served."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 10.0, max_wait_seconds=1_000, clock=clock)
    window = Window(clock, limit=40, seconds=10.0)
    log: list[tuple[str, int]] = []
    tasks = [asyncio.create_task(call(limiter, window, f"agent-{a}", log)) for a in range(12) for _ in range(10)]
    await drive(clock, tasks)
    assert window.refused == 0
    assert len(log) == 120
    assert all(status == 200 for _, status in log)
    # 120 calls at 40 per window take three windows plus cautious probes, not more.
    assert clock.now() - 1_700_000_000.0 < 3 * 10.0 + 1.0


async def test_first_request_is_alone_until_a_response_tells_the_budget() -> None:
    """The configured 120 is not trusted with a burst: one request until headers arrive."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, clock=clock)
    tasks = [asyncio.create_task(limiter.acquire("a")) for _ in range(5)]
    await clock.settle()
    granted = [t for t in tasks if t.done()]
    assert len(granted) == 1
    granted[0].result().complete(learned(clock, remaining=59, limit=60), status=200)
    await clock.settle()
    assert all(t.done() for t in tasks)
    assert limiter.in_flight == 4


async def test_ceiling_is_learned_from_the_limit_header() -> None:
    """X-AircallApi-Limit replaces the configured figure."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, clock=clock)
    await teach(limiter, learned(clock, remaining=59, limit=60))
    assert limiter.limit == 60
    assert limiter.limit_learned
    assert limiter.remaining == 59


async def test_remaining_lowered_by_other_integrations_is_respected() -> None:
    """When a response says only 3 remain, only 3 more are granted before the reset."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, learned(clock, remaining=100))
    await teach(limiter, learned(clock, remaining=3))
    tasks = [asyncio.create_task(limiter.acquire("a")) for _ in range(10)]
    await clock.settle()
    assert sum(t.done() for t in tasks) == 3
    await clock.advance(60.0)
    # After the reset the limiter re-learns with a single request.
    assert sum(t.done() for t in tasks) == 4
    for task in tasks:
        task.cancel()


async def test_concurrent_senders_never_overspend_what_remains() -> None:
    """Slots in flight count against what remains even before their answers come back."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, learned(clock, remaining=5))
    tasks = [asyncio.create_task(limiter.acquire(f"agent-{i}")) for i in range(8)]
    await clock.settle()
    assert sum(t.done() for t in tasks) == 5
    assert limiter.in_flight == 5
    for task in tasks:
        task.cancel()


async def test_light_agent_is_served_within_two_turns_of_a_flooding_agent() -> None:
    """A flood of 50 from one agent does not starve another agent's single call."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 10.0, max_wait_seconds=1_000, clock=clock)
    window = Window(clock, limit=4, seconds=10.0)
    log: list[tuple[str, int]] = []
    flood = [asyncio.create_task(call(limiter, window, "flood", log)) for _ in range(50)]
    await clock.settle()
    light = asyncio.create_task(call(limiter, window, "light", log))
    await drive(clock, [*flood, light])
    order = [agent for agent, _ in log]
    # At most the probe and one flood call in flight are ahead of the light call.
    assert order.index("light") <= 2
    assert window.refused == 0


async def test_per_agent_quota_caps_one_agents_share() -> None:
    """quota_per_minute=3 grants three calls a minute to that agent while others proceed."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, learned(clock, remaining=100, reset_in=600))
    capped = [asyncio.create_task(limiter.acquire("capped", quota_per_minute=3)) for _ in range(5)]
    other = [asyncio.create_task(limiter.acquire("other")) for _ in range(5)]
    await clock.settle()
    assert sum(t.done() for t in capped) == 3
    assert all(t.done() for t in other)
    await clock.advance(60.0)
    assert all(t.done() for t in capped)


async def test_calls_made_one_after_another_with_nobody_queued_still_keep_the_quota_and_the_budget() -> None:
    """The grant taken at once when nobody queues (issue 16's fast path) counts exactly as a queued one: the
    fourth call of a quota of three waits for the minute, and a spent window still holds the next call."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, learned(clock, remaining=100, reset_in=600))
    for _ in range(3):
        slot = await limiter.acquire("capped", quota_per_minute=3)
        assert slot.waited_seconds == 0.0
        slot.complete(learned(clock, remaining=90, reset_in=600), status=200)
    fourth = asyncio.create_task(limiter.acquire("capped", quota_per_minute=3))
    await clock.settle()
    assert not fourth.done()
    await clock.advance(60.0)
    assert fourth.done()
    fourth.result().complete(learned(clock, remaining=0, reset_in=540), status=200)  # the same window, now spent
    held = asyncio.create_task(limiter.acquire("other"))
    await clock.settle()
    assert not held.done()
    await clock.advance(540.0)
    assert held.done()
    assert limiter.granted_total == 6  # the teaching call, three, the fourth, the held one


async def test_wait_longer_than_the_bound_fails_at_once_without_hanging() -> None:
    """Budget spent until a reset 100 s away and a 30 s bound: the error comes immediately."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=30.0, clock=clock)
    await teach(limiter, learned(clock, remaining=0, reset_in=100.0))
    with pytest.raises(RateLimitWaitTooLong) as caught:
        await limiter.acquire("a")
    assert caught.value.expected_wait_seconds == pytest.approx(100.0)
    assert "100 s" in str(caught.value)
    assert clock.now() == 1_700_000_000.0
    assert limiter.waiting == 0


async def test_wait_past_the_bound_after_others_spend_fails_at_the_reset() -> None:
    """A wait that was short enough can grow (others spent the new window): it fails, never hangs."""
    clock = FakeClock()
    limiter = CompanyLimiter(2, 10.0, max_wait_seconds=15.0, clock=clock)
    await teach(limiter, learned(clock, remaining=0, limit=2, reset_in=10.0))
    waiters = [asyncio.create_task(limiter.acquire("a")) for _ in range(2)]
    await clock.settle()
    assert not any(t.done() for t in waiters)
    await clock.advance(10.0)
    # The re-learning probe is told the new window is already spent by someone else.
    probe = waiters[0].result()
    probe.complete(learned(clock, remaining=0, limit=2, reset_in=10.0), status=200)
    await clock.settle()
    assert isinstance(waiters[1].exception(), RateLimitWaitTooLong)


async def test_cancelled_waiter_gives_up_its_place_and_sends_nothing() -> None:
    """Cancelling a queued call removes it; when the budget returns nothing is granted for it."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, learned(clock, remaining=0, reset_in=10.0))
    granted_before = limiter.granted_total
    waiter = asyncio.create_task(limiter.acquire("a"))
    await clock.settle()
    waiter.cancel()
    await clock.settle()
    assert limiter.waiting == 0
    await clock.advance(20.0)
    assert limiter.granted_total == granted_before
    assert limiter.in_flight == 0


async def test_granted_slot_that_is_not_used_returns_to_the_budget() -> None:
    """release() gives the slot back: the next caller is served at once."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, clock=clock)
    await teach(limiter, learned(clock, remaining=1))
    slot = await limiter.acquire("a", quota_per_minute=1)
    slot.release()
    again = await asyncio.wait_for(limiter.acquire("a", quota_per_minute=1), timeout=1)
    assert limiter.in_flight == 1
    again.release()


async def test_429_blocks_every_agent_until_the_reset() -> None:
    """A 429 (another integration spent the window) zeroes the budget until X-AircallApi-Reset."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, learned(clock, remaining=50))
    slot = await limiter.acquire("a")
    slot.complete(learned(clock, remaining=0, reset_in=5.0), status=429)
    waiter = asyncio.create_task(limiter.acquire("b"))
    await clock.settle()
    assert not waiter.done()
    await clock.advance(5.0)
    assert waiter.done()
    assert limiter.rate_limited_seen == 1
    waiter.result().release()


async def test_headerless_answers_are_paced_at_the_configured_rate() -> None:
    """With no X-AircallApi-* headers the configured figure is spread evenly, never burst."""
    clock = FakeClock()
    limiter = CompanyLimiter(60, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, {})
    tasks = [asyncio.create_task(limiter.acquire("a")) for _ in range(3)]
    await clock.settle()
    assert sum(t.done() for t in tasks) == 1
    await clock.advance(1.0)
    assert sum(t.done() for t in tasks) == 2
    await clock.advance(1.0)
    assert all(t.done() for t in tasks)


async def test_other_consumer_spending_part_of_the_budget_causes_no_failed_call() -> None:
    """Another integration spends half of each window; every call of ours still succeeds."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 10.0, max_wait_seconds=1_000, clock=clock)
    window = Window(clock, limit=40, seconds=10.0)
    log: list[tuple[str, int]] = []

    async def retrying_call(agent: str) -> None:
        first = False
        while True:
            slot = await limiter.acquire(agent, first=first)
            status, headers = window.hit()
            await clock.sleep(LATENCY)
            slot.complete(headers, status=status)
            if status != 429:
                log.append((agent, status))
                return
            first = True

    async def other_integration() -> None:
        for _ in range(4):
            window.spend(20)
            await clock.sleep(10.0)

    spender = asyncio.create_task(other_integration())
    tasks = [asyncio.create_task(retrying_call(f"agent-{a}")) for a in range(6) for _ in range(10)]
    await drive(clock, [*tasks, spender])
    assert len(log) == 60
    assert all(status == 200 for _, status in log)


def test_garbled_rate_headers_are_ignored() -> None:
    """Non-numeric, negative or missing X-AircallApi-* values read as unknown."""
    assert RateHeaders.parse({"X-AircallApi-Limit": "abc", "X-AircallApi-Remaining": "-3"}) == RateHeaders()
    parsed = RateHeaders.parse({"x-aircallapi-remaining": "7", "X-AIRCALLAPI-RESET": "1700000060.25"})
    assert parsed == RateHeaders(limit=None, remaining=7, reset_at=1700000060.25)
    assert RateHeaders.parse({"X-AircallApi-Reset": "nan"}).reset_at is None


async def test_clients_handed_one_limiter_share_one_budget() -> None:
    """The limiter is injected: two clients of one company given the same limiter draw on one budget.

    (Replaces the process-global `limiter_for` registry, removed by issue 10: it silently ignored the settings
    of every caller after the first.)
    """
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    credentials = BasicCredentials(api_id=SecretStr("id"), api_token=SecretStr("token"))
    first = AircallClient(credentials, "https://api.example", limiter=limiter, clock=clock)
    second = AircallClient(credentials, "https://api.example", limiter=limiter, clock=clock)
    async with first, second:
        assert first.limiter is second.limiter is limiter
        await teach(limiter, learned(clock, remaining=1))
        taken = await first.limiter.acquire("a")
        blocked = asyncio.create_task(second.limiter.acquire("b"))
        await clock.settle()
        assert not blocked.done()
        taken.release()
        await clock.settle()
        assert blocked.done()
        blocked.result().release()


async def retrying_call(limiter: CompanyLimiter, window: Window, agent: str, log: list[tuple[str, int]]) -> None:
    """One call as the client makes it: a 429 is retried at the head of the agent's queue."""
    first = False
    while True:
        slot = await limiter.acquire(agent, first=first)
        status, headers = window.hit()
        await limiter.clock.sleep(LATENCY)
        slot.complete(headers, status=status)
        if status != 429:
            log.append((agent, status))
            return
        first = True


def test_reset_in_milliseconds_is_read_as_milliseconds() -> None:
    """X-AircallApi-Reset's unit is undocumented: a value that can only be milliseconds is read as such."""
    assert RateHeaders.parse({"X-AircallApi-Reset": "1793205060000"}).reset_at == pytest.approx(1793205060.0)
    assert RateHeaders.parse({"X-AircallApi-Reset": "1793205060"}).reset_at == 1793205060.0


async def test_reliability_a_millisecond_reset_does_not_lock_the_budget() -> None:
    """A spent window whose reset comes in milliseconds reopens at that reset, not in 57,000 years."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=30.0, clock=clock)
    reset_ms = str(round((clock.now() + 5.0) * 1000))
    await teach(limiter, {"X-AircallApi-Limit": "120", "X-AircallApi-Remaining": "0", "X-AircallApi-Reset": reset_ms})
    waiter = asyncio.create_task(limiter.acquire("a"))
    await clock.advance(5.0)
    assert waiter.done()
    waiter.result().release()


async def test_reliability_30_calls_on_a_millisecond_reset_budget_all_succeed_with_zero_429s() -> None:
    """Through whole windows of millisecond resets: every call served, none refused, none rate limited."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=30.0, clock=clock)
    window = Window(clock, limit=10, seconds=4.0, milliseconds=True)
    log: list[tuple[str, int]] = []
    tasks = [asyncio.create_task(call(limiter, window, f"agent-{a % 3}", log)) for a in range(30)]
    await drive(clock, tasks)
    assert [task.exception() for task in tasks] == [None] * 30
    assert window.refused == 0


async def test_reliability_a_reset_far_ahead_is_bounded_and_the_budget_recovers_by_itself() -> None:
    """A garbled reset a year ahead blocks the budget for at most the horizon, then calls flow again."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, learned(clock, remaining=0, reset_in=365 * 86_400.0))
    assert limiter.reset_at is not None
    assert limiter.reset_at - clock.now() <= RESET_HORIZON_SECONDS
    waiter = asyncio.create_task(limiter.acquire("a"))
    await clock.advance(RESET_HORIZON_SECONDS)
    assert waiter.done()
    waiter.result().release()


async def test_reliability_30_calls_on_a_10_per_4s_budget_all_succeed_with_zero_429s() -> None:
    """The window's length is learned from the resets (4 s), so nothing is refused as "would wait about 62 s"."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=30.0, clock=clock)
    window = Window(clock, limit=10, seconds=4.0)
    log: list[tuple[str, int]] = []
    tasks = [asyncio.create_task(call(limiter, window, f"agent-{a % 3}", log)) for a in range(30)]
    await drive(clock, tasks)
    assert [task.exception() for task in tasks] == [None] * 30
    assert window.refused == 0
    assert limiter.window_seconds == pytest.approx(4.0, abs=0.1)


async def test_reliability_headers_only_on_429_pace_from_the_429s_own_headers() -> None:
    """Answers carry rate headers only when the limit is reached: one 429 teaches the limit and the window, and the
    rest is paced at 5 per 10 s with no further 429 (not at 5 a minute, nor in bursts)."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    window = Window(clock, limit=5, seconds=10.0, only_on_429=True)
    log: list[tuple[str, int]] = []
    started = clock.now()
    tasks = [asyncio.create_task(retrying_call(limiter, window, f"agent-{a % 4}", log)) for a in range(20)]
    await drive(clock, tasks)
    assert len(log) == 20
    assert window.refused == 1
    assert limiter.limit == 5
    assert limiter.window_seconds == pytest.approx(10.0)
    # Four windows' worth, served in about four windows.
    assert clock.now() - started < 4 * 10.0 + 5.0


async def test_reliability_a_grant_racing_an_anyio_cancellation_returns_the_slot() -> None:
    """Granted and cancelled in the same step (anyio cancel scope): the slot goes back, nothing is counted twice."""
    clock = FakeClock()
    limiter = CompanyLimiter(120, 60.0, max_wait_seconds=1_000, clock=clock)
    await teach(limiter, learned(clock, remaining=1))
    held = await limiter.acquire("a")
    outcome: list[str] = []

    async def waiter(scope: anyio.CancelScope) -> None:
        with scope:
            await limiter.acquire("b")
            outcome.append("granted")
        if scope.cancelled_caught:
            outcome.append("cancelled")

    scope = anyio.CancelScope()
    async with anyio.create_task_group() as group:
        group.start_soon(waiter, scope)
        await clock.settle()
        assert limiter.waiting == 1
        held.release()  # grants the waiter...
        scope.cancel()  # ...which is cancelled before it could run
    assert outcome == ["cancelled"]
    assert limiter.in_flight == 0
    assert limiter.waiting == 0
    again = await limiter.acquire("c")
    again.release()
