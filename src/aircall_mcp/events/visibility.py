"""Which events an agent may see, and how: the grant that decides its tool results decides its events too.

An event is about an object that some read tool returns (a call.ended is the call `get_call` would return). The
agent sees the event only if its grant lets it call that tool, the object is within its number scope, and the
event type is one its `events:` list names (when it has one); the data is masked exactly as that tool's result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Endpoint
from aircall_mcp.events.model import StoredEvent
from aircall_mcp.facts import ALL_EVENTS
from aircall_mcp.grants import Grant, decide
from aircall_mcp.grants.redact import redact_value

_BY_NAME = {ep.name: ep for ep in CATALOGUE}
# Event family (the part of the name before the first dot) -> the read tool that returns the same data.
# Messaging, AI voice agent, analytics and integration events are not relayed: no tool reads them.
_CONVERSATION_INTELLIGENCE = (
    "transcription", "summary", "topics", "sentiment", "action_item", "playbook_result",
    "realtime_transcription", "custom_summary", "call_evaluation",
)  # fmt: skip
READ_TOOL_OF_FAMILY: Mapping[str, Endpoint] = {
    "call": _BY_NAME["get_call"],
    "contact": _BY_NAME["get_contact"],
    "user": _BY_NAME["get_user"],
    "number": _BY_NAME["get_number"],
    **{family: _BY_NAME["get_call"] for family in _CONVERSATION_INTELLIGENCE},
}
RELAYED_EVENTS: tuple[str, ...] = tuple(name for name in ALL_EVENTS if name.split(".", 1)[0] in READ_TOOL_OF_FAMILY)


def read_tool(event_name: str) -> Endpoint | None:
    return READ_TOOL_OF_FAMILY.get(event_name.split(".", 1)[0])


def may_receive(grant: Grant, event_name: str) -> bool:
    """Whether `grant` could ever be shown an event named `event_name` (ignoring the number scope)."""
    endpoint = read_tool(event_name)
    if endpoint is None or (grant.events is not None and event_name not in grant.events):
        return False
    return decide(grant, endpoint).allowed


def receivable_types(grant: Grant) -> tuple[str, ...]:
    """Every relayed event type this grant may be shown; empty means the agent gets no events feature."""
    return tuple(name for name in RELAYED_EVENTS if may_receive(grant, name))


def _in_scope(grant: Grant, family: str, data: Mapping[str, Any]) -> bool:
    if grant.scope_numbers is None:
        return True
    if family == "call":
        return grant.call_in_scope(data)
    if family == "number":
        number_id = data.get("id")
        return isinstance(number_id, int) and not isinstance(number_id, bool) and number_id in grant.scope_numbers
    # Conversation intelligence events carry a call id, not its number: a scope cannot be checked, so it is not met.
    return family not in _CONVERSATION_INTELLIGENCE


def view(grant: Grant, stored: StoredEvent) -> dict[str, Any] | None:
    """The event as `grant` may see it (masked), or None when it may not see it at all."""
    if not may_receive(grant, stored.event.event):
        return None
    return view_receivable(grant, stored)


def view_receivable(grant: Grant, stored: StoredEvent) -> dict[str, Any] | None:
    """`view` for an event whose type the caller already checked with `may_receive` (once per call, not per event)."""
    event = stored.event
    family = event.event.split(".", 1)[0]
    if not _in_scope(grant, family, event.data):
        return None
    shown: dict[str, Any] = {
        "cursor": str(stored.seq),
        "event": event.event,
        "resource": event.resource,
        "id": event.resource_id,
        "timestamp": event.timestamp,
        "data": redact_value(dict(event.data), grant.redact),
    }
    if stored.late:
        # Aircall does not order deliveries: a newer event about this object was already delivered.
        shown["late"] = True
    return shown
