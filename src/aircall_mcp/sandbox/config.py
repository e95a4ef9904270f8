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
    objects created through the API; seeded data never reads it.
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
    clock: Callable[[], float] = field(default=time.time, repr=False)
    reset_header_milliseconds: bool = False
    rate_headers_only_on_429: bool = False
