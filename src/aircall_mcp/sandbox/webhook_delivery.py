"""The sandbox delivers webhooks like Aircall: one POST per event, the webhook's token in the body, at least once
and in no guaranteed order.

Events come from the writes the sandbox receives (`after_write`: call.tagged, call.commented, contact.created...)
and from simulated calls (`simulate_call`: call.created -> call.answered -> call.hungup -> call.ended, with the
sandbox clock). Deliveries are queued and sent by `flush` (tests call it; `run` sends continuously). A seeded RNG
sometimes queues a delivery twice or swaps it with the one before, as Aircall may, so tests stay deterministic.
Only loopback URLs are ever contacted: the sandbox never sends anything off this machine.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
from starlette.routing import compile_path

from aircall_mcp.facts import ALL_EVENTS
from aircall_mcp.loopback import is_loopback_url
from aircall_mcp.sandbox import render
from aircall_mcp.sandbox.state import Call, Webhook, Workspace

logger = logging.getLogger(__name__)

# Aircall retries a failed delivery (up to 50 times over hours); the sandbox tries a few times, on later flushes.
MAX_ATTEMPTS = 3
DELIVERY_TIMEOUT_SECONDS = 5.0  # Aircall's own timeout


@dataclass
class Delivery:
    url: str
    body: dict[str, Any]
    attempts: int = 0

    @property
    def event(self) -> str:
        return str(self.body["event"])


# Writes that Aircall reports as events: (method, path template) -> event name. The object's id is the path's.
_WRITE_EVENTS: tuple[tuple[str, str, str], ...] = (
    ("POST", "/v1/calls/{call_id}/tags", "call.tagged"),
    ("POST", "/v1/calls/{call_id}/comments", "call.commented"),
    ("PUT", "/v1/calls/{call_id}/archive", "call.archived"),
    ("POST", "/v1/calls/{call_id}/transfers", "call.transferred"),
    ("POST", "/v1/contacts", "contact.created"),
    ("POST", "/v1/contacts/{contact_id}", "contact.updated"),
    ("POST", "/v1/contacts/{contact_id}/phone_details", "contact.updated"),
    ("POST", "/v1/contacts/{contact_id}/email_details", "contact.updated"),
    ("DELETE", "/v1/contacts/{contact_id}", "contact.deleted"),
)
_WRITE_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, compile_path(path)[0], event) for method, path, event in _WRITE_EVENTS
)


class WebhookSender:
    """Queues and sends the sandbox's webhook deliveries."""

    def __init__(
        self,
        ws: Workspace,
        *,
        seed: int,
        clock: Callable[[], float],
        duplicate_rate: float = 0.05,
        reorder_rate: float = 0.05,
    ) -> None:
        self.ws = ws
        self.clock = clock
        self.duplicate_rate = duplicate_rate
        self.reorder_rate = reorder_rate
        # Its own stream, so seeded data and deliveries stay independent. Simulation, not security.
        self._rng = random.Random(seed * 7919 + 13)  # noqa: S311
        self.outbox: list[Delivery] = []
        self.sent: list[tuple[Delivery, int | None]] = []  # each attempt, with the status (None: no answer)
        self._queued = anyio.Event()
        # How many of the messaging events (sandbox/messaging.py records them in order) were queued already.
        self._messaging_relayed = 0

    # -- receivers ---------------------------------------------------------------------------------------

    def add_receiver(self, url: str, *, events: list[str] | None = None, name: str = "aircall-mcp") -> Webhook:
        """Register a webhook directly (loopback http allowed, unlike the API's https rule); returns it."""
        hook = Webhook(
            id=self.ws.next_id("webhook"),
            webhook_id=str(uuid.uuid4()),
            custom_name=name,
            url=url,
            active=True,
            token=secrets.token_hex(16),
            events=list(events or ALL_EVENTS),
            created_at=int(self.clock()),
        )
        self.ws.webhooks[hook.id] = hook
        return hook

    # -- events ------------------------------------------------------------------------------------------

    def emit(self, resource: str, event: str, data: Mapping[str, Any], timestamp: int | None = None) -> int:
        """Queue the deliveries of one event to every active loopback webhook subscribed to it; returns how many."""
        queued = 0
        for hook in list(self.ws.webhooks.values()):
            if not hook.active or event not in hook.events or not is_loopback_url(hook.url):
                continue
            body = {
                "resource": resource,
                "event": event,
                "timestamp": int(self.clock()) if timestamp is None else timestamp,
                "token": hook.token,
                "data": dict(data),
            }
            self._queue(Delivery(hook.url, body))
            queued += 1
        return queued

    def _queue(self, delivery: Delivery) -> None:
        if self.outbox and self._rng.random() < self.reorder_rate:
            self.outbox.insert(len(self.outbox) - 1, delivery)  # overtakes the delivery queued before it
        else:
            self.outbox.append(delivery)
        if self._rng.random() < self.duplicate_rate:
            self.outbox.append(Delivery(delivery.url, dict(delivery.body)))
        self._queued.set()

    def relay_messaging_events(self) -> int:
        """Queue the messaging, AI Voice Agent and analytics events recorded since the last relay; returns how many.

        Those handlers record their events (message.sent, message.received, ...) in the workspace; the sandbox's
        test controls (receive_message, update_message_status) do too, outside any API write.
        """
        recorded = self.ws.messaging.events
        fresh = recorded[self._messaging_relayed :]
        self._messaging_relayed = len(recorded)
        for event in fresh:
            # The resource is the event's prefix: message, group_message, ai_voice_agent, analytics.
            self.emit(event.name.split(".", 1)[0], event.name, event.data, event.at)
        return len(fresh)

    def after_write(self, method: str, path: str, reply_body: Any) -> None:
        """Emit the event a successful write of the API triggers (if it triggers one)."""
        self.relay_messaging_events()
        for wanted, pattern, event in _WRITE_PATTERNS:
            match = pattern.match(path) if method == wanted else None
            if match is None:
                continue
            params = match.groupdict()
            if "call_id" in params:
                call = self.ws.calls.get(int(params["call_id"]))
                if call is not None:
                    self.emit("call", event, self.call_data(call))
            elif event == "contact.deleted":
                self.emit("contact", event, {"id": int(params["contact_id"])})
            else:
                contact_id = params.get("contact_id") or _created_id(reply_body, "contact")
                contact = self.ws.contacts.get(int(contact_id)) if contact_id is not None else None
                if contact is not None:
                    self.emit("contact", event, render.contact(contact))
            return

    def call_data(self, call: Call) -> dict[str, Any]:
        """A call as webhooks carry it: `call_uuid` instead of `sid`, the number with its E.164 digits."""
        data = render.call(self.ws, call)
        data["call_uuid"] = data.pop("sid")
        number = self.ws.numbers.get(call.number_id)
        if isinstance(data.get("number"), dict) and number is not None:
            data["number"]["e164_digits"] = number.e164
        return data

    def simulate_call(self, number_id: int, *, answered: bool = True) -> Call:
        """A call's life on `number_id`, as its events: created, answered (if answered), hungup, ended.

        Timestamps follow the sandbox clock: the call starts now, rings a few seconds, talks a few minutes; call.ended
        comes about 30 s after call.hungup, as Aircall sends it once the recording and duration are final.
        """
        number = self.ws.number(number_id)
        rng = self._rng
        start = int(self.clock())
        user_id = number.user_ids[0] if number.user_ids else None
        call = Call(
            id=self.ws.next_id("call"),
            sid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            direction=rng.choice(("inbound", "outbound")),
            status="initial",
            started_at=start,
            answered_at=None,
            ended_at=None,
            raw_digits=f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            missed_call_reason=None,
            number_id=number.id,
            user_id=None,
            contact_id=None,
        )
        self.ws.calls[call.id] = call
        self.emit("call", "call.created", self.call_data(call), start)
        ring = rng.randint(3, 20)
        if answered and user_id is not None:
            call.status, call.answered_at, call.user_id = "answered", start + ring, user_id
            self.emit("call", "call.answered", self.call_data(call), start + ring)
            end = start + ring + rng.randint(30, 600)
        else:
            call.missed_call_reason = "agents_did_not_answer"
            end = start + ring
        call.status, call.ended_at = "done", end
        if call.answered_at is not None:
            call.recording = f"https://recordings.aircall.example/{call.sid}.mp3"
        self.emit("call", "call.hungup", self.call_data(call), end)
        self.emit("call", "call.ended", self.call_data(call), end + 30)
        return call

    # -- sending -----------------------------------------------------------------------------------------

    async def flush(self, client: httpx2.AsyncClient) -> int:
        """Send every queued delivery in queue order; returns how many were acknowledged (2xx)."""
        self.relay_messaging_events()
        batch, self.outbox = self.outbox, []
        self._queued = anyio.Event()
        acknowledged = 0
        for delivery in batch:
            delivery.attempts += 1
            status: int | None
            try:
                response = await client.post(delivery.url, json=delivery.body, timeout=DELIVERY_TIMEOUT_SECONDS)
                status = response.status_code
            except httpx2.HTTPError as exc:
                logger.warning("sandbox webhook delivery to %s failed: %s", delivery.url, type(exc).__name__)
                status = None
            self.sent.append((delivery, status))
            if status is not None and 200 <= status < 300:
                acknowledged += 1
            elif delivery.attempts < MAX_ATTEMPTS:
                self.outbox.append(delivery)
        return acknowledged

    async def run(self, client: httpx2.AsyncClient) -> None:
        """Send deliveries as they are queued, until cancelled."""
        while True:
            await self._queued.wait()
            await self.flush(client)


def _created_id(body: Any, key: str) -> str | None:
    obj = body.get(key) if isinstance(body, Mapping) else None
    value = obj.get("id") if isinstance(obj, Mapping) else None
    return str(value) if value is not None else None
