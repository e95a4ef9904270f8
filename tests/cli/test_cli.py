"""The command line as an operator uses it: real subprocesses for serving, main() for the one-shot commands."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from mcp import Client, StdioServerParameters

from aircall_mcp.audit import AuditEvent, AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.cli import main
from aircall_mcp.grants import GrantStore, decide

REPO = Path(__file__).resolve().parents[2]
REPO_GRANTS = REPO / "src" / "aircall_mcp" / "examples" / "grants"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRCALL_", "XDG_STATE"))}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    return env


def test_sandbox_command_answers_curl_style_requests_with_an_aircall_envelope(tmp_path: Path) -> None:
    """`aircall-mcp sandbox --port N` serves the seeded company to any Aircall client over loopback."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aircall_mcp", "sandbox", "--port", str(port)],
        env=_subprocess_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        response = None
        deadline = time.monotonic() + 30
        while response is None and time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx2.get(
                    f"http://127.0.0.1:{port}/v1/calls",
                    params={"per_page": 2},
                    auth=("sandbox-api-id", "sandbox-api-token"),
                    timeout=5,
                )
            except httpx2.TransportError:
                time.sleep(0.05)  # waiting for the process to bind its port, not timing anything
        assert response is not None, "the sandbox did not start listening"
        assert response.status_code == 200
        body = response.json()
        assert len(body["calls"]) == 2
        assert body["meta"]["per_page"] == 2
        assert body["meta"]["next_page_link"].startswith(f"http://127.0.0.1:{port}/v1/calls")
        assert int(response.headers["X-AircallApi-Limit"]) == 120
        unauthorized = httpx2.get(f"http://127.0.0.1:{port}/v1/calls", timeout=5)
        assert unauthorized.status_code == 401
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert b"curl -u sandbox-api-id:sandbox-api-token" in stderr


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_serve_over_stdio_on_the_sandbox_serves_the_agents_grant(tmp_path: Path, mode: str) -> None:
    """The quick start's server: a real subprocess speaking MCP on stdio, as agent support-agent."""
    audit_log = tmp_path / "audit.jsonl"
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            *("-m", "aircall_mcp", "serve", "--sandbox", "--agent", "support-agent"),
            *("--grants", str(REPO_GRANTS), "--audit-log", str(audit_log)),
        ],
        env=_subprocess_env(tmp_path),
    )
    grant = GrantStore(REPO_GRANTS, CATALOGUE).grant_for("support-agent")
    expected = sorted(ep.name for ep in CATALOGUE if decide(grant, ep).allowed)
    async with Client(params, mode=mode) as client:
        listed = sorted(tool.name for tool in (await client.list_tools()).tools)
        assert listed == expected
        result = await client.call_tool("list_calls", {"per_page": 1})
        assert not result.is_error
        assert len(result.structured_content["calls"]) == 1
        refused = await client.call_tool("delete_contact", {"contact_id": 1})
        assert refused.is_error
        assert "Not permitted" in refused.content[0].text  # type: ignore[union-attr]
    lines = [json.loads(line) for line in audit_log.read_text(encoding="utf-8").splitlines()]
    assert [(line["tool"], line["decision"]) for line in lines] == [
        ("list_calls", "allowed"),
        ("delete_contact", "denied"),
    ]
    assert all(line["transport"] == "stdio" and line["agent"] == "support-agent" for line in lines)


async def test_the_quick_start_server_writes_its_audit_in_the_default_state_directory(tmp_path: Path) -> None:
    """`make serve` on a fresh machine: no --audit-log, and the state directory does not exist yet."""
    env = _subprocess_env(tmp_path)
    assert not (tmp_path / "state").exists()
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "aircall_mcp", "serve", "--sandbox", "--grants", str(REPO_GRANTS), "--agent", "support-agent"],
        env=env,
    )
    async with Client(params, mode="legacy") as client:
        assert not (await client.call_tool("list_tags", {})).is_error
    default_log = tmp_path / "state" / "aircall-mcp" / "audit.jsonl"
    assert [json.loads(line)["tool"] for line in default_log.read_text(encoding="utf-8").splitlines()] == ["list_tags"]
    assert default_log.parent.stat().st_mode & 0o777 == 0o700


def test_serve_without_credentials_names_the_variables_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["serve", "--agent", "analyst", "--grants", str(REPO_GRANTS), "--audit-log", str(tmp_path / "a")], env={}
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "AIRCALL_API_ID" in err
    assert "AIRCALL_ACCESS_TOKEN" in err


def test_serve_with_half_set_credentials_names_the_missing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"AIRCALL_API_ID": "id-only"}
    code = main(
        ["serve", "--agent", "analyst", "--grants", str(REPO_GRANTS), "--audit-log", str(tmp_path / "a")], env=env
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "AIRCALL_API_TOKEN" in err
    assert "id-only" not in err


def test_serve_refuses_to_start_with_a_broken_grant_for_its_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grants = tmp_path / "grants"
    grants.mkdir()
    (grants / "support-agent.yaml").write_text("areas:\n  calls: wrte\n", encoding="utf-8")
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}
    code = main(["serve", "--sandbox", "--agent", "support-agent", "--grants", str(grants)], env=env)
    assert code == 2
    err = capsys.readouterr().err
    assert "support-agent.yaml" in err
    assert "write" in err  # the nearest valid level is suggested
    assert not (tmp_path / "state").exists()  # a refused start leaves nothing behind


def test_serve_refuses_an_agent_without_a_grant_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}
    code = main(["serve", "--sandbox", "--agent", "nobody", "--grants", str(REPO_GRANTS)], env=env)
    assert code == 2
    assert "nobody" in capsys.readouterr().err


def test_serve_over_stdio_needs_an_agent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--sandbox", "--grants", str(REPO_GRANTS)], env={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert code == 2
    assert "--agent" in capsys.readouterr().err


def test_grants_check_passes_on_the_example_grants(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grants", "check", "--grants", str(REPO_GRANTS)], env={}) == 0
    assert "ok" in capsys.readouterr().out


def test_grants_check_fails_and_explains_a_typo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "support-agent.yaml").write_text("tools:\n  deny: [tag_calls]\n", encoding="utf-8")
    assert main(["grants", "check", "--grants", str(tmp_path)], env={}) == 1
    out = capsys.readouterr().out
    assert "support-agent.yaml" in out
    assert "did you mean 'tag_call'" in out


def test_grants_show_explains_every_tool_in_plain_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grants", "show", "support-agent", "--grants", str(REPO_GRANTS)], env={}) == 0
    out = capsys.readouterr().out
    for endpoint in CATALOGUE:
        assert endpoint.name in out


def _write_audit(path: Path) -> None:
    with AuditLog(path) as log:
        for agent, tool in [("analyst", "list_calls"), ("support-agent", "tag_call"), ("analyst", "get_call")]:
            log.record(AuditEvent(agent=agent, transport="stdio", tool=tool, decision="allowed", action=f"call {tool}"))


def test_audit_verify_accepts_an_intact_file_and_names_the_first_altered_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "audit.jsonl"
    _write_audit(path)
    assert main(["audit", "verify", str(path)], env={}) == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("support-agent", "analyst")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["audit", "verify", str(path)], env={}) != 0
    assert "line 2" in capsys.readouterr().out


def test_audit_tail_prints_summaries_filtered_by_agent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.jsonl"
    _write_audit(path)
    assert main(["audit", "tail", str(path), "--agent", "analyst"], env={}) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert all("analyst asked to" in line for line in out)


def test_audit_tail_reads_the_log_named_by_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.jsonl"
    _write_audit(path)
    assert main(["audit", "tail", "--tool", "tag_call"], env={"AIRCALL_MCP_AUDIT_LOG": str(path)}) == 0
    assert "support-agent asked to call tag_call" in capsys.readouterr().out
