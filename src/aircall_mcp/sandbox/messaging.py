"""Messaging, AI Voice Agent and analytics state of the sandbox, seeded from the workspace's numbers on first use.

Kept apart from the core objects of state.py: these endpoints are newer, their rules are partly UNCONFIRMED
(see the catalogue's source notes), and what they add is small. Seeding is lazy and depends only on the
workspace, so two sandboxes built from equal configs still hold equal data.

The events a real account would send to webhooks (message.sent, group_message.sent, message.received,
message.status_updated, ai_voice_agent.started, analytics.report_created) are recorded in `events`, in order;
webhook delivery reads them from there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aircall_mcp.sandbox.state import Workspace

# Countries whose numbers send SMS (native send); an assumption of the sandbox, UNCONFIRMED as Aircall's list.
SMS_COUNTRIES = frozenset({"US", "CA", "GB", "AU"})
# AI Voice Agents of the seeded company (ids as the reference samples them: "agent-...").
AGENT_IDS = ("agent-reception", "agent-reminders")
# An analytics export is ready this many seconds (sandbox clock) after it was asked for.
EXPORT_SECONDS = 60
# A download link stays valid this long after the export is ready (Riprock: about an hour).
DOWNLOAD_SECONDS = 3600
SMS_TEMPLATE_COUNT = 30
WHATSAPP_TEMPLATE_COUNT = 25
# The export the seed holds, ready, so that reading one needs no waiting.
SEEDED_EXPORT_ID = str(uuid.UUID(int=15, version=4))
SEEDED_AT = 1_750_000_000


@dataclass
class WhatsAppLine:
    status: str  # ONLINE | PENDING | OFFLINE
    can_send: bool
    quality: str
    templates: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Export:
    id: str
    report_name: str
    created_at: int
    export_name: str | None = None

    def ready_at(self) -> int:
        return self.created_at + EXPORT_SECONDS


@dataclass(frozen=True)
class Event:
    """One webhook event the account emitted: what delivery would send as {"event", "data"}."""

    name: str
    data: dict[str, Any]
    at: int


@dataclass
class Messaging:
    seeded: bool = False
    # number id -> callback URL (None when configured without one)
    configurations: dict[int, str | None] = field(default_factory=dict)
    sms_numbers: set[int] = field(default_factory=set)
    whatsapp: dict[int, WhatsAppLine] = field(default_factory=dict)
    sms_templates: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    agent_calls: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    exports: dict[str, Export] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    def emit(self, name: str, data: dict[str, Any], at: int) -> None:
        self.events.append(Event(name, dict(data), at))  # a copy: later changes to the object are new events


def messaging(ws: Workspace) -> Messaging:
    """The workspace's messaging state, seeded on first use."""
    state = ws.messaging
    if not state.seeded:
        _seed(ws, state)
    return state


def _seed(ws: Workspace, state: Messaging) -> None:
    numbers = list(ws.numbers.values())
    state.sms_numbers = {n.id for n in numbers if n.country in SMS_COUNTRIES}
    sms = [n.id for n in numbers if n.id in state.sms_numbers]
    if sms:
        state.configurations[sms[0]] = None  # the first SMS number can send through the Public API
    # The first number is a WhatsApp line that can send; the first SMS number's line is still pending.
    lines = [(numbers[0].id, "ONLINE", True)] if numbers else []
    if sms and sms[0] != lines[0][0]:
        lines.append((sms[0], "PENDING", False))
    for number_id, status, can_send in lines:
        templates = [
            {
                "id": number_id * 1000 + i,
                "name": f"template_{i}",
                "category": ("UTILITY", "MARKETING", "AUTHENTICATION")[i % 3],
                "status": "APPROVED" if i % 5 else "PENDING",
                "language": "en",
            }
            for i in range(1, WHATSAPP_TEMPLATE_COUNT + 1)
        ]
        state.whatsapp[number_id] = WhatsAppLine(status, can_send, "GREEN" if can_send else "UNKNOWN", templates)
    state.sms_templates = [
        {"id": 8800 + i, "name": f"follow_up_{i}", "body": f"Sorry we missed your call. Reply {i} to book a slot."}
        for i in range(1, SMS_TEMPLATE_COUNT + 1)
    ]
    state.exports[SEEDED_EXPORT_ID] = Export(SEEDED_EXPORT_ID, "CALLS_HISTORY", SEEDED_AT, "calls-history")
    state.seeded = True


def receive_message(ws: Workspace, number_id: int, sender: str, body: str, at: int) -> dict[str, Any]:
    """An inbound SMS on a number (a sandbox control, not an API route): recorded and emitted as message.received."""
    state = messaging(ws)
    message = {
        "id": f"SM{len(state.messages) + 1:08d}",
        "direction": "inbound",
        "status": "received",
        "external_number": sender,
        "raw_digits": sender,
        "body": body,
        "number": {"id": number_id},
        "created_at": at * 1000,
    }
    state.messages.append(message)
    state.emit("message.received", message, at)
    return message


def update_message_status(ws: Workspace, message_id: str, status: str, at: int) -> dict[str, Any]:
    """A carrier receipt for a sent message (a sandbox control): its new status, emitted as message.status_updated."""
    state = messaging(ws)
    message = next((m for m in state.messages if m.get("id") == message_id), None)
    if message is None:
        raise KeyError(f"no message {message_id} in the sandbox")
    message["status"] = status
    message["updated_at"] = at * 1000
    state.emit("message.status_updated", dict(message), at)
    return message
