"""Aircall credentials and where they come from: an API key or an OAuth token, and the API's base URL.

Read from the environment only (the CLI passes os.environ); values live in `SecretStr`s and no message
ever quotes one: errors name the variables, never their values.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from aircall_mcp.errors import ConfigurationError

DEFAULT_BASE_URL = "https://api.aircall.io"

ENV_API_ID = "AIRCALL_API_ID"
ENV_API_TOKEN = "AIRCALL_API_TOKEN"  # noqa: S105 - the variable's name, not a secret
ENV_ACCESS_TOKEN = "AIRCALL_ACCESS_TOKEN"  # noqa: S105 - the variable's name, not a secret
ENV_BASE_URL = "AIRCALL_BASE_URL"


class BasicCredentials(BaseModel):
    """An Aircall API key: HTTP Basic with api_id as user name and api_token as password."""

    model_config = ConfigDict(frozen=True)

    api_id: SecretStr
    api_token: SecretStr

    def authorization(self) -> str:
        pair = f"{self.api_id.get_secret_value()}:{self.api_token.get_secret_value()}"
        return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")

    @property
    def identity(self) -> str:
        """A stable, non-reversible name for this key (to name its company's budget)."""
        material = f"basic\0{self.api_id.get_secret_value()}\0{self.api_token.get_secret_value()}"
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never leave the process in the clear."""
        header = self.authorization()
        return (self.api_token.get_secret_value(), self.api_id.get_secret_value(), header, header.split(" ", 1)[1])


class BearerCredentials(BaseModel):
    """An OAuth access token (technology partners): `Authorization: Bearer <token>`."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr

    def authorization(self) -> str:
        return f"Bearer {self.access_token.get_secret_value()}"

    @property
    def identity(self) -> str:
        material = f"bearer\0{self.access_token.get_secret_value()}"
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]

    def secrets(self) -> tuple[str, ...]:
        return (self.access_token.get_secret_value(), self.authorization())


Credentials = BasicCredentials | BearerCredentials


def _read(env: Mapping[str, str], name: str) -> tuple[str, bool]:
    """The variable's value (stripped) and whether it was set at all, even to nothing."""
    raw = env.get(name)
    return ("" if raw is None else raw.strip()), raw is not None


def _absent(name: str, was_set: bool) -> str:
    return f"{name} is set but empty" if was_set else f"{name} is not set"


def credentials_from_env(env: Mapping[str, str]) -> Credentials:
    """Read credentials from the environment. Raises ConfigurationError naming variables, never values."""
    api_id, id_set = _read(env, ENV_API_ID)
    api_token, token_set = _read(env, ENV_API_TOKEN)
    access_token, access_set = _read(env, ENV_ACCESS_TOKEN)
    if access_token and (api_id or api_token):
        raise ConfigurationError(
            f"Aircall credentials are ambiguous: set either {ENV_API_ID} and {ENV_API_TOKEN} (API key) "
            f"or {ENV_ACCESS_TOKEN} (OAuth), not both."
        )
    if access_token:
        return BearerCredentials(access_token=SecretStr(access_token))
    if api_id and api_token:
        return BasicCredentials(api_id=SecretStr(api_id), api_token=SecretStr(api_token))
    if api_id or api_token:
        missing = _absent(ENV_API_TOKEN, token_set) if api_id else _absent(ENV_API_ID, id_set)
        raise ConfigurationError(
            f"Aircall credentials are incomplete: {missing}; {ENV_API_ID} and {ENV_API_TOKEN} must be set together."
        )
    named = ((ENV_API_ID, id_set), (ENV_API_TOKEN, token_set), (ENV_ACCESS_TOKEN, access_set))
    empty = [name for name, was_set in named if was_set]
    said = f" ({', '.join(empty)} {'is' if len(empty) == 1 else 'are'} set but empty)" if empty else ""
    raise ConfigurationError(
        f"No Aircall credentials{said}: set {ENV_API_ID} and {ENV_API_TOKEN} (an API key from the Aircall "
        f"dashboard) or {ENV_ACCESS_TOKEN} (an OAuth access token)."
    )


def base_url_from_env(env: Mapping[str, str]) -> str:
    """AIRCALL_BASE_URL (for the sandbox or a proxy) or Aircall's own origin."""
    raw, _ = _read(env, ENV_BASE_URL)
    # Set but empty (a compose file's `AIRCALL_BASE_URL=${UNSET}`) means the default, as before.
    return checked_base_url(raw or DEFAULT_BASE_URL, source=ENV_BASE_URL)


def checked_base_url(url: str, *, source: str = "base_url") -> str:
    """`url` without a trailing slash; ConfigurationError when it is not a plain http(s) origin (+ path)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{source} must be an http(s) URL such as {DEFAULT_BASE_URL}.")
    if parts.username or parts.password:
        # Credentials embedded in the URL would end up in logs; they belong in the AIRCALL_* variables.
        raise ConfigurationError(f"{source} must not contain credentials; use {ENV_API_ID}/{ENV_API_TOKEN}.")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{source} must not have a query or fragment.")
    return url.rstrip("/")
