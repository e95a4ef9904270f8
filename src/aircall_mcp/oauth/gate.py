"""OAuth at the HTTP edge: every bearer token that is not a static agent token is checked here, once.

`OAuthGate` sits in front of the MCP app. For a request to /mcp with a bearer token it asks
`OAuthAuthenticator` who the token is; a refused token is answered here (401 for a token that is not valid,
403 for a valid token that is no agent of this server or lacks a required scope, 503 when the issuer cannot be
asked), audited, and never reaches the MCP server, so nothing is sent to Aircall. An accepted token goes on,
and the SDK's token verifier finds the agent in the authenticator's cache.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from aircall_mcp.grants import GrantStore
from aircall_mcp.oauth.issuer import IssuerMisconfigured, IssuerUnavailable
from aircall_mcp.oauth.principals import PrincipalIndex
from aircall_mcp.oauth.settings import OAuthSettings
from aircall_mcp.oauth.tokens import Principal, TokenChecker, TokenRefused
from aircall_mcp.oauth.vetted import fingerprint, vetted

logger = logging.getLogger("aircall_mcp.oauth")

# Verified tokens are remembered (by hash) this long at most, so the issuer's keys are not consulted per request;
# which agent a principal is, is looked up afresh every time (a grant edit applies at once).
_CACHE_SECONDS = 300.0
_CACHE_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class Authenticated:
    agent: str
    principal: Principal


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    error: str
    description: str
    agent: str | None = None
    principal: Principal | None = None
    scope: str | None = None


OnRefusal = Callable[[Refusal], Awaitable[None]]


class OAuthAuthenticator:
    """Token -> the one agent it is, or a refusal that says why in words safe to show and to audit."""

    def __init__(
        self,
        settings: OAuthSettings,
        checker: TokenChecker,
        grants: GrantStore,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.checker = checker
        self._grants = grants
        self._monotonic = monotonic
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._index_version: int | None = None
        self._index = PrincipalIndex.build(())

    async def authenticate(self, token: str) -> Authenticated | Refusal:
        try:
            principal = await self._principal(token)
        except TokenRefused as exc:
            return Refusal(exc.status, exc.error, exc.description)
        except IssuerUnavailable as exc:
            logger.warning("OAuth issuer unavailable: %s", exc)
            return Refusal(503, "temporarily_unavailable", "the identity provider cannot be reached; try again shortly")
        except IssuerMisconfigured as exc:
            logger.error("OAuth issuer misconfigured: %s", exc)
            return Refusal(503, "temporarily_unavailable", "this server cannot check tokens: its operator must fix it")
        await self._refresh_index()
        return self._agent_for(principal)

    def cached(self, token: str) -> Authenticated | None:
        """The agent of a token the gate has just accepted (for the SDK's token verifier), else None.

        Uses the principal index as the gate just refreshed it for this very request."""
        entry = self._verified.get(fingerprint(token))
        if entry is None or entry[1] <= self._monotonic():
            return None
        outcome = self._agent_for(entry[0])
        return outcome if isinstance(outcome, Authenticated) else None

    async def _principal(self, token: str) -> Principal:
        key = fingerprint(token)
        entry = self._verified.get(key)
        now = self._monotonic()
        if entry is not None and entry[1] > now:
            self._verified.move_to_end(key)
            return entry[0]
        principal = await self.checker.check(token)
        expires = principal.expires_at
        remaining = _CACHE_SECONDS if expires is None else expires + self.settings.leeway_seconds - time.time()
        self._verified[key] = (principal, now + min(_CACHE_SECONDS, max(0.0, remaining)))
        while len(self._verified) > _CACHE_ENTRIES:
            self._verified.popitem(last=False)
        return principal

    def _agent_for(self, principal: Principal) -> Authenticated | Refusal:
        agents = sorted(self._index.agents_for(principal))
        if not agents:
            return Refusal(
                403,
                "access_denied",
                "this token's client, subject and groups are not granted to any agent of this server",
                principal=principal,
            )
        if len(agents) > 1:
            logger.error(
                "configuration error: OAuth principal %s matches the grants of %s; refusing it until one grant "
                "names it",
                principal.audit_fields(),
                ", ".join(agents),
            )
            return Refusal(
                403,
                "access_denied",
                "this token matches more than one agent of this server; its operator must fix the grant files",
                principal=principal,
            )
        missing = [scope for scope in self.settings.required_scopes if scope not in principal.scopes]
        if missing:
            return Refusal(
                403,
                "insufficient_scope",
                f"the token lacks the scope {' '.join(missing)}",
                agent=agents[0],
                principal=principal,
                scope=" ".join(self.settings.required_scopes),
            )
        return Authenticated(agents[0], principal)

    async def _refresh_index(self) -> None:
        version, grants = await self._grants.in_force()
        if version != self._index_version:
            self._index = PrincipalIndex.build(grants)
            self._index_version = version


class OAuthGate:
    """ASGI middleware: refuses bad OAuth tokens on `path` before the MCP app sees them."""

    def __init__(
        self,
        app: ASGIApp,
        authenticator: OAuthAuthenticator,
        *,
        path: str,
        static_agent: Callable[[str], Awaitable[str | None]],
        resource_metadata_url: str,
        on_refusal: OnRefusal,
    ) -> None:
        self._app = app
        self._authenticator = authenticator
        self._path = path
        self._static_agent = static_agent
        self._resource_metadata_url = resource_metadata_url
        self._on_refusal = on_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _bearer(scope) if scope["type"] == "http" and scope["path"] == self._path else None
        if token is None:
            await self._app(scope, receive, send)
            return
        agent = await self._static_agent(token)
        if agent is not None:
            with vetted(token, agent):  # the SDK's verifier, behind, reads this instead of looking again
                await self._app(scope, receive, send)
            return
        outcome = await self._authenticator.authenticate(token)
        if isinstance(outcome, Authenticated):
            with vetted(token, None):
                await self._app(scope, receive, send)
            return
        try:
            await self._on_refusal(outcome)
        except Exception:  # the refusal stands even if it could not be recorded
            logger.exception("could not audit an OAuth refusal")
        await self._refuse(send, outcome)

    async def _refuse(self, send: Send, refusal: Refusal) -> None:
        parts = [f'error="{refusal.error}"', f'error_description="{refusal.description}"']
        if refusal.scope:
            parts.append(f'scope="{refusal.scope}"')
        parts.append(f'resource_metadata="{self._resource_metadata_url}"')
        body = json.dumps({"error": refusal.error, "error_description": refusal.description}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if refusal.status in (401, 403):
            headers.append((b"www-authenticate", f"Bearer {', '.join(parts)}".encode()))
        else:
            headers.append((b"retry-after", b"5"))
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = bytes(value).decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
            return None
    return None
