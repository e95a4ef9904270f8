"""tools/call over Streamable HTTP: throughput and latency with several concurrent clients.

The real app (bearer token -> agent -> grant, audit, Host/Origin checks) served by uvicorn on 127.0.0.1, in
front of the embedded sandbox with no added latency and no rate limit, so the figures are the cost of
aircall-mcp and the MCP SDK, not of Aircall. Each concurrency level runs N SDK clients, each with its own
HTTP connection pool and session, making calls back to back; a level stops at its call count or after
LEVEL_SECONDS, so the whole run stays well under a minute.

    .venv/bin/python benchmarks/http_bench.py [--clients 1 4 16] [--calls 200] [--tool list_tags] [--mode legacy]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from aircall_mcp import grants
from aircall_mcp.audit import AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.http import HttpSettings, build_http_app, http_server
from aircall_mcp.sandbox import SandboxConfig, running_sandbox
from aircall_mcp.server import Runtime, build_server

LEVEL_SECONDS = 12.0
GRANT = "description: benchmark reader\nareas: {company: read, tags: read}\n"


async def one_client(url: str, token: str, *, mode: str, tool: str, calls: int, deadline: float) -> list[float]:
    """Latencies (seconds) of back-to-back calls from one client; connecting and listing are not timed."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30.0) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        await client.list_tools()  # the client checks results against output schemas it has listed
        for _ in range(calls):
            started = time.perf_counter()
            result = await client.call_tool(tool, {})
            latencies.append(time.perf_counter() - started)
            if result.is_error:
                raise RuntimeError(f"{tool} failed: {result.content}")
            if time.perf_counter() > deadline:
                break
    return latencies


def percentile(sorted_values: list[float], share: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


async def run(clients: list[int], calls: int, tool: str, mode: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        grants_dir = Path(tmp) / "grants"
        grants_dir.mkdir()
        token, line = grants.mint_token()
        (grants_dir / "bench.yaml").write_text(GRANT + f'tokens: ["{line}"]\n', encoding="utf-8")
        config = SandboxConfig(rate_limit=None)
        async with running_sandbox(config) as sandbox:
            credentials = BasicCredentials.model_validate({"api_id": config.api_id, "api_token": config.api_token})
            store = grants.GrantStore(grants_dir, CATALOGUE)
            async with AircallClient(credentials, sandbox.base_url, limiter=False) as aircall:
                audit = AuditLog(Path(tmp) / "audit.jsonl", secrets=[*credentials.secrets(), *store.token_hashes()])
                runtime = Runtime(client=aircall, grants=store, audit=audit, transport="http")
                settings = HttpSettings(host="127.0.0.1", port=0)
                server = http_server(build_http_app(build_server(runtime), store, settings), settings)
                serving = asyncio.create_task(server.serve())
                try:
                    for _ in range(5_000):  # bounded wait for uvicorn to listen
                        if server.started:
                            break
                        await asyncio.sleep(0.002)
                    port = server.servers[0].sockets[0].getsockname()[1]
                    url = f"http://127.0.0.1:{port}/mcp"
                    print(f"tools/call {tool} over Streamable HTTP ({mode}), sandbox without latency or rate limit")
                    print(f"{'clients':>7} {'calls':>6} {'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7}")
                    for count in clients:
                        await level(url, token, mode=mode, tool=tool, count=count, calls=calls)
                finally:
                    server.should_exit = True
                    await serving
                    audit.close()


async def level(url: str, token: str, *, mode: str, tool: str, count: int, calls: int) -> None:
    deadline = time.perf_counter() + LEVEL_SECONDS
    started = time.perf_counter()
    per_client = await asyncio.gather(
        *(one_client(url, token, mode=mode, tool=tool, calls=calls, deadline=deadline) for _ in range(count))
    )
    elapsed = time.perf_counter() - started
    latencies = sorted(value for client in per_client for value in client)
    done = len(latencies)
    # Throughput over the whole level, connection set-up included; latency is per call only.
    print(
        f"{count:>7} {done:>6} {done / elapsed:>8.0f} {percentile(latencies, 0.5) * 1000:>7.2f} "
        f"{percentile(latencies, 0.99) * 1000:>7.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16], help="concurrency levels")
    parser.add_argument("--calls", type=int, default=200, help="calls per client per level")
    parser.add_argument("--tool", default="list_tags", choices=["list_tags", "get_company"])
    parser.add_argument("--mode", default="legacy", choices=["legacy", "auto"], help="protocol era of the clients")
    args = parser.parse_args()
    asyncio.run(run(args.clients, args.calls, args.tool, args.mode))


if __name__ == "__main__":
    main()
