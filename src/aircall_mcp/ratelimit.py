"""The company-wide Aircall request budget, shared by every agent in the process.

Aircall counts requests per company per window and reports the count in X-AircallApi-Limit, -Remaining
and -Reset. One `CompanyLimiter` per company (see `limiter_for`) paces every call so that a burst from
many agents waits its turn instead of collecting 429s:

* Until a response has said what remains in the current window, only one request is in flight: the
  configured figure may be too high (older material says 60 a minute) and other integrations may
  already have spent most of the window.
* Once learned, slots are granted from `remaining` minus the requests still in flight, until the
  window's reset; at the reset the limiter re-learns the same cautious way.
* Waiting calls queue per agent and are served round-robin, so one agent's flood cannot starve another;
  an optional per-agent quota caps one agent's share per minute.
* A call that would wait longer than `max_wait_seconds` fails at once with `RateLimitWaitTooLong`;
  a cancelled waiter leaves the queue and sends nothing; a granted slot that was not used is returned.

Time comes from an injectable `Clock`, so tests drive a `FakeClock` and never sleep.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from aircall_mcp.errors import RateLimitWaitTooLong

LIMIT_HEADER = "x-aircallapi-limit"
REMAINING_HEADER = "x-aircallapi-remaining"
RESET_HEADER = "x-aircallapi-reset"

# Per-agent quotas are "per minute" whatever Aircall's window is.
QUOTA_WINDOW_SECONDS = 60.0
# Resets of the same window reported by different responses may differ by rounding.
_SAME_RESET_TOLERANCE = 0.5
_ANONYMOUS = "-"


class Clock(Protocol):
    """Wall-clock time (Aircall's reset header is UNIX seconds) and a way to wait."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """Virtual time for tests.

    Manual mode (default): `sleep()` parks the caller until the test moves time with `advance()` or
    `advance_to_next()`; sleepers wake in deadline order, each seeing `now()` equal to its deadline.
    Auto mode (`auto_advance=True`): `sleep()` moves virtual time forward by the requested amount and
    returns at once, for tests that run real loopback I/O and only need waits to cost nothing.
    """

    def __init__(self, start: float = 1_700_000_000.0, *, auto_advance: bool = False) -> None:
        self._now = start
        self.auto_advance = auto_advance
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        # Total virtual time slept, for assertions in tests.
        self.slept = 0.0

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept += seconds
        if self.auto_advance or seconds == 0:
            self._now += seconds
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), future))
        await future

    @property
    def pending_sleepers(self) -> int:
        return sum(1 for _, _, future in self._sleepers if not future.done())

    def next_deadline(self) -> float | None:
        self._drop_cancelled()
        return self._sleepers[0][0] if self._sleepers else None

    async def settle(self, rounds: int = 50) -> None:
        """Let every task that can run do so (no virtual or real time passes)."""
        for _ in range(rounds):
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking due sleepers one at a time in deadline order."""
        target = self._now + seconds
        await self.settle()
        while (deadline := self.next_deadline()) is not None and deadline <= target:
            _, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            future.set_result(None)
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

    def _drop_cancelled(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)


def _parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(float(value.strip()))
    except (ValueError, OverflowError):
        return None
    return number if number >= 0 else None


def _parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """X-AircallApi-Limit/-Remaining/-Reset as read from one response; garbled values become None."""

    limit: int | None = None
    remaining: int | None = None
    # UNIX seconds (Aircall does not document the unit; every client treats it as seconds).
    reset_at: float | None = None

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateHeaders:
        lowered = {key.lower(): value for key, value in headers.items()}
        limit = _parse_int(lowered.get(LIMIT_HEADER))
        return cls(
            limit=limit if limit else None,
            remaining=_parse_int(lowered.get(REMAINING_HEADER)),
            reset_at=_parse_float(lowered.get(RESET_HEADER)),
        )


@dataclass(slots=True, eq=False)
class _Waiter:
    agent: str
    future: asyncio.Future[None]
    enqueued_at: float
    quota_per_minute: int | None
    granted_at: float = 0.0
    probe: bool = False


class Slot:
    """Permission to send one request. Report what happened exactly once: `complete` or `release`."""

    def __init__(
        self, limiter: CompanyLimiter, agent: str, granted_at: float, waited_seconds: float, *, probe: bool = False
    ) -> None:
        self._limiter = limiter
        self.agent = agent
        # Granted while the window's budget was unknown: its answer teaches the limiter.
        self.probe = probe
        self.granted_at = granted_at
        self.waited_seconds = waited_seconds
        self._done = False

    def complete(
        self, headers: Mapping[str, str] | None, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        """The request was sent (or may have been). `headers` is None when no response came back."""
        if not self._done:
            self._done = True
            self._limiter._complete(headers, status=status, retry_after=retry_after, probe=self.probe)

    def release(self) -> None:
        """Nothing was sent: give the place back to the budget and to the agent's quota."""
        if not self._done:
            self._done = True
            self._limiter._release(self.agent, self.granted_at, probe=self.probe)


class CompanyLimiter:
    """One Aircall company's request budget, shared by every agent and session in the process."""

    def __init__(
        self,
        configured_limit: int = 120,
        window_seconds: float = 60.0,
        *,
        max_wait_seconds: float = 30.0,
        clock: Clock | None = None,
        reset_grace_seconds: float = 0.0,
        fallback_reset_seconds: float = 5.0,
    ) -> None:
        if configured_limit < 1 or window_seconds <= 0:
            raise ValueError("configured_limit must be >= 1 and window_seconds > 0")
        self.clock: Clock = clock or SystemClock()
        self.limit = configured_limit
        self.limit_learned = False
        self.window_seconds = window_seconds
        self.max_wait_seconds = max_wait_seconds
        # Slack after the announced reset before the new window is used (clock skew with Aircall).
        self.reset_grace_seconds = reset_grace_seconds
        # How long a 429 without a usable reset header blocks the budget.
        self.fallback_reset_seconds = fallback_reset_seconds
        # What Aircall last said remains in the current window; None = not known (be cautious).
        self.remaining: int | None = None
        self.reset_at: float | None = None
        self.in_flight = 0
        # Requests granted while the budget was unknown and not yet answered (at most one).
        self._probes = 0
        # Responses carry no rate headers: pace evenly at the configured figure instead.
        self._headerless = False
        self._next_paced = 0.0
        self._queues: dict[str, deque[_Waiter]] = {}
        self._turns: deque[str] = deque()
        self._grants: dict[str, deque[float]] = {}
        self._timer: asyncio.Task[None] | None = None
        self._timer_at: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.granted_total = 0
        self.rate_limited_seen = 0

    def __repr__(self) -> str:
        return (
            f"CompanyLimiter(limit={self.limit}, learned={self.limit_learned}, remaining={self.remaining}, "
            f"reset_at={self.reset_at}, in_flight={self.in_flight}, waiting={self.waiting})"
        )

    @property
    def waiting(self) -> int:
        return sum(1 for queue in self._queues.values() for waiter in queue if not waiter.future.done())

    async def acquire(
        self, agent: str | None = None, *, quota_per_minute: int | None = None, first: bool = False
    ) -> Slot:
        """Wait for this agent's turn within the company budget.

        `first` puts the call at the head of its agent's queue (a retry after a 429 has waited already).
        Raises RateLimitWaitTooLong (method and path "?": the caller knows them) when the wait would
        exceed `max_wait_seconds`.
        """
        loop = self._bind_loop()
        key = agent or _ANONYMOUS
        enqueued_at = self.clock.now()
        waiter = _Waiter(key, loop.create_future(), enqueued_at, quota_per_minute)
        queue = self._queues.setdefault(key, deque())
        if first:
            queue.appendleft(waiter)
        else:
            queue.append(waiter)
        if key not in self._turns:
            self._turns.append(key)
        self._dispatch(check=waiter)
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled() and waiter.future.exception() is None:
                # Granted just as the caller gave up: the slot goes back unused.
                self._release(key, waiter.granted_at, probe=waiter.probe)
            else:
                self._forget(waiter)
                self._dispatch()
            raise
        return Slot(self, key, waiter.granted_at, waiter.granted_at - enqueued_at, probe=waiter.probe)

    # -- bookkeeping -------------------------------------------------------------------------------

    def _bind_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A limiter outlives an event loop only in tests; waiters of a dead loop cannot be served.
            self._loop = loop
            self._queues.clear()
            self._turns.clear()
            self._timer = None
            self._timer_at = None
            self.in_flight = 0
            self._probes = 0
        return loop

    def _forget(self, waiter: _Waiter) -> None:
        queue = self._queues.get(waiter.agent)
        if queue is not None and waiter in queue:
            queue.remove(waiter)

    def _release(self, agent: str, granted_at: float, *, probe: bool) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        if probe:
            self._probes = max(0, self._probes - 1)
        grants = self._grants.get(agent)
        if grants and granted_at in grants:
            grants.remove(granted_at)
        self._dispatch()

    def _complete(
        self, headers: Mapping[str, str] | None, *, status: int | None, retry_after: float | None, probe: bool
    ) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        if probe:
            self._probes = max(0, self._probes - 1)
        now = self.clock.now()
        self._roll_window(now)
        rate = RateHeaders.parse(headers) if headers is not None else RateHeaders()
        window_before = self.reset_at
        if rate.limit is not None:
            self.limit = rate.limit
            self.limit_learned = True
        if status == 429:
            self.rate_limited_seen += 1
            reset_at = rate.reset_at if rate.reset_at is not None and rate.reset_at > now else None
            if reset_at is None and retry_after is not None:
                reset_at = now + retry_after
            self.remaining = 0
            self.reset_at = reset_at if reset_at is not None else now + self.fallback_reset_seconds
            self._headerless = False
        elif rate.remaining is not None:
            self._learn(rate.remaining, rate.reset_at, now)
        elif self.remaining is not None:
            # Sent and counted by Aircall, but this answer did not say so.
            self.remaining = max(0, self.remaining - 1)
        elif headers is not None:
            self._headerless = True
        # A new window (or a 429) can push queued calls past the bound: re-check them, once per window.
        self._dispatch(recheck_all=self.reset_at != window_before)

    def _learn(self, remaining: int, reset_at: float | None, now: float) -> None:
        self._headerless = False
        if reset_at is not None and reset_at + self.reset_grace_seconds <= now:
            return  # an answer from a window that is already over
        if reset_at is None:
            reset_at = self.reset_at if self.reset_at is not None else now + self.window_seconds
        if self.reset_at is None or self.remaining is None or reset_at > self.reset_at + _SAME_RESET_TOLERANCE:
            self.remaining, self.reset_at = remaining, reset_at
        elif reset_at >= self.reset_at - _SAME_RESET_TOLERANCE:
            # Same window: answers may arrive out of order; the lowest count is the latest.
            self.remaining = min(self.remaining, remaining)
            self.reset_at = max(self.reset_at, reset_at)
        # else: an older window's answer arriving late; ignore.

    def _roll_window(self, now: float) -> None:
        if self.reset_at is not None and now >= self.reset_at + self.reset_grace_seconds:
            # New window: Aircall refills to the limit, but other integrations may spend it too;
            # re-learn with one request before trusting the figure.
            self.remaining = None
            self.reset_at = None
            self._probes = 0

    def _capacity(self, now: float) -> int:
        if self.remaining is not None:
            return max(0, self.remaining - self.in_flight)
        if self._headerless:
            return 1 if now >= self._next_paced else 0
        return 1 if self._probes == 0 else 0

    def _recent_grants(self, agent: str, now: float) -> deque[float]:
        grants = self._grants.setdefault(agent, deque())
        while grants and grants[0] <= now - QUOTA_WINDOW_SECONDS:
            grants.popleft()
        return grants

    def _quota_allows(self, waiter: _Waiter, now: float) -> bool:
        quota = waiter.quota_per_minute
        return quota is None or len(self._recent_grants(waiter.agent, now)) < quota

    def _grant(self, waiter: _Waiter, now: float) -> None:
        self.in_flight += 1
        self.granted_total += 1
        if self.remaining is None:
            if self._headerless:
                self._next_paced = max(now, self._next_paced) + self.window_seconds / self.limit
            else:
                waiter.probe = True
                self._probes += 1
        waiter.granted_at = now
        self._recent_grants(waiter.agent, now).append(now)
        waiter.future.set_result(None)

    def _dispatch(self, check: _Waiter | None = None, *, recheck_all: bool = False) -> None:
        """Grant as many waiting calls as the budget allows, one per agent per turn."""
        now = self.clock.now()
        self._roll_window(now)
        while self._turns and self._capacity(now) > 0:
            granted = False
            for _ in range(len(self._turns)):
                agent = self._turns.popleft()
                queue = self._queues.get(agent)
                while queue and queue[0].future.done():
                    queue.popleft()
                if not queue:
                    self._queues.pop(agent, None)
                    continue
                if not self._quota_allows(queue[0], now):
                    self._turns.append(agent)
                    continue
                self._grant(queue.popleft(), now)
                if queue:
                    self._turns.append(agent)
                else:
                    self._queues.pop(agent, None)
                granted = True
                break
            if not granted:
                break
        if check is not None:
            self._refuse_if_too_long(now, [check])
        elif recheck_all:
            # Only when time moved the window on: what others spent may have pushed waits past the bound.
            self._refuse_if_too_long(now, [w for queue in self._queues.values() for w in queue])
        self._schedule_timer(now)

    # -- how long will it take? --------------------------------------------------------------------

    def estimated_wait(self, waiter: _Waiter, now: float) -> float:
        """Seconds until `waiter` is likely granted, from its place in the round-robin and the budget."""
        queue = self._queues.get(waiter.agent)
        if not queue or waiter not in queue:
            return 0.0
        index = queue.index(waiter)
        position = index + 1
        for agent, other in self._queues.items():
            if agent != waiter.agent:
                position += min(sum(1 for w in other if not w.future.done()), index + 1)
        if self.remaining is None and self._headerless:
            company = max(0.0, self._next_paced - now) + (position - 1) * self.window_seconds / self.limit
        else:
            available = (self.remaining if self.remaining is not None else self.limit) - self.in_flight
            if position <= available:
                company = 0.0
            else:
                beyond = position - max(0, available)
                next_reset = (self.reset_at if self.reset_at is not None else now) + self.reset_grace_seconds
                company = max(0.0, next_reset - now) + ((beyond - 1) // self.limit) * self.window_seconds
        quota_wait = 0.0
        quota = waiter.quota_per_minute
        if quota is not None:
            grants = self._recent_grants(waiter.agent, now)
            needed = len(grants) + index + 1 - quota
            if 0 < needed <= len(grants):
                quota_wait = grants[needed - 1] + QUOTA_WINDOW_SECONDS - now
            elif needed > len(grants):
                quota_wait = QUOTA_WINDOW_SECONDS * math.ceil(needed / quota)
        return max(company, quota_wait)

    def _refuse_if_too_long(self, now: float, waiters: list[_Waiter]) -> None:
        for waiter in waiters:
            if waiter.future.done():
                continue
            expected = (now - waiter.enqueued_at) + self.estimated_wait(waiter, now)
            if expected > self.max_wait_seconds:
                waiter.future.set_exception(
                    RateLimitWaitTooLong(expected_wait_seconds=expected, max_wait_seconds=self.max_wait_seconds)
                )
                self._forget(waiter)

    # -- waking up when time, not a response, frees the budget ----------------------------------------

    def _next_wake(self, now: float) -> float | None:
        if not any(self._queues.values()):
            return None
        candidates: list[float] = []
        if self.reset_at is not None:
            candidates.append(self.reset_at + self.reset_grace_seconds)
        if self.remaining is None and self._headerless:
            candidates.append(self._next_paced)
        for agent, queue in self._queues.items():
            head = next((w for w in queue if not w.future.done()), None)
            if head is not None and head.quota_per_minute is not None:
                grants = self._recent_grants(agent, now)
                if len(grants) >= head.quota_per_minute:
                    candidates.append(grants[len(grants) - head.quota_per_minute] + QUOTA_WINDOW_SECONDS)
        future = [when for when in candidates if when > now]
        return min(future) if future else None

    def _schedule_timer(self, now: float) -> None:
        wake = self._next_wake(now)
        if self._timer is not None and not self._timer.done():
            if wake == self._timer_at:
                return
            self._timer.cancel()
        self._timer = None
        self._timer_at = wake
        if wake is not None and self._loop is not None:
            self._timer = self._loop.create_task(self._wake_at(wake))

    async def _wake_at(self, when: float) -> None:
        await self.clock.sleep(when - self.clock.now())
        self._timer = None
        self._timer_at = None
        self._dispatch(recheck_all=True)


_LIMITERS: dict[str, CompanyLimiter] = {}


def limiter_for(
    company_key: str,
    *,
    configured_limit: int = 120,
    window_seconds: float = 60.0,
    max_wait_seconds: float = 30.0,
    clock: Clock | None = None,
    reset_grace_seconds: float = 0.0,
) -> CompanyLimiter:
    """The process-wide limiter for one Aircall company; settings apply when it is first created.

    `company_key` identifies the company without revealing credentials (base URL + a hash of the key).
    """
    limiter = _LIMITERS.get(company_key)
    if limiter is None:
        limiter = CompanyLimiter(
            configured_limit,
            window_seconds,
            max_wait_seconds=max_wait_seconds,
            clock=clock,
            reset_grace_seconds=reset_grace_seconds,
        )
        _LIMITERS[company_key] = limiter
    return limiter
