"""RetryPolicy: which failures are retried for which method, and how long to wait."""

from __future__ import annotations

import pytest

from aircall_mcp.retry import Failure, RetryPolicy

POLICY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=4.0, max_rate_limited_attempts=5)


@pytest.mark.parametrize(
    ("method", "failure", "expected"),
    [
        ("GET", Failure.SERVER_ERROR, True),
        ("PUT", Failure.SERVER_ERROR, True),
        ("DELETE", Failure.SERVER_ERROR, True),
        ("POST", Failure.SERVER_ERROR, False),
        ("GET", Failure.TIMEOUT, True),
        ("POST", Failure.TIMEOUT, False),
        ("DELETE", Failure.DROPPED, True),
        ("POST", Failure.DROPPED, False),
        ("POST", Failure.CONNECT, True),
        ("POST", Failure.RATE_LIMITED, True),
        ("GET", Failure.RATE_LIMITED, True),
    ],
)
def test_retry_only_where_repeating_cannot_duplicate_data(method: str, failure: Failure, expected: bool) -> None:
    """POST is retried only when Aircall cannot have processed it (429, connection never made)."""
    assert POLICY.should_retry(method, failure, attempts=1, rate_limited=1) is expected


def test_retries_stop_after_max_attempts() -> None:
    """The third failed GET is the last attempt."""
    assert POLICY.should_retry("GET", Failure.SERVER_ERROR, attempts=2)
    assert not POLICY.should_retry("GET", Failure.SERVER_ERROR, attempts=3)


def test_rate_limited_retries_have_their_own_budget() -> None:
    """429 retries are counted separately from error retries and stop at max_rate_limited_attempts."""
    assert POLICY.should_retry("POST", Failure.RATE_LIMITED, attempts=9, rate_limited=4)
    assert not POLICY.should_retry("POST", Failure.RATE_LIMITED, attempts=9, rate_limited=5)


def test_backoff_is_exponential_jittered_and_capped() -> None:
    """Delays double per retry, stay between half and all of the cap, and never exceed max_delay."""
    low = RetryPolicy(base_delay=0.5, max_delay=4.0, rng=lambda: 0.0)
    high = RetryPolicy(base_delay=0.5, max_delay=4.0, rng=lambda: 1.0)
    assert [low.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert [high.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_429_waits_until_reset_or_retry_after_or_a_fallback() -> None:
    """Without a limiter the wait after a 429 is the reset, else Retry-After, else the fallback."""
    policy = RetryPolicy(rate_limit_fallback_seconds=7.0)
    assert policy.rate_limit_delay(100.0, reset_at=112.5, retry_after=3.0) == 12.5
    assert policy.rate_limit_delay(100.0, reset_at=90.0, retry_after=3.0) == 3.0
    assert policy.rate_limit_delay(100.0, reset_at=None, retry_after=None) == 7.0
