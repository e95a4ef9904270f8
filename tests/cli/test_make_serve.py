"""`make serve` as a client starts it: everything on stdout is MCP (make's own echo once corrupted the stream)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.cli.stdio_session import list_tools, start

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed (.ci/run installs it)")
def test_make_serve_writes_nothing_but_protocol_on_stdout(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRCALL_", "XDG_", "MAKE"))}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    session = start(["make", "serve"], env=env, cwd=REPO)
    tools = list_tools(session)
    _, code = session.close()
    assert "list_calls" in tools
    assert code == 0
    assert session.stdout_lines, "the server answered nothing"
    # response() parsed every line as JSON-RPC as it read it; the lines after the session must be JSON too.
    assert all(line.startswith("{") for line in session.stdout_lines), session.stdout_lines


def test_the_setup_and_serve_recipes_echo_nothing_on_stdout() -> None:
    """Security of the stream: a recipe line without `@` is echoed by make onto the protocol's stdout."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipes = re.findall(r"^(\$\(STAMP\)|serve):.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert {target for target, _ in recipes} == {"$(STAMP)", "serve"}
    for target, body in recipes:
        for line in body.splitlines():
            assert line.startswith("\t@"), f"{target}: {line!r} would be echoed on stdout"
