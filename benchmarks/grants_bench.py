"""Cost with 1, 100 and 1,000 agents: start-up, tools/list, tools/call, and HTTP per-call CPU.

Each level writes that many grant files (each with a bearer token, like a hosted deployment), then measures:
- start-up: the store reading every file and building its token index, plus the audit's secret scrubber built
  from every token hash (what `aircall-mcp serve` does before it answers anything);
- tools/list and tools/call (`list_tags`) per call, in-memory client -> server -> sandbox over loopback;
- the bearer-token lookup alone (`GrantStore.agent_for_token`, what every HTTP request pays), per lookup;
- tools/call over Streamable HTTP served by uvicorn on 127.0.0.1, the token of the last agent presented on
  every request: wall time and this process's CPU time per call (client and server share the process, so the
  CPU figure includes the client's; the ratio to one agent is what the agent count costs).
The sandbox has no latency and no rate limit, so the figures are aircall-mcp's own.

    .venv/bin/python benchmarks/grants_bench.py [--agents 1 100 1000] [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from aircall_mcp import grants
from aircall_mcp.audit import AuditLog, Scrubber
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.http import HttpSettings, build_http_app, http_server
from aircall_mcp.sandbox import SandboxConfig, running_sandbox
from aircall_mcp.server import Runtime, build_server

GRANT = """description: benchmark agent {index}
areas: {{calls: read, contacts: read, tags: read, company: read}}
tools:
  allow: [tag_call]
  deny: [delete_tag]
redact: [emails]
quota: {{per_minute: 30}}
tokens: ["{line}"]
"""


def write_grants(directory: Path, count: int) -> list[str]:
    """`count` grant files, each with its own token; returns the tokens in agent order."""
    directory.mkdir()
    tokens = []
    for index in range(count):
        token, line = grants.mint_token()
        tokens.append(token)
        (directory / f"agent-{index:04d}.yaml").write_text(GRANT.format(index=index, line=line), encoding="utf-8")
    return tokens


def start_up(directory: Path, secrets: list[str]) -> tuple[grants.GrantStore, list[str], float]:
    started = time.perf_counter()
    store = grants.GrantStore(directory, CATALOGUE)
    hashes = store.token_hashes()
    Scrubber([*secrets, *hashes])
    return store, hashes, time.perf_counter() - started


async def per_call(action: Callable[[], Awaitable[Any]], calls: int) -> tuple[float, float]:
    """Median wall seconds per call and mean process CPU seconds per call, after a short warm-up."""
    for _ in range(min(20, calls)):
        await action()
    walls = []
    cpu_started = time.process_time()
    for _ in range(calls):
        started = time.perf_counter()
        await action()
        walls.append(time.perf_counter() - started)
    return statistics.median(walls), (time.process_time() - cpu_started) / calls


async def level(count: int, calls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "grants"
        tokens = write_grants(directory, count)
        config = SandboxConfig(rate_limit=None)
        credentials = BasicCredentials.model_validate({"api_id": config.api_id, "api_token": config.api_token})
        store, hashes, startup = start_up(directory, credentials.secrets())
        agent = f"agent-{count - 1:04d}"
        figures = {"startup": startup}
        figures["auth"], _ = await per_call(lambda: store.agent_for_token(tokens[-1]), calls * 10)
        async with (
            running_sandbox(config) as sandbox,
            AircallClient(credentials, sandbox.base_url, limiter=False) as aircall,
        ):
            audit = AuditLog(Path(tmp) / "audit.jsonl", secrets=[*credentials.secrets(), *hashes])
            runtime = Runtime(client=aircall, grants=store, audit=audit, transport="memory", default_agent=agent)
            async with Client(build_server(runtime)) as client:  # type: ignore[arg-type]
                figures["list"], _ = await per_call(client.list_tools, calls)
                figures["call"], _ = await per_call(lambda: client.call_tool("list_tags", {}), calls)
            figures["http"], figures["http_cpu"] = await http_calls(store, aircall, audit, tokens[-1], calls)
            audit.close()
        return figures


async def http_calls(
    store: grants.GrantStore, aircall: AircallClient, audit: AuditLog, token: str, calls: int
) -> tuple[float, float]:
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
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30.0) as http,
            Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as client,  # type: ignore[arg-type]
        ):
            await client.list_tools()
            return await per_call(lambda: client.call_tool("list_tags", {}), calls)
    finally:
        server.should_exit = True
        await serving


async def run(counts: list[int], calls: int) -> None:
    results = [(count, await level(count, calls)) for count in counts]
    # Ratios against the smallest agent count (its first run, if repeated to interleave).
    base = next(f for count, f in results if count == min(counts))
    print(f"grants scaling: {calls} calls per figure (median wall ms; HTTP CPU is ms of this process per call)")
    print(
        f"{'agents':>6} {'start-up s':>10} {'auth us':>8} {'list ms':>8} {'call ms':>8} {'HTTP ms':>8} "
        f"{'HTTP CPU':>8} {'CPU ratio':>9}"
    )
    for count, f in results:
        print(
            f"{count:>6} {f['startup']:>10.3f} {f['auth'] * 1e6:>8.1f} {f['list'] * 1000:>8.2f} "
            f"{f['call'] * 1000:>8.2f} "
            f"{f['http'] * 1000:>8.2f} {f['http_cpu'] * 1000:>8.2f} {f['http_cpu'] / base['http_cpu']:>9.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[1, 100, 1000], help="agent counts")
    parser.add_argument("--calls", type=int, default=300, help="timed calls per figure")
    args = parser.parse_args()
    asyncio.run(run(args.agents, args.calls))


if __name__ == "__main__":
    main()
