"""An MCP client against the real server against the sandbox over loopback HTTP."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pytest
from mcp import Client

from aircall_mcp.audit import AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.grants import GrantStore
from aircall_mcp.ratelimit import CompanyLimiter
from aircall_mcp.retry import RetryPolicy
from aircall_mcp.sandbox import SandboxConfig, SandboxHandle, running_sandbox
from aircall_mcp.server import Runtime, build_server
from tests.grant_files import write_settled_grant

REPO_GRANTS = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"
# Unlimited upstream budget: these tests are about tools and grants, not pacing.
SERVER_SANDBOX = SandboxConfig(users=20, teams=4, numbers=5, contacts=120, calls=300, tags=8, rate_limit=None)

ADMIN_NO_CONFIRM = """
description: every tool, no confirmation (tests only)
areas: {calls: full, contacts: full, users: full, teams: full, numbers: full, tags: full, webhooks: full, company: full,
        messaging: full, analytics: full}
"""


@dataclass
class Harness:
    """One sandbox, one grants directory, one audit file; connect() opens an MCP client as an agent."""

    sandbox: SandboxHandle
    grants_dir: Path
    audit_path: Path
    runtimes: list[Runtime] = field(default_factory=list)

    def write_grant(self, agent: str, text: str) -> Path:
        """Write (or rewrite) an agent's grant so that the store's next look sees the edit.

        The store applies a change once it has settled (untouched for a moment); the file is dated a minute
        back, as an edit finished before the next call.
        """
        return write_settled_grant(self.grants_dir, agent, text)

    @property
    def credentials(self) -> BasicCredentials:
        return BasicCredentials.model_validate(
            {"api_id": self.sandbox.config.api_id, "api_token": self.sandbox.config.api_token}
        )

    @property
    def requests(self) -> list[Any]:
        return list(self.sandbox.sandbox.requests)

    def audit_lines(self) -> list[dict[str, Any]]:
        if not self.audit_path.exists():
            return []
        return [json.loads(line) for line in self.audit_path.read_text(encoding="utf-8").splitlines()]

    @contextlib.asynccontextmanager
    async def connect(
        self,
        agent: str,
        *,
        mode: str = "legacy",
        limiter: CompanyLimiter | Literal[False] = False,
        retry: RetryPolicy | None = None,
        audit: AuditLog | None = None,
        aircall_client: type[AircallClient] = AircallClient,
        **client_options: Any,
    ) -> AsyncIterator[Client]:
        """An MCP client served as `agent`; the audit log defaults to `audit_path` (closed on exit either way).

        `aircall_client` lets a test stand in for a client behaviour that cannot be produced otherwise.
        """
        credentials = self.credentials
        async with aircall_client(credentials, self.sandbox.base_url, limiter=limiter, retry=retry) as aircall:
            audit = audit or AuditLog(self.audit_path, secrets=credentials.secrets())
            runtime = Runtime(
                client=aircall,
                grants=GrantStore(self.grants_dir, CATALOGUE),
                audit=audit,
                transport="memory",
                default_agent=agent,
            )
            self.runtimes.append(runtime)
            try:
                async with Client(build_server(runtime), mode=mode, **client_options) as client:
                    yield client
            finally:
                audit.close()


StartHarness = Callable[..., contextlib.AbstractAsyncContextManager[Harness]]


@pytest.fixture
def start_harness(tmp_path: Path) -> StartHarness:
    """Start a harness with SERVER_SANDBOX overridden by keyword arguments; grants start as the repo's examples."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Harness]:
        grants_dir = tmp_path / "grants"
        shutil.copytree(REPO_GRANTS, grants_dir, dirs_exist_ok=True)
        async with running_sandbox(replace(SERVER_SANDBOX, **overrides)) as handle:
            harness = Harness(handle, grants_dir, tmp_path / "audit.jsonl")
            harness.write_grant("tester", ADMIN_NO_CONFIRM)
            yield harness

    return start


@pytest.fixture
async def harness(start_harness: StartHarness) -> AsyncIterator[Harness]:
    async with start_harness() as h:
        yield h
