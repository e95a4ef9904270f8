"""State that several replicas of the server must share, behind one small interface.

`SharedStore` is what the confirmations, the per-agent quotas and (later) approvals need from shared state:
single-use claims, a shared secret, sliding per-minute counts. `MemoryStore` keeps it in this process (the
default: one process is the whole fleet); `RedisStore` (aircall_mcp.shared.redis_store) keeps it in Redis so
that every replica sees the same numbers. The company budget itself is shared by `FleetLimiter`
(aircall_mcp.shared.fleet), which only exists with Redis: in one process the limiter already is the fleet.

Every operation is atomic in both implementations, and every record expires on its own.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Protocol

QUOTA_WINDOW_SECONDS = 60.0


class SharedStateUnavailable(Exception):
    """The shared store cannot be reached; the message never contains credentials."""


class SharedStore(Protocol):
    """The operations shared state offers. Implementations: MemoryStore, RedisStore."""

    async def quota_take(self, agent: str, member: str, per_minute: int, now: float) -> float | None:
        """Count one request of `agent` if its last minute has room (None), else say when it will have room."""
        ...

    async def quota_return(self, agent: str, member: str) -> None:
        """Uncount a request that was never sent."""
        ...

    async def claim_once(self, name: str, ttl_seconds: float) -> bool:
        """True the first time `name` is claimed within `ttl_seconds`, False after that (until it expires)."""
        ...

    async def secret(self, name: str) -> bytes:
        """A random secret shared by every replica, created on first use."""
        ...

    async def aclose(self) -> None: ...


class MemoryStore:
    """Shared state of one process: the same semantics as RedisStore, without a server."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._quotas: dict[str, dict[str, float]] = {}
        self._claims: dict[str, float] = {}
        self._secrets: dict[str, bytes] = {}

    async def quota_take(self, agent: str, member: str, per_minute: int, now: float) -> float | None:
        log = self._quotas.setdefault(agent, {})
        for key, at in list(log.items()):
            if at <= now - QUOTA_WINDOW_SECONDS:
                del log[key]
        if len(log) < per_minute:
            log[member] = now
            return None
        return min(log.values()) + QUOTA_WINDOW_SECONDS

    async def quota_return(self, agent: str, member: str) -> None:
        self._quotas.get(agent, {}).pop(member, None)

    async def claim_once(self, name: str, ttl_seconds: float) -> bool:
        now = self._clock()
        if len(self._claims) > 1024:
            self._claims = {key: until for key, until in self._claims.items() if until > now}
        if self._claims.get(name, 0.0) > now:
            return False
        self._claims[name] = now + ttl_seconds
        return True

    async def secret(self, name: str) -> bytes:
        return self._secrets.setdefault(name, secrets.token_bytes(32))

    async def aclose(self) -> None:
        return None
