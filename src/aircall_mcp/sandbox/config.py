"""Settings of one sandbox workspace: sizes, seed, credentials, rate limit and clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SandboxConfig:
    """Everything that shapes a sandbox. Two sandboxes built from equal configs hold equal data.

    Sizes are approximate targets for the seeded workspace; `calls` counts every seeded call,
    including the few ongoing ones. `rate_limit` of None or 0 means unlimited (no X-AircallApi-*
    headers). `clock` drives only the rate-limit window and the timestamps of objects created
    through the API; seeded data never reads it.
    """

    seed: int = 7
    users: int = 40
    teams: int = 6
    numbers: int = 8
    contacts: int = 400
    calls: int = 3000
    tags: int = 12
    webhooks: int = 3
    api_id: str = "sandbox-api-id"
    api_token: str = "sandbox-api-token"  # noqa: S105 - a fake credential of the local sandbox
    access_token: str = "sandbox-oauth-token"  # noqa: S105 - a fake credential of the local sandbox
    rate_limit: int | None = 120
    rate_window_seconds: float = 60.0
    reset_header_decimals: int = 0
    pagination_cap: int = 10_000
    company_name: str = "Lumen & Co"
    # Webhook deliveries (webhook_delivery.py): how often one is sent twice, or overtakes the one before it.
    webhook_duplicate_rate: float = 0.05
    webhook_reorder_rate: float = 0.05
    clock: Callable[[], float] = field(default=time.time, repr=False)
