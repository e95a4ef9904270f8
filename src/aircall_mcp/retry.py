"""When the client tries a request again, and how long it waits first.

Imported by the client only: the limiter paces requests, this decides whether a failed one is repeated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from aircall_mcp.endpoint import IDEMPOTENT_METHODS

__all__ = ["Failure", "RetryPolicy"]


class Failure(StrEnum):
    """Why an attempt produced no usable answer."""

    RATE_LIMITED = "rate_limited"  # 429: Aircall did not process the request
    SERVER_ERROR = "server_error"  # 5xx: the request may have been processed
    TIMEOUT = "timeout"  # sent, no answer in time: may have been processed
    DROPPED = "dropped"  # connection closed after sending: may have been processed
    CONNECT = "connect"  # never reached Aircall: nothing was sent

    @property
    def maybe_processed(self) -> bool:
        """Aircall may have applied the request before this failure."""
        return self in (Failure.SERVER_ERROR, Failure.TIMEOUT, Failure.DROPPED)


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again, and how long to wait first.

    429 is retried for every method (Aircall did not process it). 5xx, timeouts and dropped connections
    are retried only for methods whose repetition cannot duplicate data (GET, PUT, DELETE): a POST that
    may have been applied is reported, not repeated. Connection failures sent nothing and are retried.
    """

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_rate_limited_attempts: int = 5
    # Wait after a 429 that carries neither a usable reset nor Retry-After (no limiter in use).
    rate_limit_fallback_seconds: float = 5.0
    rng: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def should_retry(self, method: str, failure: Failure, *, attempts: int, rate_limited: int = 0) -> bool:
        """`attempts` made so far (including the failed one); `rate_limited`: 429s received so far."""
        if failure is Failure.RATE_LIMITED:
            return rate_limited < self.max_rate_limited_attempts
        if attempts >= self.max_attempts:
            return False
        if failure is Failure.CONNECT:
            return True
        return method in IDEMPOTENT_METHODS

    def backoff(self, retry_number: int) -> float:
        """Jittered exponential delay before retry `retry_number` (1-based): between half and all of the cap."""
        cap = min(self.max_delay, self.base_delay * 2.0 ** max(0, retry_number - 1))
        jitter: float = self.rng()
        return cap / 2 + jitter * cap / 2

    def rate_limit_delay(self, now: float, *, reset_at: float | None, retry_after: float | None) -> float:
        """How long to wait after a 429 when no limiter does it: until the reset, or a fallback."""
        if reset_at is not None and reset_at > now:
            return reset_at - now
        if retry_after is not None:
            return retry_after
        return self.rate_limit_fallback_seconds
