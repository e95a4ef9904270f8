"""The call path's side of the queue: a tools.approve call waits (bounded) for an operator, then goes or not.

`ApprovalGate.consider` is the one function the server's confirmation step calls. It records each step of the
approval in the audit chain (requested, expired) and returns a `GateAnswer` the server turns into its outcome;
operators' decisions are recorded where they are taken (`record_decision`, from the CLI or the HTTP route).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import anyio

from aircall_mcp.approvals.backend import ApprovalsUnavailable
from aircall_mcp.approvals.notify import Notifier, utc
from aircall_mcp.approvals.queue import ApprovalQueue
from aircall_mcp.approvals.record import PendingApproval
from aircall_mcp.audit import AuditEvent, AuditLog, Transport
from aircall_mcp.audit import Decision as Verdict

logger = logging.getLogger("aircall_mcp.approvals")

DEFAULT_WAIT_SECONDS = 20.0
POLL_SECONDS = 0.5
Progress = Callable[[float, float, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class GateAnswer:
    """How the wait for an operator ended. verdict "approved": the call goes ahead now, once."""

    verdict: Literal["approved", "pending", "declined", "expired", "unavailable"]
    reason: str
    message: str
    approval: PendingApproval | None = None

    @property
    def note(self) -> str | None:
        return f"approval {self.approval.id}" if self.approval is not None else None


@dataclass(frozen=True, slots=True)
class CallToApprove:
    agent: str
    tool: str
    transport: Transport
    arguments: Mapping[str, Any]  # exact: the hash binds these
    masked: Mapping[str, Any]  # as the grant masks them: what the approver sees
    action: str  # masked too


def step_event(
    approval: PendingApproval,
    decision: Verdict,
    *,
    transport: Transport,
    by: str | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """The audit line of one step of an approval (its arguments are already masked as the grant masks them)."""
    note = f"approval {approval.id}" + (f" by {by}" if by else "")
    return AuditEvent(
        agent=approval.agent,
        transport=transport,
        tool=approval.tool,
        arguments=approval.arguments,
        action=approval.action,
        phase="approval",
        decision=decision,
        rule="tools.approve",
        reason=reason,
        note=note,
    )


async def record_decision(audit: AuditLog, approval: PendingApproval, *, transport: Transport) -> None:
    decision: Verdict = "approved" if approval.state == "approved" else "declined"
    event = step_event(approval, decision, transport=transport, by=approval.decided_by, reason=approval.reason)
    await audit.arecord(event)


class ApprovalGate:
    def __init__(
        self,
        queue: ApprovalQueue,
        *,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        notifier: Notifier | None = None,
    ) -> None:
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.notifier = notifier

    async def consider(self, call: CallToApprove, audit: AuditLog, progress: Progress) -> GateAnswer:
        doing = f"{call.action} ({call.tool})"
        try:
            return await self._consider(call, audit, progress, doing)
        except ApprovalsUnavailable as exc:
            logger.error("approval queue unavailable, refusing %s: %s", call.tool, exc)
            return GateAnswer(
                "unavailable",
                f"the approval queue is unavailable: {exc}",
                f"{call.tool} needs an operator's approval and the approval queue cannot be reached; "
                "nothing was sent to Aircall. Try again later.",
            )

    async def _consider(self, call: CallToApprove, audit: AuditLog, progress: Progress, doing: str) -> GateAnswer:
        asked = await self.queue.request(
            agent=call.agent, tool=call.tool, arguments=call.arguments, masked=call.masked, action=call.action
        )
        approval = asked.approval
        if asked.created:
            await audit.arecord(step_event(approval, "pending", transport=call.transport))
            if self.notifier is not None:
                await self.notifier.notify(approval)
        expired_now = asked.expired_now
        if approval.state == "pending":
            approval = await self._wait(approval, progress)
            if approval.state in ("denied", "expired"):
                # Decided (or lapsed) while this call waited: it is told now, not again on its next try.
                expired_now = await self.queue.tell(approval.id)
        if approval.state == "approved":
            if await self.queue.claim(approval.id) is not None:
                by = f" by {approval.decided_by}" if approval.decided_by else ""
                return GateAnswer("approved", f"approval {approval.id} granted{by}", "", approval)
            return GateAnswer(
                "pending",
                f"approval {approval.id} was used by another identical call",
                f"Approval {approval.id} for {doing} was already used by an identical call; nothing was sent. "
                "Calling again asks for a new approval.",
                approval,
            )
        if approval.state == "denied":
            why = f": {approval.reason}" if approval.reason else ""
            return GateAnswer(
                "declined",
                f"an operator ({approval.decided_by}) denied approval {approval.id}{why}",
                f"An operator denied approval {approval.id} to {doing}{why}; nothing was sent to Aircall. "
                "Calling again with the same arguments asks for a new approval.",
                approval,
            )
        if approval.state == "expired":
            if expired_now:
                await audit.arecord(step_event(approval, "expired", transport=call.transport))
            return GateAnswer(
                "expired",
                f"approval {approval.id} expired at {utc(approval.expires_at)} before it was used",
                f"Approval {approval.id} to {doing} expired at {utc(approval.expires_at)} before it was used; "
                "nothing was sent to Aircall. Calling again with the same arguments asks for a new approval.",
                approval,
            )
        retry = max(60, int(self.wait_seconds))
        return GateAnswer(
            "pending",
            f"waiting for an operator to approve {approval.id}",
            f"{call.tool} needs an operator's approval under this agent's grant (tools.approve). Approval "
            f"{approval.id} is pending until {utc(approval.expires_at)}; nothing was sent to Aircall. Retry the "
            f"same call with exactly the same arguments in about {retry} s: once approved it runs, once. "
            "Other arguments need their own approval.",
            approval,
        )

    async def _wait(self, approval: PendingApproval, progress: Progress) -> PendingApproval:
        """Poll the queue until someone decides or `wait_seconds` pass; report progress while waiting."""
        waited = 0.0
        while waited < self.wait_seconds:
            await progress(waited, self.wait_seconds, f"waiting for an operator to approve {approval.id}")
            step = min(self.poll_seconds, self.wait_seconds - waited)
            await anyio.sleep(step)
            waited += step
            seen = await self.queue.get(approval.id)
            if seen is None:
                break
            approval = seen
            if approval.state != "pending":
                break
        return approval
