"""`wait_for_events`: an agent's grant-filtered view of the stream, read after a cursor, waiting a bounded time.

It is not an Aircall endpoint, so it is not in the catalogue; the server offers it beside the catalogue tools to
agents whose grant may receive some event type (`EventFeed.offered`) and calls `EventFeed.call`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import mcp_types as types
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aircall_mcp.events.names import WAIT_FOR_EVENTS
from aircall_mcp.events.receiver import WebhookReceiver
from aircall_mcp.events.store import EventStore
from aircall_mcp.events.visibility import RELAYED_EVENTS, may_receive, receivable_types, view_receivable
from aircall_mcp.grants import Grant
from aircall_mcp.shared import SharedStateUnavailable

logger = logging.getLogger("aircall_mcp.events")

# Below the request timeouts of common MCP clients, so a wait never looks like a hung server.
MAX_WAIT_SECONDS = 25.0
MAX_EVENTS = 100
# Events read from the store per step while looking for the ones this agent may see.
SCAN_BATCH = 500

# The audit's rule for what an agent may receive: the read tools of its grant, its scope and its `events:` list.
EVENTS_RULE = "events (grant read access)"

Sleep = Callable[[float], Awaitable[None]]


class WaitForEventsArgs(BaseModel):
    """Arguments of wait_for_events."""

    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,18}$",
        description="The `cursor` of the previous answer; omit it to start at the oldest event still kept.",
    )
    types: list[str] | None = Field(
        default=None, description='Only these event types, e.g. ["call.ended", "call.tagged"].'
    )
    max: int = Field(default=20, ge=1, le=MAX_EVENTS, description="At most this many events (oldest first).")
    wait_seconds: float = Field(
        default=0,
        ge=0,
        le=MAX_WAIT_SECONDS,
        description="When there is no event yet, wait up to this long for the first one.",
    )


WAIT_FOR_EVENTS_TOOL = types.Tool(
    name=WAIT_FOR_EVENTS,
    title="Wait for Aircall events",
    description=(
        "Live Aircall events this agent may see (call.created, call.answered, call.ended, call.tagged, "
        "contact.created...), oldest first, after `cursor`; waits up to wait_seconds for the first one when there "
        "is none. Pass the returned `cursor` to the next call. Data is masked like tool results. Does not use the "
        "Aircall rate budget. An event marked late arrived after a newer event about the same object."
    ),
    input_schema=WaitForEventsArgs.model_json_schema(),
    annotations=types.ToolAnnotations(
        title="Wait for Aircall events", read_only_hint=True, destructive_hint=False, idempotent_hint=True
    ),
)


@dataclass(frozen=True, slots=True)
class FeedAnswer:
    """What one wait_for_events call returned, and what its single audit line says."""

    result: types.CallToolResult
    decision: str  # "allowed" | "invalid" | "denied"
    reason: str | None
    rule: str | None = None
    audit_arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class EventFeed:
    """Serves the stream in `store` to agents. `sleep` bounds waits (tests pass a controllable one)."""

    store: EventStore
    sleep: Sleep = anyio.sleep
    # The receiver filling `store`, when this process receives deliveries (served over HTTP).
    receiver: WebhookReceiver | None = None

    def offered(self, grant: Grant) -> bool:
        """Whether the agent is offered wait_for_events (and the events resource): it may receive some type."""
        return bool(receivable_types(grant))

    async def call(self, grant: Grant, arguments: dict[str, Any]) -> FeedAnswer:
        try:
            args = WaitForEventsArgs.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            return _refused(f"Invalid arguments for {WAIT_FOR_EVENTS}: {problems}.", "invalid", arguments)
        unknown = [name for name in args.types or () if name not in RELAYED_EVENTS]
        if unknown:
            why = f"unknown or unrelayed event types {unknown}; relayed types: {', '.join(receivable_types(grant))}"
            return _refused(f"Invalid arguments for {WAIT_FOR_EVENTS}: {why}.", "invalid", arguments)
        if not self.offered(grant):
            return _refused(f"Not permitted: {grant.agent} may not receive any Aircall event.", "denied", arguments)
        wanted = [name for name in args.types or RELAYED_EVENTS if may_receive(grant, name)]
        try:
            events, cursor = await self.next_events(
                grant, int(args.cursor or 0), max_events=args.max, wait_seconds=args.wait_seconds, types=wanted
            )
        except SharedStateUnavailable as exc:
            logger.error("event stream unavailable: %s", exc)
            return _refused("The event stream is unavailable right now; try again shortly.", "allowed", arguments)
        body = {"events": events, "cursor": str(cursor), "count": len(events)}
        result = types.CallToolResult(
            content=[types.TextContent(type="text", text=_compact(body))], structured_content=body
        )
        audited = {
            **args.model_dump(exclude_none=True),
            "delivered": len(events),
            "event_ids": [f"{e['resource']}:{e['id']}:{e['event']}:{e['timestamp']}" for e in events],
        }
        return FeedAnswer(result, "allowed", None, EVENTS_RULE, audited)

    async def next_events(
        self, grant: Grant, cursor: int, *, max_events: int, wait_seconds: float, types: Sequence[str]
    ) -> tuple[list[dict[str, Any]], int]:
        """The events after `cursor` this grant may see (at most `max_events`), and the cursor to continue from.

        Waits up to `wait_seconds` for the first visible one. The cursor moves past events the agent may not see,
        so nobody re-scans them.
        """
        wanted = frozenset(name for name in types if may_receive(grant, name))  # once per call, not per event
        if cursor > await self.store.last_seq():
            # A cursor from before the stream restarted (a new process without Redis): start again from the oldest
            # kept event rather than wait for the numbering to catch up. Deliveries are at least once anyway.
            cursor = 0
        events, cursor = await self._scan(grant, cursor, max_events, wanted)
        if events or wait_seconds <= 0:
            return events, cursor
        found: list[dict[str, Any]] = []
        async with anyio.create_task_group() as group:

            async def bound() -> None:
                await self.sleep(wait_seconds)
                group.cancel_scope.cancel()

            async def watch() -> None:
                nonlocal cursor
                while not found:
                    await self.store.wait_after(cursor)
                    batch, cursor = await self._scan(grant, cursor, max_events, wanted)
                    found.extend(batch)
                group.cancel_scope.cancel()

            group.start_soon(bound)
            group.start_soon(watch)
        return found, cursor

    async def recent(self, grant: Grant, *, after: int, keep: int) -> tuple[list[dict[str, Any]], int]:
        """The newest `keep` events after `after` this grant may see (oldest first), and the stream's cursor."""
        found: list[dict[str, Any]] = []
        cursor = after
        while True:
            batch, moved = await self._scan(grant, cursor, SCAN_BATCH, frozenset(receivable_types(grant)))
            found = (found + batch)[-keep:]
            if moved == cursor:
                return found, cursor
            cursor = moved

    def render(self, body: Any) -> str:
        return _compact(body)

    async def _scan(
        self, grant: Grant, cursor: int, max_events: int, wanted: frozenset[str]
    ) -> tuple[list[dict[str, Any]], int]:
        shown: list[dict[str, Any]] = []
        while len(shown) < max_events:
            batch = await self.store.read_after(cursor, SCAN_BATCH)
            if not batch:
                break
            for stored in batch:
                visible = view_receivable(grant, stored) if stored.event.event in wanted else None
                if visible is not None:
                    shown.append(visible)
                cursor = stored.seq
                if len(shown) >= max_events:
                    break
        return _by_resource_time(shown), cursor


def _by_resource_time(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Within one answer, events about the same object come in the order Aircall timestamped them."""
    slots: dict[tuple[str, str], list[int]] = {}
    for index, event in enumerate(events):
        slots.setdefault((event["resource"], event["id"]), []).append(index)
    ordered = list(events)
    for indexes in slots.values():
        group = sorted((events[i] for i in indexes), key=lambda e: e["timestamp"])
        for slot, event in zip(indexes, group, strict=True):
            ordered[slot] = event
    return ordered


def _refused(message: str, decision: str, arguments: dict[str, Any]) -> FeedAnswer:
    result = types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)
    known = {k: v for k, v in arguments.items() if k in WaitForEventsArgs.model_fields}
    return FeedAnswer(result, decision, message, EVENTS_RULE if decision == "denied" else None, known)


def _compact(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
