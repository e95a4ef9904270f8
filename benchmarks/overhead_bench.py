"""Per-call overhead of aircall-mcp against the floor: a minimal MCP SDK v2 server (low-level Server, one tool
that makes the same raw httpx2 request, GET /v1/tags, to the same sandbox).

One sandbox subprocess (rate limit off) serves both. Each server is a subprocess driven by an MCP SDK client
from this process, A/B interleaved in small batches (ABBA order), over stdio and over Streamable HTTP. Printed
per transport, for the floor, for aircall-mcp (agent "bench", a grant allowing list_tags, audit to a file,
its own rate limiter set far above the calls made) and their ratio:

    p50 / p99        latency of one tools/call seen by the client
    client check     of that latency, the time the SDK client spends checking the structured content against the
                     tool's declared output schema (jsonschema, in the client process): aircall-mcp declares one
                     for every tool, the floor none; "p50 less client check" takes it out of each call
    CPU/call         the server process's CPU time (user+system, /proc) during its batches / its calls
    cold start       spawn to the first tools/list answered (median of a few starts)
    RSS              the server's resident memory after 2,000 and after 20,000 calls (flat = no leak)

Every loop is bounded by a call count and a time cap, so the run ends by itself.

    .venv/bin/python benchmarks/overhead_bench.py [--calls 20000] [--quick]     (BENCH_QUICK=1 = --quick)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2

# Only the driver imports the client side and aircall_mcp: the floor server (this file run as `floor`) must
# not pay for them at start-up.
if TYPE_CHECKING:
    from mcp import Client

TOOL = "list_tags"
API_ID, API_TOKEN = "sandbox-api-id", "sandbox-api-token"  # the sandbox's fake credentials
GRANT = "description: overhead benchmark\nareas: {tags: read}\n"
BATCH = 20
RSS_CHECKPOINTS = (2_000, 20_000)
SECONDS_PER_TRANSPORT = 900.0
START_TIMEOUT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
HERE = Path(__file__).resolve()


# -- the floor server (this file, run as `overhead_bench.py floor ...`) ------------------------------------


def floor_main(transport: str, base_url: str, port: int) -> None:
    """The least an MCP server can do for this tool: list it, and answer a call with the raw Aircall body."""
    import mcp_types as types
    from mcp.server import Server, ServerRequestContext

    tool = types.Tool(
        name=TOOL,
        description="List the company's tags.",
        input_schema={"type": "object", "properties": {}, "additionalProperties": False},
    )

    async def serve() -> None:
        async with httpx2.AsyncClient(base_url=base_url, auth=(API_ID, API_TOKEN), timeout=30.0) as http:

            async def on_list_tools(
                ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
            ) -> types.ListToolsResult:
                return types.ListToolsResult(tools=[tool])

            async def on_call_tool(
                ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
            ) -> types.CallToolResult:
                response = await http.get("/v1/tags")
                return types.CallToolResult(
                    content=[types.TextContent(type="text", text=response.text)],
                    structured_content=response.json(),
                    is_error=response.status_code >= 400,
                )

            server = Server("floor", version="1", on_list_tools=on_list_tools, on_call_tool=on_call_tool)
            if transport == "stdio":
                from mcp.server.stdio import stdio_server

                async with stdio_server() as (read, write):
                    await server.run(read, write, server.create_initialization_options())
                return
            import uvicorn
            from mcp.server.transport_security import TransportSecuritySettings

            app = server.streamable_http_app(
                streamable_http_path="/mcp",
                json_response=False,
                transport_security=TransportSecuritySettings(
                    enable_dns_rebinding_protection=True, allowed_hosts=["127.0.0.1:*"], allowed_origins=[]
                ),
            )
            config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
            await uvicorn.Server(config).serve()

    asyncio.run(serve())


# -- measuring a server process --------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_with(marker: str) -> int:
    """The pid of this process's child whose command line contains ``marker`` (stdio servers are spawned by
    the SDK client, which does not hand out the pid)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == os.getpid() and marker in command:
            return int(entry.name)
    raise RuntimeError(f"no child process running {marker!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the two servers -------------------------------------------------------------------------------------


@dataclass
class Contender:
    """One server under test and what was measured on it."""

    name: str
    # argv of the server process; over HTTP "{port}" is replaced by the chosen port.
    argv: list[str]
    marker: str
    headers: dict[str, str] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    # Per call, the client's own output-schema check (part of its latency).
    checks: list[float] = field(default_factory=list)
    cpu: float = 0.0
    calls: int = 0
    rss: dict[int, float] = field(default_factory=dict)
    cold_starts: list[float] = field(default_factory=list)


@dataclass
class Session:
    client: Client
    known_pid: int | None = None
    # A stdio server's pid is looked up (by this marker) when first needed: cold starts do not scan /proc.
    marker: str = ""
    # Seconds the client spent checking results against output schemas, since the session began.
    checking: list[float] = field(default_factory=lambda: [0.0])

    def __post_init__(self) -> None:
        session = self.client.session
        check = session.validate_tool_result

        async def timed_check(name: str, result: Any) -> None:
            begun = time.perf_counter()
            try:
                await check(name, result)
            finally:
                self.checking[0] += time.perf_counter() - begun

        session.validate_tool_result = timed_check  # type: ignore[method-assign]

    @property
    def pid(self) -> int:
        if self.known_pid is None:
            self.known_pid = child_with(self.marker)
        return self.known_pid


@asynccontextmanager
async def started(contender: Contender, transport: str, env: dict[str, str]) -> AsyncIterator[Session]:
    """The server running and an SDK client connected to it, after its first tools/list."""
    from mcp import Client, StdioServerParameters
    from mcp.client.streamable_http import streamable_http_client

    async with AsyncExitStack() as stack:
        if transport == "stdio":
            params = StdioServerParameters(command=sys.executable, args=contender.argv, env=env)
            client = await stack.enter_async_context(Client(params, mode="legacy"))  # type: ignore[arg-type]
            await client.list_tools()
            yield Session(client, marker=contender.marker)
            return
        port = free_port()
        argv = [arg.replace("{port}", str(port)) for arg in contender.argv]
        process = await asyncio.create_subprocess_exec(sys.executable, *argv, env=env, stderr=subprocess.DEVNULL)
        stack.push_async_callback(_stop, process)
        http = await stack.enter_async_context(httpx2.AsyncClient(headers=contender.headers, timeout=30.0))
        await _wait_listening(port, process)
        url = f"http://127.0.0.1:{port}/mcp"
        client = await stack.enter_async_context(Client(streamable_http_client(url, http_client=http), mode="legacy"))  # type: ignore[arg-type]
        await client.list_tools()
        yield Session(client, known_pid=process.pid)


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout=30)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _wait_listening(port: int, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.002)  # polling for the port to open, not timing anything
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise TimeoutError(f"nothing listened on port {port} within {START_TIMEOUT} s")


async def cold_start(contender: Contender, transport: str, env: dict[str, str]) -> None:
    begun = time.perf_counter()
    async with started(contender, transport, env):
        contender.cold_starts.append(time.perf_counter() - begun)


async def batch(contender: Contender, session: Session, size: int) -> None:
    """``size`` calls back to back, timed one by one, with the server's CPU time over the batch."""
    cpu_before = cpu_seconds(session.pid)
    for _ in range(size):
        checked = session.checking[0]
        begun = time.perf_counter()
        result = await session.client.call_tool(TOOL, {})
        contender.latencies.append(time.perf_counter() - begun)
        contender.checks.append(session.checking[0] - checked)
        if result.is_error:
            raise RuntimeError(f"{contender.name}: {TOOL} failed: {result.content}")
    contender.cpu += cpu_seconds(session.pid) - cpu_before
    contender.calls += size
    for checkpoint in RSS_CHECKPOINTS:
        if contender.calls == checkpoint:
            contender.rss[checkpoint] = rss_mib(session.pid)


async def interleaved(
    pair: tuple[Contender, Contender], transport: str, env: dict[str, str], calls: int, starts: int
) -> None:
    floor, project = pair
    for number in range(starts):
        # Alternate who starts first so that neither always meets a warmer disk cache.
        for contender in pair if number % 2 == 0 else pair[::-1]:
            await cold_start(contender, transport, env)
    deadline = time.monotonic() + SECONDS_PER_TRANSPORT
    async with started(floor, transport, env) as a, started(project, transport, env) as b:
        # Warm both up (imports done lazily on the first call, connection pools) before measuring.
        for session in (a, b):
            for _ in range(BATCH):
                await session.client.call_tool(TOOL, {})
        order: list[tuple[Contender, Session]] = [(floor, a), (project, b)]
        while min(floor.calls, project.calls) < calls and time.monotonic() < deadline:
            for contender, session in order:
                await batch(contender, session, min(BATCH, calls - contender.calls))
            order.reverse()  # ABBA: each server goes first half the time
        for contender, session in order:
            contender.rss.setdefault(contender.calls, rss_mib(session.pid))


# -- report ----------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(transport: str, floor: Contender, project: Contender) -> None:
    def row(label: str, unit: str, measure: Callable[[Contender], float]) -> None:
        a, b = measure(floor), measure(project)
        print(f"  {label:<26} {a:>9.3f} {b:>11.3f} {unit:<4} {b / a:>7.2f}x")

    print(f"\n{transport}: {project.calls} calls each, interleaved in batches of {BATCH}")
    print(f"  {'':<26} {'floor':>9} {'aircall-mcp':>11} {'':<4} {'ratio':>8}")
    row("p50 per call", "ms", lambda c: percentile(c.latencies, 0.5) * 1000)
    row("p99 per call", "ms", lambda c: percentile(c.latencies, 0.99) * 1000)
    print(
        f"  {'client check per call':<26} {statistics.mean(floor.checks) * 1000:>9.3f} "
        f"{statistics.mean(project.checks) * 1000:>11.3f} ms"
    )
    row(
        "p50 less client check",
        "ms",
        lambda c: percentile([t - v for t, v in zip(c.latencies, c.checks, strict=True)], 0.5) * 1000,
    )
    row("server CPU per call", "ms", lambda c: c.cpu / c.calls * 1000)
    row(f"cold start (median of {len(floor.cold_starts)})", "s", lambda c: statistics.median(c.cold_starts))
    for calls in sorted(set(floor.rss) & set(project.rss)):
        row(f"RSS after {calls:,} calls", "MiB", lambda c, calls=calls: c.rss[calls])


@asynccontextmanager
async def sandbox(env: dict[str, str]) -> AsyncIterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "aircall_mcp", "sandbox", "--port", str(port), "--rate-limit", "0"]
    process = await asyncio.create_subprocess_exec(*argv, env=env, stderr=subprocess.DEVNULL)
    try:
        await _wait_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        await _stop(process)


async def run(calls: int, starts: int, transports: list[str]) -> None:
    import compileall

    import aircall_mcp
    from aircall_mcp import grants

    # Compared as installed: pip byte-compiles a package (the floor's SDK is), but this checkout is an editable
    # install, which under PYTHONDONTWRITEBYTECODE would compile aircall_mcp's sources again at every start.
    compileall.compile_dir(Path(aircall_mcp.__file__).parent, quiet=1)

    base_env = {key: value for key, value in os.environ.items() if not key.startswith("AIRCALL_")}
    with tempfile.TemporaryDirectory(prefix="overhead-bench-") as tmp:
        grants_dir = Path(tmp) / "grants"
        grants_dir.mkdir()
        token, line = grants.mint_token()
        (grants_dir / "bench.yaml").write_text(GRANT + f'tokens: ["{line}"]\n', encoding="utf-8")
        async with sandbox(base_env) as base_url:
            env = {**base_env, "AIRCALL_API_ID": API_ID, "AIRCALL_API_TOKEN": API_TOKEN, "AIRCALL_BASE_URL": base_url}
            print(f"floor vs aircall-mcp, tool {TOOL}, sandbox {base_url} without rate limit; {os.cpu_count()} CPUs")
            print("(aircall_mcp byte-compiled first, as pip installs it)")
            for transport in transports:
                audit_log = str(Path(tmp) / f"audit-{transport}.jsonl")
                project_argv = [
                    *(
                        "-m",
                        "aircall_mcp",
                        "--log-level",
                        "WARNING",
                        "serve",
                        "--grants",
                        str(grants_dir),
                        "--audit-log",
                        audit_log,
                    ),
                    *("--rate-limit", "1000000"),
                ]
                if transport == "stdio":
                    floor_argv = [str(HERE), "floor", "--transport", "stdio", "--base-url", base_url]
                    project_argv += ["--agent", "bench"]
                else:
                    floor_argv = [str(HERE), "floor", "--transport", "http", "--base-url", base_url, "--port", "{port}"]
                    project_argv += ["--transport", "http", "--port", "{port}"]
                floor = Contender("floor", floor_argv, marker=f"floor --transport {transport}")
                project = Contender(
                    "aircall-mcp",
                    project_argv,
                    marker="aircall_mcp --log-level WARNING serve",
                    headers={"Authorization": f"Bearer {token}"},
                )
                await interleaved((floor, project), transport, env, calls, starts)
                report(transport, floor, project)


def main() -> None:
    if sys.argv[1:2] == ["floor"]:
        floor_args = argparse.ArgumentParser()
        floor_args.add_argument("--transport", choices=["stdio", "http"], required=True)
        floor_args.add_argument("--base-url", required=True)
        floor_args.add_argument("--port", type=int, default=0)
        parsed = floor_args.parse_args(sys.argv[2:])
        floor_main(parsed.transport, parsed.base_url, parsed.port)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=RSS_CHECKPOINTS[-1], help="calls per server per transport")
    parser.add_argument("--starts", type=int, default=5, help="cold starts per server per transport")
    parser.add_argument("--transport", nargs="+", default=["stdio", "http"], choices=["stdio", "http"])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1")
    args = parser.parse_args()
    calls, starts = (RSS_CHECKPOINTS[0], 3) if args.quick else (args.calls, args.starts)
    asyncio.run(run(calls, starts, args.transport))


if __name__ == "__main__":
    main()
