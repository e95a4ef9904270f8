"""Three replicas (separate processes) x 25 agents on one company budget, with and without Redis.

The parent serves the sandbox (LIMIT requests per WINDOW seconds, resets to the millisecond) and, for the
"redis" row, a redis-server on a free loopback port; each replica is a child process with its own Aircall
client and limiter (`FleetLimiter` over Redis, or the per-process `CompanyLimiter` alone) whose AGENTS agents
each send CALLS requests at once. Printed side by side: the share of the budget used (requests answered 200 /
LIMIT x windows the sandbox opened), 429s received, and p50/p99 of the time calls waited for the limiter.

Run: .venv/bin/python benchmarks/replicas_bench.py  (about 30 s; needs redis-server on PATH)
"""

from __future__ import annotations

import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import anyio

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.errors import AircallError
from aircall_mcp.ratelimit import CompanyLimiter, RequestBudget
from aircall_mcp.sandbox import SandboxConfig, running_sandbox
from aircall_mcp.shared.fleet import FleetLimiter
from aircall_mcp.shared.redis_store import RedisStore

REPLICAS = 3
AGENTS = 25
CALLS = 4
LIMIT = 50
WINDOW = 1.0
# 300 calls = exactly 6 windows of 50 when the fleet wastes nothing.
SANDBOX = SandboxConfig(
    users=5, teams=2, numbers=2, contacts=10, calls=10, tags=4, rate_limit=LIMIT, rate_window_seconds=WINDOW,
    reset_header_decimals=3,
)  # fmt: skip


# -- one replica (a child process) ----------------------------------------------------------------------


async def replica(base_url: str, redis_url: str | None, name: str) -> dict[str, Any]:
    credentials = BasicCredentials.model_validate({"api_id": SANDBOX.api_id, "api_token": SANDBOX.api_token})
    local = CompanyLimiter(LIMIT, WINDOW, max_wait_seconds=120.0)
    waits: list[float] = []
    failed = 0
    async with (
        _budget(local, redis_url, credentials.identity) as budget,
        AircallClient(credentials, base_url, limiter=budget) as client,
    ):

        async def agent(index: int) -> None:
            nonlocal failed
            for _ in range(CALLS):
                try:
                    response = await client.send(PreparedRequest("GET", "/v1/tags"), agent=f"{name}-{index}")
                    waits.append(response.stats.rate_limit_wait_seconds)
                except AircallError as exc:
                    failed += 1
                    waits.append(exc.stats.rate_limit_wait_seconds)

        async with anyio.create_task_group() as agents:
            for index in range(AGENTS):
                agents.start_soon(agent, index)
    return {"waits": waits, "failed": failed}


class _budget:
    """The replica's RequestBudget: the fleet's through Redis when a URL is given, else its own."""

    def __init__(self, local: CompanyLimiter, redis_url: str | None, company: str) -> None:
        self.local, self.redis_url, self.company = local, redis_url, company
        self.fleet: FleetLimiter | None = None
        self.store: RedisStore | None = None

    async def __aenter__(self) -> RequestBudget:
        if self.redis_url is None:
            return self.local
        self.store = store = RedisStore(self.redis_url, self.company)
        await store.ping()
        self.fleet = FleetLimiter(store, self.local)
        return await self.fleet.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        if self.fleet is not None:
            await self.fleet.__aexit__(*exc)
        if self.store is not None:
            await self.store.aclose()


# -- the parent: sandbox, Redis, three replicas -----------------------------------------------------------


@dataclass
class Row:
    label: str
    share: float
    rate_limited: int
    p50: float
    p99: float
    failed: int
    seconds: float


async def run(redis_url: str | None) -> Row:
    async with running_sandbox(SANDBOX) as handle:
        rate = handle.sandbox.rate
        windows = 0
        roll = rate._roll

        def counting_roll() -> float:
            nonlocal windows
            before = rate._started
            started = roll()
            windows += started != before
            return started

        rate._roll = counting_roll  # type: ignore[method-assign]
        args = [sys.executable, __file__, "--replica", handle.base_url, redis_url or "-"]
        outputs: list[dict[str, Any]] = []
        started = time.perf_counter()

        async def child(index: int) -> None:
            done = await anyio.run_process([*args, f"r{index}"], check=True)
            outputs.append(json.loads(done.stdout))

        async with anyio.create_task_group() as group:
            for index in range(REPLICAS):
                group.start_soon(child, index)
        seconds = time.perf_counter() - started
        statuses = [request.status for request in handle.sandbox.requests]
    waits = sorted(wait for output in outputs for wait in output["waits"])
    return Row(
        label="redis" if redis_url else "no redis",
        share=statuses.count(200) / (LIMIT * max(1, windows)),
        rate_limited=statuses.count(429),
        p50=statistics.median(waits),
        p99=waits[min(len(waits) - 1, int(len(waits) * 0.99))],
        failed=sum(output["failed"] for output in outputs),
        seconds=seconds,
    )


def start_redis(directory: str) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(500):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.01)
    raise SystemExit("redis-server did not start")


def main() -> None:
    rows = [anyio.run(run, None)]
    with tempfile.TemporaryDirectory() as directory:
        process, url = start_redis(directory)
        try:
            rows.append(anyio.run(run, url))
        finally:
            process.kill()
            process.wait()
    calls = REPLICAS * AGENTS * CALLS
    print(f"{REPLICAS} replicas x {AGENTS} agents x {CALLS} calls = {calls}; budget {LIMIT} per {WINDOW:g} s")
    print(f"{'':<16}" + "".join(f"{row.label:>14}" for row in rows))
    for name, cell in [
        ("budget used", lambda r: f"{r.share:.1%}"),
        ("429s", lambda r: str(r.rate_limited)),
        ("wait p50", lambda r: f"{r.p50 * 1000:.0f} ms"),
        ("wait p99", lambda r: f"{r.p99 * 1000:.0f} ms"),
        ("calls failed", lambda r: str(r.failed)),
        ("wall time", lambda r: f"{r.seconds:.1f} s"),
    ]:
        print(f"{name:<16}" + "".join(f"{cell(row):>14}" for row in rows))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--replica":
        base_url, redis_arg, replica_name = sys.argv[2:5]
        result = anyio.run(replica, base_url, None if redis_arg == "-" else redis_arg, replica_name)
        sys.stdout.write(json.dumps(result))
    else:
        main()
