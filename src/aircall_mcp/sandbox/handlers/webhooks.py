"""/v1/webhooks: event subscriptions."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from aircall_mcp.facts import ALL_EVENTS, KNOWN_EVENTS
from aircall_mcp.sandbox import listing, render
from aircall_mcp.sandbox.context import Ctx, Reply, created, no_content, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.state import Webhook
from aircall_mcp.sandbox.validate import body_object, boolean, https_url, string_list, text

MAX_WEBHOOKS = 100


def _webhook(ctx: Ctx) -> Webhook:
    """Webhooks are addressed by UUID; the legacy numeric id is accepted too."""
    raw = ctx.params["webhook_id"]
    found = next((w for w in ctx.ws.webhooks.values() if w.webhook_id == raw or str(w.id) == raw), None)
    if found is None:
        raise ApiError.not_found(f"Webhook {raw} not found")
    return found


def _events(raw: Any) -> list[str]:
    events = string_list(raw, "events")
    unknown = [e for e in events if e not in KNOWN_EVENTS]
    if unknown:
        raise ApiError.bad_request(f"events contains unknown event names: {', '.join(unknown)}")
    return list(dict.fromkeys(events))


def list_webhooks(ctx: Ctx) -> Reply:
    params = listing.list_params(ctx)
    hooks = sorted(ctx.ws.webhooks.values(), key=lambda w: (w.created_at, w.id), reverse=params.descending)
    # Recorded real responses carry no next/previous link keys for this list.
    return ok(listing.page(ctx, "webhooks", hooks, params, render.webhook, links=False))


def get_webhook(ctx: Ctx) -> Reply:
    return ok({"webhook": render.webhook(_webhook(ctx))})


def create_webhook(ctx: Ctx) -> Reply:
    body = body_object(ctx.body)
    url = https_url(body.get("url"), "url")
    name = text(body, "custom_name") or "Webhook"
    events = _events(body["events"]) if body.get("events") is not None else []
    if len(ctx.ws.webhooks) >= MAX_WEBHOOKS:
        raise ApiError.bad_request(f"A company can't have more than {MAX_WEBHOOKS} webhooks")
    hook = Webhook(
        id=ctx.ws.next_id("webhook"),
        webhook_id=str(uuid.uuid4()),
        custom_name=name,
        url=url,
        active=True,
        token=secrets.token_hex(16),
        events=events or list(ALL_EVENTS),  # omitted or empty means every event
        created_at=ctx.now,
    )
    ctx.ws.webhooks[hook.id] = hook
    return created({"webhook": render.webhook(hook, with_legacy_id=False)})


def update_webhook(ctx: Ctx) -> Reply:
    hook = _webhook(ctx)
    body = body_object(ctx.body)
    action = ctx.query.get("events_action")
    if action is not None and action not in ("add", "remove"):
        raise ApiError.bad_request("events_action must be add or remove")
    url = https_url(body["url"], "url") if "url" in body else None
    name = text(body, "custom_name", required=True) if "custom_name" in body else None
    active = boolean(body["active"], "active") if "active" in body else None
    given = _events(body["events"]) if body.get("events") is not None else None
    # Aircall's documented trap: an update without `events` re-subscribes the webhook to every event, except with
    # events_action=add, the documented way to re-enable a webhook and keep its events.
    if given is None:
        events = list(hook.events) if action == "add" else list(ALL_EVENTS)
    elif action == "add":
        events = list(dict.fromkeys([*hook.events, *given]))
    elif action == "remove":
        events = [e for e in hook.events if e not in set(given)]
    else:
        events = given or list(ALL_EVENTS)
    hook.events = events
    if url is not None:
        hook.url = url
    if name is not None:
        hook.custom_name = name
    if active is not None:
        hook.active = active
    return ok({"webhook": render.webhook(hook)})


def delete_webhook(ctx: Ctx) -> Reply:
    hook = _webhook(ctx)
    del ctx.ws.webhooks[hook.id]
    return no_content()
