"""Shared fixtures. The sandbox ones serve a small seeded Aircall over real loopback HTTP.

Other areas may add fixtures at the end of this file; keep each one small and documented.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import httpx2
import pytest

from aircall_mcp.sandbox import SandboxConfig, SandboxHandle, running_sandbox

# Small enough that starting a sandbox costs milliseconds, big enough to page through.
SMALL_SANDBOX = SandboxConfig(users=20, teams=4, numbers=5, contacts=120, calls=300, tags=8)


class ManualClock:
    """A clock that moves only when told to: pass it as SandboxConfig(clock=...) and call advance()."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def manual_clock() -> ManualClock:
    """A fake clock for SandboxConfig(clock=...): time stands still until advance() is called."""
    return ManualClock()


StartSandbox = Callable[..., contextlib.AbstractAsyncContextManager[SandboxHandle]]


@pytest.fixture
def start_sandbox() -> StartSandbox:
    """Start a sandbox with SMALL_SANDBOX sizes overridden by keyword arguments (an async context manager)."""

    def start(**overrides: Any) -> contextlib.AbstractAsyncContextManager[SandboxHandle]:
        return running_sandbox(replace(SMALL_SANDBOX, **overrides))

    return start


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    """A running sandbox with small sizes, fresh for each test."""
    async with running_sandbox(replace(SMALL_SANDBOX)) as handle:
        yield handle


@pytest.fixture
def sandbox_auth(sandbox: SandboxHandle) -> tuple[str, str]:
    """Basic-auth (api_id, api_token) of the `sandbox` fixture."""
    return sandbox.auth


@pytest.fixture
async def sandbox_http(sandbox: SandboxHandle) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client already pointed at `sandbox` with its Basic credentials."""
    async with httpx2.AsyncClient(base_url=sandbox.base_url, auth=sandbox.auth) as client:
        yield client


@pytest.fixture
def redis_server(tmp_path: Any) -> Any:
    """A real redis-server on a free loopback port, new for each test (tests/redis_server.py)."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
