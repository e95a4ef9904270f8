"""Test doubles for what cannot run for real in a test: the passage of time.

`FakeClock` implements `aircall_mcp.ratelimit.Clock` in virtual time, on anyio.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel


@dataclass(eq=False)
class _Sleeper:
    event: anyio.Event = field(default_factory=anyio.Event)
    # Woken by the clock, or left (cancelled) before that.
    over: bool = False


class FakeClock:
    """Virtual time for tests.

    Manual mode (default): `sleep()` parks the caller until the test moves time with `advance()` or
    `advance_to_next()`; sleepers wake in deadline order, each seeing `now()` equal to its deadline.
    Auto mode (`auto_advance=True`): a sleep or a deadline moves virtual time forward to its end and returns at
    once, for tests that run real loopback I/O and only need waits to cost nothing.
    """

    def __init__(self, start: float = 1_700_000_000.0, *, auto_advance: bool = False) -> None:
        self._now = start
        self.auto_advance = auto_advance
        self._sleepers: list[tuple[float, int, _Sleeper]] = []
        self._seq = itertools.count()
        # Total virtual time slept, for assertions in tests.
        self.slept = 0.0

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept += seconds
        await self._sleep_until(self._now + seconds)

    async def wait_until(self, event: anyio.Event, deadline: float | None) -> None:
        if deadline is None:
            await event.wait()
            return
        if event.is_set():
            return
        async with anyio.create_task_group() as group:

            async def alarm() -> None:
                await self._sleep_until(deadline)
                group.cancel_scope.cancel()

            group.start_soon(alarm)
            await event.wait()
            group.cancel_scope.cancel()

    async def _sleep_until(self, deadline: float) -> None:
        if self.auto_advance or deadline <= self._now:
            self._now = max(self._now, deadline)
            await anyio.lowlevel.checkpoint()
            return
        sleeper = _Sleeper()
        heapq.heappush(self._sleepers, (deadline, next(self._seq), sleeper))
        try:
            await sleeper.event.wait()
        finally:
            sleeper.over = True

    @property
    def pending_sleepers(self) -> int:
        return sum(1 for _, _, sleeper in self._sleepers if not sleeper.over)

    def next_deadline(self) -> float | None:
        while self._sleepers and self._sleepers[0][2].over:
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    async def settle(self, rounds: int = 50) -> None:
        """Let every task that can run do so (no virtual or real time passes)."""
        for _ in range(rounds):
            await anyio.lowlevel.checkpoint()

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking due sleepers one at a time in deadline order."""
        target = self._now + seconds
        await self.settle()
        while (deadline := self.next_deadline()) is not None and deadline <= target:
            _, _, sleeper = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            sleeper.over = True
            sleeper.event.set()
            await self.settle()
        self._now = max(self._now, target)
        await self.settle()

    async def advance_to_next(self) -> bool:
        """Jump to the earliest sleeper's deadline and wake it; False when nobody sleeps."""
        await self.settle()
        deadline = self.next_deadline()
        if deadline is None:
            return False
        await self.advance(max(0.0, deadline - self._now))
        return True
