"""The README's configuration table, generated from `Settings` so it can never drift from what serve accepts.

`python -m aircall_mcp.configtable README.md` rewrites the block between the markers below in that file;
`--check` only reports (exit status 1) when the block is stale.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from aircall_mcp.settings import ENVIRONMENT_ONLY, Option, options
from aircall_mcp.tooltable import replace_block

START_MARKER = "<!-- configuration:start -->"
END_MARKER = "<!-- configuration:end -->"


def _code(text: str | None) -> str:
    return f"`{text}`" if text else ""


def _default(option: Option) -> str:
    shown = option.shown_default
    if not shown or option.kind is bool or shown.startswith("required"):
        return shown
    return _code(shown)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_configuration_table() -> str:
    """Markdown: the environment-only credentials first, then every setting of `aircall-mcp serve` in order."""
    lines = ["| Setting | Flag | Environment | Default |", "|---|---|---|---|"]
    lines += [f"| {label} | | {variables} | {default} |" for label, variables, default in ENVIRONMENT_ONLY]
    for option in options():
        label = _cell(option.help[:1].upper() + option.help[1:])
        lines.append(f"| {label} | {_code(option.source.flag)} | {_code(option.source.env)} | {_default(option)} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aircall_mcp.configtable", description=__doc__)
    parser.add_argument("file", type=Path, help="markdown file holding the configuration markers, e.g. README.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if the block is stale, change nothing")
    arguments = parser.parse_args(argv)
    document = arguments.file.read_text(encoding="utf-8")
    try:
        updated = replace_block(document, render_configuration_table(), (START_MARKER, END_MARKER))
    except ValueError as error:
        sys.stderr.write(f"{arguments.file}: {error}\n")
        return 2
    if updated == document:
        return 0
    if arguments.check:
        sys.stderr.write(
            f"{arguments.file}: configuration table is stale; run python -m aircall_mcp.configtable {arguments.file}\n"
        )
        return 1
    arguments.file.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
