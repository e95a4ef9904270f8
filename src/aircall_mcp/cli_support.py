"""Command-line behaviour shared by the sub-commands, kept out of cli.py so cli.py stays a table of commands.

- `--log-level` is accepted before or after the sub-command, and a bad level is refused by argparse (usage
  and exit 2, no traceback).
- Output piped into `head` ends quietly when the reader goes away.
- An agent name with no grant file gets a did-you-mean, as grant file errors do.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aircall_mcp.grants import GrantStore

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# What a shell reports for a process ended by SIGPIPE (128 + 13), the usual fate of `cmd | head`'s writer.
BROKEN_PIPE_EXIT = 141


def add_log_level(parser: argparse.ArgumentParser, *, default: str = "INFO") -> None:
    """Add --log-level to `parser` and to every sub-command under it, so its place on the line is free."""
    help_text = f"level of aircall-mcp's own stderr log (default {default}; libraries: WARNING)"
    parser.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, default=default, help=help_text)
    _add_to_subcommands(parser, help_text)


def _add_to_subcommands(parser: argparse.ArgumentParser, help_text: str) -> None:
    # argparse has no public way to list sub-parsers; its _SubParsersAction is stable since Python 3.2.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                # SUPPRESS: a sub-command that was not given the option leaves the program-level value alone.
                sub.add_argument(
                    "--log-level", type=str.upper, choices=LOG_LEVELS, default=argparse.SUPPRESS, help=help_text
                )
                _add_to_subcommands(sub, help_text)


def unknown_agent(store: GrantStore, agent: str) -> str | None:
    """Why there is nothing to show for `agent` (no grant file), with the nearest names; None if it has one."""
    if store.path_for(agent).is_file():
        return None
    known = store.agents()
    close = difflib.get_close_matches(agent, known, n=1)
    if close:
        hint = f": did you mean '{close[0]}'?"
    elif known:
        hint = f"; agents with a grant file: {', '.join(known)}"
    else:
        hint = ""
    return f"no grant file for agent '{agent}' in {store.directory}{hint}"


def silence_stdout() -> None:
    """After the reader of stdout went away: point stdout at devnull, so the flush at exit raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a file descriptor (embedded, or captured): nothing will flush to the pipe
