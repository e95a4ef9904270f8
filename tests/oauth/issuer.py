"""A real OAuth 2.1 / OpenID Connect issuer for tests, served over loopback HTTP by uvicorn.

It publishes discovery metadata (OIDC and RFC 8414), a JWKS of its current signing keys (rotatable), a token
endpoint for the client-credentials grant (RFC 8707 `resource` becomes `aud`), and RFC 7662 introspection of
opaque tokens. Tests also mint tokens directly with any claims, key or header they need, hostile ones included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The client this server uses to introspect, and a machine client that gets tokens by client credentials.
INTROSPECTION_CLIENT = ("aircall-mcp-server", "introspection-secret")
MACHINE_CLIENTS = {"reporting-bot": "bot-secret"}


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private: Any

    @property
    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        jwk: dict[str, Any] = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    @property
    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


def new_key(algorithm: str = "RS256") -> SigningKey:
    private: Any = (
        ec.generate_private_key(ec.SECP256R1())
        if algorithm == "ES256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    return SigningKey(kid=secrets.token_hex(8), algorithm=algorithm, private=private)


@dataclass
class LoopbackIssuer:
    """The issuer's state. `base_url` (= issuer) is set once it is served."""

    base_url: str = ""
    keys: list[SigningKey] = field(default_factory=lambda: [new_key("RS256"), new_key("ES256")])
    opaque: dict[str, dict[str, Any]] = field(default_factory=dict)
    jwks_requests: int = 0
    metadata_requests: int = 0
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return self.base_url

    # -- tokens ----------------------------------------------------------------------------------------------

    def mint(
        self,
        *,
        audience: str | list[str],
        subject: str | None = None,
        client_id: str | None = None,
        groups: list[str] | None = None,
        scope: str | None = None,
        issuer: str | None = None,
        expires_in: float = 300,
        not_before_in: float | None = None,
        key: SigningKey | None = None,
        kid: str | None = "default",
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A JWT signed by one of this issuer's keys (the first by default), with exactly the given claims."""
        signer = key or self.keys[0]
        now = time.time()
        claims: dict[str, Any] = {
            "iss": issuer if issuer is not None else self.issuer,
            "aud": audience,
            "iat": int(now),
            "exp": int(now + expires_in),
            "jti": secrets.token_hex(8),
        }
        for name, value in (("sub", subject), ("client_id", client_id), ("groups", groups), ("scope", scope)):
            if value is not None:
                claims[name] = value
        if not_before_in is not None:
            claims["nbf"] = int(now + not_before_in)
        claims.update(extra or {})
        headers = {} if kid is None else {"kid": signer.kid if kid == "default" else kid}
        return jwt.encode(claims, signer.private, algorithm=signer.algorithm, headers=headers)

    def unsigned(self, claims: dict[str, Any]) -> str:
        """`alg: none`: a token with no signature at all."""
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."

    def hmac_with_public_key(self, claims: dict[str, Any]) -> str:
        """HS256 keyed with the issuer's public key: the classic algorithm-confusion forgery."""
        key = self.keys[0]
        signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}.{_b64(claims)}"
        signature = hmac.new(key.public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    def rotate(self) -> SigningKey:
        """A new signing key replaces the first one, which is withdrawn from the JWKS."""
        fresh = new_key(self.keys[0].algorithm)
        self.keys[0] = fresh
        return fresh

    def opaque_token(self, claims: dict[str, Any]) -> str:
        token = secrets.token_urlsafe(24)
        self.opaque[token] = claims
        return token

    # -- HTTP ----------------------------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._metadata, methods=["GET"]),
                Route("/.well-known/oauth-authorization-server", self._metadata, methods=["GET"]),
                Route("/jwks", self._jwks, methods=["GET"]),
                Route("/token", self._token, methods=["POST"]),
                Route("/introspect", self._introspect, methods=["POST"]),
            ]
        )

    async def _metadata(self, request: Request) -> Response:
        self.metadata_requests += 1
        return JSONResponse(
            {
                "issuer": self.issuer,
                "jwks_uri": f"{self.base_url}/jwks",
                "token_endpoint": f"{self.base_url}/token",
                "introspection_endpoint": f"{self.base_url}/introspect",
                "authorization_endpoint": f"{self.base_url}/authorize",
                "grant_types_supported": ["client_credentials", "authorization_code"],
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        self.jwks_requests += 1
        return JSONResponse({"keys": [key.public_jwk for key in self.keys]})

    async def _token(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        self.token_requests.append(form)
        client = form.get("client_id", "")
        if form.get("grant_type") != "client_credentials" or MACHINE_CLIENTS.get(client) != form.get("client_secret"):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        resource = form.get("resource")
        if not resource:
            return JSONResponse({"error": "invalid_target"}, status_code=400)
        token = self.mint(audience=resource, subject=client, client_id=client, scope=form.get("scope"))
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 300})

    async def _introspect(self, request: Request) -> Response:
        authorization = request.headers.get("authorization", "")
        expected = base64.b64encode(":".join(INTROSPECTION_CLIENT).encode()).decode()
        if authorization != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        token = str((await request.form()).get("token", ""))
        claims = self.opaque.get(token)
        return JSONResponse({"active": False} if claims is None else {"active": True, **claims})


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
