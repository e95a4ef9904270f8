"""Live Aircall events for agents: one webhook in, a grant-filtered stream per agent out.

`WebhookReceiver` takes Aircall's deliveries (token-checked) into an `EventStore` (`MemoryEventStore`, or
`RedisEventStore` for replicas); `EventFeed` serves each agent the events its grant could have read, masked like
tool results, through the `wait_for_events` tool and the `aircall://events` resource.

The names below load on first use: a server with events off (stdio without Redis) imports none of this machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aircall_mcp.events.feed import MAX_WAIT_SECONDS, WAIT_FOR_EVENTS_TOOL, EventFeed
    from aircall_mcp.events.model import DeliveryError, Event, StoredEvent, parse_delivery
    from aircall_mcp.events.names import WAIT_FOR_EVENTS
    from aircall_mcp.events.receiver import MAX_DELIVERY_BYTES, WEBHOOK_PATH, WebhookReceiver
    from aircall_mcp.events.store import EventStore, MemoryEventStore, Retention
    from aircall_mcp.events.tokens import WebhookTokens, learn_tokens
    from aircall_mcp.events.visibility import RELAYED_EVENTS, receivable_types, view

__all__ = [
    "MAX_DELIVERY_BYTES",
    "MAX_WAIT_SECONDS",
    "RELAYED_EVENTS",
    "WAIT_FOR_EVENTS",
    "WAIT_FOR_EVENTS_TOOL",
    "WEBHOOK_PATH",
    "DeliveryError",
    "Event",
    "EventFeed",
    "EventStore",
    "MemoryEventStore",
    "Retention",
    "StoredEvent",
    "WebhookReceiver",
    "WebhookTokens",
    "learn_tokens",
    "parse_delivery",
    "receivable_types",
    "view",
]

# Each exported name and the submodule that defines it.
_SOURCES = {
    "MAX_WAIT_SECONDS": "feed",
    "WAIT_FOR_EVENTS_TOOL": "feed",
    "EventFeed": "feed",
    "DeliveryError": "model",
    "Event": "model",
    "StoredEvent": "model",
    "parse_delivery": "model",
    "WAIT_FOR_EVENTS": "names",
    "MAX_DELIVERY_BYTES": "receiver",
    "WEBHOOK_PATH": "receiver",
    "WebhookReceiver": "receiver",
    "EventStore": "store",
    "MemoryEventStore": "store",
    "Retention": "store",
    "WebhookTokens": "tokens",
    "learn_tokens": "tokens",
    "RELAYED_EVENTS": "visibility",
    "receivable_types": "visibility",
    "view": "visibility",
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{source}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
