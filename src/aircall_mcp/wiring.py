"""Assembles the running server from its settings: sandbox or Aircall, budget, client, grants, audit, transport."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from mcp.server.stdio import stdio_server
from pydantic import SecretStr

from aircall_mcp.approvals import ApprovalGate, ApprovalQueue, Backend, FileBackend, Notifier, RedisBackend
from aircall_mcp.audit import AuditLog, AuditUnavailable
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, BasicCredentials, Credentials
from aircall_mcp.confirmation import Confirmations
from aircall_mcp.errors import ConfigurationError
from aircall_mcp.grants import GrantError, GrantStore
from aircall_mcp.oauth.settings import OAuthConfigurationError, OAuthSettings
from aircall_mcp.preflight import bind_listener, check_aircall
from aircall_mcp.ratelimit import CompanyLimiter, RequestBudget
from aircall_mcp.server import Runtime, build_server
from aircall_mcp.settings import Settings
from aircall_mcp.shared import SharedStateUnavailable

# What only some servers use is imported where it is used, so a start pays only for what it serves: the events
# machinery when events are received, HTTP for --transport http (the OAuth edge and the operator's routes only
# when configured), the sandbox for --sandbox, Redis for --redis-url.
if TYPE_CHECKING:
    from aircall_mcp.events.service import EventOptions
    from aircall_mcp.oauth.edge import OAuthEdge

logger = logging.getLogger("aircall_mcp")


class StartupError(Exception):
    """Why the server will not start, in words the operator can act on."""


def company_budget(settings: Settings) -> CompanyLimiter:
    """The company's one request budget, shared by every agent and session this process serves."""
    return CompanyLimiter(settings.rate_limit, max_wait_seconds=settings.max_wait_seconds)


async def shared_state(stack: AsyncExitStack, settings: Settings, company: str) -> tuple[RequestBudget, Confirmations]:
    """The budget and confirmations: in this process, or (with --redis-url) shared by every replica via Redis.

    `company` names the Aircall company (a hash of the credential's identity, never the secret). Redis named
    but unreachable at start-up is a StartupError: a replica that starts alone would overspend the company.
    """
    local = company_budget(settings)
    if settings.redis_url is None:
        return local, Confirmations()
    # Imported only with Redis: one process does not pay for redis-py at start-up.
    from aircall_mcp.shared.fleet import FleetLimiter  # noqa: PLC0415 - lazy, see above
    from aircall_mcp.shared.redis_store import RedisStore  # noqa: PLC0415 - lazy, see above

    try:
        store = RedisStore(settings.redis_url.get_secret_value(), company)
        stack.push_async_callback(store.aclose)
        await store.ping()
    except SharedStateUnavailable as exc:
        raise StartupError(f"cannot share the company budget through Redis (--redis-url): {exc}") from None
    fleet = await stack.enter_async_context(FleetLimiter(store, local))
    return fleet, Confirmations(store=store)


@asynccontextmanager
async def runtime_for(settings: Settings) -> AsyncIterator[Runtime]:
    """Everything a served call needs, opened in dependency order and closed in reverse."""
    if settings.grants_dir is None:
        raise StartupError("no grants directory: name one with --grants DIR or AIRCALL_MCP_GRANTS")
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
        sandbox = None
        if settings.sandbox:
            # Imported only when asked for: serving the real Aircall does not pay for the sandbox at start-up.
            from aircall_mcp.sandbox import SandboxConfig, running_sandbox  # noqa: PLC0415 - lazy, see above

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
        budget, confirmations = await shared_state(stack, settings, credentials.identity)
        client = await stack.enter_async_context(AircallClient(credentials, base_url, limiter=budget))
        await check_aircall(client, credentials)  # refused credentials stop here, before the audit is opened
        audit = AuditLog(
            audit_path,
            fsync=settings.audit_fsync,
            max_bytes=settings.audit_max_bytes,
            max_age=timedelta(seconds=settings.audit_max_age) if settings.audit_max_age is not None else None,
            backups=settings.audit_keep,
            also_stderr=settings.audit_stderr,
            required=settings.audit_required,
            secrets=[*credentials.secrets(), *grants.token_hashes(), *settings.secrets()],
        )
        try:
            if settings.audit_dir_create:
                audit_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            audit.open()
        except (AuditUnavailable, OSError) as exc:
            raise StartupError(f"cannot write the audit log {audit_path}: {exc}") from exc
        stack.callback(audit.close)
        backend = approvals_backend(settings.approvals.directory, settings.redis_url)
        stack.push_async_callback(backend.aclose)
        approvals = settings.approvals
        gate = ApprovalGate(
            ApprovalQueue(backend, ttl_seconds=approvals.ttl_seconds),
            wait_seconds=approvals.wait_seconds,
            notifier=Notifier(approvals.notify_url.get_secret_value()) if approvals.notify_url is not None else None,
        )
        events = None
        # Only an HTTP server receives Aircall's deliveries; over stdio, events come from Redis or not at all.
        if not settings.events.disabled and (settings.transport == "http" or settings.redis_url is not None):
            from aircall_mcp.events.service import running_events  # noqa: PLC0415 - lazy, see imports

            options = event_options(settings)
            receiver_url = (
                f"http://{settings.http.host}:{settings.http.port}{options.webhook_path}"
                if settings.transport == "http"
                else None
            )
            try:
                events = await stack.enter_async_context(
                    running_events(
                        options, client, sandbox=sandbox, receiver_url=receiver_url, company=credentials.identity
                    )
                )
            except SharedStateUnavailable as exc:
                raise StartupError(f"cannot keep events in Redis: {exc}") from exc
        yield Runtime(
            client=client,
            grants=grants,
            audit=audit,
            transport=settings.transport,
            default_agent=default_agent,
            max_result_bytes=settings.max_result_bytes,
            events=events,
            approvals=gate,
            confirmations=confirmations,
        )


def approvals_backend(directory: Path | None, redis_url: SecretStr | None) -> Backend:
    """The server's and the CLI's one way of finding the approval queue: Redis if named, else the file store."""
    if redis_url is not None:
        return RedisBackend(redis_url.get_secret_value())
    if directory is None:
        raise StartupError("no approvals directory: name one with --approvals-dir DIR or AIRCALL_MCP_APPROVALS_DIR")
    return FileBackend(directory)


def event_options(settings: Settings) -> EventOptions:
    """How this process receives and keeps live events, from the settings."""
    from aircall_mcp.events.service import EventOptions  # noqa: PLC0415 - lazy, see imports
    from aircall_mcp.events.store import Retention  # noqa: PLC0415 - lazy, see imports

    events = settings.events
    return EventOptions(
        enabled=not events.disabled,
        webhook_path=events.webhook_path,
        retention=Retention(max_events=events.max_events, max_age_seconds=events.max_age_seconds),
        tokens=events.tokens,
        sandbox_calls_every=events.sandbox_calls_every,
        redis_url=settings.redis_url,
    )


def oauth_settings(settings: Settings) -> OAuthSettings | None:
    """The OAuth settings to serve with (None: static tokens only), refused with words when they cannot work."""
    try:
        oauth = settings.oauth.resolve()
        if oauth is not None:
            oauth.check()
    except (ConfigurationError, OAuthConfigurationError) as exc:
        raise StartupError(str(exc)) from exc
    if oauth is not None and settings.transport != "http":
        raise StartupError("OAuth (--oauth-issuer) is for --transport http; stdio serves one named agent")
    return oauth


async def serve(settings: Settings) -> None:
    """Serve until the client disconnects (stdio) or the process is told to stop (HTTP)."""
    try:
        await _serve(settings)
    except BaseExceptionGroup as group:
        # A refusal raised inside a task group (the event feed's) arrives wrapped: say it as itself.
        leaves = _leaves(group)
        if len(leaves) == 1 and isinstance(leaves[0], StartupError | ConfigurationError):
            raise leaves[0] from None
        raise


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return found


async def _serve(settings: Settings) -> None:
    oauth = oauth_settings(settings)
    if settings.transport == "http":
        await _serve_http(settings, oauth)
        return
    async with runtime_for(settings) as runtime:
        server = build_server(runtime)
        logger.info(
            "serving agent %r over stdio (MCP on stdin/stdout); audit log %s", runtime.default_agent, settings.audit_log
        )
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


async def _serve_http(settings: Settings, oauth: OAuthSettings | None) -> None:
    # Imported only to serve HTTP, and the OAuth edge and operator routes only when configured: see the imports.
    from aircall_mcp.http import build_http_app, check_settings, http_server  # noqa: PLC0415 - lazy, see above

    check_settings(settings.http)  # refuse unsafe settings before starting anything
    # Bound before anything starts, so a port in use is reported before any "serving" line.
    with bind_listener(settings.http.host, settings.http.port) as listener:
        async with runtime_for(settings) as runtime, AsyncExitStack() as stack:
            edge: OAuthEdge | None = None
            if oauth is not None:
                from aircall_mcp.oauth.edge import OAuthStartupError, oauth_edge  # noqa: PLC0415 - lazy, see above

                try:
                    edge = await stack.enter_async_context(oauth_edge(oauth, runtime.grants, runtime.audit))
                except OAuthStartupError as exc:
                    raise StartupError(str(exc)) from exc
            receiver = runtime.events.receiver if runtime.events is not None else None
            routes = [receiver.route(settings.events.webhook_path)] if receiver is not None else []
            token = settings.approvals.operator_token
            if token is not None and runtime.approvals is not None:
                from aircall_mcp.approvals.operator import operator_routes  # noqa: PLC0415 - lazy, see imports

                routes += operator_routes(runtime.approvals.queue, runtime.audit, token)
            app = build_http_app(build_server(runtime), runtime.grants, settings.http, oauth=edge, extra_routes=routes)
            port = listener.getsockname()[1]
            logger.info("serving Streamable HTTP at http://%s:%d/mcp", settings.http.host, port)
            # On SIGTERM: stop accepting, let calls in flight finish, end the sessions; then the audit closes.
            await http_server(app, settings.http).serve(sockets=[listener])
