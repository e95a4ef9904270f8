"""AircallClient: one generic `send` for every endpoint, with auth, error mapping, pagination and retries.

Every call goes through `send`: wait for a slot in the company's shared budget (`ratelimit`), send
with credentials, map any non-2xx answer to an `AircallError` (`errors.error_for_status`), retry only
when repeating cannot duplicate data. Credentials live in `SecretStr`s and are redacted from anything
Aircall echoes back; they never appear in a repr, a log line or an exception.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx2

from aircall_mcp import __version__
from aircall_mcp.credentials import (
    DEFAULT_BASE_URL,
    BasicCredentials,
    BearerCredentials,
    Credentials,
    checked_base_url,
)
from aircall_mcp.endpoint import IDEMPOTENT_METHODS, PreparedRequest
from aircall_mcp.errors import (
    AircallError,
    RateLimitWaitTooLong,
    SendStats,
    TransportError,
    error_for_status,
)
from aircall_mcp.facts import MAX_PER_PAGE, PAGINATION_CAP
from aircall_mcp.ratelimit import (
    Clock,
    CompanyLimiter,
    RateHeaders,
    RequestBudget,
    Slot,
    SystemClock,
)
from aircall_mcp.retry import Failure, RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "PAGINATION_CAP",
    "USER_AGENT",
    "AircallClient",
    "AircallResponse",
    "BasicCredentials",
    "BearerCredentials",
    "Credentials",
    "PageCollection",
    "SendStats",
    "Timeouts",
]

logger = logging.getLogger("aircall_mcp.client")

USER_AGENT = f"aircall-mcp/{__version__}"

_REDACTED = "[redacted]"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds allowed to connect, and to wait for each read/write, before giving up on an attempt."""

    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0


@dataclass(frozen=True, slots=True)
class AircallResponse:
    """A 2xx answer. `data` is the parsed JSON, or None for an empty body (204, some 201s)."""

    status: int
    data: Any | None
    headers: Mapping[str, str]
    stats: SendStats
    # A retried DELETE answered 404: the first attempt was applied (the connection dropped after it).
    gone_on_retry: bool = False


@dataclass(frozen=True, slots=True)
class PageCollection:
    """The items of one or more pages of a list endpoint, and why paging stopped."""

    items: list[Any]
    pages: int
    total: int | None
    # More matching items exist than were returned (stopped at max_items, at the cap, or no link).
    more_available: bool
    # Stopped because Aircall serves no more than the first 10,000 matches: narrow with from/to.
    capped: bool
    stats: SendStats
    # The last page's meta object, as Aircall sent it.
    meta: Mapping[str, Any] = field(default_factory=dict)
    # Set when a read of several pages stopped early (quota, budget wait, an error on page N > 1):
    # `items` holds the pages fetched before it.
    stopped: AircallError | None = None


OnPage = Callable[[int, int, int | None], Awaitable[None]]


class AircallClient:
    """Talks to one Aircall company. Use as `async with AircallClient(...) as client:`.

    `limiter`: the company's request budget, shared by every client of that company (wiring creates one per
    company); None (default) gives this client a budget of its own at the default settings; False sends
    without any pacing (benchmarks and tests only).
    """

    def __init__(
        self,
        credentials: Credentials,
        base_url: str = DEFAULT_BASE_URL,
        *,
        limiter: RequestBudget | Literal[False] | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        clock: Clock | None = None,
        pagination_cap: int = PAGINATION_CAP,
        transport: httpx2.AsyncBaseTransport | None = None,
        trust_env: bool = False,
    ) -> None:
        self.base_url = checked_base_url(base_url)
        self._credentials = credentials
        # Credentials are frozen: the header is worked out once, not encoded again for every request.
        self._authorization = credentials.authorization()
        self._secrets = tuple(sorted({s for s in credentials.secrets() if s}, key=len, reverse=True))
        self.clock: Clock = clock or SystemClock()
        if limiter is None:
            limiter = CompanyLimiter(clock=self.clock)
        self.limiter: RequestBudget | None = limiter or None
        self.retry = retry or RetryPolicy()
        self.pagination_cap = pagination_cap
        timeouts = timeouts or Timeouts()
        self._http = httpx2.AsyncClient(
            base_url=self.base_url,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            timeout=httpx2.Timeout(
                connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
            ),
            # Never follow a redirect: it could carry the Authorization header to another host.
            follow_redirects=False,
            transport=transport,
            trust_env=trust_env,
        )

    def __repr__(self) -> str:
        auth = "basic" if isinstance(self._credentials, BasicCredentials) else "bearer"
        return f"AircallClient(base_url={self.base_url!r}, auth={auth!r})"

    async def __aenter__(self) -> AircallClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- one request ---------------------------------------------------------------------------------

    async def send(
        self, request: PreparedRequest, *, agent: str | None = None, quota_per_minute: int | None = None
    ) -> AircallResponse:
        """Send one request within the company budget, retrying only where it is safe.

        Returns the 2xx answer, or the 404 of a retried DELETE whose earlier attempt may have been applied
        (`gone_on_retry`: it is gone, as asked). Raises an `AircallError` subclass (carrying `SendStats`)
        otherwise.
        """
        _check_path(request.path)
        tally = _Tally(started=self.clock.now())
        while True:
            slot = await self._slot(request, tally, agent, quota_per_minute)
            outcome = await self._attempt(request, slot)
            failure = _failure_of(outcome)
            tally.record(failure)
            if failure is None or not self._should_retry(request.method, failure, tally):
                return self._conclude(request, outcome, tally)
            await self._pause_before_retry(failure, outcome, tally)

    async def _slot(
        self, request: PreparedRequest, tally: _Tally, agent: str | None, quota_per_minute: int | None
    ) -> Slot | None:
        """Wait for a place in the company budget (None: no limiter), or raise RateLimitWaitTooLong."""
        if self.limiter is None:
            return None
        try:
            # A retry after a 429 has waited its turn once already: it goes to the head of its agent's queue.
            slot = await self.limiter.acquire(agent, quota_per_minute=quota_per_minute, first=tally.rate_limited > 0)
        except RateLimitWaitTooLong as exc:
            raise _wait_too_long(exc, request, tally, tally.snapshot(self.clock.now())) from None
        tally.rate_wait += slot.waited_seconds
        budget = getattr(slot, "budget", None)  # only a fleet's slots say which budget paced them
        if isinstance(budget, str) and tally.budget != "local":
            tally.budget = budget
        return slot

    async def _attempt(self, request: PreparedRequest, slot: Slot | None) -> httpx2.Response | Failure:
        """Send once and tell the limiter what happened. A transport failure is returned, not raised."""
        sent_at = self.clock.now()
        try:
            response = await self._http.send(self._build(request))
        except httpx2.TransportError as exc:
            failure = _classify(exc)
            if slot is not None:
                if failure is Failure.CONNECT:
                    slot.release()
                else:
                    slot.complete(None)
            logger.debug(
                "%s %s -> %s after %.0f ms", request.method, request.path, failure.value, _ms(self.clock, sent_at)
            )
            return failure
        except BaseException:
            # Cancelled (or worse) mid-flight: the request may have reached Aircall and been counted.
            if slot is not None:
                slot.complete(None)
            raise
        if slot is not None:
            status = response.status_code
            # Retry-After matters only on a refusal (the limiter reads it on a 429): not looked up on a success.
            retry_after = _retry_after(response.headers) if status >= 400 else None
            slot.complete(response.headers, status=status, retry_after=retry_after)
        if logger.isEnabledFor(logging.DEBUG):  # the arguments cost more than the check, on every call
            logger.debug(
                "%s %s -> %d in %.0f ms", request.method, request.path, response.status_code, _ms(self.clock, sent_at)
            )
        return response

    def _should_retry(self, method: str, failure: Failure, tally: _Tally) -> bool:
        # 429s have their own retry budget; they do not use up the attempts allowed for failures.
        return self.retry.should_retry(
            method, failure, attempts=tally.attempts - tally.rate_limited, rate_limited=tally.rate_limited
        )

    async def _pause_before_retry(self, failure: Failure, outcome: httpx2.Response | Failure, tally: _Tally) -> None:
        tally.retries += 1
        if failure is not Failure.RATE_LIMITED:
            delay = self.retry.backoff(tally.retries)
            await self.clock.sleep(delay)
            tally.retry_wait += delay
        elif self.limiter is None and isinstance(outcome, httpx2.Response):
            # With a limiter the next acquire() waits for the reset it just learned.
            delay = self.retry.rate_limit_delay(
                self.clock.now(),
                reset_at=RateHeaders.parse(outcome.headers).reset_at,
                retry_after=_retry_after(outcome.headers),
            )
            await self.clock.sleep(delay)
            tally.rate_wait += delay

    def _conclude(self, request: PreparedRequest, outcome: httpx2.Response | Failure, tally: _Tally) -> AircallResponse:
        """The last attempt's outcome as the caller sees it: a response, or a raised AircallError."""
        method, path = request.method, request.path
        stats = tally.snapshot(self.clock.now())
        if isinstance(outcome, Failure):
            raise TransportError(
                method=method,
                path=path,
                message=_transport_message(outcome, tally),
                maybe_applied=tally.maybe_processed and method not in IDEMPOTENT_METHODS,
                stats=stats,
            )
        status = outcome.status_code
        if 200 <= status < 300:
            return AircallResponse(status, self._parse_success(outcome, method, path, stats), outcome.headers, stats)
        if status == 404 and method == "DELETE" and tally.maybe_processed:
            # An earlier attempt may have deleted it (the answer was lost): gone is what was asked for.
            return AircallResponse(status, None, outcome.headers, stats, gone_on_retry=True)
        raise error_for_status(
            status,
            self._redact(_parse_body(outcome)),
            method=method,
            path=path,
            retry_after_seconds=_retry_after(outcome.headers),
            stats=stats,
        )

    def _build(self, request: PreparedRequest) -> httpx2.Request:
        headers = {"Authorization": self._authorization}
        content: bytes | None = None
        if request.method != "GET":
            # Aircall asks for this header on every POST, PUT and DELETE, body or not.
            headers["Content-Type"] = "application/json"
        if request.body is not None:
            content = json.dumps(request.body, separators=(",", ":")).encode("utf-8")
        return self._http.build_request(
            request.method,
            request.path,
            params=_query_items(request.query) if request.query else None,
            headers=headers,
            content=content,
        )

    def _parse_success(self, response: httpx2.Response, method: str, path: str, stats: SendStats) -> Any | None:
        if not response.content.strip():
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            raise AircallError(
                method=method,
                path=path,
                status=response.status_code,
                hint="Aircall reported success but sent a body that is not JSON.",
                # It succeeded, so a write was applied.
                maybe_applied=method not in IDEMPOTENT_METHODS,
                stats=stats,
            ) from None

    def _redact(self, value: Any) -> Any:
        """Aircall's texts with any echo of our credentials removed."""
        if isinstance(value, str):
            for secret in self._secrets:
                value = value.replace(secret, _REDACTED)
            return value
        if isinstance(value, dict):
            return {key: self._redact(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._redact(item) for item in value]
        return value

    # -- many pages --------------------------------------------------------------------------------------

    async def paginate(
        self,
        request: PreparedRequest,
        *,
        list_key: str,
        max_items: int,
        on_page: OnPage | None = None,
        agent: str | None = None,
        quota_per_minute: int | None = None,
    ) -> PageCollection:
        """Follow `meta.next_page_link` from `request` until `max_items`, the last page, or the cap.

        `list_key` names the envelope key holding the items ("calls"). Without a `per_page` in `request`,
        pages are as large as Aircall serves (`facts.MAX_PER_PAGE`, or `max_items` if smaller). Every page re-sends
        all of the original filters (Aircall's links drop the fetch_* flags): only the page number is taken
        from the link, and only from a link on the configured origin. `on_page(pages_done, items_so_far,
        total)` is awaited after each page.

        A failure on the first page raises. A failure after it (budget wait, quota, an error on page N)
        returns the pages fetched so far with `stopped` set to that error and `more_available`.
        """
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        first = _with_page_size(request, max_items)
        pager = _Pager(max_items=max_items, cap=self.pagination_cap)
        current: PreparedRequest | None = first
        while current is not None:
            try:
                response = await self.send(current, agent=agent, quota_per_minute=quota_per_minute)
            except AircallError as exc:
                if pager.pages == 0:
                    raise
                return pager.stopped(exc, current)
            page = _read_page(response.data, current, list_key, previous_total=pager.total)
            following = self._following(first, page)
            goes_on = pager.take(page, following, response.stats)
            if on_page is not None:
                await on_page(pager.pages, len(pager.items), pager.total)
            current = following if goes_on else None
        return pager.collection()

    def _following(self, first: PreparedRequest, page: _Page) -> PreparedRequest | None:
        """The request for the page after `page`, or None when Aircall offers none."""
        link = page.meta.get("next_page_link")
        if isinstance(link, str):
            return self._next_page(first, link, page.number)
        if "next_page_link" not in page.meta and page.beyond_reach and page.items:
            # Some lists (webhooks) carry no link keys at all: page on by number, with the original filters.
            return replace(first, query={**first.query, "page": str(page.number + 1)})
        return None

    def _next_page(self, original: PreparedRequest, link: str, page_number: int) -> PreparedRequest | None:
        """The next page's request: the original filters plus the link's page number, or None."""
        parts = urlsplit(link)
        if parts.netloc and _origin(link) != _origin(self.base_url):
            logger.warning("not following a next_page_link outside %s", self.base_url)
            return None
        linked = parse_qs(parts.query, keep_blank_values=True)
        next_number = _as_int(_first(linked.get("page")), None)
        if next_number is None or next_number <= page_number:
            return None
        query: dict[str, str | list[str]] = {
            key: values[0] if len(values) == 1 else values for key, values in linked.items() if key != "page"
        }
        query.update({key: value for key, value in original.query.items() if key != "page"})
        query["page"] = str(next_number)
        return PreparedRequest(original.method, original.path, query, original.body)


@dataclass(slots=True)
class _Tally:
    """What one `send` has cost so far, across its attempts; `snapshot` freezes it for callers."""

    started: float
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    rate_wait: float = 0.0
    retry_wait: float = 0.0
    # "shared"/"local" when a fleet's budget paced an attempt (see SendStats.budget).
    budget: str | None = None
    # Some attempt got to Aircall (anything but a failure to connect).
    reached: bool = False
    # Some attempt may have been applied by Aircall (5xx, timeout, dropped connection).
    maybe_processed: bool = False

    def record(self, failure: Failure | None) -> None:
        """One attempt made; `failure` is None when it got a final answer."""
        self.attempts += 1
        if failure is Failure.RATE_LIMITED:
            self.rate_limited += 1
        if failure is not Failure.CONNECT:
            self.reached = True
        if failure is not None and failure.maybe_processed:
            self.maybe_processed = True

    def snapshot(self, now: float) -> SendStats:
        return SendStats(
            attempts=self.attempts,
            retries=self.retries,
            rate_limit_wait_seconds=self.rate_wait,
            retry_wait_seconds=self.retry_wait,
            duration_seconds=now - self.started,
            rate_limited_responses=self.rate_limited,
            budget=self.budget,
        )

    def earlier_attempts(self) -> str:
        """What the attempts before the last one did, for a message (only when one reached Aircall)."""
        if self.maybe_processed:
            return "An earlier attempt reached Aircall and may have been applied."
        return "Aircall refused the earlier attempt with 429 and did not process it."


@dataclass(frozen=True, slots=True)
class _Page:
    """One page of a list endpoint, as read from its answer."""

    items: list[Any]
    meta: Mapping[str, Any]
    number: int
    total: int | None
    # How far into the whole list this page reaches (items before it plus its own).
    reached: int

    @property
    def beyond_reach(self) -> bool:
        return self.total is not None and self.total > self.reached

    @property
    def links_withheld(self) -> bool:
        # Aircall stopped offering pages while more items match: the 10,000 cap.
        return "next_page_link" in self.meta and self.meta["next_page_link"] is None and self.beyond_reach


def _read_page(data: Any, sent: PreparedRequest, list_key: str, *, previous_total: int | None) -> _Page:
    body = data if isinstance(data, dict) else {}
    listed = body.get(list_key)
    items = listed if isinstance(listed, list) else []
    raw_meta = body.get("meta")
    meta = raw_meta if isinstance(raw_meta, dict) else {}
    number = _as_int(_first(sent.query.get("page")), None) or _as_int(meta.get("current_page"), 1) or 1
    per_page = _as_int(meta.get("per_page"), None) or _as_int(_first(sent.query.get("per_page")), None)
    reached = (number - 1) * (per_page or len(items)) + len(items)
    return _Page(items, meta, number, _as_int(meta.get("total"), previous_total), reached)


@dataclass(slots=True)
class _Pager:
    """The pages collected so far and why paging ended."""

    max_items: int
    cap: int
    items: list[Any] = field(default_factory=list)
    pages: int = 0
    total: int | None = None
    stats: SendStats = field(default_factory=SendStats)
    meta: Mapping[str, Any] = field(default_factory=dict)
    more_available: bool = False
    capped: bool = False

    def take(self, page: _Page, following: PreparedRequest | None, stats: SendStats) -> bool:
        """Keep what fits of `page`; True while paging goes on (to `following`)."""
        room = self.max_items - len(self.items)
        self.items.extend(page.items[:room])
        self.pages += 1
        self.stats += stats
        self.meta = page.meta
        self.total = page.total
        at_cap = page.reached >= self.cap and (page.total is None or page.total > self.cap)
        if at_cap or page.links_withheld:
            self.capped = self.more_available = True
            return False
        if len(page.items) > room:
            self.more_available = True
            return False
        if len(self.items) < self.max_items and following is not None and page.items:
            return True
        self.more_available = following is not None or page.beyond_reach
        return False

    def collection(self) -> PageCollection:
        return PageCollection(
            self.items, self.pages, self.total, self.more_available, self.capped, self.stats, self.meta
        )

    def stopped(self, error: AircallError, failed: PreparedRequest) -> PageCollection:
        """What was fetched before `failed` could not be: returned with the reason, not thrown away."""
        return PageCollection(
            self.items,
            self.pages,
            self.total,
            more_available=True,
            capped=False,
            stats=self.stats + error.stats,
            meta=self.meta,
            stopped=_stop_reason(error, failed, self.pages),
        )


def _stop_reason(error: AircallError, failed: PreparedRequest, pages_fetched: int) -> AircallError:
    if not isinstance(error, RateLimitWaitTooLong) or error.stats.attempts:
        return error
    # Its own hint says "nothing was sent", true of that page alone; say what the read as a whole did.
    number = _as_int(_first(failed.query.get("page")), 1)
    hint = (
        f"The company's Aircall rate budget is spent: page {number} would wait about "
        f"{error.expected_wait_seconds:.0f} s for its turn, longer than the allowed {error.max_wait_seconds:.0f} s, "
        f"so paging stopped there after {pages_fetched} page(s). Continue later from page {number}."
    )
    return RateLimitWaitTooLong(
        expected_wait_seconds=error.expected_wait_seconds,
        max_wait_seconds=error.max_wait_seconds,
        method=error.method,
        path=error.path,
        hint=hint,
        stats=error.stats,
    )


def _with_page_size(request: PreparedRequest, max_items: int) -> PreparedRequest:
    """`request` asking for the largest page Aircall serves, unless its sender chose a page size."""
    if "per_page" in request.query:
        return request
    return replace(request, query={**request.query, "per_page": str(min(MAX_PER_PAGE, max_items))})


def _failure_of(outcome: httpx2.Response | Failure) -> Failure | None:
    """The failure a retry could cure, or None for a final answer (any 2xx or other 4xx)."""
    if isinstance(outcome, Failure):
        return outcome
    if outcome.status_code == 429:
        return Failure.RATE_LIMITED
    if outcome.status_code >= 500:
        return Failure.SERVER_ERROR
    return None


def _wait_too_long(
    exc: RateLimitWaitTooLong, request: PreparedRequest, tally: _Tally, stats: SendStats
) -> RateLimitWaitTooLong:
    """The limiter's refusal, naming the request; never "nothing was sent" once an attempt reached Aircall."""
    hint: dict[str, str] = {}
    if tally.reached:
        hint["hint"] = (
            f"The company's Aircall rate budget is spent: the retry would wait about {exc.expected_wait_seconds:.0f} s "
            f"for its turn, longer than the allowed {exc.max_wait_seconds:.0f} s. {tally.earlier_attempts()} "
            "Try again later or make fewer calls."
        )
    return RateLimitWaitTooLong(
        expected_wait_seconds=exc.expected_wait_seconds,
        max_wait_seconds=exc.max_wait_seconds,
        method=request.method,
        path=request.path,
        maybe_applied=tally.maybe_processed and request.method not in IDEMPOTENT_METHODS,
        stats=stats,
        **hint,
    )


def _transport_message(failure: Failure, tally: _Tally) -> str:
    if failure is Failure.CONNECT and tally.reached:
        return f"Could not connect to Aircall on the last attempt. {tally.earlier_attempts()}"
    return _TRANSPORT_MESSAGES[failure]


_TRANSPORT_MESSAGES = {
    Failure.CONNECT: "Could not connect to Aircall; nothing was sent.",
    Failure.TIMEOUT: "Aircall did not answer in time.",
    Failure.DROPPED: "The connection closed before Aircall answered.",
    Failure.SERVER_ERROR: "Aircall failed.",
    Failure.RATE_LIMITED: "Rate limited.",
}


def _classify(exc: httpx2.TransportError) -> Failure:
    """Whether the request can have reached Aircall, from the kind of transport failure."""
    if isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout | httpx2.ProxyError):
        return Failure.CONNECT
    if isinstance(exc, httpx2.UnsupportedProtocol | httpx2.LocalProtocolError):
        return Failure.CONNECT
    if isinstance(exc, httpx2.TimeoutException):
        return Failure.TIMEOUT
    return Failure.DROPPED


def _check_path(path: str) -> None:
    # Paths are relative to the configured origin; anything else could send credentials elsewhere.
    if not path.startswith("/") or path.startswith("//") or "://" in path or "?" in path or "#" in path:
        raise ValueError("request path must be an absolute path on the Aircall origin, without query")


def _query_items(query: Mapping[str, str | list[str]]) -> httpx2.QueryParams:
    items: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in query.items():
        if isinstance(value, list):
            items.extend((key, str(v)) for v in value)
        else:
            items.append((key, str(value)))
    # Lists become repeated keys (tags[]=1&tags[]=2), the way Aircall reads them.
    return httpx2.QueryParams(items)


def _parse_body(response: httpx2.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return response.text


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _first(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value[0] if value else None


def _as_int(value: Any, default: int | None) -> int | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return default
    return default


def _ms(clock: Clock, since: float) -> float:
    return (clock.now() - since) * 1000
