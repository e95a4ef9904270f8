"""`aircall-mcp init`: the example grants written where the server looks, and what to do next.

An installed package has no checkout to take `grants/` from, so the examples ship inside it. Existing files
are never overwritten: an operator's edited grant is never replaced by an example.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from aircall_mcp.locations import GRANT_SUFFIX, example_grants

EXAMPLE_AGENT = "support-agent"


class InitError(Exception):
    """The examples could not be written; the message names the path."""


@dataclass
class InitResult:
    directory: Path
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def write_examples(directory: Path) -> InitResult:
    """Copy every packaged example grant into `directory` (created if needed), keeping files already there."""
    result = InitResult(directory.absolute())
    if directory.exists() and not directory.is_dir():
        raise InitError(f"{directory} is a file, not a directory: give --grants a directory to write grants into")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        examples = sorted(
            (entry for entry in example_grants().iterdir() if entry.name.endswith(GRANT_SUFFIX)),
            key=lambda entry: entry.name,
        )
        for example in examples:
            try:
                # "x": created here or not at all, so a file that appears meanwhile is not overwritten either.
                with (directory / example.name).open("xb") as target:
                    target.write(example.read_bytes())
            except FileExistsError:
                result.kept.append(example.name)
            else:
                result.written.append(example.name)
    except OSError as exc:
        raise InitError(f"cannot write the example grants to {directory}: {exc.strerror or exc}") from exc
    return result


def launcher() -> list[str]:
    """How this process was started, as a client config's command and first arguments."""
    script = Path(sys.argv[0])
    if script.name.startswith("aircall-mcp") and script.is_file():
        return [str(script.absolute())]
    return [sys.executable, "-m", "aircall_mcp"]


def next_steps(result: InitResult, *, default_location: bool, command: Sequence[str]) -> str:
    """What `init` prints: what it wrote, the command that serves, and a client config with real paths."""
    directory = result.directory
    lines: list[str] = []
    if result.written:
        lines.append(f"Wrote {len(result.written)} example grant(s) to {directory}: {', '.join(result.written)}")
    if result.kept:
        lines.append(f"Kept, not overwritten (already in {directory}): {', '.join(result.kept)}")
    grants_args = [] if default_location else ["--grants", str(directory)]
    serve = " ".join(["aircall-mcp", "serve", "--sandbox", "--agent", EXAMPLE_AGENT, *grants_args])
    config = {
        "mcpServers": {
            "aircall": {
                "command": command[0],
                "args": [*command[1:], "serve", "--sandbox", "--agent", EXAMPLE_AGENT, "--grants", str(directory)],
            }
        }
    }
    lines += [
        "",
        "Each file is one agent's grant: what that agent may do (aircall-mcp grants show NAME explains it).",
        "",
        "Serve MCP over stdio against the embedded Aircall sandbox (no Aircall account needed):",
        f"  {serve}",
        "",
        "Client config (Claude Desktop's claude_desktop_config.json; other clients take the same command and",
        'args). For your Aircall account, drop "--sandbox" and add "env": {"AIRCALL_API_ID": "...",',
        '"AIRCALL_API_TOKEN": "..."}. With uvx, use "command": "uvx" and put "aircall-mcp" first in "args".',
        "",
        json.dumps(config, indent=2),
    ]
    return "\n".join(lines)


def init_command(directory: Path, *, default_location: bool, out: TextIO) -> int:
    result = write_examples(directory)
    out.write(next_steps(result, default_location=default_location, command=launcher()) + "\n")
    return 0
