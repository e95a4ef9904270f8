"""FakeClock: virtual time that tests move by hand (or that jumps forward in auto mode)."""

from __future__ import annotations

import asyncio

import anyio

from aircall_mcp.ratelimit import SystemClock
from tests.fakes import FakeClock


async def test_sleepers_wake_in_deadline_order_at_their_deadline() -> None:
    """advance() wakes each sleeper at its own deadline, earliest first."""
    clock = FakeClock(start=0.0)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    tasks = [asyncio.create_task(sleeper("late", 5.0)), asyncio.create_task(sleeper("early", 2.0))]
    await clock.advance(10.0)
    assert woke == [("early", 2.0), ("late", 5.0)]
    assert clock.now() == 10.0
    await asyncio.gather(*tasks)


async def test_sleepers_stay_asleep_until_time_reaches_them() -> None:
    """A sleeper whose deadline is not reached keeps waiting; a cancelled one is forgotten."""
    clock = FakeClock(start=0.0)
    waiting = asyncio.create_task(clock.sleep(5.0))
    cancelled = asyncio.create_task(clock.sleep(1.0))
    await clock.settle()
    cancelled.cancel()
    await clock.advance(4.0)
    assert not waiting.done()
    assert clock.pending_sleepers == 1
    await clock.advance(1.0)
    assert waiting.done()


async def test_auto_advance_moves_time_instead_of_waiting() -> None:
    """In auto mode sleep() returns at once with time moved forward."""
    clock = FakeClock(start=0.0, auto_advance=True)
    await clock.sleep(30.0)
    assert clock.now() == 30.0
    assert clock.slept == 30.0


async def test_wait_until_returns_at_the_deadline_or_at_the_event_leaving_no_sleeper() -> None:
    """wait_until: the deadline wakes it in virtual time; an event set first wakes it and cancels its alarm."""
    clock = FakeClock(start=0.0)
    timed_out = anyio.Event()
    waiting = asyncio.create_task(clock.wait_until(timed_out, 5.0))
    await clock.advance(4.0)
    assert not waiting.done()
    await clock.advance(1.0)
    assert waiting.done()
    assert not timed_out.is_set()

    told = anyio.Event()
    waiting = asyncio.create_task(clock.wait_until(told, 50.0))
    await clock.settle()
    told.set()
    await clock.settle()
    assert waiting.done()
    assert clock.pending_sleepers == 0
    assert clock.now() == 5.0


async def test_system_clock_wait_until_returns_at_a_past_deadline_or_a_set_event() -> None:
    """The real clock's wait_until never waits past its deadline, and not at all for an event already set."""
    clock = SystemClock()
    with anyio.fail_after(5):
        await clock.wait_until(anyio.Event(), clock.now() - 1.0)
        done = anyio.Event()
        done.set()
        await clock.wait_until(done, None)
        await clock.wait_until(done, clock.now() + 60.0)
