"""The size bound on one result, as a pure function: cut at an item boundary, always within the bound."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from aircall_mcp.results import Cut, bound_size, compact_json


def _note(cut: Cut) -> dict[str, Any]:
    return {"kept": cut.kept, "of": cut.total, "how_to_continue": "ask for fewer items " * 5}


def test_a_result_within_the_bound_is_unchanged() -> None:
    result = {"calls": [{"id": i} for i in range(10)]}
    shaped, text, cut = bound_size(result, 10_000, prefer="calls", explain=_note)
    assert (shaped, cut) == (result, None)
    assert text == compact_json(result)


def test_a_nested_list_is_cut_when_the_result_has_no_listing() -> None:
    """A team with thousands of members: the largest list inside the object is the one cut."""
    team: dict[str, Any] = {
        "team": {"id": 1, "name": "Support", "users": [{"id": i, "name": f"User {i}"} for i in range(2_000)]}
    }
    shaped, text, cut = bound_size(team, 5_000, prefer=None, explain=_note)
    assert cut is not None
    assert cut.path == ("team", "users")
    assert len(text.encode()) <= 5_000
    assert shaped["team"]["users"] == team["team"]["users"][: cut.kept]
    assert shaped["truncated"]["of"] == 2_000
    assert len(team["team"]["users"]) == 2_000  # the input is not modified


def test_a_result_without_a_list_is_returned_whole() -> None:
    result = {"call": {"id": 1, "transcript": "x" * 50_000}}
    shaped, _, cut = bound_size(result, 1_000, prefer="calls", explain=_note)
    assert (shaped, cut) == (result, None)


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60),
    bound=st.integers(min_value=1_200, max_value=20_000),
)
def test_a_cut_result_always_fits_and_keeps_a_prefix_of_whole_items(sizes: list[int], bound: int) -> None:
    items = [{"id": i, "text": "é" * size} for i, size in enumerate(sizes)]
    result = {"calls": items, "meta": {"total": len(items)}}
    shaped, text, cut = bound_size(result, bound, prefer="calls", explain=_note)
    assert json.loads(text) == shaped
    if cut is None:
        assert shaped == result
        assert len(text.encode()) <= bound
        return
    assert len(text.encode()) <= bound
    assert shaped["calls"] == items[: cut.kept]
    # As many items as fit: one more would not have (within the room kept for the note).
    if cut.kept < len(items):
        assert len(compact_json({**shaped, "calls": items[: cut.kept + 1]}).encode()) > bound - 1_000
