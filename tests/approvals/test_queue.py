"""The approval queue's rules, proven on both stores: the file store (default) and a real redis-server."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from aircall_mcp.approvals import (
    ApprovalError,
    ApprovalQueue,
    ApprovalsUnavailable,
    Backend,
    FileBackend,
    RedisBackend,
    arguments_hash,
)
from aircall_mcp.approvals.queue import Request
from aircall_mcp.cli import main


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["file", "redis"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "file":
        yield FileBackend(tmp_path / "approvals")
        return
    server = request.getfixturevalue("redis_server")
    redis_backend = RedisBackend(server.url)
    yield redis_backend
    await redis_backend.aclose()


ARGS = {"contact_id": 7}


async def ask(queue: ApprovalQueue, arguments: dict[str, Any] = ARGS, agent: str = "bot") -> Request:
    return await queue.request(
        agent=agent, tool="delete_contact", arguments=arguments, masked=arguments, action="delete contact 7"
    )


async def test_identical_calls_share_one_pending_approval_and_other_arguments_get_their_own(backend: Backend) -> None:
    queue = ApprovalQueue(backend, clock=Clock())
    first = await ask(queue)
    again = await ask(queue)
    other = await ask(queue, {"contact_id": 8})
    assert first.created
    assert not again.created
    assert again.approval.id == first.approval.id
    assert other.created
    assert other.approval.id != first.approval.id
    assert first.approval.arguments_hash == arguments_hash("bot", "delete_contact", ARGS)
    assert first.approval.expires_at == first.approval.created_at + 3600


async def test_security_an_approval_is_executed_exactly_once(backend: Backend) -> None:
    queue = ApprovalQueue(backend, clock=Clock())
    approval = (await ask(queue)).approval
    await queue.decide(approval.id, approve=True, by="ops@example.com")
    claims = [await queue.claim(approval.id) for _ in range(3)]
    assert [claim is not None for claim in claims] == [True, False, False]
    assert (await queue.get(approval.id)).state == "executed"  # type: ignore[union-attr]
    assert (await ask(queue)).created  # the same call again needs a new approval


async def test_security_a_pending_or_denied_approval_cannot_be_claimed(backend: Backend) -> None:
    queue = ApprovalQueue(backend, clock=Clock())
    approval = (await ask(queue)).approval
    assert await queue.claim(approval.id) is None
    denied = await queue.decide(approval.id, approve=False, by="ops", reason="not this one")
    assert denied.state == "denied"
    assert denied.reason == "not this one"
    assert await queue.claim(approval.id) is None
    with pytest.raises(ApprovalError, match="already denied by ops"):
        await queue.decide(approval.id, approve=True, by="other")


async def test_denied_is_told_once_then_the_same_call_asks_anew(backend: Backend) -> None:
    queue = ApprovalQueue(backend, clock=Clock())
    approval = (await ask(queue)).approval
    await queue.decide(approval.id, approve=False, by="ops")
    told = await ask(queue)
    assert told.approval.id == approval.id
    assert told.approval.state == "denied"
    assert (await ask(queue)).created


async def test_an_undecided_approval_expires_and_can_no_longer_be_decided_or_used(backend: Backend) -> None:
    clock = Clock()
    queue = ApprovalQueue(backend, clock=clock, ttl_seconds=60)
    approval = (await ask(queue)).approval
    clock.now += 60
    assert (await queue.get(approval.id)).state == "expired"  # type: ignore[union-attr]
    with pytest.raises(ApprovalError, match="expired undecided"):
        await queue.decide(approval.id, approve=True, by="ops")
    seen = await ask(queue)
    assert seen.expired_now
    assert seen.approval.state == "expired"
    assert (await ask(queue)).created


async def test_an_approved_approval_unused_before_expiry_cannot_be_claimed(backend: Backend) -> None:
    clock = Clock()
    queue = ApprovalQueue(backend, clock=clock, ttl_seconds=60)
    approval = (await ask(queue)).approval
    await queue.decide(approval.id, approve=True, by="ops")
    clock.now += 61
    assert await queue.claim(approval.id) is None


async def test_unknown_id_is_said_plainly(backend: Backend) -> None:
    queue = ApprovalQueue(backend, clock=Clock())
    with pytest.raises(ApprovalError, match="no approval 'apr_nope'; `aircall-mcp approvals list` shows them"):
        await queue.decide("apr_nope", approve=True, by="ops")


async def test_security_concurrent_claims_of_one_approval_execute_it_once(backend: Backend) -> None:
    queue = ApprovalQueue(backend, clock=Clock())
    approval = (await ask(queue)).approval
    await queue.decide(approval.id, approve=True, by="ops")
    wins: list[bool] = []

    async def claim() -> None:
        wins.append(await queue.claim(approval.id) is not None)

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(claim)
    assert sorted(wins) == [False] * 7 + [True]


def _claim_in_another_process(directory: str, approval_id: str, results: Any) -> None:
    queue = ApprovalQueue(FileBackend(Path(directory)))
    results.put(anyio.run(queue.claim, approval_id) is not None)


def test_reliability_file_store_claims_are_exclusive_across_processes(tmp_path: Path) -> None:
    directory = tmp_path / "approvals"
    queue = ApprovalQueue(FileBackend(directory))

    async def prepare() -> str:
        approval = (await ask(queue)).approval
        await queue.decide(approval.id, approve=True, by="ops")
        return approval.id

    approval_id = anyio.run(prepare)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=_claim_in_another_process, args=(str(directory), approval_id, results)) for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert sorted(results.get(timeout=5) for _ in processes) == [False, False, False, True]


async def test_file_store_is_one_json_file_readable_by_people(tmp_path: Path) -> None:
    backend = FileBackend(tmp_path / "approvals")
    approval = (await ask(ApprovalQueue(backend, clock=Clock()))).approval
    saved = json.loads((tmp_path / "approvals" / "approvals.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in saved] == [approval.id]
    assert saved[0]["state"] == "pending"
    assert not list((tmp_path / "approvals").glob(".approvals-*"))  # no temporary file left behind


async def test_reliability_redis_lost_fails_closed(redis_server: Any) -> None:
    backend = RedisBackend(redis_server.url, timeout_seconds=0.5)
    queue = ApprovalQueue(backend, clock=Clock())
    approval = (await ask(queue)).approval
    await queue.decide(approval.id, approve=True, by="ops")
    redis_server.stop()
    with pytest.raises(ApprovalsUnavailable, match="is unavailable"):
        await queue.claim(approval.id)
    await backend.aclose()


async def test_cli_reads_and_decides_the_servers_redis_queue_with_only_the_url(
    redis_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = RedisBackend(redis_server.url)
    approval = (await ask(ApprovalQueue(backend))).approval
    env = {"AIRCALL_MCP_REDIS_URL": redis_server.url, "XDG_STATE_HOME": str(tmp_path / "state")}
    audit = str(tmp_path / "audit.jsonl")
    assert await anyio.to_thread.run_sync(lambda: main(["approvals", "list", "--audit-log", audit], env=env)) == 0
    assert approval.id in capsys.readouterr().out
    argv = ["approvals", "approve", approval.id, "--by", "ops", "--audit-log", audit]
    assert await anyio.to_thread.run_sync(lambda: main(argv, env=env)) == 0
    assert (await ApprovalQueue(backend).get(approval.id)).state == "approved"  # type: ignore[union-attr]
    assert not (tmp_path / "state" / "aircall-mcp" / "approvals").exists()  # Redis only, no file store
    await backend.aclose()
