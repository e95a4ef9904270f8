"""Many agents, one Aircall company budget: the shared limiter against a plain client, on the loopback sandbox.

The sandbox allows BUDGET requests per WINDOW seconds (fractional X-AircallApi-Reset). AGENTS concurrent
agents each call as fast as they can for WINDOWS windows, which asks for far more than the budget.
Three runs, each on a fresh sandbox:
  (a) the company limiter alone on the account;
  (b) a plain client without the limiter (it still waits for the reset after each 429);
  (c) the limiter while another integration spends part of every window (sandbox.rate.consume);
  (d) the limiter configured with Aircall's documented 60 s window, which it must learn is WINDOW;
  (e) as (d), with X-AircallApi-Reset in milliseconds;
  (f) as (d), with the rate headers only on 429s (as Aircall's reference describes them) and a configured
      figure twice the real rate, so that a 429 must teach the limit and the window.
Printed per run: successful calls per window as a share of the budget, 429s received, failed calls,
and the p50/p99 of the time each call spent waiting for the budget (and of its total duration).

Run: .venv/bin/python benchmarks/ratelimit_bench.py  (about 20 s, loopback only)
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from pydantic import SecretStr

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.errors import AircallError
from aircall_mcp.facts import DOCUMENTED_RATE_LIMIT, DOCUMENTED_RATE_WINDOW_SECONDS
from aircall_mcp.ratelimit import CompanyLimiter, SystemClock
from aircall_mcp.retry import RetryPolicy
from aircall_mcp.sandbox import SandboxConfig, SandboxHandle, running_sandbox

BUDGET = 40
WINDOW = 2.0
WINDOWS = 3
AGENTS = 25
OTHER_SPEND_EVERY = 0.5
OTHER_SPEND = 3  # up to 12 of every 40 in (c)


@dataclass
class Run:
    name: str
    successes: int = 0
    failures: int = 0
    rate_limited: int = 0
    waits: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    late: int = 0
    other_spent: int = 0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _agent(client: AircallClient, name: str, deadline: float, run: Run) -> None:
    request = PreparedRequest("GET", "/v1/company")
    while time.time() < deadline:
        try:
            response = await client.send(request, agent=name)
        except AircallError as exc:
            run.failures += 1
            run.rate_limited += exc.stats.rate_limited_responses
            continue
        # Calls queued at the deadline are served in the next window: count only the measured windows.
        if time.time() <= deadline:
            run.successes += 1
        else:
            run.late += 1
        run.rate_limited += response.stats.rate_limited_responses
        run.waits.append(response.stats.rate_limit_wait_seconds)
        run.durations.append(response.stats.duration_seconds)


async def _other_integration(handle: SandboxHandle, deadline: float, run: Run) -> None:
    rate = handle.sandbox.rate
    while time.time() < deadline:
        resets_at = rate.resets_at
        before = rate.used if resets_at is not None and time.time() < resets_at else 0
        rate.consume(OTHER_SPEND)
        run.other_spent += rate.used - before
        await asyncio.sleep(OTHER_SPEND_EVERY)


async def _run(
    name: str,
    *,
    limited: bool,
    other: bool,
    window_known: bool = True,
    milliseconds: bool = False,
    only_on_429: bool = False,
    configured_limit: int = DOCUMENTED_RATE_LIMIT,
) -> Run:
    run = Run(name)
    config = SandboxConfig(
        users=5, teams=2, numbers=2, contacts=10, calls=20, tags=2, rate_limit=BUDGET, rate_window_seconds=WINDOW
    )
    config.reset_header_decimals = 3
    config.reset_header_milliseconds = milliseconds
    config.rate_headers_only_on_429 = only_on_429
    async with running_sandbox(config) as handle:
        credentials = BasicCredentials(api_id=SecretStr(config.api_id), api_token=SecretStr(config.api_token))
        # Configured at Aircall's documented 120/min: the limiter must learn the real, smaller budget.
        window = WINDOW if window_known else DOCUMENTED_RATE_WINDOW_SECONDS
        limiter = (
            CompanyLimiter(configured_limit, window, max_wait_seconds=30.0, clock=SystemClock()) if limited else False
        )
        retry = RetryPolicy(max_rate_limited_attempts=50)
        async with AircallClient(credentials, handle.base_url, limiter=limiter, retry=retry) as client:
            started = time.time()
            deadline = started + WINDOWS * WINDOW
            tasks = [_agent(client, f"agent-{i}", deadline, run) for i in range(AGENTS)]
            if other:
                tasks.append(_other_integration(handle, deadline, run))
            await asyncio.gather(*tasks)
    return run


def _report(run: Run) -> None:
    windows = WINDOWS
    per_window = run.successes / windows
    line = (
        f"{run.name:<34} calls/window {per_window:5.1f} = {per_window / BUDGET:6.1%} of budget | "
        f"429s {run.rate_limited:4d} | failed {run.failures:3d} | "
        f"wait p50 {_pct(run.waits, 0.5):5.2f}s p99 {_pct(run.waits, 0.99):5.2f}s | "
        f"duration p50 {_pct(run.durations, 0.5):5.2f}s p99 {_pct(run.durations, 0.99):5.2f}s"
    )
    print(line)
    if run.other_spent:
        other_per_window = run.other_spent / windows
        print(
            f"{'':<34} other integration {other_per_window:5.1f}/window; ours + theirs = "
            f"{(per_window + other_per_window) / BUDGET:6.1%} of budget; "
            f"ours = {per_window / max(1e-9, BUDGET - other_per_window):6.1%} of what they left"
        )


async def main() -> None:
    print(
        f"budget {BUDGET} requests / {WINDOW:g} s (fractional reset), {AGENTS} agents calling flat out "
        f"for {WINDOWS} windows (calls still queued at the end finish in the next window and are not counted)"
    )
    for name, limited, other in (
        ("(a) limiter, alone on the account", True, False),
        ("(b) plain client, no limiter", False, False),
        ("(c) limiter + another consumer", True, True),
    ):
        _report(await _run(name, limited=limited, other=other))
    _report(await _run("(d) limiter, window to learn", limited=True, other=False, window_known=False))
    _report(
        await _run("(e) (d) + reset in milliseconds", limited=True, other=False, window_known=False, milliseconds=True)
    )
    _report(
        await _run(
            "(f) (d) + headers only on 429s",
            limited=True,
            other=False,
            window_known=False,
            only_on_429=True,
            configured_limit=round(2 * BUDGET * DOCUMENTED_RATE_WINDOW_SECONDS / WINDOW),
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
