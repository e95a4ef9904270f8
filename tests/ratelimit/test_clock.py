"""FakeClock: virtual time that tests move by hand (or that jumps forward in auto mode)."""

from __future__ import annotations

import asyncio

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
