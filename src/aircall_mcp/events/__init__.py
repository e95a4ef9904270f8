"""Live Aircall events for agents: one webhook in, a grant-filtered stream per agent out.

`WebhookReceiver` takes Aircall's deliveries (token-checked) into an `EventStore` (`MemoryEventStore`, or
`RedisEventStore` for replicas); `EventFeed` serves each agent the events its grant could have read, masked like
tool results, through the `wait_for_events` tool and the `aircall://events` resource.
"""

from aircall_mcp.events.feed import MAX_WAIT_SECONDS, WAIT_FOR_EVENTS, WAIT_FOR_EVENTS_TOOL, EventFeed
from aircall_mcp.events.model import DeliveryError, Event, StoredEvent, parse_delivery
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
