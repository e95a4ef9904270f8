"""Three replicas, one Redis, one sandbox: the company budget, quotas and confirmations are the fleet's.

Each replica is a server instance of its own (its own FleetLimiter, local CompanyLimiter, Aircall client and MCP
server); they meet only in Redis and in the sandbox's budget, as replicas behind a load balancer do.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest

from aircall_mcp.audit import AuditLog
from aircall_mcp.confirmation import Approval, Confirmations
from aircall_mcp.ratelimit import CompanyLimiter
from aircall_mcp.sandbox import running_sandbox
from aircall_mcp.shared.fleet import FleetLimiter
from aircall_mcp.shared.redis_store import RedisStore
from tests.redis_server import RedisServer
from tests.server.conftest import REPO_GRANTS, SERVER_SANDBOX, Harness
from tests.server.test_confirmation import APPROVED, _modern_ctx, _params

TAGS_ONLY = "areas: {tags: read}\n"
# Generous beside a call over loopback, far below Aircall's window: a call that must wait for the window fails.
MAX_WAIT = 3.0


@dataclass
class Fleet:
    harness: Harness
    replicas: list[FleetLimiter]
    tmp: Path

    @contextlib.asynccontextmanager
    async def agent(self, replica: int, name: str) -> AsyncIterator[Any]:
        """An MCP client served as `name` by replica `replica` (its own audit file)."""
        audit = AuditLog(self.tmp / f"audit-{replica}.jsonl")
        async with self.harness.connect(name, limiter=self.replicas[replica], audit=audit) as client:  # type: ignore[arg-type]
            yield client

    def outcomes(self) -> list[dict[str, Any]]:
        lines = []
        for path in sorted(self.tmp.glob("audit-*.jsonl")):
            lines += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return [line for line in lines if line["phase"] == "outcome"]

    def statuses(self) -> list[int | None]:
        return [request.status for request in self.harness.requests]


StartFleet = Callable[..., contextlib.AbstractAsyncContextManager[Fleet]]


@pytest.fixture
def start_fleet(tmp_path: Path, redis_server: RedisServer) -> StartFleet:
    @contextlib.asynccontextmanager
    async def start(*, retry_seconds: float = 5.0, **sandbox: Any) -> AsyncIterator[Fleet]:
        grants_dir = tmp_path / "grants"
        shutil.copytree(REPO_GRANTS, grants_dir, dirs_exist_ok=True)
        async with running_sandbox(replace(SERVER_SANDBOX, **sandbox)) as handle, contextlib.AsyncExitStack() as stack:
            replicas = []
            for _ in range(3):
                store = RedisStore(redis_server.url, "company-under-test", timeout_seconds=1.0)
                stack.push_async_callback(store.aclose)
                local = CompanyLimiter(1000, 60.0, max_wait_seconds=MAX_WAIT)
                replicas.append(
                    await stack.enter_async_context(FleetLimiter(store, local, retry_seconds=retry_seconds))
                )
            yield Fleet(Harness(handle, grants_dir, tmp_path / "audit.jsonl"), replicas, tmp_path)

    return start


async def _burst(fleet: Fleet, agents: list[tuple[int, str]], calls_each: int) -> list[bool]:
    """Every agent calls list_tags `calls_each` times at once; True per call that succeeded."""
    results: list[bool] = []

    async def one_agent(replica: int, name: str) -> None:
        async with fleet.agent(replica, name) as client, anyio.create_task_group() as calls:
            for _ in range(calls_each):
                calls.start_soon(lambda: _call(client, results))

    with anyio.fail_after(30):  # no hang
        async with anyio.create_task_group() as group:
            for replica, name in agents:
                group.start_soon(one_agent, replica, name)
    return results


async def _call(client: Any, results: list[bool]) -> None:
    results.append(not (await client.call_tool("list_tags", {})).is_error)


async def test_reliability_three_replicas_share_a_small_budget_with_zero_429s(start_fleet: StartFleet) -> None:
    async with start_fleet(rate_limit=12, rate_window_seconds=60.0) as fleet:
        agents = [(i % 3, f"agent-{i}") for i in range(9)]
        for _, name in agents:
            fleet.harness.write_grant(name, TAGS_ONLY)

        results = await _burst(fleet, agents, calls_each=3)

        assert 429 not in fleet.statuses()
        # The whole budget was used: exactly what remained went to Aircall, the rest was refused before sending.
        assert fleet.statuses() == [200] * 12
        assert sum(results) == 12
        refused = [line for line in fleet.outcomes() if line["error_kind"] is not None]
        assert len(refused) == 27 - 12
        assert {line["error_kind"] for line in refused} == {"rate_limit_wait_too_long"}
        assert {line["budget"] for line in fleet.outcomes() if line["error_kind"] is None} == {"shared"}


async def test_a_quota_of_n_per_minute_admits_n_across_replicas_not_n_per_replica(start_fleet: StartFleet) -> None:
    async with start_fleet(rate_limit=1000) as fleet:
        fleet.harness.write_grant("frugal", TAGS_ONLY + "quota: {per_minute: 3}\n")
        admitted = []
        for replica in (0, 1, 2, 0, 1, 2):
            async with fleet.agent(replica, "frugal") as client:
                admitted.append(not (await client.call_tool("list_tags", {})).is_error)

        assert admitted == [True, True, True, False, False, False]
        assert len(fleet.harness.requests) == 3  # the refused calls were never sent


async def test_security_a_confirmation_sealed_on_a_is_redeemed_once_on_b_and_refused_on_c(
    redis_server: RedisServer,
) -> None:
    stores = [RedisStore(redis_server.url, "company-under-test") for _ in range(3)]
    try:
        a, b, c = (Confirmations(store=store) for store in stores)
        first = await a.ask(_modern_ctx(), _params({"contact_id": 5}), "admin", "Allow?")
        assert isinstance(first, types.InputRequiredResult)
        state = first.request_state
        assert await b.ask(_modern_ctx(), _params({"contact_id": 5}, state, APPROVED), "admin", "?") is True
        assert await c.ask(_modern_ctx(), _params({"contact_id": 5}, state, APPROVED), "admin", "?") is False
        assert await a.ask(_modern_ctx(), _params({"contact_id": 5}, state, APPROVED), "admin", "?") is False
    finally:
        for store in stores:
            await store.aclose()


async def test_security_confirmations_fail_closed_while_redis_is_away(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, "company-under-test", timeout_seconds=1.0)
    try:
        confirmations = Confirmations(store=store)
        first = await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}), "admin", "Allow?")
        assert isinstance(first, types.InputRequiredResult)
        redis_server.stop()
        approved = _params({"contact_id": 5}, first.request_state, APPROVED)
        answer = await confirmations.consult(_modern_ctx(), approved, "admin", "?")
        assert answer is Approval.UNAVAILABLE
        assert await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}), "admin", "?") is False
        redis_server.start()
        # Back by itself. This test's Redis keeps nothing across a restart, so the old seal's key is gone with it
        # (refused, still closed); a new confirmation works.
        assert await confirmations.ask(_modern_ctx(), approved, "admin", "?") is False
        again = await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}), "admin", "Allow?")
        assert isinstance(again, types.InputRequiredResult)
        renewed = _params({"contact_id": 5}, again.request_state, APPROVED)
        assert await confirmations.ask(_modern_ctx(), renewed, "admin", "?") is True
    finally:
        await store.aclose()


async def test_reliability_redis_killed_mid_burst_falls_back_to_local_pacing_then_recovers(
    start_fleet: StartFleet, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # retry_seconds=0: the first call after Redis returns tries it again (no waiting in the test).
    async with start_fleet(rate_limit=1000, retry_seconds=0.0) as fleet:
        phases = {phase: [(i % 3, f"{phase}-{i}") for i in range(6)] for phase in ("before", "during", "after")}
        for agents in phases.values():
            for _, name in agents:
                fleet.harness.write_grant(name, TAGS_ONLY)

        def budgets(phase: str) -> set[str]:
            return {line["budget"] for line in fleet.outcomes() if line["agent"].startswith(phase)}

        assert all(await _burst(fleet, phases["before"], calls_each=2))
        # Requests in flight when Redis dies: their answers cannot be reported; nothing breaks.
        held = [await replica.acquire("holder") for replica in fleet.replicas]
        redis_server.stop()
        for slot in held:
            slot.complete({"X-AircallApi-Remaining": "900", "X-AircallApi-Reset": "9999999999"}, status=200)
        caplog.set_level(logging.WARNING, logger="aircall_mcp.fleet")

        assert all(await _burst(fleet, phases["during"], calls_each=2))
        assert budgets("before") == {"shared"}
        assert budgets("during") == {"local"}
        assert "shared budget unavailable" in caplog.text
        assert not any(replica.shared for replica in fleet.replicas)

        redis_server.start()
        assert all(await _burst(fleet, phases["after"], calls_each=2))
        assert budgets("after") == {"shared"}
        assert all(replica.shared for replica in fleet.replicas)
        assert 429 not in fleet.statuses()
        assert len(fleet.outcomes()) == 36
