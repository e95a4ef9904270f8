"""Shared state in a real redis-server: atomic across replicas, namespaced, expiring, and failing cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis

from aircall_mcp.shared import MemoryStore, SharedStateUnavailable
from aircall_mcp.shared.redis_store import BudgetAnswer, RedisStore, redacted_url
from tests.redis_server import RedisServer

NOW = 1_800_000_000.0


@pytest.fixture
async def replicas(redis_server: RedisServer) -> AsyncIterator[Callable[[], RedisStore]]:
    """Make as many stores (one per replica) on the same Redis and company as a test needs."""
    made: list[RedisStore] = []

    def make() -> RedisStore:
        store = RedisStore(redis_server.url, "company-a")
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()


async def test_the_first_request_of_an_unknown_window_is_the_fleets_only_probe(replicas: Any) -> None:
    a, b = replicas(), replicas()
    first = await a.budget_acquire("a1", NOW)
    assert first.granted
    assert first.probe
    assert not (await b.budget_acquire("b1", NOW)).granted

    await a.budget_complete("a1", BudgetAnswer(remaining=5, reset_at=NOW + 10), NOW)
    assert (await b.budget_acquire("b1", NOW)).granted


async def test_three_replicas_racing_for_the_budget_get_exactly_what_remains(replicas: Any) -> None:
    stores = [replicas() for _ in range(3)]
    await stores[0].budget_acquire("probe", NOW)
    await stores[0].budget_complete("probe", BudgetAnswer(remaining=10, reset_at=NOW + 60), NOW)

    grants = await asyncio.gather(*(stores[i % 3].budget_acquire(f"lease-{i}", NOW) for i in range(40)))

    assert sum(grant.granted for grant in grants) == 10


async def test_a_spent_budget_says_when_the_window_resets_and_a_new_window_is_probed_again(replicas: Any) -> None:
    store = replicas()
    await store.budget_acquire("probe", NOW)
    await store.budget_complete("probe", BudgetAnswer(remaining=0, reset_at=NOW + 7), NOW)

    refused = await store.budget_acquire("x", NOW + 1)
    assert not refused.granted
    assert refused.retry_at == pytest.approx(NOW + 7)
    after_reset = await store.budget_acquire("y", NOW + 7)
    assert after_reset.granted
    assert after_reset.probe


async def test_a_429_closes_the_budget_for_the_whole_fleet_until_its_reset(replicas: Any) -> None:
    a, b = replicas(), replicas()
    await a.budget_acquire("probe", NOW)
    await a.budget_complete("probe", BudgetAnswer(remaining=50, reset_at=NOW + 60), NOW)
    await a.budget_acquire("a1", NOW)
    await a.budget_complete("a1", BudgetAnswer(rate_limited=True, reset_at=NOW + 3), NOW)

    assert (await b.budget_acquire("b1", NOW + 1)).retry_at == pytest.approx(NOW + 3)


async def test_answers_of_one_window_arriving_out_of_order_keep_the_lowest_remaining(replicas: Any) -> None:
    store = replicas()
    await store.budget_acquire("probe", NOW)
    await store.budget_complete("probe", BudgetAnswer(remaining=3, reset_at=NOW + 60), NOW)
    for lease in ("l1", "l2"):
        await store.budget_acquire(lease, NOW)
    await store.budget_complete("l2", BudgetAnswer(remaining=1, reset_at=NOW + 60), NOW)
    await store.budget_complete("l1", BudgetAnswer(remaining=2, reset_at=NOW + 60.2), NOW)

    assert (await store.budget_state())["remaining"] == 1


async def test_reliability_a_slot_of_a_replica_that_died_stops_counting_after_its_lease(replicas: Any) -> None:
    store = replicas()
    await store.budget_acquire("probe", NOW)
    await store.budget_complete("probe", BudgetAnswer(remaining=1, reset_at=NOW + 600), NOW)
    assert (await store.budget_acquire("lost", NOW)).granted
    assert not (await store.budget_acquire("next", NOW + 1)).granted

    assert (await store.budget_acquire("next", NOW + 121)).granted


async def test_a_released_slot_is_given_back_to_the_fleet(replicas: Any) -> None:
    store = replicas()
    await store.budget_acquire("probe", NOW)
    await store.budget_release("probe")
    assert (await store.budget_acquire("again", NOW)).probe


@pytest.fixture(params=["memory", "redis"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[list[Any]]:
    """Two replicas' view of shared state: the same object in process, two clients of one Redis otherwise."""
    if request.param == "memory":
        store = MemoryStore(clock=lambda: NOW)
        yield [store, store]
        return
    server = RedisServer(tmp_path)
    server.start()
    pair = [RedisStore(server.url, "company-a"), RedisStore(server.url, "company-a")]
    try:
        yield pair
    finally:
        for replica in pair:
            await replica.aclose()
        server.stop()


async def test_a_quota_of_n_a_minute_admits_n_across_replicas_not_n_per_replica(stores: list[Any]) -> None:
    a, b = stores
    taken = [await (a if i % 2 else b).quota_take("bot", f"r{i}", 3, NOW + i) for i in range(3)]
    assert taken == [None, None, None]

    assert await a.quota_take("bot", "r3", 3, NOW + 5) == pytest.approx(NOW + 60)
    assert await b.quota_take("other", "r4", 3, NOW + 5) is None
    assert await b.quota_take("bot", "r5", 3, NOW + 60) is None


async def test_a_returned_quota_request_frees_its_place(stores: list[Any]) -> None:
    a, b = stores
    assert await a.quota_take("bot", "r1", 1, NOW) is None
    await b.quota_return("bot", "r1")
    assert await a.quota_take("bot", "r2", 1, NOW) is None


async def test_a_claim_succeeds_once_across_replicas(stores: list[Any]) -> None:
    a, b = stores
    assert await a.claim_once("nonce-1", 300)
    assert not await b.claim_once("nonce-1", 300)
    assert await b.claim_once("nonce-2", 300)


async def test_every_replica_gets_the_same_shared_secret(stores: list[Any]) -> None:
    a, b = stores
    secret = await a.secret("confirmations")
    assert len(secret) == 32
    assert await b.secret("confirmations") == secret


async def test_keys_are_namespaced_per_company_and_all_expire_on_their_own(redis_server: RedisServer) -> None:
    a, other = RedisStore(redis_server.url, "company-a"), RedisStore(redis_server.url, "company-b")
    try:
        await a.budget_acquire("probe", NOW)
        await a.budget_complete("probe", BudgetAnswer(remaining=5, reset_at=NOW + 60), NOW)
        await a.budget_acquire("held", NOW)
        await a.quota_take("bot", "r1", 5, NOW)
        await a.claim_once("nonce", 300)
        await a.secret("confirmations")
        assert (await other.budget_acquire("probe", NOW)).probe  # company B knows nothing of A's window

        raw = redis.from_url(redis_server.url)
        keys = [key.decode() async for key in raw.scan_iter("*")]
        ttls = [await raw.pttl(key) for key in keys]
        await raw.aclose()
    finally:
        await a.aclose()
        await other.aclose()
    assert keys
    assert all(key.startswith(("aircall-mcp:company-a:", "aircall-mcp:company-b:")) for key in keys)
    assert all(ttl > 0 for ttl in ttls), dict(zip(keys, ttls, strict=True))


async def test_security_an_unreachable_redis_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    server = RedisServer(tmp_path, password="s3cret-pass")
    server.start()
    store = RedisStore(server.url, "company-a")
    try:
        await store.ping()
        server.stop()
        with pytest.raises(SharedStateUnavailable) as caught:
            await store.ping()
    finally:
        await store.aclose()
    assert "s3cret-pass" not in str(caught.value)
    assert f"127.0.0.1:{server.port}" in str(caught.value)


async def test_security_a_wrong_redis_password_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    server = RedisServer(tmp_path, password="right-pass")
    server.start()
    store = RedisStore(f"redis://:wrong-pass@127.0.0.1:{server.port}/0", "company-a")
    try:
        with pytest.raises(SharedStateUnavailable) as caught:
            await store.ping()
    finally:
        await store.aclose()
        server.stop()
    assert "wrong-pass" not in str(caught.value)


def test_security_redis_urls_are_shown_without_their_password() -> None:
    assert redacted_url("rediss://user:pw@redis.example:6380/2") == "rediss://user:***@redis.example:6380/2"
    assert redacted_url("redis://:pw@localhost/0") == "redis://:***@localhost/0"
    assert redacted_url("redis://localhost:6379/0") == "redis://localhost:6379/0"
