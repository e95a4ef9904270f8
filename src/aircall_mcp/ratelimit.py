"""The company-wide Aircall request budget, shared by every agent in the process.

Aircall counts requests per company per window and reports the count in X-AircallApi-Limit, -Remaining
and -Reset. Wiring creates one `CompanyLimiter` per company and hands it to the client, which asks it for
a `Slot` before every request (the `RequestBudget` interface: a budget shared through Redis is a second
implementation of it). It paces every call so that a burst from many agents waits its turn instead of
collecting 429s:

* Until a response has said what remains in the current window, only one request is in flight: the
  configured figure may be too high (older material says 60 a minute) and other integrations may
  already have spent most of the window.
* Once learned, slots are granted from `remaining` minus the requests still in flight, until the
  window's reset; at the reset the limiter re-learns the same cautious way.
* When answers carry no rate headers (Aircall's reference says they come when the limit is reached),
  calls are paced evenly at the last known limit per window, which a 429's own headers teach.
* No single header can lock the budget: the reset is read as UNIX seconds or milliseconds by its
  magnitude, and a reset further ahead than `RESET_HORIZON_SECONDS` is not believed beyond it. The
  window's length is learned from the resets Aircall reports, not assumed.
* Waiting calls queue per agent and are served round-robin, so one agent's flood cannot starve another;
  an optional per-agent quota caps one agent's share per minute.
* A call that would wait longer than `max_wait_seconds` fails at once with `RateLimitWaitTooLong`;
  a cancelled waiter leaves the queue and sends nothing; a granted slot that was not used is returned.

Concurrency is anyio's: each waiter waits on its own event with a deadline (the next moment time alone
could free the budget) and re-dispatches when it passes; no background task. Time comes from an
injectable `Clock`, so tests drive a fake one and never sleep.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import anyio
import httpx2

from aircall_mcp.errors import RateLimitWaitTooLong
from aircall_mcp.facts import DOCUMENTED_RATE_WINDOW_SECONDS
from aircall_mcp.settings import DEFAULT_MAX_WAIT_SECONDS, DEFAULT_RATE_LIMIT

LIMIT_HEADER = "x-aircallapi-limit"
REMAINING_HEADER = "x-aircallapi-remaining"
RESET_HEADER = "x-aircallapi-reset"

# Per-agent quotas are "per minute" whatever Aircall's window is.
QUOTA_WINDOW_SECONDS = 60.0
# A reset further ahead than two of Aircall's documented windows is garbled or misread: not believed beyond it.
RESET_HORIZON_SECONDS = 2 * DOCUMENTED_RATE_WINDOW_SECONDS
# X-AircallApi-Reset values above this are milliseconds (as seconds they would be after the year 5000).
_MILLISECONDS_ABOVE = 1e11
# Resets of the same window reported by different responses may differ by rounding.
_SAME_RESET_TOLERANCE = 0.5
# Calls paced evenly over a learned window keep a little clear of its edge (jitter in arrival times).
_PACING_MARGIN = 1.02
# How many windows' observations the learned window length is taken from.
_WINDOW_SAMPLES = 4
_ANONYMOUS = "-"


class Clock(Protocol):
    """Wall-clock time (Aircall's reset header is a UNIX time) and ways to wait."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    async def wait_until(self, event: anyio.Event, deadline: float | None) -> None:
        """Return when `event` is set or the clock reaches `deadline` (None: no deadline), whichever is first."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(max(0.0, seconds))

    async def wait_until(self, event: anyio.Event, deadline: float | None) -> None:
        if deadline is None:
            await event.wait()
            return
        with anyio.move_on_after(max(0.0, deadline - self.now())):
            await event.wait()


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


def _unix_seconds(value: float | None) -> float | None:
    """A reset as UNIX seconds, whether Aircall sent seconds or milliseconds (told apart by magnitude)."""
    if value is None:
        return None
    return value / 1000 if value > _MILLISECONDS_ABOVE else value


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """X-AircallApi-Limit/-Remaining/-Reset as read from one response; garbled values become None."""

    limit: int | None = None
    remaining: int | None = None
    # UNIX seconds. Aircall does not document the unit: most clients read seconds, one in the wild reads
    # milliseconds; both are accepted.
    reset_at: float | None = None

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateHeaders:
        # httpx's headers are looked up case-insensitively already; a plain mapping is lowered first.
        get = headers.get if isinstance(headers, httpx2.Headers) else {k.lower(): v for k, v in headers.items()}.get
        limit = _parse_int(get(LIMIT_HEADER))
        return cls(
            limit=limit if limit else None,
            remaining=_parse_int(get(REMAINING_HEADER)),
            reset_at=_unix_seconds(_parse_float(get(RESET_HEADER))),
        )


class Slot(Protocol):
    """Permission to send one request. Report what happened exactly once: `complete` or `release`."""

    @property
    def waited_seconds(self) -> float:
        """How long the caller waited for this slot."""
        ...

    def complete(
        self, headers: Mapping[str, str] | None, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        """The request was sent (or may have been). `headers` is None when no response came back."""
        ...

    def release(self) -> None:
        """Nothing was sent: give the place back to the budget and to the agent's quota."""
        ...


class RequestBudget(Protocol):
    """A company's request budget, shared by every agent (in this process, or across replicas)."""

    async def acquire(
        self, agent: str | None = None, *, quota_per_minute: int | None = None, first: bool = False
    ) -> Slot:
        """Wait for this agent's turn within the company budget and within its own per-minute quota.

        `first` puts the call at the head of its agent's queue (a retry after a 429 has waited already).
        Raises RateLimitWaitTooLong (method and path "?": the caller knows them) when the wait would be
        too long. Cancellation while waiting leaves nothing behind.
        """
        ...


@dataclass(slots=True, eq=False)
class _Waiter:
    agent: str
    event: anyio.Event
    enqueued_at: float
    quota_per_minute: int | None
    granted_at: float = 0.0
    # When the waiter next looks at the clock by itself (None: only when told).
    deadline: float | None = None
    granted: bool = False
    probe: bool = False
    refused: RateLimitWaitTooLong | None = None
    gone: bool = False

    @property
    def done(self) -> bool:
        return self.granted or self.refused is not None or self.gone


class _LimiterSlot:
    """A slot of the in-process `CompanyLimiter`."""

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
        if not self._done:
            self._done = True
            self._limiter._complete(headers, status=status, retry_after=retry_after, probe=self.probe)

    def release(self) -> None:
        if not self._done:
            self._done = True
            self._limiter._release(self.agent, self.granted_at, probe=self.probe)


class CompanyLimiter:
    """One Aircall company's request budget, shared by every agent and session in the process.

    `configured_limit` requests per `window_seconds` is assumed until Aircall's headers say otherwise.
    """

    def __init__(
        self,
        configured_limit: int = DEFAULT_RATE_LIMIT,
        window_seconds: float = DOCUMENTED_RATE_WINDOW_SECONDS,
        *,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
        clock: Clock | None = None,
        reset_grace_seconds: float = 0.0,
        fallback_reset_seconds: float = 5.0,
    ) -> None:
        if configured_limit < 1 or window_seconds <= 0:
            raise ValueError("configured_limit must be >= 1 and window_seconds > 0")
        self.clock: Clock = clock or SystemClock()
        self.limit = configured_limit
        self.limit_learned = False
        self.configured_window_seconds = window_seconds
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
        # Responses carry no rate headers: pace evenly at the last known limit per window instead.
        self._headerless = False
        self._next_paced = 0.0
        # Answers carried rate headers only on 429s: after the 429's reset, pace again from that moment
        # rather than probe (a probe plus a full pace would overspend the new window by one).
        self._pace_after_reset = False
        # When this process first sent in the current window, and the window lengths that taught.
        self._window_opened_at: float | None = None
        self._window_samples: deque[float] = deque(maxlen=_WINDOW_SAMPLES)
        self._sampled_reset: float | None = None
        # Queued calls per agent (only calls still waiting: granted, refused and cancelled ones leave at once).
        self._queues: dict[str, deque[_Waiter]] = {}
        self._turns: deque[str] = deque()
        # No waiter sleeps past this moment (inf: one may sleep until told), so a wake earlier than it must be told.
        self._latest_deadline = -math.inf
        self._grants: dict[str, deque[float]] = {}
        self.granted_total = 0
        self.rate_limited_seen = 0

    def __repr__(self) -> str:
        return (
            f"CompanyLimiter(limit={self.limit}, learned={self.limit_learned}, remaining={self.remaining}, "
            f"reset_at={self.reset_at}, window={self.window_seconds:g}, in_flight={self.in_flight}, "
            f"waiting={self.waiting})"
        )

    @property
    def window_seconds(self) -> float:
        """Aircall's window length: learned from the resets it reports, else the configured figure."""
        return max(self._window_samples) if self._window_samples else self.configured_window_seconds

    @property
    def waiting(self) -> int:
        return sum(1 for queue in self._queues.values() for waiter in queue if not waiter.done)

    async def acquire(
        self, agent: str | None = None, *, quota_per_minute: int | None = None, first: bool = False
    ) -> Slot:
        """Wait for this agent's turn within the company budget (see `RequestBudget.acquire`)."""
        key = agent or _ANONYMOUS
        enqueued_at = self.clock.now()
        if not self._turns:
            # Nobody queued: a free place is taken at once, without the waiter the queue needs.
            self._roll_window(enqueued_at)
            if self._capacity(enqueued_at) > 0 and self._quota_allows(key, quota_per_minute, enqueued_at):
                probe = self._take(key, enqueued_at)
                return _LimiterSlot(self, key, enqueued_at, 0.0, probe=probe)
        waiter = _Waiter(key, anyio.Event(), enqueued_at, quota_per_minute)
        queue = self._queues.setdefault(key, deque())
        if first:
            queue.appendleft(waiter)
        else:
            queue.append(waiter)
        if key not in self._turns:
            self._turns.append(key)
        self._dispatch(check=waiter)
        try:
            while not waiter.done:
                waiter.event = anyio.Event()
                waiter.deadline = self._next_wake(self.clock.now())
                self._latest_deadline = max(
                    self._latest_deadline, math.inf if waiter.deadline is None else waiter.deadline
                )
                await self.clock.wait_until(waiter.event, waiter.deadline)
                if not waiter.event.is_set():
                    # Time, not a response, may have freed the budget: a reset, a paced turn, a quota minute.
                    self._dispatch(check=waiter)
        except BaseException:
            if waiter.granted:
                # Granted just as the caller gave up: the slot goes back unused.
                self._release(key, waiter.granted_at, probe=waiter.probe)
            else:
                waiter.gone = True
                self._forget(waiter)
                self._dispatch()
            raise
        if waiter.refused is not None:
            raise waiter.refused
        return _LimiterSlot(self, key, waiter.granted_at, waiter.granted_at - enqueued_at, probe=waiter.probe)

    # -- bookkeeping -------------------------------------------------------------------------------

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
        reset_at = self._believable_reset(rate.reset_at, now)
        window_before = self.reset_at
        if rate.limit is not None:
            self.limit = rate.limit
            self.limit_learned = True
        if status == 429:
            self.rate_limited_seen += 1
            self._pace_after_reset = self._pace_after_reset or self._headerless
            if reset_at is None or reset_at <= now:
                reset_at = self._believable_reset(now + retry_after if retry_after is not None else None, now)
            self.remaining = 0
            self.reset_at = reset_at if reset_at is not None else now + self.fallback_reset_seconds
            self._headerless = False
        elif rate.remaining is not None:
            self._learn(rate.remaining, reset_at, now)
        elif self.remaining is not None:
            # Sent and counted by Aircall, but this answer did not say so.
            self.remaining = max(0, self.remaining - 1)
        elif headers is not None:
            self._headerless = True
        if reset_at is not None and rate.reset_at is not None and reset_at > now:
            self._sample_window(reset_at)
        # A new window (or a 429) can push queued calls past the bound: re-check them, once per window.
        self._dispatch(recheck_all=self.reset_at != window_before)

    def _believable_reset(self, reset_at: float | None, now: float) -> float | None:
        """`reset_at`, brought within the horizon: one garbled header must not lock the budget for long."""
        if reset_at is None:
            return None
        return min(reset_at, now + RESET_HORIZON_SECONDS)

    def _sample_window(self, reset_at: float) -> None:
        """Learn the window's length from a reset Aircall reported, once per window.

        The window began no later than this process's first request in it, so `reset - that request`
        is a lower bound of its length, exact when that request opened the window. A reset that had to
        be brought within the horizon teaches nothing.
        """
        opened = self._window_opened_at
        if opened is None or opened >= reset_at or reset_at - opened >= RESET_HORIZON_SECONDS:
            return
        if self._sampled_reset is not None and abs(reset_at - self._sampled_reset) <= _SAME_RESET_TOLERANCE:
            return
        self._sampled_reset = reset_at
        self._window_samples.append(reset_at - opened)

    def _learn(self, remaining: int, reset_at: float | None, now: float) -> None:
        self._headerless = self._pace_after_reset = False
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
            # re-learn with one request before trusting the figure (or, without headers, pace from here).
            if self._pace_after_reset:
                self._headerless = True
                self._next_paced = max(self._next_paced, self.reset_at + self.reset_grace_seconds)
            self.remaining = None
            self.reset_at = None
            self._probes = 0
            self._window_opened_at = None

    def _capacity(self, now: float) -> int:
        if self.remaining is not None:
            return max(0, self.remaining - self.in_flight)
        if self._headerless:
            return 1 if now >= self._next_paced else 0
        return 1 if self._probes == 0 else 0

    def _pacing_interval(self) -> float:
        # A window learned from Aircall's resets is exact to its edge: keep clear of it (arrival jitter).
        margin = _PACING_MARGIN if self._window_samples else 1.0
        return self.window_seconds / self.limit * margin

    def _recent_grants(self, agent: str, now: float) -> deque[float]:
        grants = self._grants.setdefault(agent, deque())
        while grants and grants[0] <= now - QUOTA_WINDOW_SECONDS:
            grants.popleft()
        return grants

    def _quota_allows(self, agent: str, quota: int | None, now: float) -> bool:
        return quota is None or len(self._recent_grants(agent, now)) < quota

    def _grant(self, waiter: _Waiter, now: float) -> None:
        waiter.probe = self._take(waiter.agent, now)
        waiter.granted_at = now
        waiter.granted = True
        waiter.event.set()

    def _take(self, agent: str, now: float) -> bool:
        """Count one request granted to `agent` now; True when it is a probe (sent while the budget is unknown)."""
        self.in_flight += 1
        self.granted_total += 1
        probe = False
        if self.remaining is None:
            if self._headerless:
                self._next_paced = max(now, self._next_paced) + self._pacing_interval()
            else:
                probe = True
                self._probes += 1
        if self._window_opened_at is None or (self._headerless and now >= self._window_opened_at + self.window_seconds):
            # Without resets to roll on, a window is taken to open with the first request after the last one.
            self._window_opened_at = now
        self._recent_grants(agent, now).append(now)
        return probe

    def _dispatch(self, check: _Waiter | None = None, *, recheck_all: bool = False) -> None:
        """Grant as many waiting calls as the budget allows, one per agent per turn."""
        now = self.clock.now()
        self._roll_window(now)
        while self._turns and self._capacity(now) > 0:
            granted = False
            for _ in range(len(self._turns)):
                agent = self._turns.popleft()
                queue = self._queues.get(agent)
                while queue and queue[0].done:
                    queue.popleft()
                if not queue:
                    self._queues.pop(agent, None)
                    continue
                if not self._quota_allows(agent, queue[0].quota_per_minute, now):
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
        if recheck_all:
            # What others spent may have pushed every queued call's wait past the bound.
            self._refuse_if_too_long(now, [w for queue in self._queues.values() for w in queue])
        elif check is not None:
            self._refuse_if_too_long(now, [check])
        self._wake_sleepers_before(self._next_wake(now))

    def _wake_sleepers_before(self, wake: float | None) -> None:
        """Waiters sleeping past `wake` (time alone frees the budget then) look again and sleep until it."""
        if wake is None or wake >= self._latest_deadline:
            return
        for queue in self._queues.values():
            for waiter in queue:
                if not waiter.done and (waiter.deadline is None or waiter.deadline > wake):
                    waiter.deadline = wake
                    waiter.event.set()
        self._latest_deadline = wake

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
                position += min(len(other), index + 1)
        window = self.window_seconds
        if self.remaining is None and self._headerless:
            company = max(0.0, self._next_paced - now) + (position - 1) * self._pacing_interval()
        else:
            available = (self.remaining if self.remaining is not None else self.limit) - self.in_flight
            if position <= available:
                company = 0.0
            else:
                beyond = position - max(0, available)
                next_reset = (self.reset_at if self.reset_at is not None else now) + self.reset_grace_seconds
                company = max(0.0, next_reset - now) + ((beyond - 1) // self.limit) * window
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
            if waiter.done:
                continue
            expected = (now - waiter.enqueued_at) + self.estimated_wait(waiter, now)
            if expected > self.max_wait_seconds:
                waiter.refused = RateLimitWaitTooLong(
                    expected_wait_seconds=expected, max_wait_seconds=self.max_wait_seconds
                )
                self._forget(waiter)
                waiter.event.set()

    # -- waking up when time, not a response, frees the budget ----------------------------------------

    def _next_wake(self, now: float) -> float | None:
        """The next moment time alone could let a queued call through (None: only a response can)."""
        if not any(self._queues.values()):
            return None
        candidates: list[float] = []
        if self.reset_at is not None:
            candidates.append(self.reset_at + self.reset_grace_seconds)
        if self.remaining is None and self._headerless:
            candidates.append(self._next_paced)
        for agent, queue in self._queues.items():
            head = queue[0] if queue else None
            if head is not None and head.quota_per_minute is not None:
                grants = self._recent_grants(agent, now)
                if len(grants) >= head.quota_per_minute:
                    candidates.append(grants[len(grants) - head.quota_per_minute] + QUOTA_WINDOW_SECONDS)
        future = [when for when in candidates if when > now]
        return min(future) if future else None
