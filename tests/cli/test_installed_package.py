"""The package as a user gets it: the wheel built from this tree, installed in a fresh venv, run from an empty
directory with no checkout in reach. This is issue 12's "done when"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.grants import GrantStore, decide
from tests.cli.stdio_session import list_tools, start

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "src" / "aircall_mcp" / "examples" / "grants"
SCRIPTS = "Scripts" if os.name == "nt" else "bin"


def _pip(*args: str) -> None:
    # The dev venv's pip does the work (`--python` targets the fresh venv), so the fresh venv needs no pip of its
    # own; dependencies come from the configured index, pinned by constraints.txt as in `make setup`.
    env = {**os.environ, "PIP_CONSTRAINT": str(REPO / "constraints.txt"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pip", *args], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.packaging
def test_the_wheel_in_a_fresh_venv_inits_and_serves_the_grants_tools_from_an_empty_directory(tmp_path: Path) -> None:
    _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path / "dist"), str(REPO))
    (wheel,) = (tmp_path / "dist").glob("aircall_mcp-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / SCRIPTS / "python"
    _pip("--python", str(python), "install", "--quiet", "--no-compile", str(wheel))

    empty = tmp_path / "empty"
    empty.mkdir()
    home = tmp_path / "home"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRCALL_", "XDG_", "PYTHON"))}
    env.update(HOME=str(home), USERPROFILE=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    env["XDG_STATE_HOME"] = str(home / ".local" / "state")
    command = str(venv / SCRIPTS / "aircall-mcp")

    where = subprocess.run(
        [str(python), "-c", "import aircall_mcp; print(aircall_mcp.__file__)"],
        env=env,
        cwd=empty,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), "the package must come from the fresh venv"

    init = subprocess.run(
        [command, "init"], env=env, cwd=empty, capture_output=True, text=True, timeout=120, check=False
    )
    assert init.returncode == 0, init.stderr
    grants = home / ".config" / "aircall-mcp" / "grants"
    assert f"Wrote 4 example grant(s) to {grants}" in init.stdout
    assert "aircall-mcp serve --sandbox --agent support-agent" in init.stdout
    assert list(empty.iterdir()) == []

    session = start([command, "serve", "--sandbox", "--agent", "support-agent"], env=env, cwd=empty)
    listed = list_tools(session)
    stderr, code = session.close()
    grant = GrantStore(EXAMPLES, CATALOGUE).grant_for("support-agent")
    assert listed == sorted(ep.name for ep in CATALOGUE if decide(grant, ep).allowed), stderr
    assert code == 0, stderr
    assert (home / ".local" / "state" / "aircall-mcp" / "audit.jsonl").parent.is_dir()
