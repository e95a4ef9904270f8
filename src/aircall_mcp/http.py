"""Streamable HTTP for hosted agents: a bearer token names the agent, and that agent's grant applies."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from typing import Any

from mcp.server import Server
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from aircall_mcp.grants import GrantStore

MCP_PATH = "/mcp"
SCOPE = "aircall-mcp"
_LOOPBACK_NAMES = frozenset({"localhost"})


class ConfigurationError(Exception):
    """An HTTP setting that would make the server unsafe or unusable; refused at start-up."""


@dataclass(frozen=True)
class HttpSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    # Serve requests without a token as this agent; for local development, loopback only.
    anonymous_agent: str | None = None
    stateless: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1_048_576
    graceful_shutdown_seconds: float = 30.0
    _anonymous_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
    """Maps a bearer token to the agent whose grant file lists its hash."""

    def __init__(self, grants: GrantStore, settings: HttpSettings) -> None:
        self._grants = grants
        self._settings = settings

    async def verify_token(self, token: str) -> AccessToken | None:
        anonymous = self._settings.anonymous_agent
        if anonymous is not None and hmac.compare_digest(token, self._settings._anonymous_token):
            agent: str | None = anonymous
        else:
            agent = self._grants.agent_for_token(token)
        if agent is None:
            return None
        # The token itself is not kept on the identity: nothing downstream needs it, so nothing can leak it.
        return AccessToken(
            token="[redacted]",  # noqa: S106 - a placeholder, deliberately not the token
            client_id=agent,
            scopes=[SCOPE],
            subject=agent,
            claims={"iss": "aircall-mcp"},
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


def build_http_app(server: Server[Any], grants: GrantStore, settings: HttpSettings) -> ASGIApp:
    """The Streamable HTTP app at /mcp, with bearer auth from grant files, /healthz, and Host/Origin checks."""
    if settings.anonymous_agent is not None and not is_loopback(settings.host):
        raise ConfigurationError("--anonymous-agent is for local development and needs a loopback --host")
    app: Starlette = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=settings.stateless,
        json_response=False,
        transport_security=transport_security(settings),
        max_request_body_size=settings.max_body_bytes,
        host=settings.host,
        # No resource_server_url: with static tokens we advertise no OAuth metadata, because clients that see it
        # (Claude Code among them) drop their configured Authorization header and start an OAuth flow.
        auth=AuthSettings(
            issuer_url=AnyHttpUrl("http://127.0.0.1"),
            resource_server_url=None,
            validate_token_resource=False,
            required_scopes=[SCOPE],
        ),
        token_verifier=GrantTokenVerifier(grants, settings),
        custom_starlette_routes=[Route("/healthz", _healthz, methods=["GET"])],
    )
    if settings.anonymous_agent is not None:
        return _AnonymousBearer(app, settings._anonymous_token)
    return app
