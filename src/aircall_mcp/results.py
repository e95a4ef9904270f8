"""Turning Aircall's answer into a tool's structured content: compact, and matching the tool's output schema.

Agents pay for every byte of a result in context, so nulls and empty containers are dropped (an absent field
and a null one mean the same to a reader); 0, False and empty strings are data and are kept. And a result is
bounded in size (`bound_size`): a long list is cut at an item boundary, with a note saying how to continue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, Self, TypeVar

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


# -- masks applied while shaping ---------------------------------------------------------------------------------
# A grant's masks (grants.redact) are applied by the shaping walk itself, so a masked result is built in one
# pass. They come in as arguments typed by these protocols: the grants package imports the catalogue, which
# imports this module, so this module imports nothing from grants.


class MaskPlan(Protocol):
    """Where masks apply in a value (grants.redact.Plan): the tag index `kind` of a string, the plans of an
    object's keys (`fields`, `other` for the rest) and of a list's items, and the bit set of the tags `below`."""

    @property
    def kind(self) -> int: ...
    @property
    def below(self) -> int: ...
    @property
    def fields(self) -> Mapping[str, Self]: ...
    @property
    def other(self) -> Self: ...
    @property
    def items(self) -> Self: ...


PlanT = TypeVar("PlanT", bound=MaskPlan)
PlanT_contra = TypeVar("PlanT_contra", bound=MaskPlan, contravariant=True)


class Masker(Protocol[PlanT_contra]):
    """One walk's masks (grants.redact's walker): an action per tag (None: left as is), `masked` their bit set."""

    @property
    def actions(self) -> Sequence[Callable[[str], str] | None]: ...
    @property
    def masked(self) -> int: ...
    def string(self, value: str, kind: int) -> str: ...
    def value(self, value: Any, plan: PlanT_contra) -> Any: ...


@dataclass(frozen=True, slots=True)
class Masking(Generic[PlanT]):
    """The masks a shaping walk applies: `plan` is the output model's, walked in step with the data."""

    plan: PlanT
    masker: Masker[PlanT]


def shape_result(
    endpoint: Endpoint,
    args: BaseModel,
    data: Any,
    *,
    pages_fetched: int | None = None,
    more_available: bool | None = None,
    capped: bool | None = None,
    masking: Masking[Any] | None = None,
) -> dict[str, Any]:
    """The structured content of one successful call.

    `data` is the parsed response body (None for an empty body). For list tools it is the page envelope
    (`{"calls": [...], "meta": {...}}`) or, when the server paged on the agent's behalf, that envelope or the bare
    list of collected items; `pages_fetched`, `more_available` and `capped` then come from the pager. When they are
    not given they are worked out from `meta`.

    With `masking`, every string is masked as `masking.masker.value(shaped, masking.plan)` would mask the
    result shaped without it, in the same walk.
    """
    if data is None or data in ("", {}):
        return _masked({"ok": True, **{field: getattr(args, field) for field in endpoint.path_fields}}, masking)
    if endpoint.list_key is not None:
        return _shape_listing(endpoint.list_key, data, pages_fetched, more_available, capped, masking=masking)
    if isinstance(data, dict):
        return _pruned_object(data, masking)
    # Not an object: wrap it so the content is still object-rooted.
    return _masked({"items" if isinstance(data, list) else "result": prune(data)}, masking)


def _masked(result: dict[str, Any], masking: Masking[Any] | None) -> dict[str, Any]:
    # Results not built by the shaping walk (acknowledgements, wrapped non-objects) are small: masked after.
    return result if masking is None else dict(masking.masker.value(result, masking.plan))


def _pruned_object(
    value: dict[str, Any], masking: Masking[Any] | None, *, items_at: str | None = None
) -> dict[str, Any]:
    if masking is None or not masking.plan.below & masking.masker.masked:
        return _pruned_dict(value, items_at=items_at)
    return _masked_dict(value, masking.plan, masking.masker, items_at=items_at)


def _shape_listing(
    list_key: str,
    data: Any,
    pages_fetched: int | None,
    more_available: bool | None,
    capped: bool | None,
    *,
    masking: Masking[Any] | None = None,
) -> dict[str, Any]:
    envelope: dict[str, Any] = {list_key: data} if isinstance(data, list) else data
    # The items are pruned and cut to references in one walk; the rest of the envelope is only pruned. The keys
    # added below are booleans and counts, which no mask touches.
    shaped = _pruned_object(envelope, masking, items_at=list_key)
    # An empty page is still a list: say so rather than omit the key.
    if not isinstance(shaped.get(list_key), list):
        shaped[list_key] = []
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
        return _pruned_list(value, referenced=False)
    return value


# What JSON decodes to besides objects, arrays and null: never pruned.
_SCALARS = frozenset({str, int, float, bool})

# Shaping runs on every call, so it is one walk of plain loops (no call per scalar): pruning, and in a listing's
# items (`referenced`) also cutting nested users and numbers to references. A nested value is pruned whole
# before its reference is cut, so emptiness is judged on all its fields, as a separate prune would.


def _pruned_dict(value: dict[str, Any], *, referenced: bool = False, items_at: str | None = None) -> dict[str, Any]:
    pruned: dict[str, Any] = {}
    for key, item in value.items():
        if item is None or key in WITHHELD_KEYS:
            continue
        if type(item) in _SCALARS:  # most values: kept as they are, without the checks below
            pruned[key] = item
            continue
        if referenced and key in NESTED_REFERENCES:
            kept = _referenced(NESTED_REFERENCES[key], item)
            if kept is not None:
                pruned[key] = kept
            continue
        kept = item
        if isinstance(item, dict):
            kept = _pruned_dict(item, referenced=referenced)
        elif isinstance(item, list):
            kept = _pruned_list(item, referenced=key == items_at or referenced)
        if kept is None or ((isinstance(kept, dict | list)) and not kept):
            continue
        pruned[key] = kept
    return pruned


def _referenced(fields: tuple[str, ...], value: Any) -> Any:
    """`value` (a user or number, or a list of them) pruned and cut to a reference; None when pruned to nothing.

    The reference is cut before it is pruned, and the rest of an object is pruned only when the reference alone
    does not show that it holds something: the same result as pruning it whole, then cutting.
    """
    if isinstance(value, dict):
        reference = _pruned_dict({key: value[key] for key in fields if key in value})
        return reference if reference or _pruned_dict(value) else None
    if isinstance(value, list):
        pruned = _pruned_list(value, referenced=False)
        return _reference(fields, pruned) if pruned else None
    return value


def _pruned_list(value: list[Any], *, referenced: bool) -> list[Any]:
    pruned: list[Any] = []
    for item in value:
        if type(item) in _SCALARS:
            pruned.append(item)
            continue
        kept = item
        if isinstance(item, dict):
            kept = _pruned_dict(item, referenced=referenced)
        elif isinstance(item, list):
            kept = _pruned_list(item, referenced=referenced)
        if kept is None or ((isinstance(kept, dict | list)) and not kept):
            continue
        pruned.append(kept)
    return pruned


# The same walk with masks: at each object `plan.fields.get(key, plan.other)`, for list items `plan.items`, as
# grants.redact's walker reads a shaped result. A subtree holding nothing masked is shaped by the plain walk; a
# nested user or number in a listing's items is cut to its reference before it is masked (the reference is what
# a separate masking walk would see). tests/grants/test_fused_shaping.py proves the result equal to shaping, then
# masking.


def _masked_dict(
    value: dict[str, Any],
    plan: PlanT,
    masker: Masker[PlanT],
    *,
    referenced: bool = False,
    items_at: str | None = None,
) -> dict[str, Any]:
    fields, other, actions, masked = plan.fields, plan.other, masker.actions, masker.masked
    pruned: dict[str, Any] = {}
    for key, item in value.items():
        if item is None or key in WITHHELD_KEYS:
            continue
        cls = type(item)
        if cls is str:
            kind = fields.get(key, other).kind
            pruned[key] = item if actions[kind] is None else masker.string(item, kind)
            continue
        if cls in _SCALARS:
            pruned[key] = item
            continue
        sub = fields.get(key, other)
        masks_below = sub.below & masked
        if referenced and key in NESTED_REFERENCES:
            # Cut, then masked: the reference is what a separate masking walk would see.
            kept = _referenced(NESTED_REFERENCES[key], item)
            if kept is not None:
                pruned[key] = masker.value(kept, sub) if masks_below else kept
            continue
        if isinstance(item, dict):
            kept = (
                _masked_dict(item, sub, masker, referenced=referenced)
                if masks_below
                else _pruned_dict(item, referenced=referenced)
            )
        elif isinstance(item, list):
            listed = key == items_at or referenced
            kept = (
                _masked_list(item, sub.items, masker, referenced=listed)
                if masks_below
                else _pruned_list(item, referenced=listed)
            )
        else:  # what json.loads never makes (a tuple, a str subclass): kept whole, as plain shaping keeps it
            pruned[key] = masker.value(item, sub) if masks_below else item
            continue
        if not kept:  # an object or a list, pruned to nothing
            continue
        pruned[key] = kept
    return pruned


def _masked_list(value: list[Any], plan: PlanT, masker: Masker[PlanT], *, referenced: bool) -> list[Any]:
    """`value`'s items shaped and masked; `plan` is the items' plan."""
    masked = masker.masked
    if not plan.below & masked:
        return _pruned_list(value, referenced=referenced)
    kind = plan.kind
    action = masker.actions[kind]
    pruned: list[Any] = []
    for item in value:
        cls = type(item)
        if cls is str:
            pruned.append(item if action is None else masker.string(item, kind))
            continue
        if cls in _SCALARS:
            pruned.append(item)
            continue
        if isinstance(item, dict):
            kept: Any = _masked_dict(item, plan, masker, referenced=referenced)
        elif isinstance(item, list):
            kept = _masked_list(item, plan.items, masker, referenced=referenced)
        else:
            if item is not None:
                pruned.append(masker.value(item, plan))
            continue
        if kept:
            pruned.append(kept)
    return pruned


def compact_json(obj: Any) -> str:
    """The text content twin of the structured content: no spaces, non-ASCII kept as is."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# -- bounding a result's size ------------------------------------------------------------------------------------

# Room kept under the bound for the note that says how a cut result continues.
_NOTE_ROOM = 1_000
# Lists are looked for this deep inside objects (a listing's items, a team's users, a transcript's utterances).
_MAX_LIST_DEPTH = 3


@dataclass(frozen=True, slots=True)
class Cut:
    """A result cut to fit the size bound: the list that was cut (keys from the top), and how much of it is left."""

    path: tuple[str, ...]
    kept: int
    total: int


def bound_size(
    result: dict[str, Any],
    max_bytes: int,
    *,
    prefer: str | None = None,
    explain: Callable[[Cut], Any],
) -> tuple[dict[str, Any], str, Cut | None]:
    """`result` cut at an item boundary so that its JSON stays within `max_bytes`, with that JSON.

    The list cut is `result[prefer]` when that is a list, otherwise the largest list found in nested objects.
    A cut result carries `explain(cut)` under "truncated", and, when its listing (`prefer`) was cut,
    `more_available: true` (items the agent did not get are still there). A result without a list to cut is
    returned whole.
    """
    text = compact_json(result)
    size = _utf8_size(text)
    if size <= max_bytes:
        return result, text, None
    path = _list_to_cut(result, prefer)
    if path is None:
        return result, text, None
    items: list[Any] = _at(result, path)
    sizes = [_utf8_size(compact_json(item)) for item in items]
    fixed = size - sum(sizes) - max(len(items) - 1, 0)
    kept = _fitting(sizes, max_bytes - fixed - _NOTE_ROOM)
    while True:
        cut = Cut(path, kept, len(items))
        shaped = _replaced_at(result, path, items[:kept])
        shaped["truncated"] = explain(cut)
        if path == (prefer,):
            shaped["more_available"] = True
        text = compact_json(shaped)
        over = _utf8_size(text) - max_bytes
        if over <= 0 or kept == 0:
            return shaped, text, cut
        # The note took more room than kept for it: drop as many more items as cover the difference.
        while kept and over > 0:
            kept -= 1
            over -= sizes[kept] + 1


def _utf8_size(text: str) -> int:
    return len(text.encode())


def _fitting(sizes: list[int], budget: int) -> int:
    """How many leading items, comma-separated, fit in `budget` bytes."""
    used = kept = 0
    for size in sizes:
        used += size + (1 if kept else 0)
        if used > budget:
            break
        kept += 1
    return kept


def _list_to_cut(result: dict[str, Any], prefer: str | None) -> tuple[str, ...] | None:
    if prefer is not None and isinstance(result.get(prefer), list) and result[prefer]:
        return (prefer,)
    candidates = list(_lists(result, ()))
    if not candidates:
        return None
    return max(candidates, key=lambda path: _utf8_size(compact_json(_at(result, path))))


def _lists(node: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for key, value in node.items():
        if isinstance(value, list) and value:
            yield (*path, key)
        elif isinstance(value, dict) and len(path) < _MAX_LIST_DEPTH:
            yield from _lists(value, (*path, key))


def _at(node: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def _replaced_at(node: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `node` with `value` at `path`; only the objects along the path are copied."""
    head, *rest = path
    copy = dict(node)
    copy[head] = _replaced_at(node[head], tuple(rest), value) if rest else value
    return copy
