"""The event store, in process and in a real redis-server: the same contract, proven against both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from aircall_mcp.events import Event, EventStore, MemoryEventStore, Retention
from aircall_mcp.events.redis_store import RedisEventStore
from aircall_mcp.shared import SharedStateUnavailable
from aircall_mcp.shared.redis_store import RedisStore
from tests.conftest import ManualClock


def call_event(name: str, call_id: int, timestamp: int, number_id: int = 1) -> Event:
    return Event("call", name, timestamp, {"id": call_id, "number": {"id": number_id}})


@pytest.fixture(params=["memory", "redis"])
async def make_store(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[Any]:
    """A factory of stores (retention, clock) of the parametrised kind; Redis ones share one real server."""
    shared: list[RedisStore] = []
    server = None
    if request.param == "redis":
        from tests.redis_server import RedisServer

        server = RedisServer(tmp_path)
        server.start()

    def make(retention: Retention | None = None, clock: ManualClock | None = None) -> EventStore:
        clock = clock or ManualClock()
        if server is None:
            return MemoryEventStore(retention, clock=clock)
        redis_store = RedisStore(server.url, "company-a")
        shared.append(redis_store)
        return RedisEventStore(redis_store, retention, clock=clock)

    try:
        yield make
    finally:
        for store in shared:
            await store.aclose()
        if server is not None:
            server.stop()


async def test_events_are_read_after_a_cursor_oldest_first_at_most_n(make_store: Any) -> None:
    store = make_store()
    for i in range(5):
        assert await store.append(call_event("call.created", 100 + i, 1000 + i)) is not None

    first = await store.read_after(0, 2)
    rest = await store.read_after(first[-1].seq, 10)

    assert [s.event.data["id"] for s in first] == [100, 101]
    assert [s.event.data["id"] for s in rest] == [102, 103, 104]
    assert await store.read_after(rest[-1].seq, 10) == []
    assert await store.last_seq() == rest[-1].seq


async def test_reliability_a_repeated_delivery_is_stored_once_within_the_window(make_store: Any) -> None:
    clock = ManualClock()
    store = make_store(Retention(max_events=100, max_age_seconds=60), clock)
    event = call_event("call.ended", 7, 1000)

    assert await store.append(event) is not None
    assert await store.append(Event("call", "call.ended", 1000, {"id": 7, "other": "copy"})) is None
    assert await store.append(call_event("call.ended", 7, 1001)) is not None  # another timestamp: another event
    clock.advance(61)
    assert await store.append(event) is not None  # past the window it is new again

    kept = await store.read_after(0, 10)
    assert [(s.event.timestamp, s.received_at) for s in kept] == [(1000, clock.now)]  # the first two aged out


async def test_an_event_older_than_one_already_stored_for_the_same_call_is_marked_late(make_store: Any) -> None:
    store = make_store()
    ended = await store.append(call_event("call.ended", 9, 2000))
    answered = await store.append(call_event("call.answered", 9, 1500))
    other_call = await store.append(call_event("call.created", 10, 1000))

    assert ended is not None
    assert not ended.late
    assert answered is not None
    assert answered.late
    assert other_call is not None
    assert not other_call.late
    assert [s.late for s in await store.read_after(0, 10)] == [False, True, False]


async def test_retention_keeps_the_newest_n_events(make_store: Any) -> None:
    store = make_store(Retention(max_events=3, max_age_seconds=3600))
    for i in range(5):
        await store.append(call_event("call.created", i, 1000 + i))

    assert [s.event.data["id"] for s in await store.read_after(0, 10)] == [2, 3, 4]


async def test_retention_drops_events_older_than_the_age_limit(make_store: Any) -> None:
    clock = ManualClock()
    store = make_store(Retention(max_events=100, max_age_seconds=60), clock)
    await store.append(call_event("call.created", 1, 1000))
    clock.advance(30)
    await store.append(call_event("call.created", 2, 1030))
    clock.advance(31)

    assert [s.event.data["id"] for s in await store.read_after(0, 10)] == [2]


async def test_a_waiter_wakes_when_an_event_after_its_cursor_is_appended(make_store: Any) -> None:
    store = make_store()
    await store.append(call_event("call.created", 1, 1000))
    woke = anyio.Event()

    async def waiter() -> None:
        await store.wait_after(1)
        woke.set()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(waiter)
            await anyio.wait_all_tasks_blocked()
            assert not woke.is_set()
            await store.append(call_event("call.answered", 1, 1010))
            await woke.wait()


async def test_two_replicas_on_one_redis_share_one_stream_and_one_dedup(redis_server: Any) -> None:
    shared = [RedisStore(redis_server.url, "company-a") for _ in range(2)]
    a, b = (RedisEventStore(one, clock=ManualClock()) for one in shared)
    event = call_event("call.ended", 5, 1000)

    assert await a.append(event) is not None
    assert await b.append(event) is None  # the same delivery reaching the other replica
    await b.append(call_event("call.tagged", 5, 1001))

    assert [s.event.event for s in await a.read_after(0, 10)] == ["call.ended", "call.tagged"]
    for one in shared:
        await one.aclose()


async def test_reliability_redis_going_away_is_shared_state_unavailable_without_the_password(tmp_path: Any) -> None:
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path, password="s3cret-pw")
    server.start()
    shared = RedisStore(server.url, "company-a", timeout_seconds=0.5)
    store = RedisEventStore(shared)
    try:
        await store.append(call_event("call.created", 1, 1000))
        server.stop()
        with pytest.raises(SharedStateUnavailable) as raised:
            await store.append(call_event("call.created", 2, 1001))
        assert "s3cret-pw" not in str(raised.value)
    finally:
        await shared.aclose()
