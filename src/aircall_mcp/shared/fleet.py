"""The company budget shared by several replicas through Redis: `FleetLimiter`, a second `RequestBudget`.

Each replica keeps its own `CompanyLimiter` (round-robin fairness between the agents it serves, learning from
the X-AircallApi-* headers it sees) and, on top of it, asks Redis for a lease before every request: Redis holds
what Aircall's answers said remains (from every replica), the reset and the leases in flight, and grants atomically
(one Lua script), so the fleet together never has more requests in flight than remain. The per-agent
`quota.per_minute` is counted in Redis too, once for the whole fleet.

Redis lost while serving: the replica falls back to its local limiter alone (today's per-process pacing, quotas
counted in this process) with a warning, reports `budget="local"` in the stats of the calls it serves so, and
tries Redis again at most every `retry_seconds`; the first call that reaches it again is shared again.

`Slot.complete` is synchronous (the client calls it from its send path), so what a slot reports to Redis goes
through a small queue drained by one background task; enter the limiter (`async with`) to run it.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Literal

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from aircall_mcp.errors import RateLimitWaitTooLong
from aircall_mcp.ratelimit import CompanyLimiter, RateHeaders, Slot
from aircall_mcp.shared.redis_store import BudgetAnswer, RedisStore
from aircall_mcp.shared.store import SharedStateUnavailable

logger = logging.getLogger("aircall_mcp.fleet")

BudgetMode = Literal["shared", "local"]
_ANONYMOUS = "-"
# A spent budget is looked at again at least this often: another replica may have learned a new window.
_LONGEST_NAP = 1.0

Job = Callable[[], Awaitable[None]]


class FleetSlot:
    """A slot granted by the local limiter and (in shared mode) by the fleet's budget in Redis."""

    def __init__(
        self,
        fleet: FleetLimiter,
        local: Slot,
        *,
        waited_seconds: float,
        lease: str | None = None,
        agent: str = _ANONYMOUS,
        quota_member: str | None = None,
    ) -> None:
        self._fleet = fleet
        self._local = local
        self._lease = lease
        self._agent = agent
        self._quota_member = quota_member
        self.waited_seconds = waited_seconds
        self.budget: BudgetMode = "shared" if lease is not None else "local"
        self._done = False

    def complete(
        self, headers: Mapping[str, str] | None, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        if self._done:
            return
        self._done = True
        self._local.complete(headers, status=status, retry_after=retry_after)
        if self._lease is not None:
            lease, answer, now = self._lease, budget_answer(headers, status, retry_after), self._fleet.clock.now()
            self._fleet.later(lambda: self._fleet.store.budget_complete(lease, answer, now))

    def release(self) -> None:
        if self._done:
            return
        self._done = True
        self._local.release()
        self._fleet.give_back(self._lease, self._agent, self._quota_member)


def budget_answer(headers: Mapping[str, str] | None, status: int | None, retry_after: float | None) -> BudgetAnswer:
    """What one Aircall answer says about the company budget, in the shape the Redis script takes."""
    if headers is None:
        return BudgetAnswer()  # no answer: it may have been counted, and the script counts it
    rate = RateHeaders.parse(headers)
    if status == 429:
        reset = rate.reset_at if rate.reset_at is not None else None
        if reset is None and retry_after is not None:
            return BudgetAnswer(rate_limited=True, closed_for_seconds=retry_after)
        return BudgetAnswer(rate_limited=True, reset_at=reset)
    if rate.remaining is None or rate.reset_at is None:
        return BudgetAnswer()
    return BudgetAnswer(remaining=rate.remaining, reset_at=rate.reset_at)


class FleetLimiter:
    """A company's request budget shared by every replica pointed at the same Redis (see the module doc)."""

    def __init__(
        self,
        store: RedisStore,
        local: CompanyLimiter,
        *,
        retry_seconds: float = 5.0,
        poll_seconds: float = 0.02,
    ) -> None:
        self.store = store
        self.local = local
        self.clock = local.clock
        self.retry_seconds = retry_seconds
        self.poll_seconds = poll_seconds
        # None: Redis is in use; else the moment to try it again.
        self._retry_shared_at: float | None = None
        self._changed = anyio.Event()
        self._jobs_in: MemoryObjectSendStream[Job] | None = None
        self._jobs_out: MemoryObjectReceiveStream[Job] | None = None
        self._tasks: TaskGroup | None = None

    @property
    def shared(self) -> bool:
        """Whether the last look found Redis reachable."""
        return self._retry_shared_at is None

    async def __aenter__(self) -> FleetLimiter:
        self._jobs_in, self._jobs_out = anyio.create_memory_object_stream[Job](math.inf)
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        self._tasks.start_soon(self._drain, self._jobs_out)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        if self._jobs_in is None or self._tasks is None:
            return None
        self._jobs_in.close()  # the worker finishes what is queued, then ends
        result = await self._tasks.__aexit__(kind, exc, tb)
        self._tasks = self._jobs_in = None
        return result

    # -- RequestBudget -----------------------------------------------------------------------------------

    async def acquire(
        self, agent: str | None = None, *, quota_per_minute: int | None = None, first: bool = False
    ) -> Slot:
        started = self.clock.now()
        if self._retry_shared_at is not None and started < self._retry_shared_at:
            return await self._local_only(agent, quota_per_minute, first, started)
        key = agent or _ANONYMOUS
        member: str | None = None
        try:
            if quota_per_minute is not None:
                member = uuid.uuid4().hex
                await self._take_quota(key, member, quota_per_minute, started)
        except SharedStateUnavailable as exc:
            self._lost(exc)
            return await self._local_only(agent, quota_per_minute, first, started)
        except BaseException:
            # Refused or cancelled: a place the script may have counted just then is given back.
            self.give_back(None, key, member)
            raise
        try:
            local = await self.local.acquire(agent, first=first)
        except BaseException:
            self.give_back(None, key, member)
            raise
        lease = uuid.uuid4().hex
        try:
            await self._take_lease(lease, started)
        except SharedStateUnavailable as exc:
            self._lost(exc)
            return FleetSlot(self, local, waited_seconds=self.clock.now() - started)
        except BaseException:
            # Refused or cancelled: the lease may have been granted just then; none of it counts.
            local.release()
            self.give_back(lease, key, member)
            raise
        self._recovered()
        return FleetSlot(
            self, local, waited_seconds=self.clock.now() - started, lease=lease, agent=key, quota_member=member
        )

    # -- the shared path -----------------------------------------------------------------------------------

    async def _take_quota(self, agent: str, member: str, per_minute: int, started: float) -> None:
        while True:
            now = self.clock.now()
            room_at = await self.store.quota_take(agent, member, per_minute, now)
            if room_at is None:
                return
            self._refuse_beyond(room_at, started)
            await self.clock.sleep(room_at - now)

    async def _take_lease(self, lease: str, started: float) -> None:
        while True:
            now = self.clock.now()
            grant = await self.store.budget_acquire(lease, now)
            if grant.granted:
                return
            if grant.retry_at is not None:
                self._refuse_beyond(grant.retry_at, started)
                wake = min(grant.retry_at, now + _LONGEST_NAP)
            else:
                # Full with requests in flight: one of them answers soon (here or on another replica).
                self._refuse_beyond(now, started)
                wake = now + self.poll_seconds
            await self.clock.wait_until(self._changed, wake)

    def _refuse_beyond(self, free_at: float, started: float) -> None:
        expected = free_at - started
        if expected > self.local.max_wait_seconds:
            raise RateLimitWaitTooLong(expected_wait_seconds=expected, max_wait_seconds=self.local.max_wait_seconds)

    # -- the local fallback --------------------------------------------------------------------------------

    async def _local_only(self, agent: str | None, quota: int | None, first: bool, started: float) -> Slot:
        local = await self.local.acquire(agent, quota_per_minute=quota, first=first)
        return FleetSlot(self, local, waited_seconds=self.clock.now() - started)

    def _lost(self, exc: SharedStateUnavailable) -> None:
        if self._retry_shared_at is None:
            logger.warning(
                "shared budget unavailable, pacing from this replica's own view until Redis is back: %s", exc
            )
        self._retry_shared_at = self.clock.now() + self.retry_seconds

    def _recovered(self) -> None:
        if self._retry_shared_at is not None:
            self._retry_shared_at = None
            logger.warning("shared budget back: Redis at %s answers again", self.store.url)

    # -- reporting to Redis in the background --------------------------------------------------------------

    def give_back(self, lease: str | None, agent: str, quota_member: str | None) -> None:
        """A slot that was not used: its lease and its place in the agent's quota no longer count."""
        if lease is not None:
            self.later(lambda: self.store.budget_release(lease))
        if quota_member is not None:
            self.later(lambda: self.store.quota_return(agent, quota_member))

    def later(self, job: Job) -> None:
        if self._jobs_in is None:
            raise RuntimeError("FleetLimiter is used outside `async with`")
        self._jobs_in.send_nowait(job)

    async def _drain(self, jobs: MemoryObjectReceiveStream[Job]) -> None:
        async with jobs:
            async for job in jobs:
                try:
                    await job()
                except SharedStateUnavailable as exc:
                    # The lease expires by itself (LEASE_SECONDS); the budget goes local meanwhile.
                    self._lost(exc)
                except Exception:  # nothing reported late may stop the reporting
                    logger.exception("could not report a budget answer to Redis")
                # Waiters for the fleet's budget look again now rather than at their next poll.
                self._changed.set()
                self._changed = anyio.Event()
