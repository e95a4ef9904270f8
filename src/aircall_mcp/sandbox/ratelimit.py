"""The company-wide fixed request window and the X-AircallApi-* headers it produces."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    headers: dict[str, str]


class RateWindow:
    """A fixed window of `limit` requests per `window_seconds`, started by the first request after a reset.

    `limit` None or 0 means unlimited: every request is allowed and no rate headers are sent.
    `reset_in_milliseconds`: X-AircallApi-Reset in UNIX milliseconds instead of seconds.
    `headers_only_on_429`: the rate headers come only with the 429 that says the limit is reached.
    """

    def __init__(
        self,
        limit: int | None,
        window_seconds: float,
        clock: Callable[[], float],
        reset_header_decimals: int = 0,
        *,
        reset_in_milliseconds: bool = False,
        headers_only_on_429: bool = False,
    ) -> None:
        self.limit = limit or 0
        self.window_seconds = window_seconds
        self._clock = clock
        self._decimals = reset_header_decimals
        self._milliseconds = reset_in_milliseconds
        self._only_on_429 = headers_only_on_429
        self._started: float | None = None
        self.used = 0

    @property
    def unlimited(self) -> bool:
        return self.limit <= 0

    def _roll(self) -> float:
        now = self._clock()
        if self._started is None or now >= self._started + self.window_seconds:
            self._started, self.used = now, 0
        return self._started

    def hit(self) -> RateDecision:
        """Count one request; a refused request (429) does not use the budget."""
        if self.unlimited:
            return RateDecision(True, {})
        self._roll()
        allowed = self.used < self.limit
        if allowed:
            self.used += 1
        return RateDecision(allowed, {} if allowed and self._only_on_429 else self.headers())

    def consume(self, n: int) -> None:
        """Spend `n` requests of the current window, as another integration of the company would."""
        if not self.unlimited:
            self._roll()
            self.used = min(self.limit, self.used + n)

    def reset(self) -> None:
        """Forget the current window; the next request starts a fresh one."""
        self._started, self.used = None, 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def resets_at(self) -> float | None:
        return None if self._started is None else self._started + self.window_seconds

    def headers(self) -> dict[str, str]:
        reset = self.resets_at if self.resets_at is not None else self._clock() + self.window_seconds
        # Round up so a client that waits until Reset always finds the new window open.
        if self._milliseconds:
            reset_text = str(math.ceil(reset * 1000 - 1e-6))
        else:
            scale = 10**self._decimals
            rounded = math.ceil(reset * scale - 1e-9) / scale
            reset_text = str(int(rounded)) if self._decimals == 0 else f"{rounded:.{self._decimals}f}"
        return {
            "X-AircallApi-Limit": str(self.limit),
            "X-AircallApi-Remaining": str(self.remaining),
            "X-AircallApi-Reset": reset_text,
        }
