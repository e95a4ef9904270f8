"""Settings of one sandbox workspace: sizes, seed, credentials, rate limit and clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aircall_mcp.facts import DOCUMENTED_RATE_LIMIT, DOCUMENTED_RATE_WINDOW_SECONDS, PAGINATION_CAP


@dataclass
class SandboxConfig:
    """Everything that shapes a sandbox. Two sandboxes built from equal configs hold equal data.

    Sizes are approximate targets for the seeded workspace; `calls` counts every seeded call,
    including the few ongoing ones. `rate_limit` of None or 0 means unlimited (no X-AircallApi-*
    headers). `reset_header_milliseconds` sends X-AircallApi-Reset in UNIX milliseconds (its unit is
    undocumented); `rate_headers_only_on_429` sends the rate headers only when the limit is reached, as
    Aircall's reference describes them. `clock` drives only the rate-limit window and the timestamps of
    objects created through the API; seeded data never reads it. `created_status` and
    `accept_comma_joined_tags` switch between the ways Aircall is documented and observed to answer.
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
    rate_limit: int | None = DOCUMENTED_RATE_LIMIT
    rate_window_seconds: float = DOCUMENTED_RATE_WINDOW_SECONDS
    reset_header_decimals: int = 0
    pagination_cap: int = PAGINATION_CAP
    company_name: str = "Lumen & Co"
    # Webhook deliveries (webhook_delivery.py): how often one is sent twice, or overtakes the one before it.
    webhook_duplicate_rate: float = 0.05
    webhook_reorder_rate: float = 0.05
    clock: Callable[[], float] = field(default=time.time, repr=False)
    # The status of every successful create: 201 as the reference documents, or 200 as recorded traffic shows
    # (create contact, team, tag, webhook and user answered 200). Clients must accept any 2xx.
    created_status: int = 201
    # Whether call search reads `tags=1,2` as two tag ids. The reference documents an array (`tags[]=1&tags[]=2`,
    # what the server sends); False answers a comma-joined value with a 400 as the reference implies.
    accept_comma_joined_tags: bool = True
    reset_header_milliseconds: bool = False
    rate_headers_only_on_429: bool = False
