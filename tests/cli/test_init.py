"""`aircall-mcp init` and where the server looks for grants when nobody says: a first run without a checkout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aircall_mcp.cli import main
from aircall_mcp.locations import (
    GrantsDirectoryError,
    GrantsLocation,
    check_grants_dir,
    example_grants,
    resolve_grants_dir,
)

EXAMPLE_NAMES = ["admin.yaml", "analyst.yaml", "contact-intake.yaml", "support-agent.yaml"]


def _config_env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state")}


def test_init_writes_the_four_example_grants_with_their_comments_into_the_default_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _config_env(tmp_path)
    assert main(["init"], env=env) == 0
    target = tmp_path / "config" / "aircall-mcp" / "grants"
    assert sorted(p.name for p in target.iterdir()) == EXAMPLE_NAMES
    for name in EXAMPLE_NAMES:
        written = (target / name).read_text(encoding="utf-8")
        assert written == example_grants().joinpath(name).read_text(encoding="utf-8")
        assert written.startswith("# ")  # the use case is explained in the file itself
    out = capsys.readouterr().out
    assert f"Wrote 4 example grant(s) to {target}" in out
    assert "aircall-mcp serve --sandbox --agent support-agent\n" in out


def test_init_prints_a_client_config_with_the_real_grants_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--grants", str(tmp_path / "mine")], env=_config_env(tmp_path)) == 0
    out = capsys.readouterr().out
    config = json.loads(out[out.index('{\n  "mcpServers"') :])
    server = config["mcpServers"]["aircall"]
    assert Path(server["command"]).is_absolute()
    grants_arg = server["args"][server["args"].index("--grants") + 1]
    assert Path(grants_arg) == (tmp_path / "mine").absolute()
    assert server["args"][-6:] == ["serve", "--sandbox", "--agent", "support-agent", "--grants", grants_arg]
    assert f"aircall-mcp serve --sandbox --agent support-agent --grants {tmp_path / 'mine'}" in out


def test_init_never_overwrites_an_existing_grant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "grants"
    target.mkdir()
    mine = "# my own support agent\nareas:\n  calls: read\n"
    (target / "support-agent.yaml").write_text(mine, encoding="utf-8")
    assert main(["init", "--grants", str(target)], env=_config_env(tmp_path)) == 0
    assert (target / "support-agent.yaml").read_text(encoding="utf-8") == mine
    out = capsys.readouterr().out
    assert "Wrote 3 example grant(s)" in out
    assert "Kept, not overwritten" in out
    assert "support-agent.yaml" in out.split("Kept, not overwritten")[1].splitlines()[0]

    assert main(["init", "--grants", str(target)], env=_config_env(tmp_path)) == 0
    assert "Wrote" not in capsys.readouterr().out  # a second run changes nothing


def test_init_writes_where_aircall_mcp_grants_points(tmp_path: Path) -> None:
    env = {**_config_env(tmp_path), "AIRCALL_MCP_GRANTS": str(tmp_path / "from-env")}
    assert main(["init"], env=env) == 0
    assert sorted(p.name for p in (tmp_path / "from-env").iterdir()) == EXAMPLE_NAMES
    assert not (tmp_path / "config").exists()


def test_init_refuses_a_file_given_as_the_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "grants.yaml"
    a_file.write_text("areas: {}\n", encoding="utf-8")
    assert main(["init", "--grants", str(a_file)], env=_config_env(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "is a file, not a directory" in err
    assert a_file.read_text(encoding="utf-8") == "areas: {}\n"


def test_grants_directory_comes_from_the_flag_then_the_environment_then_dot_grants_then_the_default(
    tmp_path: Path,
) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "AIRCALL_MCP_GRANTS": str(tmp_path / "env")}
    assert resolve_grants_dir(tmp_path / "flag", env, cwd=tmp_path) == GrantsLocation(tmp_path / "flag", "--grants")
    assert resolve_grants_dir(None, env, cwd=tmp_path).path == tmp_path / "env"
    del env["AIRCALL_MCP_GRANTS"]
    default = tmp_path / "config" / "aircall-mcp" / "grants"
    assert resolve_grants_dir(None, env, cwd=tmp_path) == GrantsLocation(default, "the default")
    (tmp_path / "grants").mkdir()
    assert resolve_grants_dir(None, env, cwd=tmp_path) == GrantsLocation(Path("grants"), "./grants")


def test_serve_without_any_grants_directory_names_aircall_mcp_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./grants here
    code = main(["serve", "--sandbox", "--agent", "support-agent"], env=_config_env(tmp_path))
    assert code == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "config" / "aircall-mcp" / "grants") in err
    assert "does not exist" in err
    assert "run `aircall-mcp init`" in err
    assert not (tmp_path / "state").exists()


def test_a_missing_directory_a_file_and_an_empty_directory_get_three_different_messages(tmp_path: Path) -> None:
    a_file = tmp_path / "support-agent.yaml"
    a_file.write_text("areas: {}\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    messages = []
    for path in (tmp_path / "missing", a_file, empty):
        with pytest.raises(GrantsDirectoryError) as caught:
            check_grants_dir(GrantsLocation(path, "--grants"))
        messages.append(str(caught.value))
    missing, file, empty_message = messages
    assert "does not exist" in missing
    assert "aircall-mcp init --grants" in missing
    assert "is a file, not a directory" in file
    assert "has no grant files" in empty_message
    assert len(set(messages)) == 3
    check_grants_dir(GrantsLocation(Path(str(example_grants())), "--grants"))  # the examples pass


def test_serve_reports_an_empty_grants_directory_as_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "grants"
    empty.mkdir()
    assert main(["serve", "--sandbox", "--agent", "x", "--grants", str(empty)], env=_config_env(tmp_path)) == 2
    assert f"the grants directory {empty} (--grants) has no grant files" in capsys.readouterr().err


def test_init_creates_the_directory_with_its_parents(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "grants"
    assert main(["init", "--grants", str(deep)], env=_config_env(tmp_path)) == 0
    assert sorted(os.listdir(deep)) == EXAMPLE_NAMES
