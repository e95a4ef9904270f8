"""Credentials from the environment, headers on the wire, and secrets kept out of every text."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx2
import pytest

from aircall_mcp import __version__
from aircall_mcp.client import AircallClient
from aircall_mcp.credentials import BasicCredentials, BearerCredentials, base_url_from_env, credentials_from_env
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.errors import ConfigurationError, CredentialsRejected, TransportError
from aircall_mcp.retry import RetryPolicy
from tests.fakes import FakeClock

API_ID = "id-7f3a9c"
API_TOKEN = "tok-S3cr3t-e1b2"
BASIC_ENV = {"AIRCALL_API_ID": API_ID, "AIRCALL_API_TOKEN": API_TOKEN}
SECRETS = (API_ID, API_TOKEN, base64.b64encode(f"{API_ID}:{API_TOKEN}".encode()).decode())


def _client(handler: httpx2.MockTransport | None = None, **options: Any) -> AircallClient:
    return AircallClient(
        credentials_from_env(BASIC_ENV),
        "https://api.aircall.io",
        limiter=False,
        transport=handler,
        clock=FakeClock(auto_advance=True),
        **options,
    )


def test_basic_credentials_come_from_api_id_and_token() -> None:
    """AIRCALL_API_ID + AIRCALL_API_TOKEN give HTTP Basic credentials."""
    credentials = credentials_from_env(BASIC_ENV)
    assert isinstance(credentials, BasicCredentials)
    assert credentials.authorization() == "Basic " + SECRETS[2]


def test_access_token_gives_bearer_credentials() -> None:
    """AIRCALL_ACCESS_TOKEN alone gives OAuth Bearer credentials."""
    credentials = credentials_from_env({"AIRCALL_ACCESS_TOKEN": "oauth-xyz"})
    assert isinstance(credentials, BearerCredentials)
    assert credentials.authorization() == "Bearer oauth-xyz"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, ("AIRCALL_API_ID", "AIRCALL_API_TOKEN", "AIRCALL_ACCESS_TOKEN")),
        ({"AIRCALL_API_ID": API_ID}, ("AIRCALL_API_TOKEN",)),
        ({"AIRCALL_API_TOKEN": API_TOKEN, "AIRCALL_API_ID": "  "}, ("AIRCALL_API_ID",)),
        ({**BASIC_ENV, "AIRCALL_ACCESS_TOKEN": "oauth-xyz"}, ("AIRCALL_ACCESS_TOKEN", "AIRCALL_API_ID")),
    ],
    ids=["nothing", "token-missing", "id-blank", "both-kinds"],
)
def test_missing_or_half_set_credentials_fail_at_start_naming_the_variables(
    env: dict[str, str], named: tuple[str, ...]
) -> None:
    """A clear ConfigurationError names the variables and never echoes a value."""
    with pytest.raises(ConfigurationError) as caught:
        credentials_from_env(env)
    for name in named:
        assert name in str(caught.value)
    for value in (API_ID, API_TOKEN, "oauth-xyz"):
        assert value not in str(caught.value)


def test_base_url_defaults_to_aircall_and_is_overridden_by_env() -> None:
    """AIRCALL_BASE_URL points the client at the sandbox; a URL with embedded credentials is refused."""
    assert base_url_from_env({}) == "https://api.aircall.io"
    assert base_url_from_env({"AIRCALL_BASE_URL": "http://127.0.0.1:8750/"}) == "http://127.0.0.1:8750"
    with pytest.raises(ConfigurationError) as caught:
        base_url_from_env({"AIRCALL_BASE_URL": f"https://{API_ID}:{API_TOKEN}@api.aircall.io"})
    assert API_TOKEN not in str(caught.value)
    with pytest.raises(ConfigurationError):
        base_url_from_env({"AIRCALL_BASE_URL": "ftp://api.aircall.io"})


def test_secrets_never_appear_in_reprs_or_the_company_identity() -> None:
    """Credentials, the client and the company identity (which names Redis keys) reveal no secret."""
    credentials = credentials_from_env(BASIC_ENV)
    client = _client()
    texts = [repr(credentials), str(credentials), repr(client), credentials.identity]
    texts.append(repr(credentials.model_dump()))
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


async def test_requests_carry_json_accept_user_agent_and_auth_headers() -> None:
    """Accept and Content-Type are JSON, User-Agent names aircall-mcp and its version."""
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(201, content=b"")

    async with _client(httpx2.MockTransport(handler)) as client:
        await client.send(PreparedRequest("POST", "/v1/tags", body={"name": "é", "color": "#FFFFFF"}))
        await client.send(PreparedRequest("GET", "/v1/tags", {"tags[]": ["1", "2"], "page": "1"}))
    post, get = seen
    assert post.headers["content-type"] == "application/json"
    assert json.loads(post.content) == {"name": "é", "color": "#FFFFFF"}
    assert post.headers["accept"] == "application/json"
    assert post.headers["user-agent"] == f"aircall-mcp/{__version__}"
    assert post.headers["authorization"] == "Basic " + SECRETS[2]
    assert get.url.params.get_list("tags[]") == ["1", "2"]
    assert "content-type" not in get.headers


async def test_echoed_credentials_are_redacted_from_error_texts(caplog: pytest.LogCaptureFixture) -> None:
    """Even if Aircall echoed the key back, neither the error nor the logs carry it."""
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = {"error": "Forbidden", "troubleshoot": f"Invalid key {API_ID}:{API_TOKEN} ({SECRETS[2]})"}
        return httpx2.Response(403, json=body)

    async with _client(httpx2.MockTransport(handler)) as client:
        with pytest.raises(CredentialsRejected) as caught:
            await client.send(PreparedRequest("GET", "/v1/ping"))
    for secret in SECRETS:
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value)
        assert secret not in caplog.text
    assert "[redacted]" in (caught.value.troubleshoot or "")


async def test_read_timeout_on_post_is_not_retried_and_may_have_been_applied() -> None:
    """No answer in time to a POST: one attempt, TransportError with maybe_applied."""
    attempts: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        attempts.append(request.method)
        raise httpx2.ReadTimeout("timed out", request=request)

    async with _client(httpx2.MockTransport(handler)) as client:
        with pytest.raises(TransportError) as caught:
            await client.send(PreparedRequest("POST", "/v1/contacts", body={"first_name": "A"}))
    assert attempts == ["POST"]
    assert caught.value.maybe_applied
    assert caught.value.kind == "transport_error"


async def test_connection_refused_is_retried_even_for_post_because_nothing_was_sent() -> None:
    """A connect failure sent nothing, so repeating a POST cannot duplicate it."""
    attempts: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        attempts.append(request.method)
        if len(attempts) == 1:
            raise httpx2.ConnectError("refused", request=request)
        return httpx2.Response(201, json={"tag": {"id": 1}})

    async with _client(httpx2.MockTransport(handler), retry=RetryPolicy(rng=lambda: 0.0)) as client:
        response = await client.send(PreparedRequest("POST", "/v1/tags", body={"name": "t"}))
    assert attempts == ["POST", "POST"]
    assert response.stats.retries == 1
    assert response.stats.retry_wait_seconds == 0.25


async def test_path_that_could_leave_the_origin_is_refused() -> None:
    """Absolute URLs and protocol-relative paths never get credentials attached."""
    async with _client() as client:
        for path in ("https://evil.example/v1/ping", "//evil.example/v1/ping", "v1/ping", "/v1/ping?x=1"):
            with pytest.raises(ValueError, match="absolute path"):
                await client.send(PreparedRequest("GET", path))
