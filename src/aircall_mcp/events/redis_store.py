"""The event stream in Redis, so that every replica serves the same stream (see store.py for the semantics).

Keys follow aircall_mcp.shared.redis_store: under `aircall-mcp:<company>:events:`, all expiring. The stream is a
sorted set scored by seq, each member "seq\\nreceived_at\\nlate\\n<event JSON>"; a second sorted set scores seqs by
arrival time for the age limit. Appending is one Lua script (de-duplication, lateness, numbering and trimming are
atomic across replicas). Waiting polls the seq counter: Redis has no cheap "wake me after N" for sorted sets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio

from aircall_mcp.events.model import Event, StoredEvent
from aircall_mcp.events.store import Retention
from aircall_mcp.shared.redis_store import RedisStore

# The counter outlives quiet periods: a reset would put every agent's cursor ahead of the stream.
SEQ_EXPIRY_MS = 30 * 86_400_000
POLL_SECONDS = 0.05

_APPEND = """
local seqk, stream, times, seen, latest = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, ttl_ms, max_events, max_age, ts, body, seq_ttl =
  tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7]
-- Expiry is judged by the caller's clock (the value); PX only lets Redis forget the key.
local seen_until = tonumber(redis.call('GET', seen))
if seen_until and seen_until > now then return '' end
local keep_until = now + max_age
redis.call('SET', seen, tostring(keep_until), 'PX', ttl_ms)
local late = '0'
local newest = redis.call('HMGET', latest, 'ts', 'until')
if newest[1] and tonumber(newest[2]) > now and tonumber(newest[1]) > ts then
  late = '1'
else
  redis.call('HSET', latest, 'ts', ts, 'until', tostring(keep_until))
  redis.call('PEXPIRE', latest, ttl_ms)
end
local seq = redis.call('INCR', seqk)
redis.call('PEXPIRE', seqk, seq_ttl)
redis.call('ZADD', stream, seq, seq .. '\\n' .. ARGV[1] .. '\\n' .. late .. '\\n' .. body)
redis.call('ZADD', times, now, seq)
local old = redis.call('ZRANGEBYSCORE', times, '-inf', now - max_age)
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', stream, '-inf', tonumber(old[#old]))
  redis.call('ZREMRANGEBYSCORE', times, '-inf', now - max_age)
end
local count = redis.call('ZCARD', stream)
if count > max_events then
  redis.call('ZREMRANGEBYRANK', stream, 0, count - max_events - 1)
  redis.call('ZREMRANGEBYRANK', times, 0, count - max_events - 1)
end
redis.call('PEXPIRE', stream, ttl_ms)
redis.call('PEXPIRE', times, ttl_ms)
return seq .. '\\n' .. late
"""


class RedisEventStore:
    """EventStore in Redis, on the connection (and error conventions) of a `RedisStore` of the same company."""

    def __init__(
        self, shared: RedisStore, retention: Retention | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.retention = retention or Retention()
        self._shared = shared
        self._clock = clock
        # The RedisStore's own connection, prefix and error mapping: one Redis client per company, one convention.
        self._redis: Any = shared._redis
        self._call = shared._call
        self._prefix = shared._prefix + "events:"
        self._append = self._redis.register_script(_APPEND)

    async def append(self, event: Event) -> StoredEvent | None:
        now = self._clock()
        keys = [
            self._prefix + "seq",
            self._prefix + "stream",
            self._prefix + "times",
            self._prefix + "seen:" + event.identity,
            self._prefix + f"latest:{event.resource}:{event.resource_id}",
        ]
        ttl_ms = max(1, int(self.retention.max_age_seconds * 1000))
        args: list[Any] = [
            repr(now),
            ttl_ms,
            self.retention.max_events,
            self.retention.max_age_seconds,
            event.timestamp,
            event.to_json(),
            SEQ_EXPIRY_MS,
        ]
        answer = await self._call(self._append(keys=keys, args=args))
        if not answer:
            return None
        seq, late = bytes(answer).decode().split("\n")
        return StoredEvent(seq=int(seq), received_at=now, event=event, late=late == "1")

    async def read_after(self, cursor: int, limit: int) -> list[StoredEvent]:
        raw = await self._call(
            self._redis.zrangebyscore(self._prefix + "stream", f"({cursor}", "+inf", start=0, num=limit)
        )
        cutoff = self._clock() - self.retention.max_age_seconds
        found = []
        for member in raw:
            seq, received_at, late, body = bytes(member).decode().split("\n", 3)
            if float(received_at) > cutoff:
                found.append(StoredEvent(int(seq), float(received_at), Event.from_json(body), late == "1"))
        return found

    async def last_seq(self) -> int:
        value = await self._call(self._redis.get(self._prefix + "seq"))
        return int(value) if value else 0

    async def wait_after(self, cursor: int) -> None:
        while await self.last_seq() <= cursor:  # noqa: ASYNC110 - another replica may append: nothing to await here
            await anyio.sleep(POLL_SECONDS)

    async def aclose(self) -> None:
        return None  # the connection belongs to the RedisStore
