"""One Aircall webhook delivery, parsed: what the receiver stores and agents are shown.

Aircall's envelope (API notes §6.1; KOEN's captured deliveries, HOOK's doc samples), one event per POST:

    {"resource": "call", "event": "call.ended", "timestamp": 1585001000, "token": "45XXYYZZa08",
     "data": {"id": 812, "direction": "inbound", "number": {"id": 4, ...}, ...}}

`timestamp` is UNIX seconds when Aircall built the payload; `data` is the resource at that time. There is no
signature: the body `token` (the webhook's token) is the only proof of origin. Deliveries are at least once and
unordered, so an event is identified by (resource, data.id, event, timestamp).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# An identity longer than this is not a real Aircall event (and would bloat the de-duplication index).
MAX_IDENTITY_CHARS = 300


class DeliveryError(ValueError):
    """A delivery whose body is not an Aircall event; the message names the field and what is expected."""


@dataclass(frozen=True, slots=True)
class Event:
    """An Aircall event as delivered, without the token."""

    resource: str
    event: str
    timestamp: int
    data: Mapping[str, Any]

    @property
    def resource_id(self) -> str:
        """The id of the object the event is about ("" when Aircall sent none, e.g. integration.deleted)."""
        raw = self.data.get("id", self.data.get("integration_id", ""))
        return "" if raw is None else str(raw)

    @property
    def identity(self) -> str:
        """What makes two deliveries the same event: resource, id, event name and timestamp."""
        return f"{self.resource}:{self.resource_id}:{self.event}:{self.timestamp}"

    def to_json(self) -> str:
        return json.dumps(
            {"resource": self.resource, "event": self.event, "timestamp": self.timestamp, "data": self.data},
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Event:
        raw = json.loads(text)
        return cls(resource=raw["resource"], event=raw["event"], timestamp=raw["timestamp"], data=raw["data"])


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event in the store. `seq` is its place in the stream (cursors are seqs); `late` says that a newer event
    about the same object had already arrived (Aircall does not order deliveries), so it must not undo it."""

    seq: int
    received_at: float
    event: Event
    late: bool = False


def parse_delivery(body: Any) -> tuple[Event, str]:
    """The event and the token of a parsed JSON delivery body. Raises DeliveryError naming what is wrong."""
    if not isinstance(body, Mapping):
        raise DeliveryError("the body must be a JSON object with resource, event, timestamp, token and data")
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise DeliveryError("token: required, the webhook's token as a string")
    event = body.get("event")
    if not isinstance(event, str) or "." not in event:
        raise DeliveryError("event: required, an Aircall event name such as 'call.ended'")
    resource = body.get("resource")
    if not isinstance(resource, str) or not resource:
        resource = event.split(".", 1)[0]  # route on `event`, not `resource` (newer families vary)
    timestamp = body.get("timestamp")
    if isinstance(timestamp, float) and timestamp.is_integer():
        timestamp = int(timestamp)
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0:
        raise DeliveryError("timestamp: required, UNIX seconds as a whole number")
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise DeliveryError("data: required, the resource as a JSON object")
    parsed = Event(resource=resource, event=event, timestamp=timestamp, data=dict(data))
    if len(parsed.identity) > MAX_IDENTITY_CHARS:
        raise DeliveryError("resource, event and data.id are too long for an Aircall event")
    return parsed, token
