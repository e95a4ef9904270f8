"""Every tool's published definition, snapshotted so any change shows up as a reviewable diff."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aircall_mcp.catalogue import CATALOGUE, to_mcp_tool

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "tools.json"


def _published() -> dict[str, Any]:
    tools: dict[str, Any] = {}
    for endpoint in CATALOGUE:
        tool = to_mcp_tool(endpoint)
        tools[tool.name] = {
            "title": tool.title,
            "description": tool.description,
            "annotations": tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else None,
            "input_schema": tool.input_schema,
            "output_schema": tool.output_schema,
        }
    return tools


def test_published_tools_match_the_snapshot() -> None:
    current = _published()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing: run UPDATE_SNAPSHOTS=1 pytest tests/catalogue"
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = sorted(name for name in current.keys() | recorded.keys() if current.get(name) != recorded.get(name))
    assert not changed, (
        f"tool definitions changed for {changed}; review the change, then regenerate the snapshot with "
        "UPDATE_SNAPSHOTS=1 pytest tests/catalogue"
    )
