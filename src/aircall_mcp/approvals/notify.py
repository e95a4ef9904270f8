"""Telling operators that an approval waits: one JSON POST per new pending approval to a configured URL.

The body has a top-level `text`, so a Slack incoming webhook shows it as a message as it is; other receivers
read the `approval` object. The URL itself is a secret for Slack (it carries the webhook's key): never logged.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx2

from aircall_mcp.approvals.record import PendingApproval

logger = logging.getLogger("aircall_mcp.approvals")
NOTIFY_TIMEOUT_SECONDS = 5.0


def utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def notification(approval: PendingApproval) -> dict[str, Any]:
    text = (
        f"Approval needed: agent *{approval.agent}* wants to {approval.action} (`{approval.tool}`). "
        f"Approval `{approval.id}` expires {utc(approval.expires_at)}. "
        f"Approve: `aircall-mcp approvals approve {approval.id}`  Deny: `aircall-mcp approvals deny {approval.id}`"
    )
    view = {k: v for k, v in approval.to_json().items() if k not in ("told", "arguments_hash")}
    return {"text": text, "approval": view}


class Notifier:
    def __init__(self, url: str, *, timeout_seconds: float = NOTIFY_TIMEOUT_SECONDS) -> None:
        self._url = url
        self._timeout = timeout_seconds

    async def notify(self, approval: PendingApproval) -> bool:
        """POST the notification; a receiver that fails is logged (without its URL) and never fails the call."""
        try:
            async with httpx2.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(self._url, json=notification(approval))
            if response.status_code >= 400:
                logger.warning("approval notification for %s refused: HTTP %d", approval.id, response.status_code)
                return False
            return True
        except httpx2.HTTPError as exc:
            logger.warning("approval notification for %s failed: %s", approval.id, type(exc).__name__)
            return False
