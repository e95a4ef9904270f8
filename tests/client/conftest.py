"""Client fixtures: an AircallClient against a loopback sandbox, both on one virtual clock.

The clock's sleep() moves virtual time instead of waiting, and the sandbox's rate window reads the same
clock, so backoffs and waits for X-AircallApi-Reset cost no real time.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.ratelimit import CompanyLimiter
from aircall_mcp.retry import RetryPolicy
from aircall_mcp.sandbox import SandboxHandle
from tests.fakes import FakeClock


@dataclass
class Rig:
    """A running sandbox, a client pointed at it, and the clock they share."""

    sandbox: SandboxHandle
    client: AircallClient
    clock: FakeClock
    limiter: CompanyLimiter | None

    @property
    def requests(self) -> list[Any]:
        return self.sandbox.sandbox.requests

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.sandbox.config.api_id, self.sandbox.config.api_token)


StartSandbox = Callable[..., contextlib.AbstractAsyncContextManager[SandboxHandle]]
MakeRig = Callable[..., contextlib.AbstractAsyncContextManager[Rig]]


def credentials_of(handle: SandboxHandle) -> BasicCredentials:
    return BasicCredentials(api_id=SecretStr(handle.config.api_id), api_token=SecretStr(handle.config.api_token))


@pytest.fixture
def make_rig(start_sandbox: StartSandbox) -> MakeRig:
    """make_rig(sandbox overrides..., client=dict(client options), limiter=True) -> async context of a Rig."""

    @contextlib.asynccontextmanager
    async def make(
        *, client: dict[str, Any] | None = None, limiter: bool = True, max_wait: float = 300.0, **overrides: Any
    ) -> AsyncIterator[Rig]:
        clock = FakeClock(start=1_800_000_000.0, auto_advance=True)
        async with start_sandbox(clock=clock.now, **overrides) as handle:
            shared = CompanyLimiter(120, 60.0, max_wait_seconds=max_wait, clock=clock) if limiter else None
            options: dict[str, Any] = {"retry": RetryPolicy(rng=lambda: 0.5), **(client or {})}
            async with AircallClient(
                credentials_of(handle), handle.base_url, limiter=shared or False, clock=clock, **options
            ) as aircall:
                yield Rig(handle, aircall, clock, shared)

    return make


@pytest.fixture
async def rig(make_rig: MakeRig, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Rig]:
    """The default rig; logs of the client are captured at DEBUG and checked for credentials afterwards."""
    caplog.set_level(logging.DEBUG)
    async with make_rig() as made:
        yield made
    for secret in made.secrets:
        assert secret not in caplog.text
