"""`aircall-mcp grants token` and the HTTP options of `aircall-mcp serve`, through the real entry point."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aircall_mcp.cli import main
from aircall_mcp.grants import hash_token
from aircall_mcp.grants.store import TOKEN_PREFIX


def test_grants_token_prints_a_token_once_and_the_hash_line_for_the_grant_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["grants", "token", "alpha", "--grants", str(tmp_path)], env={})
    out = capsys.readouterr().out

    assert code == 0
    tokens = re.findall(rf"{TOKEN_PREFIX}[A-Za-z0-9_-]+", out)
    lines = re.findall(r"^\s*- (sha256:[0-9a-f]{64})$", out, flags=re.MULTILINE)
    assert len(tokens) == 1
    assert len(lines) == 1
    assert out.count(tokens[0]) == 1
    assert hash_token(tokens[0]) == lines[0]
    assert str(tmp_path / "alpha.yaml") in out
    assert "tokens:" in out


def test_grants_token_mints_a_different_token_each_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["grants", "token", "alpha", "--grants", str(tmp_path)], env={})
    main(["grants", "token", "alpha", "--grants", str(tmp_path)], env={})
    tokens = re.findall(rf"{TOKEN_PREFIX}[A-Za-z0-9_-]+", capsys.readouterr().out)

    assert len(tokens) == 2
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--host", "0.0.0.0"], "--allowed-host"),
        (["--host", "0.0.0.0", "--allowed-host", "mcp.example.com", "--anonymous-agent", "alpha"], "--anonymous-agent"),
    ],
    ids=["no-allowed-host", "anonymous-off-loopback"],
)
def test_serve_refuses_unsafe_http_settings_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], named: str
) -> None:
    audit = tmp_path / "audit.jsonl"
    grants = tmp_path / "grants"
    grants.mkdir()
    (grants / "alpha.yaml").write_text("areas: {calls: read}\n", encoding="utf-8")  # an empty directory is refused
    argv = ["serve", "--transport", "http", "--sandbox", "--grants", str(grants), "--audit-log", str(audit), *extra]
    code = main(argv, env={})
    err = capsys.readouterr().err

    assert code == 2
    assert named in err
    assert not audit.exists()
