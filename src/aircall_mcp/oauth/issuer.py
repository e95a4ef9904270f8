"""The identity provider as seen by this resource server: its metadata, its signing keys, its introspection.

Metadata is found the two standard ways (OpenID Connect discovery, then RFC 8414), and its `issuer` must be
exactly the configured issuer. Signing keys (JWKS) are cached; a token signed with a key id we do not know
triggers one refresh, at most once every `jwks_min_refresh_seconds`, so a flood of bogus key ids cannot
hammer the issuer while a rotated key is still picked up within seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx2

from aircall_mcp.oauth.settings import OAuthSettings

if TYPE_CHECKING:
    # PyJWT (and the cryptography it loads) is imported when OAuth is used, not by every server start.
    import jwt

logger = logging.getLogger("aircall_mcp.oauth")

# Which key types can carry which signature algorithms (RFC 7518 §3, RFC 8037).
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_MAX_DOCUMENT_BYTES = 1_048_576


class IssuerUnavailable(Exception):
    """The issuer could not be asked (network, 5xx, unreadable answer); tokens cannot be checked right now."""


class IssuerMisconfigured(Exception):
    """The issuer answered, but not as the settings say it should (wrong issuer, no JWKS, no such endpoint)."""


@dataclass(frozen=True, slots=True)
class IssuerMetadata:
    issuer: str
    jwks_uri: str | None
    introspection_endpoint: str | None
    token_endpoint: str | None
    source: str


def discovery_urls(issuer: str) -> list[str]:
    """Where the issuer's metadata may be: OIDC discovery (appended), RFC 8414 (inserted), RFC 8414 (appended)."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    appended = issuer.rstrip("/")
    inserted = urlunsplit((parts.scheme, parts.netloc, f"/.well-known/oauth-authorization-server{path}", "", ""))
    urls = [
        f"{appended}/.well-known/openid-configuration",
        inserted,
        f"{appended}/.well-known/oauth-authorization-server",
    ]
    return list(dict.fromkeys(urls))


class Issuer:
    """Metadata, keys and introspection of one issuer, fetched over one HTTP client (closed with `aclose`)."""

    def __init__(
        self,
        settings: OAuthSettings,
        *,
        http: httpx2.AsyncClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._http = http or httpx2.AsyncClient(
            timeout=settings.http_timeout_seconds, follow_redirects=False, trust_env=False
        )
        self._owns_http = http is None
        self._monotonic = monotonic
        self._metadata: IssuerMetadata | None = None
        self._keys: dict[str, dict[str, Any]] = {}
        self._keys_fetched_at: float | None = None
        self._lock = anyio.Lock()
        self.jwks_fetches = 0

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- metadata ------------------------------------------------------------------------------------------

    async def metadata(self) -> IssuerMetadata:
        if self._metadata is None:
            async with self._lock:
                if self._metadata is None:
                    self._metadata = await self._discover()
        return self._metadata

    async def _discover(self) -> IssuerMetadata:
        unavailable: list[str] = []
        for url in discovery_urls(self.settings.issuer):
            try:
                response = await self._http.get(url, headers={"Accept": "application/json"})
            except httpx2.HTTPError as exc:
                unavailable.append(f"{url}: {type(exc).__name__}")
                continue
            if response.status_code == 404:
                continue
            if response.status_code != 200:
                unavailable.append(f"{url}: HTTP {response.status_code}")
                continue
            document = _json_object(response, url)
            if document.get("issuer") != self.settings.issuer:
                raise IssuerMisconfigured(
                    f"the metadata at {url} names issuer {document.get('issuer')!r}, not {self.settings.issuer!r} "
                    "(the issuer must match exactly, trailing slash included)"
                )
            metadata = IssuerMetadata(
                issuer=self.settings.issuer,
                jwks_uri=_optional_url(document, "jwks_uri"),
                introspection_endpoint=_optional_url(document, "introspection_endpoint"),
                token_endpoint=_optional_url(document, "token_endpoint"),
                source=url,
            )
            self._check_usable(metadata)
            logger.info("OAuth issuer %s: metadata from %s", self.settings.issuer, url)
            return metadata
        if unavailable:
            raise IssuerUnavailable("could not read the issuer's metadata: " + "; ".join(unavailable))
        raise IssuerMisconfigured(
            f"{self.settings.issuer} publishes no metadata at {', '.join(discovery_urls(self.settings.issuer))}"
        )

    def _check_usable(self, metadata: IssuerMetadata) -> None:
        if self.settings.introspection:
            if not (self.settings.introspection_url or metadata.introspection_endpoint):
                raise IssuerMisconfigured(
                    "the issuer advertises no introspection_endpoint: set --oauth-introspection-url"
                )
        elif metadata.jwks_uri is None:
            raise IssuerMisconfigured(
                "the issuer advertises no jwks_uri, so its tokens cannot be verified locally "
                "(use --oauth-introspection for opaque tokens)"
            )

    # -- signing keys --------------------------------------------------------------------------------------

    async def signing_key(self, kid: str | None, algorithm: str) -> jwt.PyJWK | None:
        """The issuer's key for a token's `kid` and `alg`, refreshing the set once (rate limited) if unknown."""
        key = self._find(kid, algorithm)
        if key is None and self._may_refresh():
            async with self._lock:
                key = self._find(kid, algorithm)
                if key is None and self._may_refresh():
                    await self._refresh_keys()
                    key = self._find(kid, algorithm)
        elif key is not None and self._keys_too_old():
            async with self._lock:
                if self._keys_too_old():
                    await self._refresh_keys()
            key = self._find(kid, algorithm)
        if key is None:
            return None
        return _as_pyjwk(key, algorithm)

    def _find(self, kid: str | None, algorithm: str) -> dict[str, Any] | None:
        if kid is not None:
            key = self._keys.get(kid)
            return key if key is not None and _fits(key, algorithm) else None
        # No kid: acceptable only when exactly one key could have signed it.
        fitting = [key for key in self._keys.values() if _fits(key, algorithm)]
        return fitting[0] if len(fitting) == 1 else None

    def _may_refresh(self) -> bool:
        fetched = self._keys_fetched_at
        return fetched is None or self._monotonic() - fetched >= self.settings.jwks_min_refresh_seconds

    def _keys_too_old(self) -> bool:
        fetched = self._keys_fetched_at
        return fetched is not None and self._monotonic() - fetched >= self.settings.jwks_max_age_seconds

    async def _refresh_keys(self) -> None:
        metadata = await self.metadata()
        if metadata.jwks_uri is None:  # pragma: no cover - refused by _check_usable
            raise IssuerMisconfigured("the issuer advertises no jwks_uri")
        # Counted before the request: a failing issuer is not asked again before the interval either.
        self._keys_fetched_at = self._monotonic()
        self.jwks_fetches += 1
        try:
            response = await self._http.get(metadata.jwks_uri, headers={"Accept": "application/json"})
        except httpx2.HTTPError as exc:
            raise IssuerUnavailable(f"could not read the issuer's keys: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise IssuerUnavailable(f"could not read the issuer's keys: HTTP {response.status_code}")
        document = _json_object(response, metadata.jwks_uri)
        raw_keys = document.get("keys")
        keys: dict[str, dict[str, Any]] = {}
        anonymous = 0
        for raw in raw_keys if isinstance(raw_keys, list) else []:
            if not isinstance(raw, dict) or raw.get("use", "sig") != "sig":
                continue
            kid = raw.get("kid")
            if isinstance(kid, str) and kid:
                keys[kid] = raw
            else:
                anonymous += 1
                keys[f"\0anonymous-{anonymous}"] = raw
        self._keys = keys
        logger.info("OAuth issuer %s: %d signing keys", self.settings.issuer, len(keys))

    # -- introspection (RFC 7662) ------------------------------------------------------------------------

    async def introspect(self, token: str) -> Mapping[str, Any]:
        metadata = await self.metadata()
        url = self.settings.introspection_url or metadata.introspection_endpoint
        client_id, secret = self.settings.client_id, self.settings.client_secret
        if url is None or client_id is None or secret is None:  # pragma: no cover - refused at start-up
            raise IssuerMisconfigured("introspection is not configured")
        try:
            response = await self._http.post(
                url,
                data={"token": token, "token_type_hint": "access_token"},
                auth=(client_id, secret.get_secret_value()),
                headers={"Accept": "application/json"},
            )
        except httpx2.HTTPError as exc:
            raise IssuerUnavailable(f"could not reach the introspection endpoint: {type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise IssuerMisconfigured(
                f"the introspection endpoint refused this server's client credentials (HTTP {response.status_code})"
            )
        if response.status_code != 200:
            raise IssuerUnavailable(f"introspection failed: HTTP {response.status_code}")
        return _json_object(response, url)


def _json_object(response: httpx2.Response, url: str) -> dict[str, Any]:
    if len(response.content) > _MAX_DOCUMENT_BYTES:
        raise IssuerUnavailable(f"{url} answered with more than {_MAX_DOCUMENT_BYTES} bytes")
    try:
        document = response.json()
    except ValueError:
        raise IssuerUnavailable(f"{url} did not answer with JSON") from None
    if not isinstance(document, dict):
        raise IssuerUnavailable(f"{url} did not answer with a JSON object")
    return document


def _optional_url(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _fits(key: Mapping[str, Any], algorithm: str) -> bool:
    """Whether `key` may verify a signature made with `algorithm` (key type, curve and declared alg agree)."""
    declared = key.get("alg")
    if declared is not None and declared != algorithm:
        return False
    if key.get("kty") != _KEY_TYPES.get(algorithm[:2]):
        return False
    curve = _EC_CURVES.get(algorithm)
    if curve is not None and key.get("crv") != curve:
        return False
    return algorithm != "EdDSA" or key.get("crv") in ("Ed25519", "Ed448")


def _as_pyjwk(key: dict[str, Any], algorithm: str) -> jwt.PyJWK | None:
    import jwt  # noqa: PLC0415 - see TYPE_CHECKING above

    try:
        return jwt.PyJWK(key, algorithm)
    except jwt.PyJWTError:
        logger.warning("OAuth issuer key %r is not usable for %s", key.get("kid"), algorithm)
        return None
