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
from aircall_mcp.facts import PAGINATION_CAP
from aircall_mcp.ratelimit import (
    Clock,
    CompanyLimiter,
    Failure,
    RateHeaders,
    RequestBudget,
    RetryPolicy,
    Slot,
    SystemClock,
)

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
    "company_key",
]

logger = logging.getLogger("aircall_mcp.client")

USER_AGENT = f"aircall-mcp/{__version__}"

_REDACTED = "[redacted]"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def company_key(base_url: str, credentials: Credentials) -> str:
    """Names one Aircall company (its base URL and credential identity) without revealing its credentials."""
    scheme, netloc = _origin(base_url)
    return f"{scheme}://{netloc}#{credentials.identity}"


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

        Returns the 2xx answer; raises an `AircallError` subclass (carrying `SendStats`) otherwise.
        """
        _check_path(request.path)
        method, path = request.method, request.path
        started = self.clock.now()
        attempts = retries = rate_limited = 0
        rate_wait = retry_wait = 0.0
        retrying_429 = False

        def stats() -> SendStats:
            return SendStats(
                attempts=attempts,
                retries=retries,
                rate_limit_wait_seconds=rate_wait,
                retry_wait_seconds=retry_wait,
                duration_seconds=self.clock.now() - started,
                rate_limited_responses=rate_limited,
            )

        while True:
            slot: Slot | None = None
            if self.limiter is not None:
                try:
                    slot = await self.limiter.acquire(agent, quota_per_minute=quota_per_minute, first=retrying_429)
                except RateLimitWaitTooLong as exc:
                    raise RateLimitWaitTooLong(
                        expected_wait_seconds=exc.expected_wait_seconds,
                        max_wait_seconds=exc.max_wait_seconds,
                        method=method,
                        path=path,
                        stats=stats(),
                    ) from None
                rate_wait += slot.waited_seconds
            attempts += 1
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
                logger.debug("%s %s -> %s after %.0f ms", method, path, failure.value, _ms(self.clock, sent_at))
                # 429s have their own retry budget; they do not use up the attempts for failures.
                if self.retry.should_retry(method, failure, attempts=attempts - rate_limited):
                    retries += 1
                    retry_wait += await self._backoff(retries)
                    continue
                raise TransportError(
                    method=method,
                    path=path,
                    message=_TRANSPORT_MESSAGES[failure],
                    maybe_applied=failure is not Failure.CONNECT and method not in IDEMPOTENT_METHODS,
                    stats=stats(),
                ) from None
            except BaseException:
                # Cancelled (or worse) mid-flight: the request may have reached Aircall and been counted.
                if slot is not None:
                    slot.complete(None)
                raise

            status = response.status_code
            retry_after = _retry_after(response.headers)
            if slot is not None:
                slot.complete(response.headers, status=status, retry_after=retry_after)
            logger.debug("%s %s -> %d in %.0f ms", method, path, status, _ms(self.clock, sent_at))

            if 200 <= status < 300:
                return AircallResponse(
                    status, self._parse_success(response, method, path, stats), dict(response.headers), stats()
                )
            if status == 429:
                rate_limited += 1
                if self.retry.should_retry(method, Failure.RATE_LIMITED, attempts=attempts, rate_limited=rate_limited):
                    retries += 1
                    retrying_429 = True
                    if self.limiter is None:
                        # With a limiter the next acquire() waits for the reset it just learned.
                        delay = self.retry.rate_limit_delay(
                            self.clock.now(),
                            reset_at=RateHeaders.parse(response.headers).reset_at,
                            retry_after=retry_after,
                        )
                        await self.clock.sleep(delay)
                        rate_wait += delay
                    continue
            elif status >= 500 and self.retry.should_retry(
                method, Failure.SERVER_ERROR, attempts=attempts - rate_limited
            ):
                retries += 1
                retry_wait += await self._backoff(retries)
                continue
            raise error_for_status(
                status,
                self._redact(_parse_body(response)),
                method=method,
                path=path,
                retry_after_seconds=retry_after,
                stats=stats(),
            )

    def _build(self, request: PreparedRequest) -> httpx2.Request:
        headers = {"Authorization": self._credentials.authorization()}
        content: bytes | None = None
        if request.method != "GET":
            # Aircall asks for this header on every POST, PUT and DELETE, body or not.
            headers["Content-Type"] = "application/json"
        if request.body is not None:
            content = json.dumps(request.body, separators=(",", ":")).encode("utf-8")
        return self._http.build_request(
            request.method, request.path, params=_query_items(request.query), headers=headers, content=content
        )

    def _parse_success(
        self, response: httpx2.Response, method: str, path: str, stats: Callable[[], SendStats]
    ) -> Any | None:
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
                stats=stats(),
            ) from None

    async def _backoff(self, retry_number: int) -> float:
        delay = self.retry.backoff(retry_number)
        await self.clock.sleep(delay)
        return delay

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
        max_items: int,
        on_page: OnPage | None = None,
        agent: str | None = None,
        quota_per_minute: int | None = None,
        list_key: str | None = None,
    ) -> PageCollection:
        """Follow `meta.next_page_link` from `request` until `max_items`, the last page, or the cap.

        Every page re-sends all of the original filters (Aircall's links drop the fetch_* flags): only
        the page number is taken from the link, and only from a link on the configured origin.
        `on_page(pages_done, items_so_far, total)` is awaited after each page.
        """
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        items: list[Any] = []
        pages = 0
        total: int | None = None
        stats = SendStats()
        meta: Mapping[str, Any] = {}
        current = request
        more_available = capped = False
        while True:
            try:
                response = await self.send(current, agent=agent, quota_per_minute=quota_per_minute)
            except AircallError as exc:
                raise exc.with_stats(stats + exc.stats) from None
            stats += response.stats
            pages += 1
            data = response.data if isinstance(response.data, dict) else {}
            page_items = _page_items(data, list_key)
            raw_meta = data.get("meta")
            meta = raw_meta if isinstance(raw_meta, dict) else {}
            total = _as_int(meta.get("total"), total)
            room = max_items - len(items)
            items.extend(page_items[:room])
            page_number = _as_int(_first(current.query.get("page")), None) or _as_int(meta.get("current_page"), 1) or 1
            per_page = _as_int(meta.get("per_page"), None) or _as_int(_first(current.query.get("per_page")), None)
            reached = (page_number - 1) * (per_page or len(page_items)) + len(page_items)
            beyond_reach = total is not None and total > reached
            link = meta.get("next_page_link")
            next_request: PreparedRequest | None = None
            if isinstance(link, str):
                next_request = self._next_page(request, link, page_number)
            elif "next_page_link" not in meta and beyond_reach and page_items:
                # Some lists (webhooks) carry no link keys at all: page on by number, with the original filters.
                next_request = replace(request, query={**request.query, "page": str(page_number + 1)})
            if on_page is not None:
                await on_page(pages, len(items), total)

            if reached >= self.pagination_cap and (total is None or total > self.pagination_cap):
                capped = more_available = True
            elif "next_page_link" in meta and link is None and beyond_reach:
                # Aircall stopped offering pages while more items match: the 10,000 cap.
                capped = more_available = True
            elif len(page_items) > room:
                more_available = True
            elif len(items) >= max_items:
                more_available = next_request is not None or beyond_reach
            elif next_request is not None and page_items:
                current = next_request
                continue
            else:
                more_available = next_request is not None or beyond_reach
            return PageCollection(items, pages, total, more_available, capped, stats, meta)

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


def _page_items(data: Mapping[str, Any], list_key: str | None) -> list[Any]:
    if list_key is not None:
        value = data.get(list_key)
        return value if isinstance(value, list) else []
    lists = [value for key, value in data.items() if key != "meta" and isinstance(value, list)]
    return lists[0] if len(lists) == 1 else []


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
