"""Shaping a listing is one walk (issue 16): it must give exactly what the former two walks gave.

The reference below is the former implementation (prune the envelope, then cut nested users and numbers in each
item to references); random JSON-like values, with the keys shaping treats specially, must shape the same.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aircall_mcp.results import NESTED_REFERENCES, WITHHELD_KEYS, _reference, _shape_listing, prune


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict) and not value)


def _two_walk_prune(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = ((key, _two_walk_prune(item)) for key, item in value.items() if key not in WITHHELD_KEYS)
        return {key: item for key, item in pruned if not _is_empty(item)}
    if isinstance(value, list):
        return [item for item in (_two_walk_prune(item) for item in value) if not _is_empty(item)]
    return value


def _with_references(item: Any) -> Any:
    if isinstance(item, list):
        return [_with_references(element) for element in item]
    if not isinstance(item, dict):
        return item
    return {
        key: _reference(NESTED_REFERENCES[key], value) if key in NESTED_REFERENCES else _with_references(value)
        for key, value in item.items()
    }


def _two_walk_listing(list_key: str, data: Any) -> dict[str, Any]:
    envelope = {list_key: data} if isinstance(data, list) else dict(data)
    shaped: dict[str, Any] = _two_walk_prune(envelope)
    items = shaped.get(list_key)
    shaped[list_key] = [_with_references(item) for item in items] if isinstance(items, list) else []
    return shaped


_KEYS = st.sampled_from(["calls", "id", "name", "email", "digits", "meta", "token", *NESTED_REFERENCES])
_SCALARS = st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["", "x", "+33612345678"])
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5), max_leaves=40
)


@settings(max_examples=400, deadline=None)
@given(data=st.lists(_VALUES, max_size=5) | st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_one_walk_listing_equals_prune_then_references(data: Any) -> None:
    shaped = _shape_listing("calls", data, None, False, False)
    expected = {**_two_walk_listing("calls", data), "more_available": False}
    # Key order is part of the result: the JSON text an agent reads is built from it.
    assert json.dumps(shaped) == json.dumps(expected)


@settings(max_examples=200, deadline=None)
@given(value=_VALUES)
def test_prune_is_unchanged(value: Any) -> None:
    assert json.dumps(prune(value)) == json.dumps(_two_walk_prune(value))
