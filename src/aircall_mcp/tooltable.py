"""The README's tool table, generated from the catalogue so it can never drift from what the server serves.

`python -m aircall_mcp.tooltable README.md` rewrites the block between the markers below in that file;
`--check` only reports (exit status 1) when the block is stale.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Area, Endpoint

START_MARKER = "<!-- tools:start -->"
END_MARKER = "<!-- tools:end -->"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def summary(endpoint: Endpoint) -> str:
    """The first sentence of the tool's description."""
    return _SENTENCE_END.split(endpoint.description.strip(), maxsplit=1)[0]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_tool_table(catalogue: Iterable[Endpoint]) -> str:
    """Markdown: one heading and table per area, in `Area` order, tools in catalogue order."""
    endpoints = list(catalogue)
    lines = [f"{len(endpoints)} tools.", ""]
    for area in Area:
        in_area = [endpoint for endpoint in endpoints if endpoint.area is area]
        if not in_area:
            continue
        lines += [f"### {area.value.capitalize()}", "", "| tool | access | endpoint | summary |", "|---|---|---|---|"]
        lines += [
            f"| `{ep.name}` | {ep.access.value} | `{ep.method} {ep.path}` | {_cell(summary(ep))} |" for ep in in_area
        ]
        lines.append("")
    return "\n".join(lines)


def replace_block(document: str, table: str, markers: tuple[str, str] = (START_MARKER, END_MARKER)) -> str:
    """`document` with the text between the markers replaced by `table`; ValueError if the markers are missing."""
    start_marker, end_marker = markers
    start = document.find(start_marker)
    end = document.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"markers {start_marker} ... {end_marker} not found")
    head = document[: start + len(start_marker)]
    return f"{head}\n{table.rstrip()}\n{document[end:]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aircall_mcp.tooltable", description=__doc__)
    parser.add_argument("file", type=Path, help="markdown file holding the tools markers, e.g. README.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if the block is stale, change nothing")
    options = parser.parse_args(argv)
    document = options.file.read_text(encoding="utf-8")
    try:
        updated = replace_block(document, render_tool_table(CATALOGUE))
    except ValueError as error:
        sys.stderr.write(f"{options.file}: {error}\n")
        return 2
    if updated == document:
        return 0
    if options.check:
        sys.stderr.write(f"{options.file}: tool table is stale; run python -m aircall_mcp.tooltable {options.file}\n")
        return 1
    options.file.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
