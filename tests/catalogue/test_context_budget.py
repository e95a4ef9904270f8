"""The context budget (issue 15): adding tools may not grow tools/list, and what was saved loses no meaning."""

from __future__ import annotations

import json

import mcp_types

from aircall_mcp.catalogue import CATALOGUE, by_name, to_mcp_tool, tool_annotations
from aircall_mcp.endpoint import Access

# The full catalogue's tools/list before messaging, the AI Voice Agent call and analytics were added (72 tools).
TOOLS_LIST_BUDGET = 86_391


def test_the_full_tools_list_is_no_larger_than_before_issue_15() -> None:
    wire = mcp_types.ListToolsResult(tools=[to_mcp_tool(ep) for ep in CATALOGUE]).model_dump(
        by_alias=True, exclude_none=True, mode="json"
    )
    size = len(json.dumps(wire, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    assert size <= TOOLS_LIST_BUDGET, f"tools/list is {size:,} bytes; run benchmarks/context_bench.py to see where"


def test_published_annotations_drop_only_what_the_spec_implies() -> None:
    for endpoint in CATALOGUE:
        published = to_mcp_tool(endpoint)
        full = tool_annotations(endpoint)
        hints = published.annotations
        assert hints is not None
        assert published.title == full.title  # the tool's title, not repeated in the annotations
        assert hints.open_world_hint in (None, True)  # absent means true
        assert hints.read_only_hint is full.read_only_hint
        if endpoint.access is not Access.READ:
            assert hints.destructive_hint is full.destructive_hint
            assert hints.idempotent_hint is full.idempotent_hint


def test_a_write_tools_result_points_at_the_read_tool_that_describes_it_in_full() -> None:
    for endpoint in CATALOGUE:
        schema = to_mcp_tool(endpoint).output_schema
        assert schema is not None
        for name, node in schema["properties"].items():
            description = node.get("description", "")
            if not description.startswith("as in "):
                continue
            owner = by_name(description.removeprefix("as in "))
            assert owner is not None, (endpoint.name, name)
            assert owner.access is Access.READ
            assert owner.output_model is endpoint.output_model
            full = to_mcp_tool(owner).output_schema
            assert full is not None
            assert "properties" in full["properties"][name] or "items" in full["properties"][name]
