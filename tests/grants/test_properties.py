"""Property: for any grant, the tools listed are exactly the tools that may be called."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aircall_mcp.endpoint import NUMBER_NOT_NAMED, Area, Endpoint
from aircall_mcp.grants import Grant, Level, decide, is_call_tool, parse_grant, visible

from .conftest import real_or_synthetic

CATALOGUE = real_or_synthetic()
TOOLS = [ep.name for ep in CATALOGUE]

tool_sets = st.lists(st.sampled_from(TOOLS), max_size=8, unique=True)


@st.composite
def grant_texts(draw: st.DrawFn) -> dict[str, Any]:
    areas = draw(st.dictionaries(st.sampled_from([a.value for a in Area]), st.sampled_from([lv.value for lv in Level])))
    data: dict[str, Any] = {"areas": areas, "tools": {"allow": draw(tool_sets), "deny": draw(tool_sets)}}
    data["tools"]["confirm"] = draw(tool_sets)
    if draw(st.booleans()):
        data["scope"] = {"numbers": draw(st.lists(st.integers(1, 50), max_size=3))}
    return data


def build(data: dict[str, Any]) -> Grant:
    import yaml

    return parse_grant(yaml.safe_dump(data), agent="generated", catalogue=CATALOGUE)


@settings(max_examples=300, deadline=None)
@given(grant_texts())
def test_listed_tools_equal_callable_tools(data: dict[str, Any]) -> None:
    grant = build(data)
    listed = {ep.name for ep in CATALOGUE if visible(grant, ep)}
    callable_ = {ep.name for ep in CATALOGUE if decide(grant, ep, {}).allowed}
    assert listed == callable_


def scope_shuts_out(grant: Grant, ep: Endpoint) -> bool:
    """scope.numbers leaves the tool no number to act through (issue 11 §1: the scope covers every number tool)."""
    if grant.scope_numbers is None:
        return False
    if ep.number_arg == NUMBER_NOT_NAMED:
        return True
    names_a_number = ep.number_arg is not None and ep.input_model.model_fields[ep.number_arg].is_required()
    return not grant.scope_numbers and (is_call_tool(ep) or names_a_number)


@settings(max_examples=300, deadline=None)
@given(grant_texts())
def test_deny_always_wins_and_nothing_is_granted_beyond_allow_and_levels(data: dict[str, Any]) -> None:
    grant = build(data)
    for ep in CATALOGUE:
        allowed = decide(grant, ep, {}).allowed
        if ep.name in grant.deny or scope_shuts_out(grant, ep):
            assert not allowed
        elif ep.name in grant.allow:
            assert allowed
        else:
            assert allowed == grant.level(ep.area).permits(ep.access)
