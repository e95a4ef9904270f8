"""Every error status from the sandbox maps to its typed error, keeping Aircall's texts; retries are safe."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.errors import (
    AircallError,
    AircallRejected,
    AuthenticationError,
    CredentialsRejected,
    NotAllowed,
    NotFound,
    RateLimited,
    RateLimitWaitTooLong,
    ServerError,
    TransportError,
)
from aircall_mcp.retry import RetryPolicy

from .conftest import MakeRig, Rig, credentials_of


def _first(table: Mapping[int, Any]) -> int:
    first: int = next(iter(table))
    return first


def _assert_clean(error: BaseException, secrets: tuple[str, ...]) -> None:
    for secret in secrets:
        assert secret not in str(error)
        assert secret not in repr(error)


class _StripAuthorization(httpx2.AsyncBaseTransport):
    """Sends the request without its Authorization header, to provoke Aircall's edge 401."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        del request.headers["Authorization"]
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_missing_authorization_maps_to_authentication_error_for_the_operator(rig: Rig) -> None:
    """401 -> AuthenticationError; its hint is for the operator and never suggests retrying."""
    async with AircallClient(
        credentials_of(rig.sandbox), rig.sandbox.base_url, limiter=False, transport=_StripAuthorization()
    ) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.send(PreparedRequest("GET", "/v1/ping"))
    assert caught.value.status == 401
    assert caught.value.message == "Unauthorized"
    assert "operator" in caught.value.hint
    assert "retrying will not help" in caught.value.hint
    _assert_clean(caught.value, rig.secrets)


async def test_wrong_credentials_map_to_credentials_rejected_without_echoing_them(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """403 -> CredentialsRejected; the rejected key appears nowhere (error, repr, logs)."""
    caplog.set_level(logging.DEBUG)
    wrong = BasicCredentials(api_id=SecretStr("wrong-id-123"), api_token=SecretStr("wrong-token-456"))
    async with AircallClient(wrong, rig.sandbox.base_url, limiter=False) as client:
        with pytest.raises(CredentialsRejected) as caught:
            await client.send(PreparedRequest("GET", "/v1/ping"))
        text = repr(client) + repr(wrong) + str(wrong)
    assert caught.value.status == 403
    assert caught.value.message == "Forbidden"
    assert not caught.value.maybe_applied
    _assert_clean(caught.value, ("wrong-id-123", "wrong-token-456"))
    assert "wrong-token-456" not in text
    assert "wrong-id-123" not in text
    assert "wrong-token-456" not in caplog.text


async def test_unknown_id_maps_to_not_found_with_aircalls_troubleshoot(rig: Rig) -> None:
    """404 keeps Aircall's error and troubleshoot, and the request's method and path."""
    with pytest.raises(NotFound) as caught:
        await rig.client.send(PreparedRequest("GET", "/v1/calls/999999999"))
    error = caught.value
    assert (error.status, error.error, error.method, error.path) == (404, "Not Found", "GET", "/v1/calls/999999999")
    assert error.troubleshoot
    assert "does not exist" in error.hint


async def test_bad_argument_maps_to_validation_error_with_the_field_named(rig: Rig) -> None:
    """400 -> AircallRejected; troubleshoot names the field; the query string is not in the error."""
    with pytest.raises(AircallRejected) as caught:
        await rig.client.send(PreparedRequest("GET", "/v1/calls", {"per_page": "51"}))
    assert caught.value.status == 400
    assert caught.value.troubleshoot is not None
    assert "per_page" in caught.value.troubleshoot
    assert caught.value.path == "/v1/calls"


async def test_sixth_comment_is_a_validation_error_with_aircalls_text(rig: Rig) -> None:
    """400 on a POST keeps "Maximum of 5 notes..." and says nothing was applied."""
    call_id = _first(rig.sandbox.sandbox.state.calls)
    request = PreparedRequest("POST", f"/v1/calls/{call_id}/comments", body={"content": "note"})
    existing = len(rig.sandbox.sandbox.state.calls[call_id].comments)
    for _ in range(5 - existing):
        await rig.client.send(request)
    with pytest.raises(AircallRejected) as caught:
        await rig.client.send(request)
    assert caught.value.troubleshoot == "Maximum of 5 notes can be added to a Call."
    assert not caught.value.maybe_applied


async def test_state_refusal_maps_to_not_allowed(rig: Rig) -> None:
    """405 (user unavailable) -> NotAllowed, a state error, not a wrong HTTP method."""
    state = rig.sandbox.sandbox.state
    user = next(iter(state.users.values()))
    user.availability = "offline"
    with pytest.raises(NotAllowed) as caught:
        await rig.client.send(PreparedRequest("POST", f"/v1/users/{user.id}/dial", body={"to": "+33612345678"}))
    assert caught.value.status == 405
    assert caught.value.troubleshoot == "The user is currently unavailable"
    assert "state" in caught.value.hint


async def test_unprocessable_maps_to_validation_error_with_status_422(rig: Rig) -> None:
    """422 (already a team member) -> AircallRejected keeping status 422."""
    state = rig.sandbox.sandbox.state
    team = next(t for t in state.teams.values() if t.user_ids)
    with pytest.raises(AircallRejected) as caught:
        await rig.client.send(PreparedRequest("POST", f"/v1/teams/{team.id}/users/{team.user_ids[0]}"))
    assert caught.value.status == 422
    assert caught.value.troubleshoot is not None


async def test_503_on_get_is_retried_and_succeeds(rig: Rig) -> None:
    """A GET that meets a 503 is repeated after a backoff; stats record the retry and the wait."""
    rig.sandbox.sandbox.faults.fail_next(1, status=503)
    response = await rig.client.send(PreparedRequest("GET", "/v1/company"))
    assert response.status == 200
    assert [r.status for r in rig.requests] == [503, 200]
    assert response.stats.attempts == 2
    assert response.stats.retries == 1
    assert response.stats.retry_wait_seconds > 0


async def test_persistent_500_on_get_gives_server_error_after_max_attempts(rig: Rig) -> None:
    """Three 500s: ServerError with Aircall's texts and the attempts in its stats; not maybe_applied."""
    rig.sandbox.sandbox.faults.fail_next(5, status=500)
    with pytest.raises(ServerError) as caught:
        await rig.client.send(PreparedRequest("GET", "/v1/company"))
    assert caught.value.status == 500
    assert caught.value.error == "Internal Server Error"
    assert caught.value.stats.attempts == 3
    assert not caught.value.maybe_applied
    assert len(rig.requests) == 3


async def test_503_on_post_is_not_retried_and_may_have_been_applied(rig: Rig) -> None:
    """A POST that met a 503 is sent once; the error says it may have been applied."""
    rig.sandbox.sandbox.faults.fail_next(1, status=503)
    call_id = _first(rig.sandbox.sandbox.state.calls)
    with pytest.raises(ServerError) as caught:
        await rig.client.send(PreparedRequest("POST", f"/v1/calls/{call_id}/comments", body={"content": "x"}))
    assert caught.value.maybe_applied
    assert "may have been applied" in str(caught.value)
    assert len(rig.requests) == 1


async def test_dropped_connection_on_post_is_not_retried(rig: Rig) -> None:
    """The connection closes after Aircall applied the POST: one request, TransportError, maybe_applied."""
    rig.sandbox.sandbox.faults.drop_next(1, after_apply=True)
    call_id = _first(rig.sandbox.sandbox.state.calls)
    before = len(rig.sandbox.sandbox.state.calls[call_id].comments)
    with pytest.raises(TransportError) as caught:
        await rig.client.send(PreparedRequest("POST", f"/v1/calls/{call_id}/comments", body={"content": "once"}))
    assert caught.value.maybe_applied
    assert caught.value.status is None
    assert len(rig.requests) == 1
    assert len(rig.sandbox.sandbox.state.calls[call_id].comments) == before + 1


async def test_dropped_connection_on_get_is_retried(rig: Rig) -> None:
    """A GET whose connection dropped is repeated and succeeds."""
    rig.sandbox.sandbox.faults.drop_next(1)
    response = await rig.client.send(PreparedRequest("GET", "/v1/ping"))
    assert response.data == {"ping": "pong"}
    assert response.stats.retries == 1
    assert len(rig.requests) == 2


async def test_429_on_post_waits_for_the_reset_and_retries(make_rig: MakeRig) -> None:
    """Another integration spent the window: the POST gets a 429, waits until Reset, and succeeds."""
    async with make_rig(rate_limit=5, rate_window_seconds=30.0) as rig:
        rig.sandbox.sandbox.rate.consume(5)
        call_id = _first(rig.sandbox.sandbox.state.calls)
        response = await rig.client.send(
            PreparedRequest("POST", f"/v1/calls/{call_id}/comments", body={"content": "after the reset"})
        )
        assert response.status == 201
        assert [r.status for r in rig.requests] == [429, 201]
        assert response.stats.rate_limited_responses == 1
        assert response.stats.rate_limit_wait_seconds == pytest.approx(30.0, abs=1.0)
        assert len(rig.sandbox.sandbox.state.calls[call_id].comments) >= 1


async def test_429_without_a_limiter_also_waits_for_the_reset(make_rig: MakeRig) -> None:
    """A plain client (no limiter) still honours X-AircallApi-Reset after a 429."""
    async with make_rig(rate_limit=5, rate_window_seconds=30.0, limiter=False) as rig:
        rig.sandbox.sandbox.rate.consume(5)
        response = await rig.client.send(PreparedRequest("GET", "/v1/ping"))
        assert [r.status for r in rig.requests] == [429, 200]
        assert response.stats.rate_limit_wait_seconds == pytest.approx(30.0, abs=1.0)


async def test_429_after_the_retry_budget_maps_to_rate_limited(make_rig: MakeRig) -> None:
    """With no 429 retries allowed the error is RateLimited, keeping Aircall's texts."""
    policy = RetryPolicy(max_rate_limited_attempts=1)
    async with make_rig(rate_limit=5, rate_window_seconds=30.0, client={"retry": policy}) as rig:
        rig.sandbox.sandbox.rate.consume(5)
        with pytest.raises(RateLimited) as caught:
            await rig.client.send(PreparedRequest("GET", "/v1/ping"))
        assert caught.value.status == 429
        assert caught.value.error == "Too Many Requests"
        assert caught.value.stats.rate_limited_responses == 1


async def test_wait_beyond_the_bound_is_a_clear_error_naming_the_request(make_rig: MakeRig) -> None:
    """The window is spent for 60 s and the bound is 10 s: RateLimitWaitTooLong, nothing more sent."""
    async with make_rig(rate_limit=5, rate_window_seconds=60.0, max_wait=10.0) as rig:
        rig.sandbox.sandbox.rate.consume(5)
        with pytest.raises(RateLimitWaitTooLong) as caught:
            await rig.client.send(PreparedRequest("GET", "/v1/ping"))
        assert (caught.value.method, caught.value.path) == ("GET", "/v1/ping")
        assert "60 s" in str(caught.value)
        assert caught.value.stats.rate_limited_responses == 1
        assert len(rig.requests) == 1


async def test_call_cancelled_while_queued_sends_nothing(make_rig: MakeRig) -> None:
    """A call waiting for the budget that is cancelled never reaches Aircall."""
    async with make_rig() as rig:
        assert rig.limiter is not None
        # The budget is not known yet and one request is out learning it: everyone else queues.
        probe = await rig.limiter.acquire("other-agent")
        queued = asyncio.create_task(
            rig.client.send(PreparedRequest("POST", "/v1/tags", body={"name": "x", "color": "#FF5733"}), agent="a")
        )
        await rig.clock.settle()
        assert not queued.done()
        assert rig.limiter.waiting == 1
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        probe.release()
        await rig.clock.settle()
        assert rig.limiter.waiting == 0
        assert rig.limiter.in_flight == 0
        assert rig.requests == []


async def test_errors_are_aircall_errors_with_a_kind_and_stats(rig: Rig) -> None:
    """Every mapped error is an AircallError carrying SendStats and a stable kind."""
    with pytest.raises(AircallError) as caught:
        await rig.client.send(PreparedRequest("GET", "/v2/users/999999999"))
    assert caught.value.kind == "not_found"
    assert caught.value.stats.attempts == 1
