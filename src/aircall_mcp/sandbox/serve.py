"""Serving a sandbox over real HTTP with uvicorn: embedded (tests) or blocking (the CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass

import uvicorn

from aircall_mcp.loopback import is_loopback
from aircall_mcp.sandbox.app import Dropped, Sandbox
from aircall_mcp.sandbox.config import SandboxConfig

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class SandboxHandle:
    """A running sandbox: where it listens and how to reach its state and controls."""

    base_url: str
    sandbox: Sandbox
    config: SandboxConfig

    @property
    def auth(self) -> tuple[str, str]:
        """Basic-auth pair (api_id, api_token) of this sandbox (fake credentials)."""
        return (self.config.api_id, self.config.api_token)


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server for embedding in tests and other async hosts.

    It leaves signal handling to the host, and it stops in milliseconds instead of uvicorn's
    0.1 s polling ticks: the test suite starts hundreds of sandboxes.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self.should_exit = True
        self._stop.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def main_loop(self) -> None:
        while not self.should_exit:
            await self.on_tick(0)  # tick 0 refreshes the Date header
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=1.0)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after their response
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHUTDOWN_TIMEOUT_SECONDS
        # uvicorn exposes no event for "every connection closed", so poll briefly.
        while (self.server_state.connections or self.server_state.tasks) and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        for task in self.server_state.tasks:
            task.cancel()
        for server in self.servers:
            await server.wait_closed()


class _HideDropNotices(logging.Filter):
    """uvicorn logs an error each time the app drops a connection on purpose; those are not errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(isinstance(arg, Dropped) for arg in (record.args if isinstance(record.args, tuple) else ()))


_DROP_FILTER = _HideDropNotices()


def _check_host(host: str, allow_non_loopback: bool) -> None:
    if allow_non_loopback:
        return
    if not is_loopback(host):
        raise ValueError(f"the sandbox only listens on loopback addresses, not {host!r}")


def _config(sandbox: Sandbox, host: str, port: int) -> uvicorn.Config:
    uv_logger = logging.getLogger("uvicorn.error")
    if _DROP_FILTER not in uv_logger.filters:
        uv_logger.addFilter(_DROP_FILTER)
    return uvicorn.Config(
        sandbox.app,
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
        log_config=None,  # never reconfigure the host's logging
        http="h11",
        interface="asgi3",
        proxy_headers=False,
        timeout_graceful_shutdown=int(SHUTDOWN_TIMEOUT_SECONDS),
    )


async def _started(server: uvicorn.Server, task: asyncio.Task[None], host: str) -> str:
    """Wait until uvicorn is accepting connections; return the base URL with the real bound port."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if task.done():
            task.result()  # re-raise why it stopped (e.g. port in use)
            raise RuntimeError("the sandbox server stopped before it started serving")
        if loop.time() > deadline:
            raise TimeoutError("the sandbox server did not start in time")
        await asyncio.sleep(0.002)
    port = server.servers[0].sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@contextlib.asynccontextmanager
async def running_sandbox(
    config: SandboxConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_non_loopback: bool = False,
) -> AsyncIterator[SandboxHandle]:
    """Serve a fresh sandbox on `host:port` (port 0 picks a free one) for the duration of the block."""
    _check_host(host, allow_non_loopback)
    sandbox = Sandbox(config)
    server = _EmbeddedServer(_config(sandbox, host, port))
    task = asyncio.create_task(server.serve(), name="aircall-sandbox")
    try:
        base_url = await _started(server, task, host)
        yield SandboxHandle(base_url, sandbox, sandbox.config)
    finally:
        server.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def serve(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 8750, allow_non_loopback: bool = False
) -> None:
    """Serve until interrupted, logging the base URL and the (fake) sandbox credentials."""
    _check_host(host, allow_non_loopback)
    sandbox = Sandbox(config)
    server = uvicorn.Server(_config(sandbox, host, port))
    task = asyncio.create_task(server.serve(), name="aircall-sandbox")
    base_url = await _started(server, task, host)
    cfg = sandbox.config
    logger.warning(
        "Aircall sandbox listening on %s (seed %s, %s calls); try: curl -u %s:%s '%s/v1/calls?per_page=2'",
        base_url,
        cfg.seed,
        len(sandbox.state.calls),
        cfg.api_id,
        cfg.api_token,
        base_url,
    )
    await task


def serve_forever(config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 8750) -> None:
    """Blocking entry point for `aircall-mcp sandbox --port N`."""
    asyncio.run(serve(config, host=host, port=port))
