"""tools.approve through the real server and sandbox: pending, approved once, denied, expired, bound to arguments."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import anyio
import mcp_types as types
from mcp import Client
from mcp.shared.dispatcher import ProgressFnT

from aircall_mcp.approvals import ApprovalGate, ApprovalQueue, FileBackend, RedisBackend, record_decision
from aircall_mcp.audit import AuditLog
from tests.server.conftest import Harness

APPROVING_GRANT = "areas: {tags: full}\ntools: {approve: [delete_tag]}\n"
BOTH_GRANT = "areas: {tags: full}\ntools: {approve: [delete_tag], confirm: [delete_tag]}\n"


class Clock:
    def __init__(self) -> None:
        self.now = 2_000_000_000.0

    def __call__(self) -> float:
        return self.now


def text(result: types.CallToolResult) -> str:
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    return content.text


def tag_ids(harness: Harness) -> list[int]:
    return sorted(harness.sandbox.sandbox.state.tags)


def deletes(harness: Harness) -> list[str]:
    return [r.path for r in harness.requests if r.method == "DELETE"]


def steps(harness: Harness) -> list[tuple[str, str]]:
    return [(line["phase"], line["decision"]) for line in harness.audit_lines()]


@contextlib.asynccontextmanager
async def served(harness: Harness, queue: ApprovalQueue, **client_options: Any) -> AsyncIterator[Client]:
    async with harness.connect("unattended", **client_options) as client:
        harness.runtimes[-1].approvals = ApprovalGate(queue, wait_seconds=0)
        yield client


async def operator(
    harness: Harness, queue: ApprovalQueue, approval_id: str, *, approve: bool, reason: str = ""
) -> None:
    decided = await queue.decide(approval_id, approve=approve, by="ops@example.com", reason=reason or None)
    with AuditLog(harness.audit_path) as audit:
        await record_decision(audit, decided, transport="cli")


async def pending_id(queue: ApprovalQueue) -> str:
    pending = [a for a in await queue.list() if a.state == "pending"]
    assert len(pending) == 1
    return pending[0].id


async def test_security_approve_tool_is_pending_then_runs_exactly_once_after_an_operator_approves(
    harness: Harness, tmp_path: Path
) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"))
    tag = tag_ids(harness)[0]
    async with served(harness, queue) as client:
        first = await client.call_tool("delete_tag", {"tag_id": tag})
        approval_id = await pending_id(queue)
        assert first.is_error
        assert f"Approval {approval_id} is pending" in text(first)
        assert "Retry the same call with exactly the same arguments" in text(first)
        assert deletes(harness) == []

        await operator(harness, queue, approval_id, approve=True)
        ran = await client.call_tool("delete_tag", {"tag_id": tag})
        assert not ran.is_error, text(ran)
        assert deletes(harness) == [f"/v1/tags/{tag}"]

        again = await client.call_tool("delete_tag", {"tag_id": tag})
    assert again.is_error
    assert "pending" in text(again)
    assert approval_id not in text(again)  # a new approval, not the used one
    assert deletes(harness) == [f"/v1/tags/{tag}"]
    assert steps(harness) == [
        ("approval", "pending"),
        ("outcome", "pending"),
        ("approval", "approved"),
        ("intent", "approved"),
        ("outcome", "approved"),
        ("approval", "pending"),
        ("outcome", "pending"),
    ]
    lines = harness.audit_lines()
    assert lines[2]["note"] == f"approval {approval_id} by ops@example.com"
    assert lines[4]["note"] == f"approval {approval_id} executed"
    assert (await queue.get(approval_id)).state == "executed"  # type: ignore[union-attr]


async def test_security_an_approval_does_not_cover_other_arguments(harness: Harness, tmp_path: Path) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"))
    approved, other = tag_ids(harness)[:2]
    async with served(harness, queue) as client:
        await client.call_tool("delete_tag", {"tag_id": approved})
        await operator(harness, queue, await pending_id(queue), approve=True)
        result = await client.call_tool("delete_tag", {"tag_id": other})
    assert result.is_error
    assert "Other arguments need their own approval" in text(result)
    assert deletes(harness) == []
    assert len(await queue.list()) == 2


async def test_denied_approval_is_said_plainly_and_nothing_is_sent(harness: Harness, tmp_path: Path) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"))
    tag = tag_ids(harness)[0]
    async with served(harness, queue) as client:
        await client.call_tool("delete_tag", {"tag_id": tag})
        approval_id = await pending_id(queue)
        await operator(harness, queue, approval_id, approve=False, reason="keep that tag")
        result = await client.call_tool("delete_tag", {"tag_id": tag})
    assert result.is_error
    assert text(result).startswith(f"An operator denied approval {approval_id} to delete tag")
    assert "keep that tag" in text(result)
    assert deletes(harness) == []
    assert steps(harness)[-2:] == [("approval", "declined"), ("outcome", "declined")]


async def test_expired_approval_is_said_plainly_and_recorded_once(harness: Harness, tmp_path: Path) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    clock = Clock()
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"), clock=clock)
    tag = tag_ids(harness)[0]
    async with served(harness, queue) as client:
        await client.call_tool("delete_tag", {"tag_id": tag})
        approval_id = await pending_id(queue)
        clock.now += 3600
        expired = await client.call_tool("delete_tag", {"tag_id": tag})
        anew = await client.call_tool("delete_tag", {"tag_id": tag})
    assert expired.is_error
    assert f"Approval {approval_id} to delete tag" in text(expired)
    assert "expired at" in text(expired)
    assert "pending" in text(anew)
    assert deletes(harness) == []
    assert steps(harness)[2:] == [
        ("approval", "expired"),
        ("outcome", "expired"),
        ("approval", "pending"),
        ("outcome", "pending"),
    ]


async def test_an_approval_given_while_the_call_waits_runs_it_in_that_same_call(
    harness: Harness, tmp_path: Path
) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"))
    tag = tag_ids(harness)[0]
    progress: list[str | None] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    async def approve_when_asked() -> None:
        while not await queue.list():  # noqa: ASYNC110 - polls another component's store, as an operator would
            await anyio.sleep(0.01)
        await operator(harness, queue, (await queue.list())[0].id, approve=True)

    async with harness.connect("unattended") as client:
        harness.runtimes[-1].approvals = ApprovalGate(queue, wait_seconds=30, poll_seconds=0.02)
        async with anyio.create_task_group() as group:
            group.start_soon(approve_when_asked)
            result = await client.call_tool(
                "delete_tag", {"tag_id": tag}, progress_callback=cast(ProgressFnT, on_progress)
            )
    assert not result.is_error, text(result)
    assert deletes(harness) == [f"/v1/tags/{tag}"]
    assert progress
    assert all(message is not None and "waiting for an operator to approve apr_" in message for message in progress)


async def test_grant_with_confirm_and_approve_asks_the_client_when_it_can(harness: Harness, tmp_path: Path) -> None:
    harness.write_grant("unattended", BOTH_GRANT)
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"))
    tag = tag_ids(harness)[0]

    async def accept(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"approve": True})

    async with served(harness, queue, elicitation_callback=accept) as client:
        result = await client.call_tool("delete_tag", {"tag_id": tag})
    assert not result.is_error, text(result)
    assert await queue.list() == []
    assert steps(harness) == [("intent", "confirmed"), ("outcome", "confirmed")]


async def test_grant_with_confirm_and_approve_queues_when_the_client_cannot_ask(
    harness: Harness, tmp_path: Path
) -> None:
    harness.write_grant("unattended", BOTH_GRANT)
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"))
    async with served(harness, queue) as client:
        result = await client.call_tool("delete_tag", {"tag_id": tag_ids(harness)[0]})
    assert "pending" in text(result)
    assert len(await queue.list()) == 1


async def test_security_approve_tool_without_a_queue_is_refused_unsent(harness: Harness) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    async with harness.connect("unattended") as client:
        result = await client.call_tool("delete_tag", {"tag_id": tag_ids(harness)[0]})
    assert result.is_error
    assert "no approval queue is configured" in text(result)
    assert deletes(harness) == []


async def test_reliability_approval_queue_on_a_lost_redis_fails_closed(harness: Harness, redis_server: Any) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    backend = RedisBackend(redis_server.url, timeout_seconds=0.5)
    queue = ApprovalQueue(backend)
    tag = tag_ids(harness)[0]
    async with served(harness, queue) as client:
        await client.call_tool("delete_tag", {"tag_id": tag})
        await queue.decide(await pending_id(queue), approve=True, by="ops")
        redis_server.stop()
        result = await client.call_tool("delete_tag", {"tag_id": tag})
    await backend.aclose()
    assert result.is_error
    assert "the approval queue cannot be reached; nothing was sent to Aircall" in text(result)
    assert deletes(harness) == []
    assert steps(harness)[-1] == ("outcome", "unconfirmed")


async def test_a_denial_given_while_the_call_waits_is_told_once_then_the_call_asks_anew(
    harness: Harness, tmp_path: Path
) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"))
    tag = tag_ids(harness)[0]

    async def deny_when_asked() -> None:
        while not await queue.list():  # noqa: ASYNC110 - polls another component's store, as an operator would
            await anyio.sleep(0.01)
        await operator(harness, queue, (await queue.list())[0].id, approve=False, reason="no")

    async with harness.connect("unattended") as client:
        harness.runtimes[-1].approvals = ApprovalGate(queue, wait_seconds=30, poll_seconds=0.02)
        async with anyio.create_task_group() as group:
            group.start_soon(deny_when_asked)
            denied = await client.call_tool("delete_tag", {"tag_id": tag})
        harness.runtimes[-1].approvals = ApprovalGate(queue, wait_seconds=0)
        again = await client.call_tool("delete_tag", {"tag_id": tag})
    assert "An operator denied approval" in text(denied)
    assert "is pending" in text(again)
    assert deletes(harness) == []


async def test_an_approval_lapsing_while_the_call_waits_is_recorded_as_expired_once(
    harness: Harness, tmp_path: Path
) -> None:
    harness.write_grant("unattended", APPROVING_GRANT)
    clock = Clock()
    queue = ApprovalQueue(FileBackend(tmp_path / "approvals"), clock=clock, ttl_seconds=60)
    tag = tag_ids(harness)[0]

    async def lapse() -> None:
        while not await queue.list():  # noqa: ASYNC110 - polls another component's store, as an operator would
            await anyio.sleep(0.01)
        clock.now += 60

    async with harness.connect("unattended") as client:
        harness.runtimes[-1].approvals = ApprovalGate(queue, wait_seconds=30, poll_seconds=0.02)
        async with anyio.create_task_group() as group:
            group.start_soon(lapse)
            expired = await client.call_tool("delete_tag", {"tag_id": tag})
    assert "expired at" in text(expired)
    assert [step for step in steps(harness) if step[0] == "approval"] == [
        ("approval", "pending"),
        ("approval", "expired"),
    ]
