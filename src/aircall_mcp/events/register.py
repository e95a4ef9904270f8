"""`aircall-mcp webhooks register --url PUBLIC_URL`: create (or find) the Aircall webhook that feeds the receiver.

Aircall requires an https URL. The webhook subscribes to the relayed events only (an empty list would mean every
event, messaging and analytics included, which the server would refuse to relay anyway). An existing webhook for
the same URL is reused: missing events are added with `events_action=add` (a PUT without `events` would silently
re-subscribe it to everything) and a deactivated one is re-enabled. The token is never printed: the server learns
it from the account at start-up.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aircall_mcp.client import AircallClient
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.events.receiver import WEBHOOK_PATH
from aircall_mcp.events.visibility import RELAYED_EVENTS

WEBHOOK_NAME = "aircall-mcp"


class RegisterError(ValueError):
    """A URL Aircall would refuse, explained."""


def check_public_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise RegisterError(f"--url must be an https URL that Aircall can reach (Aircall refuses others), got {url!r}")
    if parts.username or parts.password:
        raise RegisterError("--url must not carry credentials: the webhook's token authenticates deliveries")


async def register_webhook(client: AircallClient, url: str, *, dry_run: bool) -> list[str]:
    """Create or update the webhook for `url`; returns the lines saying what was (or would be) done."""
    check_public_url(url)
    lines: list[str] = []
    if not urlsplit(url).path.endswith(WEBHOOK_PATH):
        lines.append(f"note: the server receives at {WEBHOOK_PATH} unless started with another --webhook-path")
    pages = await client.paginate(
        PreparedRequest("GET", "/v1/webhooks", {"per_page": "50"}), max_items=10_000, list_key="webhooks"
    )
    existing: dict[str, Any] | None = next(
        (hook for hook in pages.items if isinstance(hook, dict) and hook.get("url") == url), None
    )
    would = "would " if dry_run else ""
    if existing is None:
        new: dict[str, Any] = {"url": url, "custom_name": WEBHOOK_NAME, "events": list(RELAYED_EVENTS)}
        if dry_run:
            lines.append(f"would create a webhook for {url} with {len(RELAYED_EVENTS)} events (POST /v1/webhooks)")
            return lines
        created = await client.send(PreparedRequest("POST", "/v1/webhooks", body=new))
        hook = created.data.get("webhook", {}) if isinstance(created.data, dict) else {}
        lines.append(f"created webhook {hook.get('webhook_id')} for {url} with {len(RELAYED_EVENTS)} events")
        lines.append("its token is not shown: the server learns it from the account at start-up")
        return lines
    webhook_id = str(existing.get("webhook_id") or existing.get("id"))
    have = set(existing.get("events") or [])
    missing = [name for name in RELAYED_EVENTS if name not in have]
    inactive = existing.get("active") is False
    if not missing and not inactive:
        lines.append(f"found webhook {webhook_id} for {url}: already subscribed to every relayed event; nothing to do")
        return lines
    changes = []
    if missing:
        changes.append(f"add {len(missing)} events ({', '.join(missing[:5])}{'...' if len(missing) > 5 else ''})")
    if inactive:
        changes.append("re-enable it")
    lines.append(f"found webhook {webhook_id} for {url}: {would}{' and '.join(changes)}")
    if not dry_run:
        # `events` must be given: without it Aircall re-subscribes the webhook to every event.
        body: dict[str, Any] = {"events": missing or list(RELAYED_EVENTS[:1]), "active": True}
        await client.send(
            PreparedRequest("PUT", f"/v1/webhooks/{webhook_id}", {"events_action": "add"}, body),
        )
        lines.append(f"updated webhook {webhook_id}")
    return lines
