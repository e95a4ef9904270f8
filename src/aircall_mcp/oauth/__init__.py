"""OAuth 2.1 for hosted agents: this server as a protected resource that trusts the company's identity provider.

`settings` says which issuer and resource; `issuer` reads the issuer's metadata and keys; `tokens` verifies one
token into a `Principal`; `principals` finds the one agent a principal is from the grant files; `gate` refuses
what is not accepted at the HTTP edge, audited, before the MCP server sees it.
"""

from aircall_mcp.oauth.gate import Authenticated, OAuthAuthenticator, OAuthGate, Refusal
from aircall_mcp.oauth.issuer import Issuer, IssuerMisconfigured, IssuerUnavailable, discovery_urls
from aircall_mcp.oauth.principals import PrincipalIndex
from aircall_mcp.oauth.settings import DEFAULT_ALGORITHMS, OAuthConfigurationError, OAuthSettings
from aircall_mcp.oauth.tokens import Principal, TokenChecker, TokenRefused

__all__ = [
    "DEFAULT_ALGORITHMS",
    "Authenticated",
    "Issuer",
    "IssuerMisconfigured",
    "IssuerUnavailable",
    "OAuthAuthenticator",
    "OAuthConfigurationError",
    "OAuthGate",
    "OAuthSettings",
    "Principal",
    "PrincipalIndex",
    "Refusal",
    "TokenChecker",
    "TokenRefused",
    "discovery_urls",
]
