"""Several processes appending to one file, and a process killed mid-run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from aircall_mcp.audit import AuditLog, rotated_files, verify
from tests.audit.audit_helpers import event, records

# argv: path, writer name, records to write (-1: until killed), max_bytes ("none" for no rotation)
WRITER = """
import sys
from aircall_mcp.audit import AuditEvent, AuditLog

path, name, count, max_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
log = AuditLog(path, max_bytes=None if max_bytes == "none" else int(max_bytes), backups=10_000,
               secrets=["writer-secret-token-0123456789"])
i = 0
while i != count:
    log.record(AuditEvent(agent=name, transport="stdio", tool="get_call", decision="allowed", session_id=name,
                          arguments={"call_id": i, "note": "n" * (i % 300), "echo": "writer-secret-token-0123456789"},
                          action=f"get call {i}", http_status=200, duration_ms=1.0))
    i += 1
"""


def _start(path: Path, name: str, count: int, max_bytes: int | None = None) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-c", WRITER, str(path), name, str(count), str(max_bytes or "none")]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(writers: list[subprocess.Popen[bytes]]) -> None:
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()


def test_four_processes_append_one_whole_line_per_record_to_one_chain(log_path: Path) -> None:
    """4 x 300 records from separate processes: 1,200 JSON lines, each writer's own order kept, chain intact."""
    writers = [_start(log_path, f"writer{n}", 300) for n in range(4)]
    _finish(writers)
    lines = records(log_path)
    assert len(lines) == 1200
    assert [line["seq"] for line in lines] == list(range(1, 1201))
    for n in range(4):
        own = [line["arguments"]["call_id"] for line in lines if line["agent"] == f"writer{n}"]
        assert own == list(range(300))
    report = verify(log_path)
    assert report.ok, report
    assert "writer-secret-token-0123456789" not in log_path.read_text(encoding="utf-8")


def test_processes_rotating_one_file_lose_no_line(log_path: Path) -> None:
    """Rotation under the shared lock: every record lands in exactly one file and the chain spans them."""
    writers = [_start(log_path, f"writer{n}", 150, max_bytes=20_000) for n in range(3)]
    _finish(writers)
    files = rotated_files(log_path)
    assert len(files) > 3
    lines = [line for file in files for line in records(file)]
    assert len(lines) == 450
    assert [line["seq"] for line in lines] == list(range(1, 451))
    report = verify(log_path, include_rotated=True)
    assert report.ok, report


def test_process_killed_mid_run_leaves_a_verifiable_file(log_path: Path) -> None:
    """SIGKILL during a stream of writes: verify accepts the file (at worst a truncated last line) and the
    next writer continues the chain."""
    writer = _start(log_path, "doomed", -1)
    try:
        for _ in range(3000):  # bounded wait for the writer to get going
            if log_path.exists() and log_path.read_bytes().count(b"\n") >= 300:
                break
            time.sleep(0.005)
        else:
            raise AssertionError("the writer never wrote 300 lines")
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL

    report = verify(log_path)
    assert report.ok or report.problem == "truncated last line", report
    written = report.lines_checked - (0 if report.ok else 1)
    assert written >= 300

    with AuditLog(log_path) as log:
        log.record(event(agent="survivor"))
    report = verify(log_path)
    assert report.ok, report
    last = json.loads(log_path.read_bytes().splitlines()[-1])
    assert (last["agent"], last["seq"]) == ("survivor", written + 1)
