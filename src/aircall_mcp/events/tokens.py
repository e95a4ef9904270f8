"""The webhook tokens a delivery may carry: configured (AIRCALL_WEBHOOK_TOKEN) or learned from the account.

Aircall signs nothing: the body's `token`, set when the webhook was created, is the only proof that a delivery
comes from this company's Aircall account. Tokens are secrets: kept as SecretStr, compared in constant time,
never logged.
"""

from __future__ import annotations

import hmac
import logging

from pydantic import SecretStr

from aircall_mcp.client import AircallClient
from aircall_mcp.endpoint import PreparedRequest

logger = logging.getLogger("aircall_mcp.events")


class WebhookTokens:
    """The set of tokens whose deliveries are accepted. Empty: every delivery is refused."""

    def __init__(self, tokens: list[SecretStr] | None = None) -> None:
        self._tokens: list[bytes] = []
        for token in tokens or []:
            self.add(token)

    def __len__(self) -> int:
        return len(self._tokens)

    def add(self, token: SecretStr) -> None:
        value = token.get_secret_value().strip().encode()
        if value and not any(hmac.compare_digest(value, known) for known in self._tokens):
            self._tokens.append(value)

    def matches(self, token: str) -> bool:
        given = token.encode()
        # Compare against every token (no early exit), so timing says nothing about which one nearly matched.
        found = False
        for known in self._tokens:
            found |= hmac.compare_digest(given, known)
        return found

    def secrets(self) -> list[str]:
        """The tokens as text, for the audit log's secret scrubber only."""
        return [token.decode() for token in self._tokens]


async def learn_tokens(client: AircallClient, tokens: WebhookTokens) -> int:
    """Add the token of every webhook of the account (GET /v1/webhooks, all pages); returns how many were read."""
    pages = await client.paginate(
        PreparedRequest("GET", "/v1/webhooks", {"per_page": "50"}), max_items=10_000, list_key="webhooks"
    )
    count = 0
    for hook in pages.items:
        token = hook.get("token") if isinstance(hook, dict) else None
        if isinstance(token, str) and token:
            tokens.add(SecretStr(token))
            count += 1
    return count
