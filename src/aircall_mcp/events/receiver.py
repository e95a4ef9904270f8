"""POST /aircall/webhooks: Aircall's deliveries in, checked, acknowledged at once, stored just after.

Aircall waits 5 s for a 2xx and retries anything else (API notes §6.3), so the answer goes out before the event is
stored (Starlette runs the background task once the response is sent). A delivery without a known token is
answered 401, logged (without the token) and never stored; a body over the size bound is 413 before it is parsed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aircall_mcp.events.model import DeliveryError, Event, StoredEvent, parse_delivery
from aircall_mcp.events.store import EventStore
from aircall_mcp.events.tokens import WebhookTokens
from aircall_mcp.shared import SharedStateUnavailable

logger = logging.getLogger("aircall_mcp.events")

WEBHOOK_PATH = "/aircall/webhooks"
# Real deliveries are a few KB (a call with its users and tags); 256 KB leaves room and bounds the memory used.
MAX_DELIVERY_BYTES = 262_144

OnStored = Callable[[StoredEvent], Awaitable[None]]


@dataclass
class ReceiverStats:
    accepted: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    failed: int = 0


class WebhookReceiver:
    """The Starlette endpoint. Each of `listeners` is told of each new event (resource subscriptions)."""

    def __init__(
        self,
        store: EventStore,
        tokens: WebhookTokens,
        *,
        max_body_bytes: int = MAX_DELIVERY_BYTES,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.max_body_bytes = max_body_bytes
        self.listeners: list[OnStored] = []
        self.stats = ReceiverStats()

    def route(self, path: str = WEBHOOK_PATH) -> Route:
        return Route(path, self.handle, methods=["POST"])

    async def handle(self, request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        body = await self._read(request)
        if body is None:
            self.stats.refused += 1
            logger.warning("webhook delivery from %s refused: body over %d bytes", client, self.max_body_bytes)
            return JSONResponse({"error": "payload too large"}, status_code=413)
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            parsed = None
        token = parsed.get("token") if isinstance(parsed, dict) else None
        if not isinstance(token, str) or not self.tokens.matches(token):
            self.stats.refused += 1
            logger.warning("webhook delivery from %s refused: no token of this company's webhooks", client)
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        try:
            event, _ = parse_delivery(parsed)
        except DeliveryError as exc:
            self.stats.refused += 1
            logger.warning("webhook delivery from %s refused: %s", client, exc)
            return JSONResponse({"error": str(exc)}, status_code=400)
        self.stats.accepted += 1
        return JSONResponse({"status": "accepted"}, background=BackgroundTask(self.process, event))

    async def process(self, event: Event) -> None:
        """Store one accepted event; failures are logged (the delivery was already acknowledged)."""
        try:
            stored = await self.store.append(event)
        except SharedStateUnavailable as exc:
            self.stats.failed += 1
            logger.error("event %s lost: %s", event.identity, exc)
            return
        if stored is None:
            self.stats.duplicates += 1
            return
        self.stats.stored += 1
        for listener in self.listeners:
            try:
                await listener(stored)
            except Exception:  # a subscriber that went away must not lose the event for the others
                logger.exception("could not notify subscribers of event %s", event.identity)

    async def _read(self, request: Request) -> bytes | None:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > self.max_body_bytes:
                    return None
                chunks.append(chunk)
        except ClientDisconnect:
            return b""
        return b"".join(chunks)
