"""How the HTTP server trusts the company's identity provider: issuer, this resource, and what a token must be."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr

from aircall_mcp.loopback import is_loopback

# Asymmetric signatures only: `none` and the HS* family (which a public key could forge) are never accepted.
DEFAULT_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
ASYMMETRIC_ALGORITHMS = frozenset({*DEFAULT_ALGORITHMS, "ES512"})


class OAuthConfigurationError(ValueError):
    """An OAuth setting that cannot work or would be unsafe; refused at start-up."""


@dataclass(frozen=True, kw_only=True)
class OAuthSettings:
    """OAuth 2.1 resource-server settings (MCP authorization spec; RFC 9728, 8414, 8707, 7662).

    issuer: the authorization server, compared exactly with the `iss` of tokens and of its metadata.
    resource_url: this server's public /mcp URL; tokens must name it in `aud` (or `audience` when the IdP
    cannot put a URL there).
    introspection: verify opaque tokens at the issuer (RFC 7662) instead of JWTs locally; needs the
    client credentials this server uses at the introspection endpoint.
    """

    issuer: str
    resource_url: str
    audience: str | None = None
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_seconds: float = 30.0
    groups_claim: str = "groups"
    required_scopes: tuple[str, ...] = ()
    introspection: bool = False
    introspection_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    # A flood of unknown key ids must not hammer the issuer; a rotated key is still picked up within seconds.
    jwks_min_refresh_seconds: float = 10.0
    # Keys are also re-read this often, so a key the issuer withdrew stops verifying.
    jwks_max_age_seconds: float = 3600.0
    http_timeout_seconds: float = 10.0

    @property
    def expected_audience(self) -> str:
        return self.audience or self.resource_url

    def check(self) -> None:
        """Raise OAuthConfigurationError naming the setting when these settings cannot be used."""
        _check_url("--oauth-issuer", self.issuer, allow_path=True)
        _check_url("--resource-url", self.resource_url, allow_path=True)
        if self.introspection_url is not None:
            _check_url("--oauth-introspection-url", self.introspection_url, allow_path=True)
        unsafe = [alg for alg in self.algorithms if alg not in ASYMMETRIC_ALGORITHMS]
        if unsafe:
            raise OAuthConfigurationError(
                f"--oauth-algorithms: {', '.join(unsafe)} not accepted; use asymmetric algorithms "
                f"({', '.join(sorted(ASYMMETRIC_ALGORITHMS))})"
            )
        if not self.algorithms:
            raise OAuthConfigurationError("--oauth-algorithms: name at least one algorithm")
        if self.introspection and not (self.client_id and self.client_secret):
            raise OAuthConfigurationError(
                "token introspection needs this server's client credentials: set AIRCALL_MCP_OAUTH_CLIENT_ID "
                "and AIRCALL_MCP_OAUTH_CLIENT_SECRET"
            )
        if not 0 <= self.leeway_seconds <= 300:
            raise OAuthConfigurationError("--oauth-leeway: between 0 and 300 seconds")


def _check_url(option: str, url: str, *, allow_path: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise OAuthConfigurationError(f"{option}: expected an https:// URL, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise OAuthConfigurationError(f"{option}: must be https:// (plain http is accepted on loopback only)")
    if parts.query or parts.fragment:
        raise OAuthConfigurationError(f"{option}: must not have a query or fragment, got {url!r}")
    if not allow_path and parts.path not in ("", "/"):
        raise OAuthConfigurationError(f"{option}: must not have a path, got {url!r}")
