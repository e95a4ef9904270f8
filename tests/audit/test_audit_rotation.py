"""Size-based rotation: no line lost, and the chain spans the files."""

from __future__ import annotations

from pathlib import Path

from aircall_mcp.audit import AuditLog, rotated_files, verify
from tests.audit.audit_helpers import event, records


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
