"""One pending approval: what an operator is asked to allow, bound to the exact call it allows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, get_args

State = Literal["pending", "approved", "denied", "executed", "expired"]
STATES: frozenset[str] = frozenset(get_args(State))
# Still waiting for something: a decision (pending) or the call it allows (approved).
LIVE: frozenset[str] = frozenset({"pending", "approved"})


def arguments_hash(agent: str, tool: str, arguments: Mapping[str, Any]) -> str:
    """The binding of an approval: the agent, the tool and the exact (unmasked) arguments, canonically hashed."""
    canonical = json.dumps([agent, tool, arguments], sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingApproval:
    """An approval request and where it stands. Times are Unix seconds.

    arguments: masked as the agent's grant masks them (the approver's view); `arguments_hash` binds the exact ones.
    told: the agent has been told this approval was denied or expired (its next identical call asks anew).
    """

    id: str
    agent: str
    tool: str
    arguments_hash: str
    arguments: Mapping[str, Any]
    action: str
    created_at: float
    expires_at: float
    state: State = "pending"
    decided_by: str | None = None
    decided_at: float | None = None
    reason: str | None = None
    told: bool = False

    def binds(self, agent: str, tool: str, digest: str) -> bool:
        return self.agent == agent and self.tool == tool and self.arguments_hash == digest

    def lapsed(self, now: float) -> bool:
        """Still live but past its expiry: it may no longer be decided or used."""
        return self.state in LIVE and now >= self.expires_at

    def as_of(self, now: float) -> PendingApproval:
        """This record with its expiry applied (a live record past expires_at is expired)."""
        return replace(self, state="expired") if self.lapsed(now) else self

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "arguments": dict(self.arguments)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingApproval:
        state = data.get("state")
        if state not in STATES:
            raise ValueError(f"approval {data.get('id')!r} has unknown state {state!r}")
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})
