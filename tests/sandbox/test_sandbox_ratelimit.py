"""The per-company request window and its X-AircallApi-* headers, driven by a fake clock."""

from typing import Any

import httpx2

from aircall_mcp.sandbox import RateWindow
from aircall_mcp.sandbox.ratelimit import RateDecision

START = 1_800_000_000.0  # the manual_clock fixture's starting time


async def test_rate_headers_are_on_every_authenticated_response_including_errors(
    start_sandbox: Any, manual_clock: Any
) -> None:
    clock = manual_clock
    async with (
        start_sandbox(rate_limit=10, clock=clock) as sb,
        httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c,
    ):
        responses = [
            await c.get("/v1/ping"),
            await c.get("/v1/calls", params={"per_page": 99}),
            await c.get("/v1/contacts/1"),
            await c.get("/v1/unknown"),
        ]
    for i, r in enumerate(responses):
        assert r.headers["X-AircallApi-Limit"] == "10"
        assert r.headers["X-AircallApi-Remaining"] == str(9 - i)
        assert r.headers["X-AircallApi-Reset"] == str(int(START + 60))


async def test_unauthenticated_requests_do_not_count_and_carry_no_rate_headers(
    start_sandbox: Any, manual_clock: Any
) -> None:
    async with start_sandbox(rate_limit=10, clock=manual_clock) as sb, httpx2.AsyncClient(base_url=sb.base_url) as c:
        r = await c.get("/v1/ping")
    assert r.status_code == 401
    assert "X-AircallApi-Remaining" not in r.headers
    assert sb.sandbox.rate.used == 0


async def test_request_over_the_limit_is_429_and_not_applied(start_sandbox: Any, manual_clock: Any) -> None:
    clock = manual_clock
    async with (
        start_sandbox(rate_limit=3, clock=clock) as sb,
        httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c,
    ):
        for _ in range(3):
            assert (await c.get("/v1/ping")).status_code == 200
        tags_before = len(sb.sandbox.state.tags)
        limited = await c.post("/v1/tags", json={"name": "Too late", "color": "#000"})
    assert limited.status_code == 429
    assert limited.json()["error"] == "Too Many Requests"
    assert limited.json()["troubleshoot"]
    assert limited.headers["X-AircallApi-Remaining"] == "0"
    assert limited.headers["X-AircallApi-Reset"] == str(int(START + 60))
    assert len(sb.sandbox.state.tags) == tags_before


async def test_advancing_the_clock_past_reset_opens_a_new_window(start_sandbox: Any, manual_clock: Any) -> None:
    clock = manual_clock
    async with (
        start_sandbox(rate_limit=2, clock=clock) as sb,
        httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c,
    ):
        await c.get("/v1/ping")
        await c.get("/v1/ping")
        assert (await c.get("/v1/ping")).status_code == 429
        clock.advance(59.9)
        assert (await c.get("/v1/ping")).status_code == 429
        clock.advance(0.1)
        fresh = await c.get("/v1/ping")
    assert fresh.status_code == 200
    assert fresh.headers["X-AircallApi-Remaining"] == "1"
    assert fresh.headers["X-AircallApi-Reset"] == str(int(START + 120))


async def test_consume_and_reset_control_the_shared_budget(start_sandbox: Any, manual_clock: Any) -> None:
    async with (
        start_sandbox(rate_limit=5, clock=manual_clock) as sb,
        httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c,
    ):
        sb.sandbox.rate.consume(4)
        last = await c.get("/v1/ping")
        blocked = await c.get("/v1/ping")
        sb.sandbox.rate.reset()
        after_reset = await c.get("/v1/ping")
    assert last.headers["X-AircallApi-Remaining"] == "0"
    assert blocked.status_code == 429
    assert after_reset.headers["X-AircallApi-Remaining"] == "4"


async def test_rate_limit_none_means_unlimited_without_headers(start_sandbox: Any) -> None:
    async with start_sandbox(rate_limit=None) as sb, httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c:
        responses = [await c.get("/v1/ping") for _ in range(5)]
    assert all(r.status_code == 200 for r in responses)
    assert "X-AircallApi-Limit" not in responses[-1].headers


def test_reset_header_can_carry_fractional_seconds_rounded_up() -> None:
    now = [100.0]
    window = RateWindow(5, 0.25, lambda: now[0], reset_header_decimals=3)
    decision = window.hit()
    assert decision.headers["X-AircallApi-Reset"] == "100.250"
    now[0] = 100.0001
    assert RateWindow(5, 0.2, lambda: now[0], reset_header_decimals=2).hit().headers["X-AircallApi-Reset"] == "100.21"


def test_integer_reset_header_rounds_up_so_waiting_until_it_is_enough() -> None:
    window = RateWindow(5, 60.0, lambda: 100.4)
    assert window.hit().headers["X-AircallApi-Reset"] == "161"


def test_reset_header_can_be_sent_in_milliseconds_rounded_up() -> None:
    window = RateWindow(5, 0.25, lambda: 100.0001, reset_in_milliseconds=True)
    assert window.hit().headers["X-AircallApi-Reset"] == "100251"


def test_rate_headers_can_come_only_with_the_429_that_says_the_limit_is_reached() -> None:
    window = RateWindow(1, 60.0, lambda: 100.0, headers_only_on_429=True)
    assert window.hit() == RateDecision(True, {})
    refused = window.hit()
    assert not refused.allowed
    assert refused.headers == {"X-AircallApi-Limit": "1", "X-AircallApi-Remaining": "0", "X-AircallApi-Reset": "160"}
