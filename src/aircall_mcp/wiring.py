"""Assembles the running server from options: sandbox or Aircall, client, grants, audit, transport."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mcp.server.stdio import stdio_server
from pydantic import SecretStr

from aircall_mcp.approvals import (
    ApprovalGate,
    ApprovalQueue,
    Backend,
    FileBackend,
    Notifier,
    RedisBackend,
    default_approvals_dir,
)
from aircall_mcp.approvals.operator import operator_routes
from aircall_mcp.audit import AuditLog, AuditUnavailable, FsyncPolicy
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials, Credentials, base_url_from_env, credentials_from_env
from aircall_mcp.errors import ConfigurationError
from aircall_mcp.grants import GrantError, GrantStore
from aircall_mcp.http import HttpSettings, build_http_app, check_settings, http_server
from aircall_mcp.oauth import OAuthConfigurationError, OAuthSettings
from aircall_mcp.oauth.edge import OAuthEdge, OAuthStartupError, oauth_edge
from aircall_mcp.preflight import bind_listener, check_aircall
from aircall_mcp.sandbox import SandboxConfig, running_sandbox
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
    sandbox: bool = False
    rate_limit: int = 120
    max_wait_seconds: float = 30.0
    http: HttpSettings = field(default_factory=HttpSettings)
    # OAuth 2.1 tokens from the company's identity provider (HTTP only); static tokens keep working beside it.
    oauth: OAuthSettings | None = None
    # Operator approvals (tools.approve): the queue's file store directory, or Redis when redis_url is set.
    approvals_dir: Path | None = None
    redis_url: SecretStr | None = None
    approvals_wait_seconds: float = 20.0
    approvals_ttl_seconds: float = 3600.0
    approvals_notify_url: SecretStr | None = None
    # HTTP only: the bearer token of the operator route (/operator/approvals); not an agent token.
    operator_token: SecretStr | None = None


def approvals_backend(approvals_dir: Path | None, redis_url: SecretStr | None, env: Mapping[str, str]) -> Backend:
    """The server's and the CLI's one way of finding the approval queue: Redis if named, else the file store."""
    if redis_url is not None:
        return RedisBackend(redis_url.get_secret_value())
    return FileBackend(approvals_dir or default_approvals_dir(env))


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
        await check_aircall(client, credentials)  # refused credentials stop here, before the audit is opened
        audit = AuditLog(
            options.audit_path,
            fsync=options.audit_fsync,
            also_stderr=options.audit_stderr,
            required=options.audit_required,
            secrets=[*credentials.secrets(), *grants.token_hashes(), *_option_secrets(options)],
        )
        try:
            if options.audit_dir_create:
                options.audit_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            audit.open()
        except (AuditUnavailable, OSError) as exc:
            raise StartupError(f"cannot write the audit log {options.audit_path}: {exc}") from exc
        stack.callback(audit.close)
        backend = approvals_backend(options.approvals_dir, options.redis_url, env)
        stack.push_async_callback(backend.aclose)
        notify_url = options.approvals_notify_url
        gate = ApprovalGate(
            ApprovalQueue(backend, ttl_seconds=options.approvals_ttl_seconds),
            wait_seconds=options.approvals_wait_seconds,
            notifier=Notifier(notify_url.get_secret_value()) if notify_url is not None else None,
        )
        yield Runtime(
            client=client,
            grants=grants,
            audit=audit,
            transport=options.transport,
            default_agent=default_agent,
            approvals=gate,
        )


def _option_secrets(options: ServeOptions) -> list[str]:
    values = (options.redis_url, options.approvals_notify_url, options.operator_token)
    return [value.get_secret_value() for value in values if value is not None]


async def serve(options: ServeOptions, env: Mapping[str, str]) -> None:
    """Serve until the client disconnects (stdio) or the process is told to stop (HTTP)."""
    if options.transport == "http":
        check_settings(options.http)  # refuse unsafe settings before starting anything
    if options.oauth is not None:
        if options.transport != "http":
            raise StartupError("OAuth (--oauth-issuer) is for --transport http; stdio serves one named agent")
        try:
            options.oauth.check()
        except OAuthConfigurationError as exc:
            raise StartupError(str(exc)) from exc
    if options.transport == "http":
        # Bound before anything starts, so a port in use is reported before any "serving" line.
        with bind_listener(options.http.host, options.http.port) as listener:
            async with runtime_for(options, env) as runtime, AsyncExitStack() as stack:
                edge: OAuthEdge | None = None
                if options.oauth is not None:
                    try:
                        edge = await stack.enter_async_context(oauth_edge(options.oauth, runtime.grants, runtime.audit))
                    except OAuthStartupError as exc:
                        raise StartupError(str(exc)) from exc
                operator = (
                    operator_routes(runtime.approvals.queue, runtime.audit, options.operator_token)
                    if options.operator_token is not None and runtime.approvals is not None
                    else []
                )
                app = build_http_app(
                    build_server(runtime), runtime.grants, options.http, oauth=edge, extra_routes=operator
                )
                port = listener.getsockname()[1]
                logger.info("serving Streamable HTTP at http://%s:%d/mcp", options.http.host, port)
                # On SIGTERM: stop accepting, let calls in flight finish, end the sessions; then the audit closes.
                await http_server(app, options.http).serve(sockets=[listener])
        return
    async with runtime_for(options, env) as runtime:
        server = build_server(runtime)
        logger.info(
            "serving agent %r over stdio (MCP on stdin/stdout); audit log %s", runtime.default_agent, options.audit_path
        )
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
