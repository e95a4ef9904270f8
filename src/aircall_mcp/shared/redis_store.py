"""Shared state in Redis, for several replicas serving one Aircall company.

Every read-modify-write is one Lua script (atomic on the server: no race between replicas). Keys live under
`aircall-mcp:<company>:` (a hash naming the company, never a secret) and expire on their own. Any failure to
reach Redis is a `SharedStateUnavailable` whose message names the server without its password; callers decide
how to degrade (the budget falls back to per-process pacing; confirmations fail closed).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from aircall_mcp.shared.store import QUOTA_WINDOW_SECONDS, SharedStateUnavailable

# A granted budget slot that no answer reported within this long is no longer counted (a replica died mid-call).
LEASE_SECONDS = 120.0
# Budget, quota and probe keys outlive a quiet hour, then go.
IDLE_EXPIRY_MS = 3_600_000
SECRET_EXPIRY_SECONDS = 30 * 86_400
# Resets of one window reported by different answers may differ by rounding.
SAME_RESET_TOLERANCE = 0.5

_ACQUIRE = """
local budget, leases, probe = KEYS[1], KEYS[2], KEYS[3]
local lease, now, lease_ttl, idle = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
local reset_at = tonumber(redis.call('HGET', budget, 'reset_at'))
if reset_at and now >= reset_at then
  redis.call('HDEL', budget, 'remaining', 'reset_at')
  reset_at = nil
end
local remaining = tonumber(redis.call('HGET', budget, 'remaining'))
local in_flight = redis.call('ZCARD', leases)
if remaining then
  if remaining - in_flight > 0 then
    redis.call('ZADD', leases, now + lease_ttl, lease)
    redis.call('PEXPIRE', leases, idle)
    return {1, 0, ''}
  end
  if remaining <= 0 and reset_at then return {0, 0, tostring(reset_at)} end
  return {0, 0, ''}
end
local holder = redis.call('GET', probe)
if (not holder) or (not redis.call('ZSCORE', leases, holder)) then
  redis.call('SET', probe, lease, 'PX', math.floor(lease_ttl * 1000))
  redis.call('ZADD', leases, now + lease_ttl, lease)
  redis.call('PEXPIRE', leases, idle)
  return {1, 1, ''}
end
return {0, 0, ''}
"""

_COMPLETE = """
local budget, leases, probe = KEYS[1], KEYS[2], KEYS[3]
local lease, now, remaining, reset_at, limited, closed_for, idle, tolerance =
  ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7],
  tonumber(ARGV[8])
redis.call('ZREM', leases, lease)
if redis.call('GET', probe) == lease then redis.call('DEL', probe) end
local known = tonumber(redis.call('HGET', budget, 'remaining'))
local known_reset = tonumber(redis.call('HGET', budget, 'reset_at'))
if limited == '1' then
  if (not reset_at) or reset_at <= now then reset_at = now + closed_for end
  redis.call('HSET', budget, 'remaining', 0, 'reset_at', tostring(reset_at))
elseif not remaining then
  if known then redis.call('HSET', budget, 'remaining', math.max(0, known - 1)) end
elseif reset_at and reset_at > now then
  if (not known) or (not known_reset) or reset_at > known_reset + tolerance then
    redis.call('HSET', budget, 'remaining', remaining, 'reset_at', tostring(reset_at))
  elseif reset_at >= known_reset - tolerance then
    redis.call('HSET', budget, 'remaining', math.min(known, remaining))
    if reset_at > known_reset then redis.call('HSET', budget, 'reset_at', tostring(reset_at)) end
  end
end
redis.call('PEXPIRE', budget, idle)
return 1
"""

_RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 1
"""

_QUOTA_TAKE = """
local log, now, member, limit, window, idle = KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]),
  tonumber(ARGV[4]), ARGV[5]
redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window)
if redis.call('ZCARD', log) < limit then
  redis.call('ZADD', log, now, member)
  redis.call('PEXPIRE', log, idle)
  return ''
end
local oldest = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window)
"""


@dataclass(frozen=True, slots=True)
class BudgetGrant:
    """May one more request go to Aircall now? `probe`: granted while the window's budget is unknown, so its
    answer teaches every replica. When not granted, `retry_at` is the window's reset if the budget is spent."""

    granted: bool
    probe: bool = False
    retry_at: float | None = None


@dataclass(frozen=True, slots=True)
class BudgetAnswer:
    """What one Aircall answer said about the company budget. `reset_at` is always set with `remaining`."""

    remaining: int | None = None
    reset_at: float | None = None
    rate_limited: bool = False
    # A 429 whose reset could not be read closes the budget this long.
    closed_for_seconds: float = 5.0


def redacted_url(url: str) -> str:
    """The Redis URL with its password replaced, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    host = parts.hostname or ""
    netloc = f"{user}***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class RedisStore:
    """SharedStore (plus the company budget) in Redis. `namespace` names the Aircall company (a hash)."""

    def __init__(self, url: str, namespace: str, *, timeout_seconds: float = 2.0) -> None:
        self.url = redacted_url(url)
        self._password = urlsplit(url).password
        self._prefix = f"aircall-mcp:{namespace}:"
        try:
            self._redis: Any = redis.from_url(
                url,
                socket_timeout=timeout_seconds,
                socket_connect_timeout=timeout_seconds,
                decode_responses=False,
                # A pooled connection from before a Redis restart fails once; one new connection settles it.
                # Only connection errors (the command did not run), never timeouts (it may have run).
                retry=Retry(NoBackoff(), 1),
                retry_on_error=[RedisConnectionError],
            )
        except (ValueError, RedisError) as exc:
            raise SharedStateUnavailable(f"cannot use Redis URL {self.url}: {self._words(exc)}") from None
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._complete = self._redis.register_script(_COMPLETE)
        self._release = self._redis.register_script(_RELEASE)
        self._quota = self._redis.register_script(_QUOTA_TAKE)

    async def ping(self) -> None:
        await self._call(self._redis.ping())

    async def aclose(self) -> None:
        await self._redis.aclose()

    # -- company budget ----------------------------------------------------------------------------------

    async def budget_acquire(self, lease: str, now: float) -> BudgetGrant:
        keys = self._budget_keys()
        granted, probe, retry = await self._call(
            self._acquire(keys=keys, args=[lease, now, LEASE_SECONDS, IDLE_EXPIRY_MS])
        )
        retry_at = float(retry) if retry else None
        return BudgetGrant(granted=bool(granted), probe=bool(probe), retry_at=retry_at)

    async def budget_complete(self, lease: str, answer: BudgetAnswer, now: float) -> None:
        args: list[str | float] = [
            lease,
            now,
            "" if answer.remaining is None else answer.remaining,
            "" if answer.reset_at is None else answer.reset_at,
            "1" if answer.rate_limited else "0",
            answer.closed_for_seconds,
            IDLE_EXPIRY_MS,
            SAME_RESET_TOLERANCE,
        ]
        await self._call(self._complete(keys=self._budget_keys(), args=args))

    async def budget_release(self, lease: str) -> None:
        """A granted slot that was not used: it no longer counts."""
        await self._call(self._release(keys=self._budget_keys(), args=[lease]))

    async def budget_state(self) -> dict[str, float]:
        """What the fleet knows now (for logs, stats and tests)."""
        budget, leases, _ = self._budget_keys()
        raw = await self._call(self._redis.hgetall(budget))
        state = {key.decode(): float(value) for key, value in raw.items()}
        state["in_flight"] = float(await self._call(self._redis.zcard(leases)))
        return state

    def _budget_keys(self) -> list[str]:
        return [self._prefix + "budget", self._prefix + "budget:leases", self._prefix + "budget:probe"]

    # -- SharedStore ---------------------------------------------------------------------------------------

    async def quota_take(self, agent: str, member: str, per_minute: int, now: float) -> float | None:
        key = self._prefix + f"quota:{agent}"
        args: list[str | float] = [now, member, per_minute, QUOTA_WINDOW_SECONDS, IDLE_EXPIRY_MS]
        answer = await self._call(self._quota(keys=[key], args=args))
        return float(answer) if answer else None

    async def quota_return(self, agent: str, member: str) -> None:
        await self._call(self._redis.zrem(self._prefix + f"quota:{agent}", member))

    async def claim_once(self, name: str, ttl_seconds: float) -> bool:
        key = self._prefix + f"claim:{name}"
        claimed = await self._call(self._redis.set(key, b"1", nx=True, px=max(1, int(ttl_seconds * 1000))))
        return bool(claimed)

    async def secret(self, name: str) -> bytes:
        key = self._prefix + f"secret:{name}"
        await self._call(self._redis.set(key, secrets.token_bytes(32), nx=True, ex=SECRET_EXPIRY_SECONDS))
        value = await self._call(self._redis.getex(key, ex=SECRET_EXPIRY_SECONDS))
        if not isinstance(value, bytes):
            raise SharedStateUnavailable("the shared secret vanished between two Redis commands")
        return value

    async def _call(self, pending: Any) -> Any:
        try:
            return await pending
        except (RedisError, OSError) as exc:
            raise SharedStateUnavailable(f"Redis at {self.url} is unavailable: {self._words(exc)}") from None

    def _words(self, exc: BaseException) -> str:
        # redis-py's messages name host and port; the password is removed all the same, and the text kept short.
        text = str(exc) or type(exc).__name__
        if self._password:
            text = text.replace(self._password, "***")
        return text if len(text) <= 200 else text[:199] + "…"
