"""The server starts honestly: it checks the Aircall credentials once, says where it talks to, and reports a
port in use before it says it is serving. Real processes; Aircall is the sandbox on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import start_blocking_portal

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.grants import GrantStore, decide
from aircall_mcp.sandbox import SandboxConfig, SandboxHandle, running_sandbox
from tests.cli.stdio_session import list_tools, start

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"
SERVE = [sys.executable, "-m", "aircall_mcp", "serve", "--agent", "support-agent", "--grants", str(EXAMPLES)]


def _env(tmp_path: Path, **aircall: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRCALL_", "XDG_"))}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    return {**env, **aircall}


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    """A sandbox Aircall on loopback, in a thread of its own, for server processes started by sync tests."""
    with (
        start_blocking_portal(backend="asyncio") as portal,
        portal.wrap_async_context_manager(running_sandbox(SandboxConfig())) as handle,
    ):
        yield handle


def _support_agent_tools() -> list[str]:
    grant = GrantStore(EXAMPLES, CATALOGUE).grant_for("support-agent")
    return sorted(ep.name for ep in CATALOGUE if decide(grant, ep).allowed)


@pytest.mark.parametrize(
    ("credentials", "named"),
    [
        ({"AIRCALL_API_ID": "wrong-id", "AIRCALL_API_TOKEN": "wrong-token"}, "AIRCALL_API_ID and AIRCALL_API_TOKEN"),
        ({"AIRCALL_ACCESS_TOKEN": "wrong-oauth-token"}, "AIRCALL_ACCESS_TOKEN"),
    ],
)
def test_wrong_credentials_stop_the_start_up_naming_the_variables(
    tmp_path: Path, sandbox: SandboxHandle, credentials: dict[str, str], named: str
) -> None:
    env = _env(tmp_path, AIRCALL_BASE_URL=sandbox.base_url, **credentials)
    result = subprocess.run(SERVE, env=env, capture_output=True, text=True, timeout=60, check=False, stdin=None)
    assert result.returncode == 2
    assert f"Aircall at {sandbox.base_url} refused the credentials" in result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for secret in credentials.values():
        assert secret not in result.stderr
    assert not (tmp_path / "state").exists()  # stopped before the audit was opened


def test_accepted_credentials_are_logged_with_the_base_url_and_auth_mode_never_the_secret(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    api_id, api_token = sandbox.auth
    env = _env(tmp_path, AIRCALL_BASE_URL=sandbox.base_url, AIRCALL_API_ID=api_id, AIRCALL_API_TOKEN=api_token)
    session = start(SERVE, env=env)
    assert list_tools(session) == _support_agent_tools()
    stderr, code = session.close()
    assert code == 0
    assert f"Aircall API at {sandbox.base_url}, authenticating with an API key (HTTP Basic)" in stderr
    assert "Aircall accepted the credentials" in stderr
    assert api_token not in stderr
    assert api_id not in stderr


def test_an_unreachable_aircall_is_a_warning_and_the_server_still_serves(tmp_path: Path) -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        env = _env(tmp_path, AIRCALL_BASE_URL=url, AIRCALL_API_ID="some-id", AIRCALL_API_TOKEN="some-token")
        session = start(SERVE, env=env)
        assert list_tools(session) == _support_agent_tools()
        stderr, code = session.close()
    assert code == 0
    assert f"could not check the Aircall credentials at {url}" in stderr
    assert "starting anyway" in stderr
    assert "some-token" not in stderr


def test_an_http_port_in_use_is_reported_before_any_serving_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                *(sys.executable, "-m", "aircall_mcp", "serve", "--sandbox", "--transport", "http"),
                *("--port", str(port), "--grants", str(EXAMPLES), "--anonymous-agent", "support-agent"),
            ],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr
    assert "serving" not in result.stderr
    assert "sandbox" not in result.stderr  # nothing was started before the port was checked
    assert "Traceback" not in result.stderr


def test_the_registry_sandbox_switch_serves_the_sandbox_without_credentials(tmp_path: Path) -> None:
    """server.json's AIRCALL_MCP_SANDBOX=true does what --sandbox does (registry clients set variables, not flags)."""
    session = start(SERVE, env=_env(tmp_path, AIRCALL_MCP_SANDBOX="true"))
    assert list_tools(session) == _support_agent_tools()
    stderr, code = session.close()
    assert code == 0
    assert "using the embedded Aircall sandbox" in stderr
