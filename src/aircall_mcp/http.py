"""Streamable HTTP for hosted agents: a bearer token names the agent, and that agent's grant applies."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import socket
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import uvicorn
from mcp.server import Server
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.routes import build_resource_metadata_url
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from sse_starlette.sse import AppStatus
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from aircall_mcp.errors import ConfigurationError
from aircall_mcp.grants import GrantStore
from aircall_mcp.loopback import is_loopback
from aircall_mcp.oauth.vetted import verdict_for
from aircall_mcp.server import OAUTH_CLAIM
from aircall_mcp.settings import HttpSettings

if TYPE_CHECKING:
    # The OAuth machinery loads only when OAuth is configured (wiring imports the edge, this module the gate).
    from aircall_mcp.oauth.edge import OAuthEdge

MCP_PATH = "/mcp"
ROOT_RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"
SCOPE = "aircall-mcp"


def transport_security(settings: HttpSettings) -> TransportSecuritySettings:
    """Host and Origin checks (DNS-rebinding protection), on by default, widened only by explicit settings."""
    hosts = list(settings.allowed_hosts)
    origins = list(settings.allowed_origins)
    if is_loopback(settings.host):
        hosts += ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost"]
        origins += ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    elif not hosts:
        raise ConfigurationError(
            f"serving on {settings.host} needs --allowed-host NAME[:PORT] for every host name clients use "
            "(Host checks protect against DNS rebinding); add --allowed-origin for browser clients"
        )
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


class GrantTokenVerifier:
    """Maps a bearer token to its agent: a static token by the hash a grant file lists (the store's index: one
    dict lookup), an OAuth token by the grant that names its principal (checked by the OAuth gate)."""

    def __init__(self, grants: GrantStore, settings: HttpSettings, oauth: OAuthEdge | None = None) -> None:
        self._grants = grants
        self._settings = settings
        self._oauth = oauth
        # With OAuth on, the SDK checks that every identity was issued for this resource.
        self._resource = oauth.settings.resource_url if oauth is not None else None
        self._extra_scopes = list(oauth.settings.required_scopes) if oauth is not None else []
        # The SDK drops identities past expires_at; the gate already allowed the clock-skew leeway on `exp`.
        self._leeway = int(oauth.settings.leeway_seconds) if oauth is not None else 0

    async def static_agent(self, token: str) -> str | None:
        anonymous = self._settings.anonymous_agent
        if anonymous is not None and hmac.compare_digest(token, self._settings._anonymous_token):
            return anonymous
        return await self._grants.agent_for_token(token)

    async def verify_token(self, token: str) -> AccessToken | None:
        # With OAuth, the gate in front has just found out who this token is: its answer is not looked up again.
        known = verdict_for(token) if self._oauth is not None else None
        agent = known.static_agent if known is not None else await self.static_agent(token)
        # The token itself is not kept on the identity: nothing downstream needs it, so nothing can leak it.
        if agent is not None:
            return AccessToken(
                token="[redacted]",  # noqa: S106 - a placeholder, deliberately not the token
                client_id=agent,
                scopes=[SCOPE, *self._extra_scopes],
                subject=agent,
                claims={"iss": "aircall-mcp"},
                resource=self._resource,
            )
        accepted = self._oauth.authenticator.cached(token) if self._oauth is not None else None
        if accepted is None:
            return None
        principal = accepted.principal
        return AccessToken(
            token="[redacted]",  # noqa: S106 - a placeholder, deliberately not the token
            client_id=accepted.agent,
            scopes=[SCOPE, *sorted(principal.scopes)],
            subject=principal.subject or principal.client_id or accepted.agent,
            claims={"iss": principal.issuer, OAUTH_CLAIM: principal.audit_fields()},
            expires_at=principal.expires_at + self._leeway if principal.expires_at is not None else None,
            resource=self._resource,
        )


class _AnonymousBearer:
    """Gives token-less requests the internal token of --anonymous-agent; presented tokens still count."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._header = (b"authorization", f"Bearer {token}".encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(name == b"authorization" for name, _ in scope["headers"]):
            scope = {**scope, "headers": [*scope["headers"], self._header]}
        await self._app(scope, receive, send)


async def _healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def check_settings(settings: HttpSettings) -> None:
    """Refuse unsafe settings before anything is started (raises ConfigurationError)."""
    if settings.anonymous_agent is not None and not is_loopback(settings.host):
        raise ConfigurationError("--anonymous-agent is for local development and needs a loopback --host")
    transport_security(settings)


class DrainableApp:
    """Counts the requests being answered, so shutdown can wait for calls in flight.

    GET requests are not counted: on /mcp they are the long-lived standalone SSE streams of sessions, which
    only end when the sessions do.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "GET":
            await self._app(scope, receive, send)
            return
        self._in_flight += 1
        self._idle.clear()
        try:
            await self._app(scope, receive, send)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()


def build_http_app(
    server: Server[Any],
    grants: GrantStore,
    settings: HttpSettings,
    *,
    oauth: OAuthEdge | None = None,
    extra_routes: Sequence[Route] = (),
) -> DrainableApp:
    """The Streamable HTTP app at /mcp, with bearer auth from grant files (and OAuth when configured), /healthz,
    and Host/Origin checks.

    `extra_routes` are served beside them without a bearer token: they check their own credentials (the Aircall
    webhook receiver its delivery token, the operator approvals route its operator token).
    """
    check_settings(settings)
    verifier = GrantTokenVerifier(grants, settings, oauth)
    routes = [Route("/healthz", _healthz, methods=["GET"]), *extra_routes]
    if oauth is None:
        # No resource_server_url: with static tokens we advertise no OAuth metadata, because clients that see it
        # (Claude Code among them) drop their configured Authorization header and start an OAuth flow.
        auth = AuthSettings(
            issuer_url=AnyHttpUrl("http://127.0.0.1"),
            resource_server_url=None,
            validate_token_resource=False,
            required_scopes=[SCOPE],
        )
    else:
        auth = AuthSettings.model_validate(
            {
                "issuer_url": oauth.settings.issuer,
                "resource_server_url": oauth.settings.resource_url,
                "validate_token_resource": True,
                # Only the scopes the operator requires: they are what clients ask the identity provider for.
                "required_scopes": list(oauth.settings.required_scopes) or None,
            }
        )
    app: Starlette = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=settings.stateless,
        json_response=False,
        transport_security=transport_security(settings),
        max_request_body_size=settings.max_body_bytes,
        host=settings.host,
        auth=auth,
        token_verifier=verifier,
        custom_starlette_routes=routes,
    )
    edge: ASGIApp = app
    if oauth is not None:
        from aircall_mcp.oauth.gate import OAuthGate  # noqa: PLC0415 - only with OAuth, see imports

        _serve_resource_metadata_at_root(app)
        edge = OAuthGate(
            app,
            oauth.authenticator,
            path=MCP_PATH,
            static_agent=verifier.static_agent,
            resource_metadata_url=str(build_resource_metadata_url(AnyHttpUrl(oauth.settings.resource_url))),
            on_refusal=oauth.on_refusal,
        )
    if settings.anonymous_agent is not None:
        edge = _AnonymousBearer(edge, settings._anonymous_token)
    return DrainableApp(edge)


def _serve_resource_metadata_at_root(app: Starlette) -> None:
    """RFC 9728 metadata also at the root well-known path (the SDK serves the /mcp-suffixed form), same document."""
    suffixed = ROOT_RESOURCE_METADATA_PATH + MCP_PATH
    for route in app.routes:
        if isinstance(route, Route) and route.path == suffixed:
            app.router.routes.append(Route(ROOT_RESOURCE_METADATA_PATH, route.endpoint, methods=["GET", "OPTIONS"]))
            return


class DrainingServer(uvicorn.Server):
    """uvicorn, stopping in the order a tool server needs.

    1. Stop accepting connections. 2. Let the calls in flight finish (and be audited), up to the grace period.
    3. End the MCP sessions (the app's lifespan), which closes their standalone GET streams: left open, those
    would hold the process until the grace period ran out. 4. uvicorn's own shutdown, which finds little left.
    """

    def __init__(self, config: uvicorn.Config, app: DrainableApp, grace_seconds: float) -> None:
        super().__init__(config)
        self._app = app
        self._grace_seconds = grace_seconds

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after their response
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._app.wait_idle(), timeout=self._grace_seconds)
        if not self.force_exit:
            await self.lifespan.shutdown()
        await super().shutdown(sockets)  # its second lifespan.shutdown() returns at once

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises SIGTERM/SIGINT once it has stopped, which kills the process before `serve` can close
        # the audit and the Aircall client; forgetting the signal lets them close, and the process exit 0.
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def http_server(app: DrainableApp, settings: HttpSettings) -> DrainingServer:
    """The uvicorn server for `app` on settings.host:port (port 0: any free port), with a graceful shutdown."""
    # sse-starlette (the SDK's SSE responses) cancels every SSE stream the moment uvicorn is told to exit, which
    # would cut the answer of every call in flight. Shutdown is ordered by DrainingServer instead. This is
    # process-wide; one process serves one server.
    AppStatus.enable_automatic_graceful_drain = False  # what AppStatus.disable_automatic_graceful_drain() does
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="on",
        log_level="warning",
        log_config=None,  # the CLI has configured logging (to stderr); uvicorn's loggers propagate to it
        access_log=False,
        timeout_graceful_shutdown=max(1, int(settings.graceful_shutdown_seconds)),
    )
    return DrainingServer(config, app, settings.graceful_shutdown_seconds)
