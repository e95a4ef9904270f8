"""Aircall pagination: page/per_page, from/to/order filters, meta with absolute links, and the 10,000 cap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from aircall_mcp.sandbox.context import Ctx
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.validate import integer

T = TypeVar("T")

MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 20
# Query names never carried into next/previous links: Aircall reportedly drops the fetch_* flags.
_LINK_EXCLUDED_PREFIX = "fetch_"


@dataclass(frozen=True)
class ListParams:
    page: int
    per_page: int
    from_: int | None
    to: int | None
    descending: bool


def list_params(ctx: Ctx) -> ListParams:
    q = ctx.query
    page = integer(q.get("page") or "1", "page", minimum=1)
    per_page = integer(q.get("per_page") or str(DEFAULT_PER_PAGE), "per_page", minimum=1)
    if per_page > MAX_PER_PAGE:
        raise ApiError.bad_request(f"per_page must be less than or equal to {MAX_PER_PAGE}")
    raw_from, raw_to = q.get("from"), q.get("to")
    from_ = integer(raw_from, "from", minimum=0) if raw_from is not None else None
    to = integer(raw_to, "to", minimum=0) if raw_to is not None else None
    order = q.get("order") or "asc"
    if order not in ("asc", "desc"):
        raise ApiError.bad_request("order must be asc or desc")
    return ListParams(page, per_page, from_, to, order == "desc")


def window(items: Sequence[T], params: ListParams, created: Callable[[T], int]) -> list[T]:
    """Items inside [from, to] (both inclusive, UNIX seconds), sorted by creation time in the requested order."""
    selected = [
        item
        for item in items
        if (params.from_ is None or created(item) >= params.from_) and (params.to is None or created(item) <= params.to)
    ]
    selected.sort(key=created, reverse=params.descending)
    return selected


def page(
    ctx: Ctx, key: str, items: Sequence[T], params: ListParams, render: Callable[[T], Any], *, links: bool = True
) -> dict[str, Any]:
    """The `{key: [...], "meta": {...}}` envelope for one page of already filtered, sorted items.

    Items past the first `pagination_cap` matches are never served; `total` still counts them all.
    """
    reachable = min(len(items), ctx.pagination_cap)
    start = (params.page - 1) * params.per_page
    end = min(start + params.per_page, reachable)
    chosen = items[start:end] if start < reachable else []
    meta: dict[str, Any] = {
        "count": len(chosen),
        "total": len(items),
        "current_page": params.page,
        "per_page": params.per_page,
    }
    if links:
        meta["next_page_link"] = _link(ctx, params.page + 1, params.per_page) if end < reachable else None
        meta["previous_page_link"] = _link(ctx, params.page - 1, params.per_page) if params.page > 1 else None
    return {key: [render(item) for item in chosen], "meta": meta}


def _link(ctx: Ctx, page_number: int, per_page: int) -> str:
    kept = [
        (k, v) for k, v in ctx.query.items if k not in ("page", "per_page") and not k.startswith(_LINK_EXCLUDED_PREFIX)
    ]
    query = urlencode([("page", str(page_number)), ("per_page", str(per_page)), *kept])
    return f"{ctx.base_url}{ctx.path}?{query}"


def fetch_flags(ctx: Ctx) -> frozenset[str]:
    """The fetch_* options turned on ("true"), without the prefix."""
    return frozenset(
        k.removeprefix(_LINK_EXCLUDED_PREFIX)
        for k, v in ctx.query.items
        if k.startswith(_LINK_EXCLUDED_PREFIX) and v.lower() == "true"
    )
