"""The event stream behind one interface: in this process (default) or in Redis (shared by every replica).

A stream is a sequence of stored events numbered 1, 2, 3... (the cursor of an agent is the last number it saw).
Appending de-duplicates by the event's identity within the retention window, and marks an event `late` when a
newer event about the same object is already stored. Retention is by count and by age, whichever comes first.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import anyio

from aircall_mcp.events.model import Event, StoredEvent


@dataclass(frozen=True, slots=True)
class Retention:
    """How much of the stream is kept: at most `max_events`, none older than `max_age_seconds`. The age is also
    the de-duplication window: a delivery repeated later than that is taken as new."""

    max_events: int = 10_000
    max_age_seconds: float = 86_400.0

    def __post_init__(self) -> None:
        if self.max_events < 1:
            raise ValueError(f"events retention: max_events must be at least 1, got {self.max_events}")
        if self.max_age_seconds <= 0:
            raise ValueError(f"events retention: max_age_seconds must be above 0, got {self.max_age_seconds}")


class EventStore(Protocol):
    """Where received events wait for agents. Implementations: MemoryEventStore, RedisEventStore."""

    async def append(self, event: Event) -> StoredEvent | None:
        """Store `event` unless an event with the same identity is already kept; None for a duplicate."""
        ...

    async def read_after(self, cursor: int, limit: int) -> list[StoredEvent]:
        """At most `limit` retained events with seq > cursor, oldest first."""
        ...

    async def last_seq(self) -> int:
        """The seq of the newest event ever appended (0 for an empty stream)."""
        ...

    async def wait_after(self, cursor: int) -> None:
        """Return once an event with seq > cursor exists. Unbounded: callers bound it."""
        ...

    async def aclose(self) -> None: ...


class MemoryEventStore:
    """The stream of one process."""

    def __init__(self, retention: Retention | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.retention = retention or Retention()
        self._clock = clock
        self._events: deque[StoredEvent] = deque()
        self._seen: dict[str, float] = {}  # identity -> when it may be taken as new again
        self._latest: dict[str, tuple[int, float]] = {}  # "resource:id" -> (newest timestamp, expiry)
        self._seq = 0
        self._appended = anyio.Event()

    async def append(self, event: Event) -> StoredEvent | None:
        now = self._clock()
        self._expire(now)
        if self._seen.get(event.identity, 0.0) > now:
            return None
        until = now + self.retention.max_age_seconds
        self._seen[event.identity] = until
        key = f"{event.resource}:{event.resource_id}"
        newest = self._latest.get(key)
        late = newest is not None and newest[1] > now and newest[0] > event.timestamp
        if not late:
            self._latest[key] = (event.timestamp, until)
        self._seq += 1
        stored = StoredEvent(seq=self._seq, received_at=now, event=event, late=late)
        self._events.append(stored)
        while len(self._events) > self.retention.max_events:
            self._events.popleft()
        self._appended.set()
        self._appended = anyio.Event()
        return stored

    async def read_after(self, cursor: int, limit: int) -> list[StoredEvent]:
        self._expire(self._clock())
        found: list[StoredEvent] = []
        # Seqs are contiguous in the deque: skip straight to the first one after the cursor.
        start = 0 if not self._events else max(0, cursor - self._events[0].seq + 1)
        for index in range(start, len(self._events)):
            if len(found) >= limit:
                break
            found.append(self._events[index])
        return found

    async def last_seq(self) -> int:
        return self._seq

    async def wait_after(self, cursor: int) -> None:
        while self._seq <= cursor:
            await self._appended.wait()

    async def aclose(self) -> None:
        return None

    def _expire(self, now: float) -> None:
        cutoff = now - self.retention.max_age_seconds
        while self._events and self._events[0].received_at <= cutoff:
            self._events.popleft()
        if len(self._seen) > 2 * self.retention.max_events:
            self._seen = {k: until for k, until in self._seen.items() if until > now}
            self._latest = {k: v for k, v in self._latest.items() if v[1] > now}
