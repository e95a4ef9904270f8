"""Every way a call to Aircall can fail, as a small typed hierarchy.

`error_for_status` is the one place an HTTP status becomes an exception. Each error keeps Aircall's own
`error`, `troubleshoot` and `message` texts, the request's method and path (never its query string or
credentials), whether a write may already have been applied, and a `hint` written for the model that
reads the tool result. Errors also carry the `SendStats` of the attempt so the audit records retries and
waits for failures as well as successes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from aircall_mcp.endpoint import IDEMPOTENT_METHODS


@dataclass(frozen=True, slots=True)
class SendStats:
    """What it took to get one answer from Aircall (or to give up)."""

    attempts: int = 0
    retries: int = 0
    rate_limit_wait_seconds: float = 0.0
    retry_wait_seconds: float = 0.0
    duration_seconds: float = 0.0
    # 429 answers received along the way (each one was retried or ended the call).
    rate_limited_responses: int = 0
    # Which company budget paced the call with several replicas: "shared" (Redis) or "local" (Redis lost, this
    # replica's own view); None in one process.
    budget: str | None = None

    def __add__(self, other: SendStats) -> SendStats:
        return SendStats(
            attempts=self.attempts + other.attempts,
            retries=self.retries + other.retries,
            rate_limit_wait_seconds=self.rate_limit_wait_seconds + other.rate_limit_wait_seconds,
            retry_wait_seconds=self.retry_wait_seconds + other.retry_wait_seconds,
            duration_seconds=self.duration_seconds + other.duration_seconds,
            rate_limited_responses=self.rate_limited_responses + other.rate_limited_responses,
            budget=_worse_budget(self.budget, other.budget),
        )


def _worse_budget(one: str | None, other: str | None) -> str | None:
    # One attempt paced locally makes the whole answer locally paced.
    if "local" in (one, other):
        return "local"
    return one or other


class ConfigurationError(Exception):
    """The server cannot start: credentials or settings are missing, inconsistent or unsafe.

    Raised at start-up for the operator; its message names the variables or flags, never their values.
    """


class AircallError(Exception):
    """A call to Aircall did not succeed."""

    default_hint: ClassVar[str] = "The Aircall request failed."

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status: int | None = None,
        error: str | None = None,
        troubleshoot: str | None = None,
        message: str | None = None,
        details: Any = None,
        maybe_applied: bool = False,
        hint: str | None = None,
        stats: SendStats | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.error = error
        self.troubleshoot = troubleshoot
        self.message = message
        # Aircall's structured `errors` object, when it sends one (422 on dialer campaigns).
        self.details = details
        self.maybe_applied = maybe_applied
        self.hint = hint or self.default_hint
        self.stats = stats or SendStats()
        super().__init__(self._describe())

    @property
    def kind(self) -> str:
        """A stable, machine-readable name for the failure (the class name in snake case)."""
        name = type(self).__name__
        return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))

    def _describe(self) -> str:
        status = f" -> {self.status}" if self.status is not None else ""
        said = "; ".join(text for text in (self.error, self.troubleshoot, self.message) if text)
        parts = [f"{self.method} {self.path}{status}"]
        if said:
            parts.append(f"Aircall said: {said}")
        parts.append(self.hint)
        if self.maybe_applied:
            parts.append("The request may have been applied by Aircall; check before repeating it.")
        return ". ".join(part.rstrip(".") for part in parts) + "."

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, path={self.path!r}, status={self.status!r}, "
            f"error={self.error!r}, troubleshoot={self.troubleshoot!r}, message={self.message!r}, "
            f"maybe_applied={self.maybe_applied!r})"
        )

    def with_stats(self, stats: SendStats) -> AircallError:
        self.stats = stats
        return self


class AuthenticationError(AircallError):
    """401: the request reached Aircall without usable credentials."""

    default_hint = (
        "Aircall received no usable credentials. This is a configuration problem for the operator of this "
        "server (AIRCALL_API_ID/AIRCALL_API_TOKEN or AIRCALL_ACCESS_TOKEN); retrying will not help."
    )


class CredentialsRejected(AircallError):
    """403: Aircall rejected the configured API key or access token (or the account lacks an add-on)."""

    default_hint = (
        "Aircall rejected this server's credentials (or the account lacks the add-on this endpoint needs). "
        "The operator must check the configured API key or access token; retrying will not help."
    )


class NotFound(AircallError):
    """404: the id in the path does not exist (or is not visible to this account)."""

    default_hint = "The requested object does not exist in this Aircall account; check the id (list or search first)."


class NotAllowed(AircallError):
    """405: Aircall refuses because of the object's state (user unavailable, recording disabled...)."""

    default_hint = (
        "Aircall refused the action in the object's current state (for example the user is unavailable or "
        "recording is disabled on the number); change the state first or choose another target."
    )


class AircallRejected(AircallError):
    """400/422: Aircall rejected the arguments; `troubleshoot` says which and why."""

    default_hint = "Aircall rejected the arguments; correct them as Aircall's explanation says and try again."

    @property
    def kind(self) -> str:
        # The audit's name for this failure predates the class's rename (it clashed with pydantic's
        # ValidationError); audit readers filter on it, so it stays.
        return "validation_error"


class RateLimited(AircallError):
    """429: the company's request budget is spent and retries did not get through in time."""

    default_hint = "Aircall's per-company rate limit was reached and the request was not processed; try again later."

    def __init__(self, *, retry_after_seconds: float | None = None, **kwargs: Any) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(**kwargs)


class ServerError(AircallError):
    """5xx: Aircall failed to handle the request."""

    default_hint = "Aircall failed to handle the request (server error); it may succeed later."


class TransportError(AircallError):
    """No usable HTTP answer: connection refused, timeout, connection dropped."""

    default_hint = "Aircall could not be reached or did not answer in time; it may succeed later."


class RateLimitWaitTooLong(AircallError):
    """The shared rate budget would make this call wait longer than the configured bound."""

    default_hint = "Too many calls are waiting for the company's Aircall rate budget; try again later."

    def __init__(self, *, expected_wait_seconds: float, max_wait_seconds: float, **kwargs: Any) -> None:
        self.expected_wait_seconds = expected_wait_seconds
        self.max_wait_seconds = max_wait_seconds
        kwargs.setdefault(
            "hint",
            f"The company's Aircall rate budget is spent: this call would wait about {expected_wait_seconds:.0f} s "
            f"for its turn, longer than the allowed {max_wait_seconds:.0f} s. Nothing was sent; try again later "
            "or make fewer calls.",
        )
        kwargs.setdefault("method", "?")
        kwargs.setdefault("path", "?")
        super().__init__(**kwargs)


_BY_STATUS: dict[int, type[AircallError]] = {
    401: AuthenticationError,
    403: CredentialsRejected,
    404: NotFound,
    405: NotAllowed,
    400: AircallRejected,
    422: AircallRejected,
    429: RateLimited,
}


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def error_for_status(
    status: int,
    body: Any,
    *,
    method: str,
    path: str,
    retry_after_seconds: float | None = None,
    stats: SendStats | None = None,
) -> AircallError:
    """Map a non-2xx answer to its error class, keeping Aircall's texts.

    `body` is the parsed JSON (or the raw text when it was not JSON). The caller redacts credentials
    from it first.
    """
    error = troubleshoot = message = None
    details: Any = None
    if isinstance(body, dict):
        error = _text(body.get("error"))
        troubleshoot = _text(body.get("troubleshoot"))
        message = _text(body.get("message"))
        details = body.get("errors")
    elif isinstance(body, str):
        message = _text(body.strip()[:300])
    common: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "error": error,
        "troubleshoot": troubleshoot,
        "message": message,
        "details": details,
        "stats": stats,
    }
    if status == 429:
        return RateLimited(retry_after_seconds=retry_after_seconds, **common)
    if status >= 500:
        # The server may have processed the write before failing.
        return ServerError(maybe_applied=method not in IDEMPOTENT_METHODS, **common)
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls(**common)
    return AircallError(hint=f"Aircall answered with unexpected status {status}.", **common)
