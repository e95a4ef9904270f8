"""`aircall://events`: the agent's event stream as an MCP resource, with update notifications in both eras.

Handshake era: `resources/subscribe` records the session; a new event the agent may see sends it
`notifications/resources/updated`. 2026-07-28: `subscriptions/listen` streams, one bus per agent, so an update is
only ever published to the agents whose grant could read the event (an update nobody may see tells nobody).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import mcp_types as types
from mcp.server import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ResourceUpdated
from mcp.shared.exceptions import MCPError

from aircall_mcp.events.feed import EventFeed
from aircall_mcp.events.model import StoredEvent
from aircall_mcp.events.visibility import view
from aircall_mcp.grants import Grant

logger = logging.getLogger("aircall_mcp.events")

EVENTS_URI = "aircall://events"
# A read of the resource shows this many of the newest events the agent may see, found among this many stored.
RECENT_EVENTS = 50
RECENT_SCAN = 2_000

EVENTS_RESOURCE = types.Resource(
    uri=EVENTS_URI,
    name="events",
    title="Live Aircall events",
    description=(
        f"The newest (up to {RECENT_EVENTS}) Aircall events this agent may see, masked like tool results. "
        "Subscribe to be told when one arrives; wait_for_events reads them after a cursor."
    ),
    mime_type="application/json",
)

AgentOf = Callable[[ServerRequestContext[Any]], str]


class EventResources:
    """The resource handlers, and the subscribers to tell when an event is stored."""

    def __init__(self, feed: EventFeed, grant_for: Callable[[str], Grant], agent_of: AgentOf) -> None:
        self.feed = feed
        self._grant_for = grant_for
        self._agent_of = agent_of
        self._sessions: dict[int, tuple[str, ServerSession]] = {}
        self._listeners: dict[str, tuple[InMemorySubscriptionBus, ListenHandler]] = {}

    def handlers(self) -> dict[str, Any]:
        """Keyword arguments for the low-level Server."""
        return {
            "on_list_resources": self.list_resources,
            "on_read_resource": self.read_resource,
            "on_subscribe_resource": self.subscribe,
            "on_unsubscribe_resource": self.unsubscribe,
            "on_subscriptions_listen": self.listen,
        }

    def _grant(self, ctx: ServerRequestContext[Any]) -> Grant:
        return self._grant_for(self._agent_of(ctx))

    def _require(self, ctx: ServerRequestContext[Any], uri: str) -> Grant:
        grant = self._grant(ctx)
        if uri != EVENTS_URI or not self.feed.offered(grant):
            raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown resource {uri!r}; see resources/list.")
        return grant

    async def list_resources(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[EVENTS_RESOURCE] if self.feed.offered(self._grant(ctx)) else [])

    async def read_resource(
        self, ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        grant = self._require(ctx, str(params.uri))
        newest = await self.feed.store.last_seq()
        events, cursor = await self.feed.recent(grant, after=max(0, newest - RECENT_SCAN), keep=RECENT_EVENTS)
        text = self.feed.render({"events": events, "cursor": str(cursor), "count": len(events)})
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=EVENTS_URI, mime_type="application/json", text=text)]
        )

    async def subscribe(
        self, ctx: ServerRequestContext[Any], params: types.SubscribeRequestParams
    ) -> types.EmptyResult:
        agent = self._agent_of(ctx)
        self._require(ctx, str(params.uri))
        self._sessions[id(ctx.session)] = (agent, ctx.session)
        return types.EmptyResult()

    async def unsubscribe(
        self, ctx: ServerRequestContext[Any], params: types.UnsubscribeRequestParams
    ) -> types.EmptyResult:
        self._sessions.pop(id(ctx.session), None)
        return types.EmptyResult()

    async def listen(
        self, ctx: ServerRequestContext[Any], params: types.SubscriptionsListenRequestParams
    ) -> types.SubscriptionsListenResult:
        agent = self._agent_of(ctx)
        if agent not in self._listeners:
            bus = InMemorySubscriptionBus()
            self._listeners[agent] = (bus, ListenHandler(bus))
        return await self._listeners[agent][1](ctx, params)

    async def notify(self, stored: StoredEvent) -> None:
        """Tell every subscriber whose grant may see `stored` that aircall://events changed."""
        for key, (agent, session) in list(self._sessions.items()):
            if view(self._grant_for(agent), stored) is None:
                continue
            try:
                await session.send_resource_updated(EVENTS_URI)
            except Exception:  # a session that went away is forgotten, the others still hear
                logger.debug("dropping the events subscription of a closed session of %s", agent, exc_info=True)
                self._sessions.pop(key, None)
        for agent, (bus, _) in list(self._listeners.items()):
            if view(self._grant_for(agent), stored) is not None:
                await bus.publish(ResourceUpdated(uri=EVENTS_URI))
