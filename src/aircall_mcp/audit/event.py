"""What one audit line says about one tool call, before the sink stamps and chains it.

Vocabulary (also the values written to the file):

phase
    ``intent``   written before a write or delete is sent to Aircall, so a crash in between leaves evidence.
    ``outcome``  written once the call is over, whatever happened. Reads have only this line.
    ``approval`` a step of an operator approval (tools.approve), not a call: ``pending`` when it is requested,
                 ``approved`` or ``declined`` when an operator decides (``note`` names the approval and who,
                 ``reason`` why), ``expired`` when it lapsed undecided or unused.
decision
    ``allowed``      the grant allowed the call.
    ``confirmed``    the grant asked for a confirmation and a person gave it; the call went ahead.
    ``declined``     the grant asked for a confirmation and the person refused it or did not answer in
                     time, or an operator denied its approval; nothing was sent.
    ``unconfirmed``  the grant asked for a confirmation and none could be had: the client cannot ask a
                     person (no elicitation), or the approval it sent back was not valid for this call
                     (expired, already used, for other arguments); nothing was sent.
    ``denied``       the grant refused the call; nothing was sent.
    ``pending``      the grant sends the call to the operators' approval queue (tools.approve) and no operator
                     has approved it yet; nothing was sent. ``note`` names the approval.
    ``approved``     an operator approved this exact call (tools.approve); it went ahead, once.
    ``expired``      the operators' approval of this call lapsed before it was used; nothing was sent.
    ``invalid``      the call could not be understood (unknown tool, arguments that fail validation);
                     nothing was sent and no grant rule was consulted.
    ``error``        the server failed inside itself before it sent the call's own request (an internal
                     failure, recorded as ``error_kind: internal``); no decision is claimed.
A call that was allowed or confirmed and then failed keeps its decision; the failure is recorded in
``error_kind`` (the error's kind in snake case, e.g. ``not_found``, ``transport_error``, or ``internal``
for a failure inside the server) with ``http_status``, ``aircall_error`` (the text from Aircall's body) or
``error_message`` (our own words when Aircall said nothing, e.g. a timeout), and ``maybe_applied`` when
Aircall may have acted anyway.

Calls that succeeded in part say so: ``partial`` when a read of several pages stopped early (the error
fields then say what stopped it; the pages before it were returned), ``gone_on_retry`` when a retried
DELETE found the object already gone (the first attempt was applied), and ``note`` for what else a
reviewer needs (a result cut to the size bound, how far a partial read got).

Every text field is masked per the agent's grant by the server before the event is built (see
``server.audit_event``); the sink still masks credentials.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

# "cli": an operator's step taken with the command line (an approval decided with `aircall-mcp approvals`).
Transport = Literal["stdio", "http", "memory", "cli"]
Phase = Literal["intent", "outcome", "approval"]
Decision = Literal[
    "allowed", "confirmed", "declined", "unconfirmed", "denied", "invalid", "error", "pending", "approved", "expired"
]

TRANSPORTS: frozenset[str] = frozenset(get_args(Transport))
PHASES: frozenset[str] = frozenset(get_args(Phase))
DECISIONS: frozenset[str] = frozenset(get_args(Decision))
# Decisions after which nothing is sent to Aircall.
REFUSALS: frozenset[str] = frozenset({"declined", "unconfirmed", "denied", "invalid", "pending", "expired"})


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """One audit line as the server knows it. The sink adds ts, event_id, seq, summary, prev and hash.

    ``arguments`` must already be redacted per the agent's grant; the sink still masks secrets.
    ``action`` is an infinitive phrase formatted with the arguments ("tag call 1234 with tags [56]").
    Durations and waits are milliseconds.
    """

    agent: str
    transport: Transport
    tool: str
    decision: Decision
    phase: Phase = "outcome"
    session_id: str | None = None
    # OAuth callers: the token's issuer, subject and client (never the token).
    principal: Mapping[str, str | None] | None = None
    area: str | None = None
    access: str | None = None
    arguments: Mapping[str, Any] = field(default_factory=dict)
    action: str | None = None
    rule: str | None = None
    reason: str | None = None
    upstream_method: str | None = None
    upstream_path: str | None = None
    http_status: int | None = None
    aircall_error: str | None = None
    error_kind: str | None = None
    error_message: str | None = None
    maybe_applied: bool | None = None
    retries: int = 0
    rate_limit_wait_ms: float = 0.0
    # With several replicas: "shared" (the fleet's budget in Redis) or "local" (Redis lost: this replica alone).
    budget: str | None = None
    duration_ms: float | None = None
    result_bytes: int | None = None
    intent_id: str | None = None
    partial: bool | None = None
    gone_on_retry: bool | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        # A typo in the vocabulary would make lines that `tail --decision` and reviewers cannot find.
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {sorted(DECISIONS)}, not {self.decision!r}")
        if self.phase not in PHASES:
            raise ValueError(f"phase must be one of {sorted(PHASES)}, not {self.phase!r}")
        if self.transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {sorted(TRANSPORTS)}, not {self.transport!r}")

    @property
    def failed(self) -> bool:
        """True when the call went ahead and did not succeed (a partial read or an already-gone delete did)."""
        if self.partial or self.gone_on_retry:
            return False
        return self.error_kind is not None or (self.http_status is not None and self.http_status >= 400)

    def fields(self) -> dict[str, Any]:
        """The event as plain data, in declaration order (cheaper than dataclasses.asdict's deep copy)."""
        return dict(zip(_FIELD_NAMES, _FIELD_VALUES(self), strict=True))


_FIELD_NAMES: tuple[str, ...] = tuple(AuditEvent.__dataclass_fields__)
# Reads every field in one C call.
_FIELD_VALUES = operator.attrgetter(*_FIELD_NAMES)
