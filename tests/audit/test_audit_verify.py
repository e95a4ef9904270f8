"""Tamper evidence: verify names the first line that was altered, removed or inserted."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from aircall_mcp.audit import AuditLog, verify, verify_command
from aircall_mcp.audit.chain import computed_hash
from tests.audit.audit_helpers import event, records


def _write(path: Path, count: int = 6) -> list[bytes]:
    with AuditLog(path) as log:
        for i in range(count):
            log.record(event(arguments={"call_id": i}))
    return path.read_bytes().splitlines(keepends=True)


def _rewrite(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def test_intact_file_verifies(log_path: Path) -> None:
    """The writer's own output always verifies."""
    _write(log_path)
    report = verify(log_path)
    assert (report.ok, report.lines_checked, report.first_bad_line) == (True, 6, None)


def test_edited_line_is_reported_as_altered(log_path: Path) -> None:
    """Changing a decision from denied to allowed breaks that line's own hash."""
    lines = _write(log_path)
    lines[3] = lines[3].replace(b'"decision":"allowed"', b'"decision":"denied"')
    _rewrite(log_path, lines)
    report = verify(log_path)
    assert (report.ok, report.first_bad_line, report.problem) == (False, 4, "altered")


def test_edited_and_rehashed_line_is_reported_as_altered(log_path: Path) -> None:
    """Recomputing the edited line's hash moves the break to the next line, which points back at it."""
    lines = _write(log_path)
    record = json.loads(lines[2])
    record["agent"] = "someone-else"
    record["hash"] = computed_hash(record)
    lines[2] = json.dumps(record).encode() + b"\n"
    _rewrite(log_path, lines)
    report = verify(log_path)
    assert (report.first_bad_line, report.problem) == (3, "altered")


def test_removed_line_is_reported_at_the_line_after_the_gap(log_path: Path) -> None:
    """Deleting line 3 leaves line 4 (now the third line) pointing at nothing."""
    lines = _write(log_path)
    del lines[2]
    _rewrite(log_path, lines)
    report = verify(log_path)
    assert (report.ok, report.first_bad_line, report.problem) == (False, 3, "removed or inserted")


def test_removed_first_lines_are_reported_at_line_one(log_path: Path) -> None:
    """A file that does not start a chain (and does not continue a rotated one) lost its beginning."""
    lines = _write(log_path)
    _rewrite(log_path, lines[2:])
    report = verify(log_path)
    assert (report.first_bad_line, report.problem) == (1, "removed or inserted")


def test_duplicated_line_is_reported_as_inserted(log_path: Path) -> None:
    """Replaying a line is caught where the copy sits."""
    lines = _write(log_path)
    lines.insert(3, lines[2])
    _rewrite(log_path, lines)
    report = verify(log_path)
    assert (report.first_bad_line, report.problem) == (4, "removed or inserted")


def test_forged_line_that_chains_correctly_is_reported_as_inserted(log_path: Path) -> None:
    """A forger who computes prev, seq and hash is still named: the next line chains past the forgery."""
    lines = _write(log_path)
    forged = json.loads(lines[3])
    forged.update(agent="ghost", event_id="forged", tool="delete_call")
    forged["hash"] = computed_hash(forged)
    lines.insert(3, json.dumps(forged).encode() + b"\n")
    _rewrite(log_path, lines)
    report = verify(log_path)
    assert (report.first_bad_line, report.problem) == (4, "removed or inserted")


def test_line_copied_from_elsewhere_is_reported_where_it_was_put(log_path: Path) -> None:
    """An old line pasted later breaks the chain at the paste."""
    lines = _write(log_path)
    lines.insert(5, lines[0])
    _rewrite(log_path, lines)
    report = verify(log_path)
    assert (report.first_bad_line, report.problem) == (6, "removed or inserted")


def test_garbage_line_is_reported_as_not_json(log_path: Path) -> None:
    """A line that is not JSON is named as such."""
    lines = _write(log_path)
    lines.insert(1, b"hello\n")
    _rewrite(log_path, lines)
    report = verify(log_path)
    assert (report.first_bad_line, report.problem) == (2, "not JSON")


def test_partial_last_line_is_reported_distinctly_and_the_next_writer_recovers(log_path: Path) -> None:
    """An interrupted write is not tampering: verify says so, and the next record makes the file whole again."""
    lines = _write(log_path, 3)
    with log_path.open("ab") as stream:
        stream.write(lines[0][:57])
    report = verify(log_path)
    assert (report.ok, report.first_bad_line, report.problem) == (False, 4, "truncated last line")

    with AuditLog(log_path) as log:
        log.record(event())
    report = verify(log_path)
    assert report.ok, report
    assert report.lines_checked == 5
    assert "partial line" in report.notes[0]
    recovered = records_after_fragment(log_path)
    assert recovered["seq"] == 4
    assert recovered["after_partial_line"]["bytes"] == 57


def test_editing_a_recovered_fragment_is_detected(log_path: Path) -> None:
    """The fragment stays evidence: its hash is in the next line."""
    _write(log_path, 2)
    with log_path.open("ab") as stream:
        stream.write(b'{"partial":')
    with AuditLog(log_path) as log:
        log.record(event())
    tampered = log_path.read_bytes().replace(b'{"partial":', b'{"partiaX":')
    log_path.write_bytes(tampered)
    report = verify(log_path)
    assert (report.first_bad_line, report.problem) == (3, "not JSON")


def test_file_of_only_a_fragment_is_recovered(log_path: Path) -> None:
    """A writer killed during its very first line leaves a file the next writer can still start."""
    log_path.write_bytes(b'{"agent":"sup')
    with AuditLog(log_path) as log:
        log.record(event())
    assert verify(log_path).ok


def test_verify_command_prints_ok_and_exits_zero(log_path: Path) -> None:
    """The CLI glue reports the count."""
    _write(log_path)
    out = io.StringIO()
    assert verify_command([log_path], out=out) == 0
    assert out.getvalue() == "ok: 6 lines verified (audit.jsonl)\n"


def test_verify_command_names_the_bad_line_and_exits_non_zero(log_path: Path) -> None:
    """Reviewers get the line number and the kind of problem."""
    lines = _write(log_path)
    lines[1] = lines[1].replace(b"support-agent", b"support-agenT")
    _rewrite(log_path, lines)
    out = io.StringIO()
    assert verify_command([log_path], out=out) == 1
    assert out.getvalue().startswith("audit.jsonl: line 2: altered")


def test_verify_command_on_a_missing_file_exits_two(tmp_path: Path) -> None:
    """Unreadable is not the same as tampered."""
    out = io.StringIO()
    assert verify_command([tmp_path / "absent.jsonl"], out=out) == 2
    assert "cannot read" in out.getvalue()


def test_deleted_rotated_file_in_the_middle_is_detected(log_path: Path) -> None:
    """Verifying across files catches a whole rotated file taken out."""
    with AuditLog(log_path, max_bytes=1500, backups=5) as log:
        for _ in range(4):
            log.record(event())
    log_path.with_name("audit.jsonl.2").unlink()
    log_path.with_name("audit.jsonl.3").rename(log_path.with_name("audit.jsonl.2"))
    report = verify(log_path, include_rotated=True)
    assert not report.ok
    assert report.file == log_path.with_name("audit.jsonl.1")
    assert (report.first_bad_line, report.problem) == (1, "removed or inserted")


def records_after_fragment(path: Path) -> dict[str, Any]:
    line: dict[str, Any] = json.loads(path.read_bytes().splitlines()[-1])
    return line


@pytest.mark.parametrize("count", [0, 1])
def test_empty_and_single_line_files_verify(log_path: Path, count: int) -> None:
    """Edge sizes are fine."""
    log_path.touch()
    _write(log_path, count)
    assert verify(log_path).ok
    assert len(records(log_path)) == count
