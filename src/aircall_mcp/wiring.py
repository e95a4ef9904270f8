"""Assembles the running server from its settings: sandbox or Aircall, budget, client, grants, audit, transport."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from mcp.server.stdio import stdio_server

from aircall_mcp.audit import AuditLog, AuditUnavailable
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials, Credentials
from aircall_mcp.grants import GrantError, GrantStore
from aircall_mcp.http import build_http_app, check_settings, http_server
from aircall_mcp.ratelimit import CompanyLimiter
from aircall_mcp.sandbox import SandboxConfig, running_sandbox
from aircall_mcp.server import Runtime, build_server
from aircall_mcp.settings import Settings

logger = logging.getLogger("aircall_mcp")


class StartupError(Exception):
    """Why the server will not start, in words the operator can act on."""


def company_budget(settings: Settings) -> CompanyLimiter:
    """The company's one request budget, shared by every agent and session this process serves."""
    return CompanyLimiter(settings.rate_limit, max_wait_seconds=settings.max_wait_seconds)


@asynccontextmanager
async def runtime_for(settings: Settings) -> AsyncIterator[Runtime]:
    """Everything a served call needs, opened in dependency order and closed in reverse."""
    grants = GrantStore(settings.grants_dir, CATALOGUE)
    default_agent = settings.agent if settings.transport == "stdio" else settings.http.anonymous_agent
    if settings.transport == "stdio" and not default_agent:
        raise StartupError("name the agent to serve with --agent NAME or AIRCALL_MCP_AGENT")
    if default_agent:
        try:
            grants.require(default_agent)
        except GrantError as exc:
            raise StartupError(f"refusing to serve {default_agent!r}: {exc}") from exc
    audit_path = settings.audit_log
    if audit_path is None:
        raise StartupError("no audit log path: name one with --audit-log PATH or AIRCALL_MCP_AUDIT_LOG")

    async with AsyncExitStack() as stack:
        credentials: Credentials
        if settings.sandbox:
            sandbox = await stack.enter_async_context(running_sandbox(SandboxConfig()))
            credentials = BasicCredentials.model_validate(
                {"api_id": sandbox.config.api_id, "api_token": sandbox.config.api_token}
            )
            base_url = sandbox.base_url
            logger.info("using the embedded Aircall sandbox at %s (no Aircall account needed)", base_url)
        elif settings.credentials is None:
            raise StartupError("no Aircall credentials (build the settings with Settings.from_sources)")
        else:
            credentials, base_url = settings.credentials, settings.base_url
        client = await stack.enter_async_context(AircallClient(credentials, base_url, limiter=company_budget(settings)))
        audit = AuditLog(
            audit_path,
            fsync=settings.audit_fsync,
            also_stderr=settings.audit_stderr,
            required=settings.audit_required,
            secrets=[*credentials.secrets(), *grants.token_hashes()],
        )
        try:
            if settings.audit_dir_create:
                audit_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            audit.open()
        except (AuditUnavailable, OSError) as exc:
            raise StartupError(f"cannot write the audit log {audit_path}: {exc}") from exc
        stack.callback(audit.close)
        yield Runtime(
            client=client,
            grants=grants,
            audit=audit,
            transport=settings.transport,
            default_agent=default_agent,
            max_result_bytes=settings.max_result_bytes,
        )


async def serve(settings: Settings) -> None:
    """Serve until the client disconnects (stdio) or the process is told to stop (HTTP)."""
    if settings.transport == "http":
        check_settings(settings.http)  # refuse unsafe settings before starting anything
    async with runtime_for(settings) as runtime:
        server = build_server(runtime)
        if settings.transport == "stdio":
            logger.info(
                "serving agent %r over stdio (MCP on stdin/stdout); audit log %s",
                runtime.default_agent,
                settings.audit_log,
            )
            async with stdio_server() as (read, write):
                await server.run(read, write, server.create_initialization_options())
            return
        app = build_http_app(server, runtime.grants, settings.http)
        logger.info("serving Streamable HTTP at http://%s:%d/mcp", settings.http.host, settings.http.port)
        # On SIGTERM: stop accepting, let calls in flight finish, end the sessions; then the audit is closed.
        await http_server(app, settings.http).serve()
