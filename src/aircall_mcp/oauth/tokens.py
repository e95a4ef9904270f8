"""Checking one OAuth access token: a JWT verified locally, or an opaque token introspected at the issuer.

The result is the `Principal` the token speaks for; any failure is a `TokenRefused` whose text is safe to
send to the client and write to the audit (it never contains the token).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aircall_mcp.oauth.issuer import Issuer
from aircall_mcp.oauth.settings import OAuthSettings

# A JWT larger than this is not a token any identity provider mints; refuse before parsing it.
MAX_TOKEN_CHARS = 16_384
# Claims that name the OAuth client, in the order identity providers use them (RFC 9068 client_id, OIDC azp,
# Entra ID appid, Okta cid).
CLIENT_CLAIMS = ("client_id", "azp", "appid", "cid")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified token speaks for. `client_id` is the OAuth client; `subject` the user or the client."""

    issuer: str
    subject: str | None
    client_id: str | None
    groups: frozenset[str]
    scopes: frozenset[str]
    expires_at: int | None

    def audit_fields(self) -> dict[str, str | None]:
        return {"issuer": self.issuer, "subject": self.subject, "client": self.client_id}


class TokenRefused(Exception):
    """A token that is not accepted: `status` 401 (not valid) or 403 (valid, not allowed here)."""

    def __init__(self, description: str, *, status: int = 401, error: str = "invalid_token") -> None:
        super().__init__(description)
        self.description = description
        self.status = status
        self.error = error


class TokenChecker:
    """Verifies tokens for one issuer and this resource, as the settings say (JWT or introspection)."""

    def __init__(self, settings: OAuthSettings, issuer: Issuer, *, now: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.issuer = issuer
        self._now = now

    async def check(self, token: str) -> Principal:
        if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise TokenRefused("the token is not a well-formed access token")
        if self.settings.introspection:
            return await self._introspected(token)
        return await self._verified_jwt(token)

    async def _verified_jwt(self, token: str) -> Principal:
        # PyJWT (and the cryptography it loads) is imported when OAuth is used, not by every server start.
        import jwt  # noqa: PLC0415

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRefused("the token is not a well-formed JWT") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self.settings.algorithms:
            raise TokenRefused(
                f"tokens signed with {algorithm!r} are not accepted (accepted: {', '.join(self.settings.algorithms)})"
            )
        kid = header.get("kid")
        key = await self.issuer.signing_key(kid if isinstance(kid, str) else None, algorithm)
        if key is None:
            raise TokenRefused("the token is signed with a key the issuer does not publish")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.settings.expected_audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRefused("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRefused("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused(self._wrong_audience()) from None
        except jwt.InvalidIssuerError:
            raise TokenRefused(f"the token was not issued by {self.settings.issuer}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRefused(f"the token has no {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise TokenRefused("the token's signature does not verify") from None
        except jwt.PyJWTError:
            raise TokenRefused("the token could not be verified") from None
        return self._principal(claims)

    async def _introspected(self, token: str) -> Principal:
        claims = await self.issuer.introspect(token)
        if claims.get("active") is not True:
            raise TokenRefused("the issuer says the token is not active")
        issuer = claims.get("iss")
        if issuer is not None and issuer != self.settings.issuer:
            raise TokenRefused(f"the token was not issued by {self.settings.issuer}")
        audiences = claims.get("aud")
        audience_list = [audiences] if isinstance(audiences, str) else audiences
        if not isinstance(audience_list, list) or self.settings.expected_audience not in audience_list:
            raise TokenRefused(self._wrong_audience())
        now, leeway = self._now(), self.settings.leeway_seconds
        expires = claims.get("exp")
        if isinstance(expires, int | float) and expires + leeway < now:
            raise TokenRefused("the token has expired")
        not_before = claims.get("nbf")
        if isinstance(not_before, int | float) and not_before - leeway > now:
            raise TokenRefused("the token is not valid yet")
        return self._principal({**claims, "iss": self.settings.issuer})

    def _wrong_audience(self) -> str:
        return (
            f"the token was not issued for this resource (its audience must include {self.settings.expected_audience})"
        )

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        subject = claims.get("sub")
        client = next((claims[name] for name in CLIENT_CLAIMS if isinstance(claims.get(name), str)), None)
        expires = claims.get("exp")
        return Principal(
            issuer=self.settings.issuer,
            subject=subject if isinstance(subject, str) else None,
            client_id=client,
            groups=_names(claims.get(self.settings.groups_claim)),
            scopes=_scopes(claims),
            expires_at=int(expires) if isinstance(expires, int | float) else None,
        )


def _names(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


def _scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    # RFC 8693/9068 `scope` is a space-separated string; Entra ID and Okta also use `scp` (a list or a string).
    found: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(item for item in value if isinstance(item, str))
    return frozenset(found)
