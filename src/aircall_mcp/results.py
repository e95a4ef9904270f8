"""Turning Aircall's answer into a tool's structured content: compact, and matching the tool's output schema.

Agents pay for every byte of a result in context, so nulls and empty containers are dropped (an absent field
and a null one mean the same to a reader); 0, False and empty strings are data and are kept.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from aircall_mcp.endpoint import Endpoint
from aircall_mcp.facts import PAGINATION_CAP

# In list results, the users and numbers nested inside each item are references, not full copies: a page of calls
# otherwise repeats the same user object in every comment, and a team repeats every member. The get_* tools return
# them whole. Keys name where Aircall nests them; values are the fields a reference keeps.
_USER_REFERENCE = ("id", "name", "email")
_NUMBER_REFERENCE = ("id", "name", "digits")
NESTED_REFERENCES: dict[str, tuple[str, ...]] = {
    "user": _USER_REFERENCE,
    "users": _USER_REFERENCE,
    "assigned_to": _USER_REFERENCE,
    "transferred_by": _USER_REFERENCE,
    "transferred_to": _USER_REFERENCE,
    "posted_by": _USER_REFERENCE,
    "tagged_by": _USER_REFERENCE,
    "number": _NUMBER_REFERENCE,
    "numbers": _NUMBER_REFERENCE,
}
# Secrets Aircall puts in its answers: a webhook's `token` lets anyone forge deliveries to its receiver, so it
# never reaches an agent's context (operators read it in the Aircall Dashboard).
WITHHELD_KEYS = frozenset({"token"})


def shape_result(
    endpoint: Endpoint,
    args: BaseModel,
    data: Any,
    *,
    pages_fetched: int | None = None,
    more_available: bool | None = None,
    capped: bool | None = None,
) -> dict[str, Any]:
    """The structured content of one successful call.

    `data` is the parsed response body (None for an empty body). For list tools it is the page envelope
    (`{"calls": [...], "meta": {...}}`) or, when the server paged on the agent's behalf, that envelope or the bare
    list of collected items; `pages_fetched`, `more_available` and `capped` then come from the pager. When they are
    not given they are worked out from `meta`.
    """
    if data is None or data in ("", {}):
        return {"ok": True, **{field: getattr(args, field) for field in endpoint.path_fields}}
    if endpoint.list_key is not None:
        return _shape_listing(endpoint.list_key, data, pages_fetched, more_available, capped)
    if isinstance(data, dict):
        return _pruned_dict(data)
    # Not an object: wrap it so the content is still object-rooted.
    return {"items" if isinstance(data, list) else "result": prune(data)}


def _shape_listing(
    list_key: str,
    data: Any,
    pages_fetched: int | None,
    more_available: bool | None,
    capped: bool | None,
) -> dict[str, Any]:
    envelope: dict[str, Any] = {list_key: data} if isinstance(data, list) else dict(data)
    shaped = _pruned_dict(envelope)
    items = shaped.get(list_key)
    # An empty page is still a list: say so rather than omit the key.
    shaped[list_key] = [_with_references(item) for item in items] if isinstance(items, list) else []
    meta = shaped.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    if more_available is None:
        more_available = _more_after(meta)
    shaped["more_available"] = more_available
    if capped is None:
        total = meta.get("total")
        capped = not more_available and isinstance(total, int) and total > PAGINATION_CAP
    if capped:
        shaped["capped_at_10000"] = True
    if pages_fetched is not None:
        shaped["pages_fetched"] = pages_fetched
    return shaped


def _more_after(meta: dict[str, Any]) -> bool:
    # next_page_link is Aircall's own answer; some endpoints (webhooks) omit link keys, so fall back to counts.
    if "next_page_link" in meta:
        return bool(meta["next_page_link"])
    page, per_page, total = meta.get("current_page"), meta.get("per_page"), meta.get("total")
    if isinstance(page, int) and isinstance(per_page, int) and isinstance(total, int):
        return page * per_page < min(total, PAGINATION_CAP)
    return False


def _with_references(item: Any) -> Any:
    """`item` with the users and numbers nested in it (at any depth) cut down to references."""
    if isinstance(item, list):
        return [_with_references(element) for element in item]
    if not isinstance(item, dict):
        return item
    return {
        key: _reference(NESTED_REFERENCES[key], value) if key in NESTED_REFERENCES else _with_references(value)
        for key, value in item.items()
    }


def _reference(fields: tuple[str, ...], value: Any) -> Any:
    if isinstance(value, list):
        return [_reference(fields, element) for element in value]
    if isinstance(value, dict):
        return {key: value[key] for key in fields if key in value}
    return value  # e.g. a dialer campaign's `number` is a phone number string


def prune(value: Any) -> Any:
    """`value` without None, empty lists or dicts, or withheld secrets, at any depth. 0, False and "" are kept."""
    if isinstance(value, dict):
        return _pruned_dict(value)
    if isinstance(value, list):
        items = (prune(item) for item in value)
        return [item for item in items if not _is_empty(item)]
    return value


def _pruned_dict(value: dict[str, Any]) -> dict[str, Any]:
    pruned = ((key, prune(item)) for key, item in value.items() if key not in WITHHELD_KEYS)
    return {key: item for key, item in pruned if not _is_empty(item)}


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict) and not value)


def compact_json(obj: Any) -> str:
    """The text content twin of the structured content: no spaces, non-ASCII kept as is."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
