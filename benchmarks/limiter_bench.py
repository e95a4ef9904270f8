"""The limiter's own cost with many waiters: CPU time per granted slot, on the real clock, without HTTP.

WAITERS calls from AGENTS agents queue at once on a company budget of BUDGET requests per WINDOW seconds
(answered in-process at once, with X-AircallApi-* headers). Every waiter sleeps on its own event with a
deadline, so each reset wakes the whole queue: this measures what that costs. Printed per queue size: wall
time, process CPU time per grant, and the share of the budget used.

Run: .venv/bin/python benchmarks/limiter_bench.py  (about 10 s)
"""

from __future__ import annotations

import time

import anyio
import anyio.lowlevel

from aircall_mcp.ratelimit import CompanyLimiter, SystemClock

BUDGET = 200
WINDOW = 0.5
AGENTS = 50


class Window:
    """Aircall's fixed window, answered in-process."""

    def __init__(self) -> None:
        self.started = 0.0
        self.used = 0
        self.refused = 0

    def hit(self) -> tuple[int, dict[str, str]]:
        now = time.time()
        if now >= self.started + WINDOW:
            self.started, self.used = now, 0
        status = 200 if self.used < BUDGET else 429
        self.used += status == 200
        self.refused += status == 429
        headers = {
            "X-AircallApi-Limit": str(BUDGET),
            "X-AircallApi-Remaining": str(max(0, BUDGET - self.used)),
            "X-AircallApi-Reset": f"{self.started + WINDOW:.3f}",
        }
        return status, headers


async def run(waiters: int) -> None:
    limiter = CompanyLimiter(BUDGET, WINDOW, max_wait_seconds=600.0, clock=SystemClock())
    window = Window()

    async def call(index: int) -> None:
        slot = await limiter.acquire(f"agent-{index % AGENTS}")
        await anyio.lowlevel.checkpoint()
        status, headers = window.hit()
        slot.complete(headers, status=status)

    wall, cpu = time.perf_counter(), time.process_time()
    async with anyio.create_task_group() as group:
        for index in range(waiters):
            group.start_soon(call, index)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    windows = waiters / BUDGET
    print(
        f"{waiters:5d} waiters: {wall:5.2f} s wall for {windows:4.1f} windows' worth "
        f"({windows * WINDOW / wall:6.1%} of the budget's pace) | CPU {cpu / waiters * 1e6:6.0f} us per grant | "
        f"429s {window.refused}"
    )


async def main() -> None:
    print(f"budget {BUDGET} requests / {WINDOW:g} s, {AGENTS} agents, all calls queued at once")
    for waiters in (400, 1_000, 2_000):
        await run(waiters)


if __name__ == "__main__":
    anyio.run(main)
