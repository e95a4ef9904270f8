"""Size-based rotation: no line lost, and the chain spans the files."""

from __future__ import annotations

import io
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from aircall_mcp.audit import AuditLog, rotated_files, verify, verify_command
from aircall_mcp.cli import build_parser, main
from aircall_mcp.settings import Settings
from tests.audit.audit_helpers import event, records

REPO_GRANTS = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"


def test_rotation_loses_no_line_and_the_chain_spans_files(log_path: Path) -> None:
    """300 records in files of about 4 KB: every seq present once, in order, verified end to end."""
    with AuditLog(log_path, max_bytes=4096, backups=1000) as log:
        for i in range(300):
            log.record(event(arguments={"call_id": i}))
    files = rotated_files(log_path)
    assert len(files) > 10
    seqs = [line["seq"] for file in files for line in records(file)]
    assert seqs == list(range(1, 301))
    assert all(file.stat().st_size <= 4096 for file in files)
    report = verify(log_path, include_rotated=True)
    assert report.ok, report
    assert report.lines_checked == 300
    assert report.notes == ()


def test_first_line_after_rotation_chains_to_the_rotated_file(log_path: Path) -> None:
    """prev is the last hash of PATH.1, and rotated_from says so."""
    with AuditLog(log_path, max_bytes=1500, backups=3) as log:
        for _ in range(3):
            log.record(event())
    last_rotated = records(log_path.with_name("audit.jsonl.1"))[-1]
    first_current = records(log_path)[0]
    assert first_current["prev"] == last_rotated["hash"]
    assert first_current["rotated_from"] == "audit.jsonl"


def test_current_file_alone_verifies_with_a_note_about_its_predecessor(log_path: Path) -> None:
    """Checking PATH without its rotated files is still meaningful."""
    with AuditLog(log_path, max_bytes=1500, backups=3) as log:
        for _ in range(3):
            log.record(event())
    report = verify(log_path)
    assert report.ok
    assert "continues an older rotated file" in report.notes[0]


def test_backups_beyond_the_limit_are_dropped_oldest_first(log_path: Path) -> None:
    """Retention is the operator's choice; what remains still verifies."""
    with AuditLog(log_path, max_bytes=1500, backups=2) as log:
        for _ in range(10):
            log.record(event())
    assert [file.name for file in rotated_files(log_path)] == ["audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]
    assert verify(log_path, include_rotated=True).ok


def test_a_line_larger_than_max_bytes_is_written_alone(log_path: Path) -> None:
    """Rotation never refuses a line."""
    with AuditLog(log_path, max_bytes=500, backups=5) as log:
        log.record(event())
        log.record(event())
    assert len(records(log_path)) == 1
    assert verify(log_path, include_rotated=True).ok


def test_a_rotated_file_missing_from_the_middle_breaks_the_chain_where_it_was(log_path: Path) -> None:
    """Security regression: deleting PATH.2 (leaving a gap) used to shorten the check to PATH.1 and PATH."""
    with AuditLog(log_path, max_bytes=1500, backups=5) as log:
        for _ in range(4):
            log.record(event())
    log_path.with_name("audit.jsonl.2").unlink()
    assert [file.name for file in rotated_files(log_path)] == ["audit.jsonl.3", "audit.jsonl.1", "audit.jsonl"]
    report = verify(log_path, include_rotated=True)
    assert not report.ok
    assert (report.file, report.first_bad_line, report.problem) == (
        log_path.with_name("audit.jsonl.1"),
        1,
        "removed or inserted",
    )
    assert "audit.jsonl.2 is missing" in report.notes


def test_rotated_files_ignores_siblings_that_are_not_numbered_rotations(log_path: Path) -> None:
    """The lock file and other neighbours are not part of the chain."""
    with AuditLog(log_path, max_bytes=1500, backups=5) as log:
        for _ in range(2):
            log.record(event())
    log_path.with_name("audit.jsonl.bak").write_text("x", encoding="utf-8")
    log_path.with_name("audit.jsonl.0").write_text("x", encoding="utf-8")
    assert [file.name for file in rotated_files(log_path)] == ["audit.jsonl.1", "audit.jsonl"]


def _settings(tmp_path: Path, env: dict[str, str], *extra: str) -> Settings:
    """The serve settings these flags and this environment make (what `serve` would run with)."""
    return Settings.from_sources(vars(build_parser().parse_args(_serve_args(tmp_path, *extra))), env)


def _serve_args(tmp_path: Path, *extra: str) -> list[str]:
    audit_log = str(tmp_path / "audit.jsonl")
    return [
        "serve",
        "--sandbox",
        "--agent",
        "support-agent",
        "--grants",
        str(REPO_GRANTS),
        "--audit-log",
        audit_log,
        *extra,
    ]


async def test_serve_rotates_its_audit_by_the_size_and_keep_flags(tmp_path: Path) -> None:
    """A real server started with --audit-max-bytes/--audit-keep rotates, keeps that many files, and
    `audit verify` follows the chain across them."""
    log_path = tmp_path / "audit.jsonl"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRCALL_", "XDG_STATE"))}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "aircall_mcp", *_serve_args(tmp_path, "--audit-max-bytes", "2K", "--audit-keep", "3")],
        env=env,
    )
    async with Client(params, mode="legacy") as client:
        for _ in range(12):
            assert not (await client.call_tool("list_tags", {})).is_error
    assert [file.name for file in rotated_files(log_path)] == [
        "audit.jsonl.3",
        "audit.jsonl.2",
        "audit.jsonl.1",
        "audit.jsonl",
    ]
    assert all(file.stat().st_size <= 2048 for file in rotated_files(log_path))
    out = io.StringIO()
    assert verify_command([log_path], out=out) == 0
    assert out.getvalue().startswith("ok: ")
    # Retention dropped the oldest lines; the oldest kept file says where its chain came from.
    assert "continues an older rotated file" in out.getvalue()


def test_serve_rotation_settings_also_come_from_the_environment(tmp_path: Path) -> None:
    """AIRCALL_MCP_AUDIT_MAX_BYTES / AIRCALL_MCP_AUDIT_KEEP reach the options; flags win over them."""
    env = {"AIRCALL_MCP_AUDIT_MAX_BYTES": "10M", "AIRCALL_MCP_AUDIT_KEEP": "2"}
    given = _settings(tmp_path, env, "--audit-keep", "7")
    assert (given.audit_max_bytes, given.audit_keep) == (10 * 1024 * 1024, 7)
    defaults = _settings(tmp_path, {})
    assert (defaults.audit_max_bytes, defaults.audit_keep) == (None, 5)
    assert _settings(tmp_path, {}, "--audit-max-bytes", "4096").audit_max_bytes == 4096


@pytest.mark.parametrize(
    ("extra", "env", "named"),
    [
        (("--audit-max-bytes", "lots"), {}, "--audit-max-bytes"),
        (("--audit-max-bytes", "0"), {}, "--audit-max-bytes"),
        ((), {"AIRCALL_MCP_AUDIT_MAX_BYTES": "-5M"}, "AIRCALL_MCP_AUDIT_MAX_BYTES"),
        (("--audit-keep", "0"), {}, "--audit-keep"),
        ((), {"AIRCALL_MCP_AUDIT_KEEP": "many"}, "AIRCALL_MCP_AUDIT_KEEP"),
        (("--audit-max-age", "1w"), {}, "--audit-max-age"),
        ((), {"AIRCALL_MCP_AUDIT_MAX_AGE": "0h"}, "AIRCALL_MCP_AUDIT_MAX_AGE"),
    ],
)
def test_bad_rotation_settings_are_refused_naming_the_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], env: dict[str, str], named: str
) -> None:
    """Exit code 2 before anything starts, with the flag or variable and what would be valid."""
    assert main(_serve_args(tmp_path, *extra), env=env) == 2
    err = capsys.readouterr().err
    assert named in err
    assert "must be" in err
    assert not (tmp_path / "audit.jsonl").exists()


class _SettableClock:
    """Stays where it is put (the sink reads it for the timestamp and for the age check)."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_file_is_rotated_once_its_first_line_is_max_age_old(log_path: Path) -> None:
    """Age counts from the file's first line; the new file chains to the rotated one."""
    clock = _SettableClock()
    with AuditLog(log_path, max_age=timedelta(hours=1), backups=5, clock=clock) as log:
        log.record(event())
        clock.now += timedelta(minutes=59)
        log.record(event())
        assert not log_path.with_name("audit.jsonl.1").exists()
        clock.now += timedelta(minutes=1)
        log.record(event())
        clock.now += timedelta(minutes=30)
        log.record(event())
    assert [len(records(file)) for file in rotated_files(log_path)] == [2, 2]
    assert records(log_path)[0]["rotated_from"] == "audit.jsonl"
    assert verify(log_path, include_rotated=True).ok


def test_age_rotation_reads_the_age_of_a_file_written_by_another_process(log_path: Path) -> None:
    """A server restarted on an old file rotates it on its first line, not an hour later."""
    clock = _SettableClock()
    with AuditLog(log_path, clock=clock) as first:
        first.record(event())
    clock.now += timedelta(days=2)
    with AuditLog(log_path, max_age=timedelta(days=1), clock=clock) as second:
        second.record(event())
    assert [len(records(file)) for file in rotated_files(log_path)] == [1, 1]
    assert verify(log_path, include_rotated=True).ok


def test_age_rotation_leaves_a_file_that_does_not_start_with_an_audit_line_alone(log_path: Path) -> None:
    """No timestamp to go by: the file rotates by size only (and the sink does not crash)."""
    log_path.write_bytes(b"not an audit line\n")
    with AuditLog(log_path, max_age=timedelta(seconds=1), clock=_SettableClock()) as log:
        log.record(event())
    assert not log_path.with_name("audit.jsonl.1").exists()


def test_serve_rotation_age_comes_from_the_flag_or_the_environment(tmp_path: Path) -> None:
    """--audit-max-age / AIRCALL_MCP_AUDIT_MAX_AGE take s, m, h or d (seconds without a unit)."""

    def age(env: dict[str, str], *extra: str) -> timedelta | None:
        seconds = _settings(tmp_path, env, *extra).audit_max_age
        return None if seconds is None else timedelta(seconds=seconds)

    assert age({}, "--audit-max-age", "1d") == timedelta(days=1)
    assert age({"AIRCALL_MCP_AUDIT_MAX_AGE": "12h"}) == timedelta(hours=12)
    assert age({}, "--audit-max-age", "90") == timedelta(seconds=90)
    assert age({}) is None
