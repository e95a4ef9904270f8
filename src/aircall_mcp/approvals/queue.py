"""The approval queue: every rule about how an approval moves between states, over any backend.

pending -> approved | denied (an operator decides) ; approved -> executed (the agent's identical call, once) ;
pending | approved -> expired (past expires_at). Each move is one locked read-modify-write, so two replicas (or
the server and an approver's CLI) can never both execute one approval or decide it twice.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from aircall_mcp.approvals.backend import Backend, Records, prune
from aircall_mcp.approvals.record import PendingApproval, arguments_hash

DEFAULT_TTL_SECONDS = 3600.0


class ApprovalError(Exception):
    """An operator's action that cannot be done (unknown id, already decided, expired); said plainly."""


@dataclass(frozen=True, slots=True)
class Request:
    """What the queue answered for one call: the approval that governs it, and whether it was just created.

    expired_now: this very look moved the approval to expired (the caller records that step once).
    """

    approval: PendingApproval
    created: bool = False
    expired_now: bool = False


class ApprovalQueue:
    def __init__(
        self, backend: Backend, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.backend = backend
        self.ttl_seconds = ttl_seconds
        self.clock = clock

    async def request(
        self, *, agent: str, tool: str, arguments: Mapping[str, Any], masked: Mapping[str, Any], action: str
    ) -> Request:
        """The approval for this exact call: the live one, or a denied/expired one the agent was not yet told
        about (telling it now), or else a new pending one."""
        digest = arguments_hash(agent, tool, arguments)
        now = self.clock()

        def change(records: Records) -> Request:
            prune(records, now)
            mine = sorted((r for r in records.values() if r.binds(agent, tool, digest)), key=lambda r: r.created_at)
            for record in reversed(mine):
                if record.state == "executed" or record.told:
                    break  # everything older was used or reported: this call needs a new approval
                if record.lapsed(now):
                    records[record.id] = replace(record, state="expired", told=True)
                    return Request(records[record.id], expired_now=True)
                if record.state in ("denied", "expired"):
                    records[record.id] = replace(record, told=True)
                    return Request(records[record.id])
                return Request(record)
            new = PendingApproval(
                id=_new_id(),
                agent=agent,
                tool=tool,
                arguments_hash=digest,
                arguments=dict(masked),
                action=action,
                created_at=now,
                expires_at=now + self.ttl_seconds,
            )
            records[new.id] = new
            return Request(new, created=True)

        return await self.backend.transact(change)

    async def get(self, approval_id: str) -> PendingApproval | None:
        now = self.clock()
        return await self.backend.transact(lambda records: _as_of(records.get(approval_id), now))

    async def list(self) -> list[PendingApproval]:
        now = self.clock()

        def change(records: Records) -> list[PendingApproval]:
            prune(records, now)
            return sorted((r.as_of(now) for r in records.values()), key=lambda r: r.created_at)

        return await self.backend.transact(change)

    async def decide(self, approval_id: str, *, approve: bool, by: str, reason: str | None = None) -> PendingApproval:
        """An operator's decision on a pending approval. Raises ApprovalError when it cannot be decided."""
        now = self.clock()

        def change(records: Records) -> PendingApproval:
            record = records.get(approval_id)
            if record is None:
                raise ApprovalError(f"no approval {approval_id!r}; `aircall-mcp approvals list` shows them")
            if record.lapsed(now):
                raise ApprovalError(f"approval {approval_id} expired undecided; the agent must ask again")
            if record.state != "pending":
                by_whom = f" by {record.decided_by}" if record.decided_by else ""
                raise ApprovalError(f"approval {approval_id} is already {record.state}{by_whom}")
            state: Literal["approved", "denied"] = "approved" if approve else "denied"
            records[approval_id] = replace(record, state=state, decided_by=by, decided_at=now, reason=reason)
            return records[approval_id]

        return await self.backend.transact(change)

    async def tell(self, approval_id: str) -> bool:
        """The agent was told this approval is denied or expired: its next identical call asks anew.

        True when this moved it to expired (the caller records that step, once)."""
        now = self.clock()

        def change(records: Records) -> bool:
            record = records.get(approval_id)
            if record is None:
                return False
            lapsed = record.lapsed(now)
            records[approval_id] = replace(record.as_of(now), told=True)
            return lapsed

        return await self.backend.transact(change)

    async def claim(self, approval_id: str) -> PendingApproval | None:
        """approved -> executed, atomically: the one caller that gets the record back may run the call."""
        now = self.clock()

        def change(records: Records) -> PendingApproval | None:
            record = records.get(approval_id)
            if record is None or record.state != "approved" or record.lapsed(now):
                return None
            records[approval_id] = replace(record, state="executed")
            return records[approval_id]

        return await self.backend.transact(change)


def _as_of(record: PendingApproval | None, now: float) -> PendingApproval | None:
    return record.as_of(now) if record is not None else None


def _new_id() -> str:
    # Short enough to type into `approvals approve`, random enough not to be guessed.
    return "apr_" + secrets.token_hex(6)
