"""The README tool table is generated from the catalogue and must be current."""

from __future__ import annotations

from pathlib import Path

import pytest

from aircall_mcp.catalogue import CATALOGUE, by_name
from aircall_mcp.tooltable import END_MARKER, START_MARKER, main, render_tool_table, replace_block, summary

README = Path(__file__).resolve().parents[2] / "README.md"


def test_table_lists_every_tool_once_under_its_area() -> None:
    table = render_tool_table(CATALOGUE)
    for endpoint in CATALOGUE:
        assert table.count(f"| `{endpoint.name}` |") == 1
    assert table.index("### Calls") < table.index("`list_calls`") < table.index("### Contacts")
    assert "| `tag_call` | write | `POST /v1/calls/{call_id}/tags` |" in table


def test_summary_is_the_first_sentence_of_the_description() -> None:
    endpoint = by_name("comment_call")
    assert endpoint is not None
    assert summary(endpoint) == "Add a note to a call."


def test_replace_block_rewrites_only_between_the_markers() -> None:
    document = f"# Title\n\n{START_MARKER}\nold\n{END_MARKER}\n\nfooter\n"
    assert replace_block(document, "new table\n") == f"# Title\n\n{START_MARKER}\nnew table\n{END_MARKER}\n\nfooter\n"
    with pytest.raises(ValueError, match="markers"):
        replace_block("no markers here", "table")


def test_module_mode_rewrites_the_file_and_check_mode_reports_staleness(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START_MARKER}\nstale\n{END_MARKER}\n", encoding="utf-8")
    assert main([str(readme), "--check"]) == 1
    assert main([str(readme)]) == 0
    assert "`get_company`" in readme.read_text(encoding="utf-8")
    assert main([str(readme), "--check"]) == 0


def test_readme_tool_table_is_current() -> None:
    if not README.exists() or START_MARKER not in README.read_text(encoding="utf-8"):
        pytest.skip("README.md has no tool table markers yet")
    document = README.read_text(encoding="utf-8")
    assert replace_block(document, render_tool_table(CATALOGUE)) == document, (
        "README tool table is stale: run python -m aircall_mcp.tooltable README.md"
    )
