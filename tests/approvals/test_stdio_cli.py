"""Proof over stdio: a real server process, a client that cannot elicit, and the approver's CLI in between.

Pending; the server restarts (the file store keeps the approval); the CLI approves; the same call runs once;
the call repeated needs a new approval; other arguments are not covered; a denial is said plainly.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from aircall_mcp.cli import main
from tests.cli.stdio_session import StdioSession, list_tools, start

GRANT = "areas: {tags: full}\ntools: {approve: [delete_tag]}\n"


def environment(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRCALL_", "XDG_STATE"))}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    return env


class Server:
    """One `aircall-mcp serve` process over stdio as agent `unattended`, with a counter for request ids."""

    def __init__(self, tmp_path: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "aircall_mcp",
            "serve",
            "--sandbox",
            "--agent",
            "unattended",
            "--grants",
            str(tmp_path / "grants"),
            "--audit-log",
            str(tmp_path / "audit.jsonl"),
            "--approvals-wait",
            "0",
        ]
        self.session: StdioSession = start(command, env=environment(tmp_path))
        assert "delete_tag" in list_tools(self.session)
        self.next_id = 10

    def call(self, tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
        self.next_id += 1
        self.session.send(
            {
                "jsonrpc": "2.0",
                "id": self.next_id,
                "method": "tools/call",
                "params": {"name": tool, "arguments": arguments},
            }
        )
        result = self.session.response(self.next_id)["result"]
        return bool(result.get("isError")), result["content"][0]["text"]

    def stop(self) -> None:
        _, code = self.session.close()
        assert code == 0


def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["approvals", *argv, "--audit-log", str(tmp_path / "audit.jsonl")], env=environment(tmp_path))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def approval_id(text: str) -> str:
    found = re.search(r"apr_[0-9a-f]+", text)
    assert found is not None, text
    return found.group(0)


def test_security_stdio_agent_waits_for_the_cli_approval_which_runs_the_call_exactly_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "grants").mkdir()
    (tmp_path / "grants" / "unattended.yaml").write_text(GRANT, encoding="utf-8")

    server = Server(tmp_path)
    _, listed = server.call("list_tags", {})
    tags = sorted(tag["id"] for tag in json.loads(listed)["tags"])
    failed, pending = server.call("delete_tag", {"tag_id": tags[0]})
    assert failed
    assert "is pending" in pending
    first = approval_id(pending)
    server.stop()  # a restart in between: the file store keeps the pending approval

    code, out, _ = cli(capsys, tmp_path, "list")
    assert code == 0
    assert first in out
    assert "pending" in out
    assert f"delete tag {tags[0]}" in out
    code, out, _ = cli(capsys, tmp_path, "show", first)
    assert json.loads(out)["arguments"] == {"tag_id": tags[0]}
    code, out, _ = cli(capsys, tmp_path, "approve", first, "--by", "ops@example.com")
    assert code == 0
    assert f"{first} approved by ops@example.com" in out
    code, _, err = cli(capsys, tmp_path, "approve", first)
    assert code == 1
    assert "already approved by ops@example.com" in err

    server = Server(tmp_path)
    failed, ran = server.call("delete_tag", {"tag_id": tags[0]})
    assert not failed, ran
    failed, repeated = server.call("delete_tag", {"tag_id": tags[0]})
    assert failed
    assert "is pending" in repeated
    assert approval_id(repeated) != first
    failed, other = server.call("delete_tag", {"tag_id": tags[1]})
    assert failed
    other_id = approval_id(other)
    assert other_id not in (first, approval_id(repeated))
    code, _, _ = cli(capsys, tmp_path, "deny", other_id, "--by", "ops", "--reason", "that tag stays")
    assert code == 0
    failed, denied = server.call("delete_tag", {"tag_id": tags[1]})
    assert failed
    assert f"An operator denied approval {other_id}" in denied
    assert "that tag stays" in denied
    server.stop()

    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    deletes = [line for line in lines if line["tool"] == "delete_tag" and line["phase"] != "approval"]
    assert [(line["phase"], line["decision"]) for line in deletes] == [
        ("outcome", "pending"),
        ("intent", "approved"),
        ("outcome", "approved"),
        ("outcome", "pending"),
        ("outcome", "pending"),
        ("outcome", "declined"),
    ]
    steps = [(line["decision"], line["transport"]) for line in lines if line["phase"] == "approval"]
    assert steps == [
        ("pending", "stdio"),
        ("approved", "cli"),
        ("pending", "stdio"),
        ("pending", "stdio"),
        ("declined", "cli"),
    ]
    capsys.readouterr()
    assert main(["audit", "verify", str(tmp_path / "audit.jsonl")], env=environment(tmp_path)) == 0


def test_serve_refuses_an_approval_ttl_of_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "grants").mkdir()
    (tmp_path / "grants" / "unattended.yaml").write_text(GRANT, encoding="utf-8")
    argv = ["serve", "--agent", "unattended", "--grants", str(tmp_path / "grants"), "--approvals-ttl", "0"]
    assert main(argv, env=environment(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "--approvals-ttl" in err
    assert "greater than 0" in err


def test_approvals_command_needs_an_id_to_act_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, tmp_path, "approve")
    assert code == 2
    assert "approvals approve needs the approval's id" in err
    code, out, _ = cli(capsys, tmp_path, "list")
    assert code == 0
    assert out == "no approvals\n"
