"""Exporting 10,000 calls with max_items: requests made and wall time against what the rate budget allows.

The loopback sandbox holds ITEMS calls and allows LIMIT requests per WINDOW seconds (a fixed window, started by
the first request after a reset, with a fractional X-AircallApi-Reset so that a short window is not inflated by
rounding to whole seconds; Aircall's 60 s windows lose at most 1 s that way). The client reads every call with
`paginate(max_items=ITEMS)` and no per_page, through the company limiter, as the server does for an agent.

Printed:
  * requests made (ITEMS / 50 = 200, since max_items implies Aircall's largest page) and 429s received;
  * the budget floor: the earliest the last request may go out, (ceil(requests / LIMIT) - 1) * WINDOW;
  * the unpaced time: the same read against an unlimited sandbox (the work itself, no waiting);
  * wall time and its ratio to the floor (target <= 1.1x); and, since the last window's pages still take time
    after the floor, its ratio to the floor plus that work (or to the unpaced time where that is larger);
  * what the same export costs on Aircall's documented budget (120 a minute) with pages of 50 and of 20.

Run: .venv/bin/python benchmarks/export_bench.py [--limit 20] [--window 2.0]  (about 30 s, loopback only)
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from dataclasses import dataclass

from pydantic import SecretStr

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.facts import MAX_PER_PAGE as LARGEST_PAGE
from aircall_mcp.ratelimit import CompanyLimiter, SystemClock
from aircall_mcp.sandbox import SandboxConfig, running_sandbox

ITEMS = 10_000
AIRCALL_DEFAULT_PAGE = 20
AIRCALL_BUDGET = 120
AIRCALL_WINDOW = 60.0


@dataclass(frozen=True)
class Export:
    items: int
    requests: int
    rate_limited: int
    seconds: float


def budget_floor(requests: int, limit: int, window: float) -> float:
    """Earliest moment the last of `requests` may be sent, with `limit` per fixed `window` from the first."""
    return (math.ceil(requests / limit) - 1) * window


async def export(limit: int | None, window: float) -> Export:
    config = SandboxConfig(
        users=5,
        teams=2,
        numbers=3,
        contacts=10,
        calls=ITEMS,
        tags=2,
        rate_limit=limit,
        rate_window_seconds=window,
        reset_header_decimals=3,
    )
    async with running_sandbox(config) as handle:
        credentials = BasicCredentials(api_id=SecretStr(config.api_id), api_token=SecretStr(config.api_token))
        # Configured at Aircall's documented figure: the limiter learns the sandbox's budget from its headers.
        limiter = CompanyLimiter(AIRCALL_BUDGET, window, max_wait_seconds=30.0, clock=SystemClock())
        async with AircallClient(credentials, handle.base_url, limiter=limiter) as client:
            started = time.perf_counter()
            result = await client.paginate(PreparedRequest("GET", "/v1/calls"), list_key="calls", max_items=ITEMS)
            seconds = time.perf_counter() - started
        if result.stopped is not None:
            raise SystemExit(f"the export stopped early: {result.stopped}")
        statuses = [r.status for r in handle.sandbox.requests]
    return Export(len(result.items), len(statuses), statuses.count(429), seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=20, help="requests per window (default 20)")
    parser.add_argument("--window", type=float, default=2.0, help="window length in seconds (default 2.0)")
    args = parser.parse_args()

    unpaced = asyncio.run(export(None, args.window))
    paced = asyncio.run(export(args.limit, args.window))
    floor = budget_floor(paced.requests, args.limit, args.window)
    # The last window's requests are still served after the floor, one page after another at unpaced speed; and
    # where serving a window's pages takes longer than the window, the work itself is the bound.
    last_window = paced.requests - (math.ceil(paced.requests / args.limit) - 1) * args.limit
    tail = unpaced.seconds * last_window / unpaced.requests
    bound = max(floor + tail, unpaced.seconds)
    print(
        f"export of {ITEMS} calls with max_items={ITEMS} and no per_page; "
        f"budget {args.limit} requests / {args.window:g} s"
    )
    print(f"  unpaced (no budget)    {unpaced.requests:4d} requests  {unpaced.seconds:6.2f} s")
    print(
        f"  within the budget      {paced.requests:4d} requests  {paced.seconds:6.2f} s  "
        f"({paced.items} items, {paced.rate_limited} 429s)"
    )
    print(f"  budget floor           {floor:6.2f} s  (the last request may go out no earlier)")
    print(f"  wall time / floor      {paced.seconds / floor:6.3f}x  (target <= 1.1x)")
    print(
        f"  counting the work      {paced.seconds / bound:6.3f}x  against {bound:.2f} s: the floor + {tail:.2f} s "
        "serving the last window, or the unpaced time if larger"
    )
    for page in (LARGEST_PAGE, AIRCALL_DEFAULT_PAGE):
        requests = math.ceil(ITEMS / page)
        aircall_floor = budget_floor(requests, AIRCALL_BUDGET, AIRCALL_WINDOW)
        print(
            f"  on Aircall's {AIRCALL_BUDGET}/min with pages of {page}: {requests} requests, "
            f"budget floor {aircall_floor:.0f} s"
        )


if __name__ == "__main__":
    main()
