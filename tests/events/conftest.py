"""Events end to end: the sandbox delivers webhooks to the real HTTP app's receiver; agents read them over MCP.

Deliveries go through httpx2's ASGITransport into the app that `build_http_app` builds (the receiver's background
processing finishes before the POST returns, so no test waits on a clock). Waits are bounded by a ManualTimer.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from pydantic import SecretStr

from aircall_mcp.audit import AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.events import EventFeed, MemoryEventStore, WebhookReceiver, WebhookTokens
from aircall_mcp.grants import GrantStore
from aircall_mcp.http import DrainableApp, build_http_app
from aircall_mcp.sandbox import SandboxConfig, SandboxHandle, running_sandbox
from aircall_mcp.server import Runtime, build_server
from aircall_mcp.settings import HttpSettings
from tests.conftest import ManualClock
from tests.grant_files import write_settled_grant

RECEIVER_URL = "http://127.0.0.1:8000/aircall/webhooks"
EVENTS_SANDBOX = SandboxConfig(
    users=20, teams=4, numbers=5, contacts=60, calls=40, tags=8, rate_limit=None,
    webhook_duplicate_rate=0.0, webhook_reorder_rate=0.0,
)  # fmt: skip


class ManualTimer:
    """A `sleep` for EventFeed that returns only when advance() moves past its deadline; records what was asked."""

    def __init__(self) -> None:
        self.now = 0.0
        self.requested: list[float] = []
        self._sleepers: list[tuple[float, anyio.Event]] = []

    async def sleep(self, seconds: float) -> None:
        self.requested.append(seconds)
        woken = anyio.Event()
        self._sleepers.append((self.now + seconds, woken))
        await woken.wait()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for deadline, woken in self._sleepers:
            if deadline <= self.now:
                woken.set()


@dataclass
class EventsHarness:
    sandbox: SandboxHandle
    grants_dir: Path
    audit_path: Path
    store: MemoryEventStore
    tokens: WebhookTokens
    receiver: WebhookReceiver
    timer: ManualTimer
    clock: ManualClock
    token: str
    apps: list[DrainableApp] = field(default_factory=list)

    def write_grant(self, agent: str, text: str) -> None:
        """Write an agent's grant dated a minute back: an edit finished before the next call (the store applies
        a change once it has settled)."""
        write_settled_grant(self.grants_dir, agent, text)

    @property
    def sender(self) -> Any:
        return self.sandbox.sandbox.webhooks

    def number_ids(self) -> list[int]:
        return sorted(self.sandbox.sandbox.state.numbers)

    @contextlib.asynccontextmanager
    async def receiver_client(self) -> AsyncIterator[httpx2.AsyncClient]:
        """An HTTP client whose requests reach the real HTTP app (webhook route included) in process."""
        grants = GrantStore(self.grants_dir, CATALOGUE)
        async with AircallClient(self._credentials(), self.sandbox.base_url, limiter=False) as aircall:
            runtime = Runtime(client=aircall, grants=grants, audit=AuditLog(self.audit_path), transport="http")
            app = build_http_app(build_server(runtime), grants, HttpSettings(), extra_routes=[self.receiver.route()])
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
                yield client

    async def deliver(self) -> int:
        """Send every delivery the sandbox has queued to the receiver; returns how many were acknowledged."""
        async with self.receiver_client() as client:
            return int(await self.sender.flush(client))

    def _credentials(self) -> BasicCredentials:
        cfg = self.sandbox.config
        return BasicCredentials.model_validate({"api_id": cfg.api_id, "api_token": cfg.api_token})

    @contextlib.asynccontextmanager
    async def connect(self, agent: str, *, mode: str = "legacy", **client_options: Any) -> AsyncIterator[Client]:
        """An MCP client served as `agent`, with the event feed."""
        async with AircallClient(self._credentials(), self.sandbox.base_url, limiter=False) as aircall:
            audit = AuditLog(self.audit_path)
            runtime = Runtime(
                client=aircall,
                grants=GrantStore(self.grants_dir, CATALOGUE),
                audit=audit,
                transport="memory",
                default_agent=agent,
                events=EventFeed(self.store, sleep=self.timer.sleep, receiver=self.receiver),
            )
            try:
                async with Client(build_server(runtime), mode=mode, **client_options) as client:
                    yield client
            finally:
                audit.close()


StartEvents = Callable[..., contextlib.AbstractAsyncContextManager[EventsHarness]]


@pytest.fixture
def start_events(tmp_path: Path) -> StartEvents:
    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[EventsHarness]:
        clock = ManualClock()
        grants_dir = tmp_path / "grants"
        grants_dir.mkdir(exist_ok=True)
        async with running_sandbox(replace(EVENTS_SANDBOX, clock=clock, **overrides)) as handle:
            hook = handle.sandbox.webhooks.add_receiver(RECEIVER_URL)
            tokens = WebhookTokens([SecretStr(hook.token)])
            store = MemoryEventStore(clock=clock)
            yield EventsHarness(
                sandbox=handle,
                grants_dir=grants_dir,
                audit_path=tmp_path / "audit.jsonl",
                store=store,
                tokens=tokens,
                receiver=WebhookReceiver(store, tokens),
                timer=ManualTimer(),
                clock=clock,
                token=hook.token,
            )

    return start


@pytest.fixture
async def events(start_events: StartEvents) -> AsyncIterator[EventsHarness]:
    async with start_events() as harness:
        yield harness
