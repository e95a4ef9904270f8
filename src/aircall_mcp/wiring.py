"""Assembles the running server from options: sandbox or Aircall, client, grants, audit, transport."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aircall_mcp.audit import AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import DEFAULT_BASE_URL, AircallClient, BasicCredentials, credentials_from_env, secrets_of
from aircall_mcp.grants import GrantError, GrantStore
from aircall_mcp.http import HttpSettings
from aircall_mcp.ratelimit import limiter_for

logger = logging.getLogger("aircall_mcp")


class StartupError(Exception):
    """Why the server will not start, in words the operator can act on."""


@dataclass(frozen=True)
class ServeOptions:
    transport: str
    agent: str | None
    grants_dir: Path
    audit_path: Path
    audit_stderr: bool = False
    audit_fsync: str = "never"
    audit_required: bool = True
    sandbox: bool = False
    rate_limit: int = 120
    max_wait_seconds: float = 30.0
    http: HttpSettings = field(default_factory=HttpSettings)


@asynccontextmanager
async def runtime_for(options: ServeOptions, env: Mapping[str, str]) -> AsyncIterator[Runtime]:
    """Everything a served call needs, opened in dependency order and closed in reverse."""
    from aircall_mcp.server import Runtime

    grants = GrantStore(options.grants_dir, CATALOGUE)
    default_agent = options.agent if options.transport == "stdio" else options.http.anonymous_agent
    if options.transport == "stdio" and not default_agent:
        raise StartupError("name the agent to serve with --agent NAME or AIRCALL_MCP_AGENT")
    if default_agent:
        try:
            grants.require(default_agent)
        except GrantError as exc:
            raise StartupError(f"refusing to serve {default_agent!r}: {exc}") from exc

    async with AsyncExitStack() as stack:
        if options.sandbox:
            from aircall_mcp.sandbox import SandboxConfig, running_sandbox

            sandbox = await stack.enter_async_context(running_sandbox(SandboxConfig()))
            credentials = BasicCredentials.of(sandbox.config.api_id, sandbox.config.api_token)
            base_url = sandbox.base_url
            logger.warning("using the embedded Aircall sandbox at %s", base_url)
        else:
            try:
                credentials = credentials_from_env(env)
            except ValueError as exc:
                raise StartupError(str(exc)) from exc
            base_url = env.get("AIRCALL_BASE_URL") or DEFAULT_BASE_URL
        limiter = limiter_for(
            base_url, credentials, configured_limit=options.rate_limit, max_wait_seconds=options.max_wait_seconds
        )
        client = await stack.enter_async_context(AircallClient(credentials, base_url, limiter=limiter))
        audit = AuditLog(
            options.audit_path,
            fsync=options.audit_fsync,
            also_stderr=options.audit_stderr,
            required=options.audit_required,
            secrets=[*secrets_of(credentials), *grants.token_hashes()],
        )
        stack.callback(audit.close)
        yield Runtime(
            client=client, grants=grants, audit=audit, transport=options.transport, default_agent=default_agent
        )
