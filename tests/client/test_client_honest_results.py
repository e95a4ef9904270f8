"""What a retried DELETE and a multi-page read that stops part way report: what happened, never less or more."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest
from pydantic import SecretStr

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.errors import NotFound, RateLimitWaitTooLong, ServerError, TransportError
from aircall_mcp.retry import RetryPolicy
from tests.fakes import FakeClock

from .conftest import MakeRig, Rig

CALLS = PreparedRequest("GET", "/v1/calls", {"per_page": "50"})


def _mock_client(handler: Callable[[httpx2.Request], httpx2.Response]) -> AircallClient:
    credentials = BasicCredentials(api_id=SecretStr("id-1"), api_token=SecretStr("token-1"))
    return AircallClient(
        credentials,
        "https://api.aircall.io",
        limiter=False,
        transport=httpx2.MockTransport(handler),
        clock=FakeClock(auto_advance=True),
        retry=RetryPolicy(rng=lambda: 0.0),
    )


# -- a DELETE whose first attempt was applied ----------------------------------------------------------


async def test_reliability_retried_delete_that_finds_the_object_gone_reports_it_deleted(rig: Rig) -> None:
    """The tag is deleted, the connection drops before the answer; the retry's 404 means gone, not "no such tag"."""
    tags = rig.sandbox.sandbox.state.tags
    tag_id = next(iter(tags))
    rig.sandbox.sandbox.faults.drop_next(1, after_apply=True)
    response = await rig.client.send(PreparedRequest("DELETE", f"/v1/tags/{tag_id}"))
    assert response.gone_on_retry
    assert response.status == 404
    assert response.data is None
    assert response.stats.attempts == 2
    assert response.stats.retries == 1
    assert [r.status for r in rig.requests] == [None, 404]
    assert tag_id not in tags


def _answer_503(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(503, json={"error": "Service Unavailable"})


def _time_out(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("no answer", request=request)


@pytest.mark.parametrize("first_failure", [_answer_503, _time_out], ids=["5xx", "timeout"])
async def test_reliability_delete_retried_after_a_5xx_or_a_timeout_and_then_404_is_gone_on_retry(
    first_failure: Callable[[httpx2.Request], httpx2.Response],
) -> None:
    """A 5xx or a timeout may hide an applied DELETE just as a dropped connection does."""
    answers: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        answers.append(request.method)
        if len(answers) == 1:
            return first_failure(request)
        return httpx2.Response(404, json={"error": "Not Found", "troubleshoot": "No tag 7"})

    async with _mock_client(handler) as client:
        response = await client.send(PreparedRequest("DELETE", "/v1/tags/7"))
    assert answers == ["DELETE", "DELETE"]
    assert response.gone_on_retry
    assert response.stats.retries == 1


async def test_delete_of_a_missing_object_on_the_first_attempt_is_not_found(rig: Rig) -> None:
    """Nothing was tried before: 404 still means the id does not exist."""
    with pytest.raises(NotFound) as caught:
        await rig.client.send(PreparedRequest("DELETE", "/v1/tags/999999999"))
    assert caught.value.stats.attempts == 1


async def test_delete_404_after_only_a_429_is_not_found(make_rig: MakeRig) -> None:
    """A 429 was never processed, so the 404 after it still means "does not exist"."""
    async with make_rig(rate_limit=5, rate_window_seconds=30.0) as rig:
        rig.sandbox.sandbox.rate.consume(5)
        with pytest.raises(NotFound) as caught:
            await rig.client.send(PreparedRequest("DELETE", "/v1/tags/999999999"))
        assert [r.status for r in rig.requests] == [429, 404]
        assert caught.value.stats.rate_limited_responses == 1


async def test_get_404_after_a_dropped_connection_is_still_not_found(rig: Rig) -> None:
    """Only a DELETE's 404 on a retry means gone: a GET's 404 means what it says."""
    rig.sandbox.sandbox.faults.drop_next(1)
    with pytest.raises(NotFound):
        await rig.client.send(PreparedRequest("GET", "/v1/calls/999999999"))
    assert len(rig.requests) == 2


# -- never "nothing was sent" once something was ---------------------------------------------------------


async def test_reliability_connect_failure_after_a_drop_does_not_claim_nothing_was_sent() -> None:
    """A DELETE that dropped, then could not reconnect: the error says an earlier attempt may have been applied."""
    attempts: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        attempts.append(request.method)
        if len(attempts) == 1:
            raise httpx2.RemoteProtocolError("Server disconnected", request=request)
        raise httpx2.ConnectError("refused", request=request)

    async with _mock_client(handler) as client:
        with pytest.raises(TransportError) as caught:
            await client.send(PreparedRequest("DELETE", "/v1/tags/7"))
    assert len(attempts) == 3
    assert "nothing was sent" not in str(caught.value).lower()
    assert "may have been applied" in str(caught.value)


async def test_connect_failures_alone_still_say_nothing_was_sent() -> None:
    """Every attempt failed to connect: nothing reached Aircall, and the error says so."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    async with _mock_client(handler) as client:
        with pytest.raises(TransportError) as caught:
            await client.send(PreparedRequest("POST", "/v1/tags", body={"name": "t"}))
    assert "nothing was sent" in str(caught.value)
    assert not caught.value.maybe_applied


async def test_reliability_budget_refusal_after_a_429_does_not_claim_nothing_was_sent(make_rig: MakeRig) -> None:
    """A 429 went out before the wait was refused: the error says Aircall refused it, not that nothing was sent."""
    async with make_rig(rate_limit=5, rate_window_seconds=60.0, max_wait=10.0) as rig:
        rig.sandbox.sandbox.rate.consume(5)
        with pytest.raises(RateLimitWaitTooLong) as caught:
            await rig.client.send(PreparedRequest("GET", "/v1/ping"))
        assert len(rig.requests) == 1
        assert "nothing was sent" not in str(caught.value).lower()
        assert "429" in str(caught.value)


# -- a multi-page read that stops part way --------------------------------------------------------------


async def test_reliability_error_on_page_three_returns_the_two_pages_fetched_and_why_it_stopped(rig: Rig) -> None:
    """Page 3 fails on every attempt: 100 calls come back with the ServerError, not an error alone."""
    rig.sandbox.sandbox.faults.pass_next(2)
    rig.sandbox.sandbox.faults.fail_next(3, status=500)
    result = await rig.client.paginate(CALLS, list_key="calls", max_items=300)
    assert len(result.items) == 100
    assert result.pages == 2
    assert result.more_available
    assert not result.capped
    assert isinstance(result.stopped, ServerError)
    assert result.stopped.status == 500
    assert result.stats.attempts == 5
    assert [r.status for r in rig.requests] == [200, 200, 500, 500, 500]


async def test_error_on_the_first_page_still_raises(rig: Rig) -> None:
    """Nothing was fetched: the failure is the answer."""
    rig.sandbox.sandbox.faults.fail_next(3, status=500)
    with pytest.raises(ServerError) as caught:
        await rig.client.paginate(CALLS, list_key="calls", max_items=300)
    assert caught.value.stats.attempts == 3


async def test_reliability_budget_wait_on_page_three_returns_what_was_fetched_without_nothing_was_sent(
    make_rig: MakeRig,
) -> None:
    """The window allows two requests and the next one would wait 60 s: two pages and the reason, honestly worded."""
    async with make_rig(rate_limit=2, rate_window_seconds=60.0, max_wait=10.0) as rig:
        result = await rig.client.paginate(CALLS, list_key="calls", max_items=300)
        assert len(rig.requests) == 2
        assert len(result.items) == 100
        assert result.more_available
        assert isinstance(result.stopped, RateLimitWaitTooLong)
        text = str(result.stopped)
        assert "nothing was sent" not in text.lower()
        assert "page 3" in text
        assert "60 s" in text


async def test_reliability_agent_quota_on_page_three_returns_what_was_fetched(make_rig: MakeRig) -> None:
    """The agent's quota (2 a minute) stops the read after two pages; both pages are kept."""
    async with make_rig(max_wait=10.0) as rig:
        result = await rig.client.paginate(CALLS, list_key="calls", max_items=300, agent="frugal", quota_per_minute=2)
        assert len(rig.requests) == 2
        assert result.pages == 2
        assert len(result.items) == 100
        assert isinstance(result.stopped, RateLimitWaitTooLong)
        assert result.more_available
