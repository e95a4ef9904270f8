"""Command-line edges found in trials: option placement, bad values, unknown agents, output piped into head."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aircall_mcp.audit import AuditEvent, AuditLog
from aircall_mcp.cli import main
from aircall_mcp.cli_support import BROKEN_PIPE_EXIT

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"


@pytest.fixture(autouse=True)
def _restore_log_level() -> Iterator[None]:
    logger = logging.getLogger("aircall_mcp")
    level = logger.level
    yield
    logger.setLevel(level)


def _run(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRCALL_")}
    return subprocess.run(
        [sys.executable, "-m", "aircall_mcp", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--log-level", "debug", "grants", "check", "--grants", str(EXAMPLES)],
        ["grants", "check", "--log-level", "debug", "--grants", str(EXAMPLES)],
        ["grants", "check", "--grants", str(EXAMPLES), "--log-level", "DEBUG"],
    ],
)
def test_log_level_is_accepted_before_or_after_the_sub_command(argv: list[str]) -> None:
    assert main(argv, env={}) == 0
    assert logging.getLogger("aircall_mcp").level == logging.DEBUG


def test_log_level_after_the_sub_command_wins_over_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grants", "check", "--grants", str(EXAMPLES), "--log-level", "error"], env={}) == 0
    assert logging.getLogger("aircall_mcp").level == logging.ERROR


@pytest.mark.parametrize("placement", ["before", "after"])
def test_an_invalid_log_level_is_refused_with_usage_and_no_traceback(placement: str) -> None:
    level = ["--log-level", "loud"]
    args = [*level, "grants", "check"] if placement == "before" else ["grants", "check", *level]
    result = _run(*args)
    assert result.returncode == 2
    assert "invalid choice: 'LOUD'" in result.stderr
    assert "DEBUG" in result.stderr
    assert "Traceback" not in result.stderr


def test_grants_show_for_an_unknown_agent_exits_non_zero_with_a_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["grants", "show", "suport-agent", "--grants", str(EXAMPLES)], env={}) == 1
    captured = capsys.readouterr()
    assert "no grant file for agent 'suport-agent'" in captured.err
    assert "did you mean 'support-agent'?" in captured.err
    assert captured.out == ""


def test_grants_show_for_a_name_nothing_like_an_agent_lists_the_agents(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grants", "show", "zzz", "--grants", str(EXAMPLES)], env={}) == 1
    assert "agents with a grant file: admin, analyst, contact-intake, support-agent" in capsys.readouterr().err


def _closed_pipe_run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run with stdout a pipe whose reader is already gone, as after `| head` has exited: every write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return _run(*args, stdout=write_end)
    finally:
        os.close(write_end)


def test_grants_show_piped_into_a_reader_that_went_away_ends_quietly() -> None:
    result = _closed_pipe_run("grants", "show", "support-agent", "--grants", str(EXAMPLES))
    assert result.stderr == ""
    assert result.returncode == BROKEN_PIPE_EXIT


def test_audit_tail_piped_into_a_reader_that_went_away_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as log:
        for number in range(50):
            log.record(
                AuditEvent(agent="analyst", transport="stdio", tool="get_call", decision="allowed", action=f"n{number}")
            )
    result = _closed_pipe_run("audit", "tail", str(path), "-n", "50")
    assert result.stderr == ""
    assert result.returncode == BROKEN_PIPE_EXIT


def test_audit_tail_into_head_prints_the_first_lines_and_nothing_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as log:
        for number in range(2000):  # more than a pipe buffer, so the writer meets the closed pipe
            log.record(
                AuditEvent(agent="analyst", transport="stdio", tool="get_call", decision="allowed", action=f"n{number}")
            )
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRCALL_")}
    tail = subprocess.Popen(
        [sys.executable, "-m", "aircall_mcp", "audit", "tail", str(path), "-n", "2000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert tail.stdout is not None
    first = tail.stdout.readline()
    tail.stdout.close()  # what head does after its lines
    _, stderr = tail.communicate(timeout=60)
    assert b"analyst asked to" in first
    assert stderr == b""
    assert tail.returncode in (0, BROKEN_PIPE_EXIT)


def test_a_bad_aircall_mcp_sandbox_value_names_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--agent", "analyst", "--grants", str(EXAMPLES)], env={"AIRCALL_MCP_SANDBOX": "maybe"})
    assert code == 2
    err = capsys.readouterr().err
    assert "AIRCALL_MCP_SANDBOX" in err
    assert "'maybe'" in err
    assert "true" in err
