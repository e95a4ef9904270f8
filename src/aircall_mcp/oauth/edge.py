"""Opening OAuth for the HTTP server: check the issuer once at start-up, and audit every refused token."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aircall_mcp.audit import AuditEvent, AuditLog
from aircall_mcp.grants import GrantStore
from aircall_mcp.oauth.gate import OAuthAuthenticator, OnRefusal, Refusal
from aircall_mcp.oauth.issuer import Issuer, IssuerMisconfigured, IssuerUnavailable
from aircall_mcp.oauth.settings import OAuthSettings
from aircall_mcp.oauth.tokens import TokenChecker

logger = logging.getLogger("aircall_mcp.oauth")

UNKNOWN_AGENT = "(unknown)"


class OAuthStartupError(Exception):
    """The issuer answered in a way that means no token could ever be accepted: refuse to start."""


@dataclass(frozen=True)
class OAuthEdge:
    """What the HTTP app needs to accept OAuth tokens: the settings, the authenticator, where refusals go."""

    settings: OAuthSettings
    authenticator: OAuthAuthenticator
    on_refusal: OnRefusal


def audit_refusals(audit: AuditLog) -> OnRefusal:
    """One audit line per refused token: who it was (as far as known), and why. Never the token."""

    async def record(refusal: Refusal) -> None:
        await audit.arecord(
            AuditEvent(
                agent=refusal.agent or UNKNOWN_AGENT,
                transport="http",
                tool="-",
                decision="denied",
                action="sign in with an OAuth token",
                rule="oauth",
                reason=refusal.description,
                http_status=refusal.status,
                principal=refusal.principal.audit_fields() if refusal.principal is not None else None,
            )
        )

    return record


@asynccontextmanager
async def oauth_edge(
    settings: OAuthSettings,
    grants: GrantStore,
    audit: AuditLog,
    *,
    monotonic: Callable[[], float] = time.monotonic,
) -> AsyncIterator[OAuthEdge]:
    settings.check()
    issuer = Issuer(settings, monotonic=monotonic)
    try:
        try:
            metadata = await issuer.metadata()
        except IssuerMisconfigured as exc:
            raise OAuthStartupError(f"OAuth issuer {settings.issuer}: {exc}") from None
        except IssuerUnavailable as exc:
            # It may come back: tokens are refused (503) until it does.
            logger.warning(
                "OAuth issuer %s is not reachable yet (%s); will retry on the first token", settings.issuer, exc
            )
        else:
            logger.info(
                "accepting OAuth tokens from %s for %s (%s)",
                metadata.issuer,
                settings.resource_url,
                "introspection" if settings.introspection else "JWT verified locally",
            )
        authenticator = OAuthAuthenticator(settings, TokenChecker(settings, issuer), grants, monotonic=monotonic)
        yield OAuthEdge(settings, authenticator, audit_refusals(audit))
    finally:
        await issuer.aclose()
