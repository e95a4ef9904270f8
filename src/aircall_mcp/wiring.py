"""Assembles the running server from options: sandbox or Aircall, client, grants, audit, transport."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

from mcp.server.stdio import stdio_server

from aircall_mcp.audit import AuditLog, AuditUnavailable, FsyncPolicy
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials, Credentials, base_url_from_env, credentials_from_env
from aircall_mcp.errors import ConfigurationError
from aircall_mcp.grants import GrantError, GrantStore
from aircall_mcp.http import HttpSettings, build_http_app, check_settings, http_server
from aircall_mcp.server import Runtime, build_server

logger = logging.getLogger("aircall_mcp")


class StartupError(Exception):
    """Why the server will not start, in words the operator can act on."""


@dataclass(frozen=True)
class ServeOptions:
    transport: Literal["stdio", "http"]
    agent: str | None
    grants_dir: Path
    audit_path: Path
    audit_dir_create: bool = False
    audit_stderr: bool = False
    audit_fsync: FsyncPolicy = "never"
    audit_required: bool = True
    # Rotation by size and/or age (None: never); audit_keep rotated files are kept (PATH.1 ... PATH.N).
    audit_max_bytes: int | None = None
    audit_max_age: timedelta | None = None
    audit_keep: int = 5
    sandbox: bool = False
    rate_limit: int = 120
    max_wait_seconds: float = 30.0
    http: HttpSettings = field(default_factory=HttpSettings)


@asynccontextmanager
async def runtime_for(options: ServeOptions, env: Mapping[str, str]) -> AsyncIterator[Runtime]:
    """Everything a served call needs, opened in dependency order and closed in reverse."""
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
        credentials: Credentials
        if options.sandbox:
            # Imported only when asked for: serving the real Aircall should not pay for the sandbox at start-up.
            from aircall_mcp.sandbox import SandboxConfig, running_sandbox  # noqa: PLC0415 - lazy, see above

            sandbox = await stack.enter_async_context(running_sandbox(SandboxConfig()))
            credentials = BasicCredentials.model_validate(
                {"api_id": sandbox.config.api_id, "api_token": sandbox.config.api_token}
            )
            base_url = sandbox.base_url
            logger.info("using the embedded Aircall sandbox at %s (no Aircall account needed)", base_url)
        else:
            try:
                credentials = credentials_from_env(env)
                base_url = base_url_from_env(env)
            except ConfigurationError as exc:
                raise StartupError(str(exc)) from exc
        client = await stack.enter_async_context(
            AircallClient(
                credentials,
                base_url,
                configured_limit=options.rate_limit,
                max_wait_seconds=options.max_wait_seconds,
            )
        )
        audit = AuditLog(
            options.audit_path,
            fsync=options.audit_fsync,
            max_bytes=options.audit_max_bytes,
            max_age=options.audit_max_age,
            backups=options.audit_keep,
            also_stderr=options.audit_stderr,
            required=options.audit_required,
            secrets=[*credentials.secrets(), *grants.token_hashes()],
        )
        try:
            if options.audit_dir_create:
                options.audit_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            audit.open()
        except (AuditUnavailable, OSError) as exc:
            raise StartupError(f"cannot write the audit log {options.audit_path}: {exc}") from exc
        stack.callback(audit.close)
        yield Runtime(
            client=client, grants=grants, audit=audit, transport=options.transport, default_agent=default_agent
        )


async def serve(options: ServeOptions, env: Mapping[str, str]) -> None:
    """Serve until the client disconnects (stdio) or the process is told to stop (HTTP)."""
    if options.transport == "http":
        check_settings(options.http)  # refuse unsafe settings before starting anything
    async with runtime_for(options, env) as runtime:
        server = build_server(runtime)
        if options.transport == "stdio":
            logger.info(
                "serving agent %r over stdio (MCP on stdin/stdout); audit log %s",
                runtime.default_agent,
                options.audit_path,
            )
            async with stdio_server() as (read, write):
                await server.run(read, write, server.create_initialization_options())
            return
        app = build_http_app(server, runtime.grants, options.http)
        logger.info("serving Streamable HTTP at http://%s:%d/mcp", options.http.host, options.http.port)
        # On SIGTERM: stop accepting, let calls in flight finish, end the sessions; then the audit is closed.
        await http_server(app, options.http).serve()
