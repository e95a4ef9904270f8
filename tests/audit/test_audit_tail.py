"""`audit tail`: summaries, filters and follow mode, with no real sleeping."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aircall_mcp.audit import AuditLog, rotated_files, tail, tail_command
from tests.audit.audit_helpers import StepClock, event


def _mixed_log(path: Path) -> AuditLog:
    log = AuditLog(path, clock=StepClock())
    log.record(event())
    log.record(event(agent="analyst", tool="delete_call", action="delete call 9", decision="denied", rule="tools.deny"))
    log.record(event(agent="analyst", tool="get_call", action="get call 9", access="read"))
    log.record(event(tool="delete_contact", action="delete contact 5", decision="confirmed", http_status=204))
    return log


def test_tail_prints_timestamped_summaries(log_path: Path) -> None:
    """Each line is the timestamp then the sentence."""
    _mixed_log(log_path).close()
    out = io.StringIO()
    assert tail(log_path, lines=2, out=out) == 2
    assert out.getvalue().splitlines() == [
        "2025-03-14T09:26:53.592Z  analyst asked to get call 9: allowed, done in 180 ms (HTTP 201).",
        "2025-03-14T09:26:53.593Z  support-agent asked to delete contact 5: confirmed by the user, done in 180 ms "
        "(HTTP 204).",
    ]


def test_tail_filters_by_agent_tool_and_decision(log_path: Path) -> None:
    """Filters combine."""
    _mixed_log(log_path).close()

    def shown(agent: str | None = None, tool: str | None = None, decision: str | None = None) -> list[str]:
        out = io.StringIO()
        tail(log_path, out=out, agent=agent, tool=tool, decision=decision)
        return [line.split("  ", 1)[1] for line in out.getvalue().splitlines()]

    assert len(shown(agent="analyst")) == 2
    assert shown(tool="delete_call") == [
        "analyst asked to delete call 9: denied by tools.deny; nothing was sent to Aircall."
    ]
    assert len(shown(decision="confirmed")) == 1
    assert shown(agent="analyst", decision="allowed") == [
        "analyst asked to get call 9: allowed, done in 180 ms (HTTP 201)."
    ]
    assert shown(agent="nobody") == []


def test_follow_prints_lines_written_while_it_waits(log_path: Path) -> None:
    """Each poll the injected sleep writes a record; the stop callback ends the loop."""
    log = _mixed_log(log_path)
    polls: list[float] = []

    def sleep(interval: float) -> None:
        polls.append(interval)
        log.record(event(agent="late-agent", action=f"get call {len(polls)}"))

    out = io.StringIO()
    printed = tail(
        log_path, follow=True, lines=0, out=out, sleep=sleep, stop=lambda: len(polls) >= 3, poll_interval=0.2
    )
    log.close()
    texts = out.getvalue().splitlines()
    assert printed == 2
    assert [text.split("  ", 1)[1].split(":")[0] for text in texts] == [
        "late-agent asked to get call 1",
        "late-agent asked to get call 2",
    ]
    assert polls == [0.2, 0.2, 0.2]


def test_follow_keeps_up_across_rotation(log_path: Path) -> None:
    """Lines appended just before a rotation and the ones after it are all printed, once."""
    log = AuditLog(log_path, max_bytes=2000, backups=50)
    log.record(event())
    polls: list[float] = []

    def sleep(interval: float) -> None:
        polls.append(interval)
        for _ in range(3):
            log.record(event(session_id=f"poll{len(polls)}"))

    out = io.StringIO()
    printed = tail(log_path, follow=True, lines=0, out=out, sleep=sleep, stop=lambda: len(polls) >= 4)
    log.close()
    assert printed == 9


def test_follow_waits_for_a_line_to_be_complete(log_path: Path) -> None:
    """Half a line is held back until its newline arrives."""
    _mixed_log(log_path).close()
    whole = log_path.read_bytes().splitlines(keepends=True)[0]
    steps = iter([whole[:40], whole[40:]])
    polls: list[int] = []

    def sleep(_: float) -> None:
        polls.append(1)
        with log_path.open("ab") as stream:
            stream.write(next(steps, b""))

    out = io.StringIO()
    tail(log_path, follow=True, lines=0, out=out, sleep=sleep, stop=lambda: len(polls) >= 3)
    assert len(out.getvalue().splitlines()) == 1


def test_tail_command_reports_a_missing_file(tmp_path: Path) -> None:
    """Exit code 2 and a message on the error stream."""
    err = io.StringIO()
    assert tail_command(tmp_path / "absent.jsonl", out=io.StringIO(), err=err) == 2
    assert "cannot read" in err.getvalue()


def test_tail_command_prints_and_exits_zero(log_path: Path) -> None:
    """The CLI glue returns 0 after printing."""
    _mixed_log(log_path).close()
    out = io.StringIO()
    assert tail_command(log_path, decision="denied", out=out) == 0
    assert "denied by tools.deny" in out.getvalue()


def _bytes_read_by_this_process() -> int:
    """The kernel's count of bytes this process has read (read, pread and friends), from /proc/self/io."""
    for line in Path("/proc/self/io").read_text(encoding="utf-8").splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("/proc/self/io has no rchar")


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io to count bytes read")
def test_tail_reads_from_the_end_not_the_whole_file(log_path: Path) -> None:
    """Scalability regression: `tail -n 3` behind 64 MiB of unreadable bytes reads only the last lines.

    The file starts with a 64 MiB hole (no newline anywhere, cheap to create): a reader that starts at the
    top would have to get through it; the kernel's byte count shows what was really read.
    """
    written = log_path.with_name("written.jsonl")
    with AuditLog(written, clock=StepClock()) as log:
        for number in range(10):
            log.record(event(action=f"get call {number}"))
    with log_path.open("wb") as stream:
        stream.truncate(64 * 1024 * 1024)
        stream.seek(0, 2)
        stream.write(b"\n" + written.read_bytes())
    out = io.StringIO()
    before = _bytes_read_by_this_process()
    assert tail(log_path, lines=3, out=out) == 3
    read = _bytes_read_by_this_process() - before
    assert [line.split("asked to ")[1].split(":")[0] for line in out.getvalue().splitlines()] == [
        "get call 7",
        "get call 8",
        "get call 9",
    ]
    assert read < 1024 * 1024, f"read {read} bytes for three lines"


def test_tail_keeps_reading_backwards_until_enough_lines_match(log_path: Path) -> None:
    """A filter that matches only old lines still finds the newest N of them, in file order."""
    with AuditLog(log_path, clock=StepClock()) as log:
        for number in range(5):
            log.record(event(agent="analyst", action=f"get call {number}"))
        for number in range(3000):
            log.record(event(action=f"tag call {number}"))
    out = io.StringIO()
    assert tail(log_path, lines=2, agent="analyst", out=out) == 2
    assert [line.split("asked to ")[1].split(":")[0] for line in out.getvalue().splitlines()] == [
        "get call 3",
        "get call 4",
    ]


def test_tail_continues_into_rotated_files_when_the_current_one_has_too_few(log_path: Path) -> None:
    """-n 6 over files of two lines each: the last six lines, oldest first, across PATH.2, PATH.1 and PATH."""
    with AuditLog(log_path, max_bytes=2000, backups=10, clock=StepClock()) as log:
        for number in range(9):
            log.record(event(action=f"get call {number}"))
    assert len(rotated_files(log_path)) > 3
    out = io.StringIO()
    assert tail(log_path, lines=6, out=out) == 6
    assert [line.split("asked to ")[1].split(":")[0] for line in out.getvalue().splitlines()] == [
        f"get call {number}" for number in range(3, 9)
    ]
    everything = io.StringIO()
    assert tail(log_path, lines=100, out=everything) == 9


def test_tail_filters_across_rotated_files(log_path: Path) -> None:
    """The filter applies to the rotated files too."""
    with AuditLog(log_path, max_bytes=2000, backups=10, clock=StepClock()) as log:
        log.record(event(agent="analyst", action="get call 1"))
        for number in range(8):
            log.record(event(action=f"tag call {number}"))
    out = io.StringIO()
    assert tail(log_path, lines=5, agent="analyst", out=out) == 1
    assert "analyst asked to get call 1" in out.getvalue()


def test_tail_skips_a_line_still_being_written_then_prints_it_when_complete(log_path: Path) -> None:
    """The unfinished last line is not shown by the backward read; follow prints it once its newline comes."""
    _mixed_log(log_path).close()
    lines = log_path.read_bytes().splitlines(keepends=True)
    log_path.write_bytes(b"".join(lines[:-1]) + lines[-1][:50])
    polls: list[int] = []

    def sleep(_: float) -> None:
        polls.append(1)
        with log_path.open("ab") as stream:
            stream.write(lines[-1][50:] if len(polls) == 1 else b"")

    out = io.StringIO()
    tail(log_path, lines=1, follow=True, out=out, sleep=sleep, stop=lambda: len(polls) >= 2)
    shown = [line.split("  ", 1)[1].split(":")[0] for line in out.getvalue().splitlines()]
    assert shown == ["analyst asked to get call 9", "support-agent asked to delete contact 5"]


def test_tail_ignores_lines_that_are_not_audit_records(log_path: Path) -> None:
    """Garbage, blank lines and JSON without a summary are skipped, not counted."""
    _mixed_log(log_path).close()
    with log_path.open("ab") as stream:
        stream.write(b'not json\n\n[1, 2]\n{"agent": "support-agent"}\n')
    out = io.StringIO()
    assert tail(log_path, lines=1, out=out) == 1
    assert "delete contact 5" in out.getvalue()
