"""The sink: what a line holds, one whole line per record from threads and tasks, and refusing to act unrecorded."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import stat
import threading
from datetime import datetime
from pathlib import Path

import pytest

from aircall_mcp.audit import AuditLog, AuditUnavailable, verify
from tests.audit.audit_helpers import StepClock, event, records

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_a_line_holds_every_field_the_issue_lists_plus_chain_and_summary(log_path: Path) -> None:
    """A reviewer can answer who, what, where and whether it was allowed from the line alone."""
    with AuditLog(log_path, clock=StepClock()) as log:
        event_id = log.record(event())
    (line,) = records(log_path)
    assert line["event_id"] == event_id
    assert line["ts"] == "2025-03-14T09:26:53.590Z"
    for name, value in {
        "agent": "support-agent",
        "transport": "stdio",
        "session_id": "s-1",
        "tool": "tag_call",
        "area": "calls",
        "access": "write",
        "arguments": {"call_id": 1234, "tags": [56]},
        "phase": "outcome",
        "decision": "allowed",
        "rule": "areas.calls=write",
        "upstream_method": "POST",
        "upstream_path": "/v1/calls/1234/tags",
        "http_status": 201,
        "retries": 0,
        "rate_limit_wait_ms": 0.0,
        "duration_ms": 180.0,
        "result_bytes": 42,
        "seq": 1,
        "prev": "0" * 64,
        "v": 1,
    }.items():
        assert line[name] == value, name
    assert line["summary"] == "support-agent asked to tag call 1234 with tags [56]: allowed, done in 180 ms (HTTP 201)."
    assert {"aircall_error", "error_kind", "error_message", "maybe_applied", "intent_id", "hash"} <= line.keys()


def test_timestamps_are_rfc3339_utc_with_milliseconds(log_path: Path) -> None:
    """The default clock writes UTC with a Z, never local time."""
    with AuditLog(log_path) as log:
        log.record(event())
    assert TS.match(records(log_path)[0]["ts"])


def test_outcome_line_points_at_its_intent_line(log_path: Path) -> None:
    """Writes are recorded before and after the upstream request, linked by intent_id."""
    with AuditLog(log_path) as log:
        intent = log.record(event(phase="intent"))
        log.record(event(intent_id=intent))
    first, second = records(log_path)
    assert (first["phase"], second["phase"]) == ("intent", "outcome")
    assert second["intent_id"] == first["event_id"]
    assert second["prev"] == first["hash"]


def test_audit_file_is_created_owner_only(log_path: Path) -> None:
    """The trail names agents and arguments, so nobody else may read it."""
    with AuditLog(log_path) as log:
        log.record(event())
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_path.with_name("audit.jsonl.lock").stat().st_mode) == 0o600


def test_each_record_is_one_line_from_many_threads(log_path: Path) -> None:
    """Eight threads x 200 records: 1,600 whole lines, one chain."""
    log = AuditLog(log_path)
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        barrier.wait()
        for i in range(200):
            log.record(event(session_id=f"t{n}", arguments={"call_id": i, "note": "x" * (i % 50)}))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    lines = records(log_path)
    assert len(lines) == 1600
    assert [line["seq"] for line in lines] == list(range(1, 1601))
    assert verify(log_path).ok


async def test_each_record_is_one_line_from_many_asyncio_tasks(log_path: Path) -> None:
    """Concurrent tasks on one event loop, through arecord, with fsync per line (the thread path)."""
    log = AuditLog(log_path, fsync="line")

    async def session(n: int) -> None:
        for i in range(25):
            await log.arecord(event(session_id=f"task{n}", arguments={"call_id": i}))

    await asyncio.gather(*(session(n) for n in range(8)))
    log.close()
    assert len(records(log_path)) == 200
    assert verify(log_path).ok


async def test_arecord_writes_inline_when_nothing_would_wait(log_path: Path) -> None:
    """Both locks free, no fsync, the chain head known from our own last line: the line costs one write on the
    loop instead of a hop to the writer thread and back (issue 16: the hop was a third of a call's overhead)."""
    loop_thread = threading.get_ident()
    writers: list[int] = []
    clock = StepClock()

    def clock_noting_its_thread() -> datetime:
        writers.append(threading.get_ident())
        return clock()

    with AuditLog(log_path, clock=clock_noting_its_thread) as log:
        first = await log.arecord(event())  # the chain head is not known yet: read back by the thread
        second = await log.arecord(event())
    assert [line["event_id"] for line in records(log_path)] == [first, second]
    assert writers[0] != loop_thread
    assert writers[1] == loop_thread
    assert verify(log_path).ok


async def test_reliability_a_lock_held_by_another_process_is_waited_for_off_the_event_loop(log_path: Path) -> None:
    """Reliability regression (issue 10): the inline path only tries the lock; held elsewhere, the line waits for
    it in the writer thread while the loop serves other sessions, and the result comes back once it is written."""
    import portalocker

    log = AuditLog(log_path)
    log.open()
    await log.arecord(event(session_id="before"))
    # flock belongs to an open file description: another descriptor of the lock file is another holder.
    holder = os.open(log_path.with_name(f"{log_path.name}.lock"), os.O_RDWR)
    portalocker.lock(holder, portalocker.LockFlags.EXCLUSIVE)
    written = asyncio.create_task(log.arecord(event(session_id="while-locked")))
    ticks = 0
    for _ in range(100):
        ticks += 1
        await asyncio.sleep(0)
    assert not written.done()  # waiting for the lock, without holding up this loop
    portalocker.unlock(holder)
    os.close(holder)
    event_id = await written
    log.close()
    assert ticks == 100
    assert [line["session_id"] for line in records(log_path)] == ["before", "while-locked"]
    assert records(log_path)[1]["event_id"] == event_id
    assert verify(log_path).ok


async def test_a_line_another_process_appended_is_chained_to_by_the_writer_thread(log_path: Path) -> None:
    """The cached chain head is ours only while the file is as our last line left it: after another writer's
    line, the next line reads the head back (in the thread) and the chain stays whole."""
    mine, theirs = AuditLog(log_path), AuditLog(log_path)
    mine.open()
    await mine.arecord(event(session_id="mine-1"))
    theirs.record(event(session_id="theirs"))
    await mine.arecord(event(session_id="mine-2"))
    mine.close()
    theirs.close()
    assert [line["seq"] for line in records(log_path)] == [1, 2, 3]
    assert verify(log_path).ok


async def test_reliability_a_stalled_audit_write_does_not_stall_the_event_loop(log_path: Path) -> None:
    """Reliability regression: a line waiting for the lock (or the disk) used to hold up every session."""
    release = threading.Event()
    stalled = threading.Event()
    released_while_waiting: list[bool] = []
    clock = StepClock()

    def stalling_clock() -> datetime:
        # Runs under the log's locks: the first line waits here as a line waits for another process's lock.
        # Written on the event loop, the other session could never run to release it (the wait would time out).
        if not stalled.is_set():
            stalled.set()
            released_while_waiting.append(release.wait(timeout=5))
        return clock()

    log = AuditLog(log_path, clock=stalling_clock, fsync="line")
    ticks = 0

    async def other_session() -> None:
        nonlocal ticks
        await asyncio.to_thread(stalled.wait, 30)
        for _ in range(100):
            ticks += 1
            await asyncio.sleep(0)
        release.set()

    written, _ = await asyncio.gather(log.arecord(event()), other_session())
    log.close()
    assert released_while_waiting == [True]  # the loop ran other work while the line waited
    assert ticks == 100
    (line,) = records(log_path)
    assert line["event_id"] == written


async def test_reliability_a_cancelled_caller_still_gets_its_line_written(log_path: Path) -> None:
    release = threading.Event()
    clock = StepClock()

    def stalling_clock() -> datetime:
        release.wait(timeout=30)
        return clock()

    # fsync per line: the append goes to the writer thread (inline appends cannot be cancelled midway).
    log = AuditLog(log_path, clock=stalling_clock, fsync="line")
    task = asyncio.create_task(log.arecord(event(tool="delete_call")))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    log.close()  # waits for the lines already handed to the writer
    assert [line["tool"] for line in records(log_path)] == ["delete_call"]
    assert verify(log_path).ok


async def test_arecord_raises_audit_unavailable_when_the_line_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    log = AuditLog(blocker / "audit.jsonl")
    with pytest.raises(AuditUnavailable):
        await log.ensure_open()
    with pytest.raises(AuditUnavailable):
        await log.arecord(event())
    log.close()


def test_two_logs_on_one_path_in_one_process_share_the_chain(log_path: Path) -> None:
    """Each instance finds the chain head another instance wrote."""
    first, second = AuditLog(log_path), AuditLog(log_path)
    for _ in range(5):
        first.record(event())
        second.record(event())
    first.close()
    second.close()
    assert [line["seq"] for line in records(log_path)] == list(range(1, 11))
    assert verify(log_path).ok


def test_reopening_a_log_continues_its_chain(log_path: Path) -> None:
    """A restarted server appends to the same chain."""
    with AuditLog(log_path) as log:
        log.record(event())
    with AuditLog(log_path) as log:
        log.record(event())
    first, second = records(log_path)
    assert second["prev"] == first["hash"]
    assert second["seq"] == 2


def test_a_file_removed_under_the_writer_is_recreated(log_path: Path) -> None:
    """The writer notices PATH is gone and starts a new file rather than writing into the void."""
    with AuditLog(log_path) as log:
        log.record(event())
        log_path.unlink()
        log.record(event())
    assert len(records(log_path)) == 1


def test_directory_path_makes_the_audit_unavailable(tmp_path: Path) -> None:
    """The server must refuse the call when the line cannot be written."""
    log = AuditLog(tmp_path)
    with pytest.raises(AuditUnavailable, match="Is a directory"):
        log.record(event())


def test_missing_directory_makes_the_audit_unavailable_at_open(tmp_path: Path) -> None:
    """open() lets the server fail at startup instead of on the first call."""
    with pytest.raises(AuditUnavailable):
        AuditLog(tmp_path / "nowhere" / "audit.jsonl").open()


def test_read_only_directory_makes_the_audit_unavailable(tmp_path: Path) -> None:
    """Permissions, not just paths, are honoured."""
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(AuditUnavailable):
        AuditLog(locked / "audit.jsonl").record(event())


def test_not_required_audit_warns_and_lets_the_call_proceed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """required=False is the documented relaxation: a warning, no exception."""
    log = AuditLog(tmp_path, required=False)
    with caplog.at_level(logging.WARNING, logger="aircall_mcp.audit"):
        event_id = log.record(event())
    assert event_id
    assert any("tag_call" in message and "not written" in message for message in caplog.messages)


def test_stderr_sink_writes_json_lines_and_never_stdout(log_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """stdout is the MCP protocol on stdio; the container copy goes to stderr."""
    with AuditLog(log_path, also_stderr=True) as log:
        log.record(event())
    captured = capsys.readouterr()
    assert captured.out == ""
    line = json.loads(captured.err)
    assert line["summary"].startswith("support-agent asked to tag call 1234")
    assert line == records(log_path)[0]


def test_stderr_only_sink_keeps_a_chain_in_memory(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a file, the stderr lines still chain and verify."""
    log = AuditLog(None, also_stderr=True)
    for _ in range(3):
        log.record(event())
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [json.loads(text) for text in captured.err.splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3]
    assert lines[2]["prev"] == lines[1]["hash"]


def test_stderr_only_sink_that_cannot_write_is_unavailable() -> None:
    """With stderr as the only sink, a closed stream means the call is not recorded."""
    stream = io.StringIO()
    stream.close()
    with pytest.raises(AuditUnavailable):
        AuditLog(None, also_stderr=True, stderr=stream).record(event())


def test_a_log_needs_somewhere_to_write() -> None:
    """No file and no stderr is a configuration error, caught at construction."""
    with pytest.raises(ValueError, match="file, stderr"):
        AuditLog(None)


def test_rotation_without_backups_is_refused(log_path: Path) -> None:
    """Rotating into nothing would delete lines."""
    with pytest.raises(ValueError, match="backup"):
        AuditLog(log_path, max_bytes=1000, backups=0)


def test_unknown_decision_is_a_programming_error() -> None:
    """The vocabulary is closed so that tail filters and reviewers find every line."""
    with pytest.raises(ValueError, match="decision"):
        event(decision="okayed")  # "approved" became a decision with tools.approve (issue 18)


def test_reliability_the_audit_writes_and_tails_where_posix_only_calls_do_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no os.pread, O_CLOEXEC or O_DIRECTORY: the sink and tail work through their portable paths."""
    from aircall_mcp.audit import fileio
    from aircall_mcp.audit.tail import tail

    monkeypatch.delattr(os, "pread")
    monkeypatch.setattr(fileio, "_DIRECTORY", None)
    path = tmp_path / "audit.jsonl"
    with AuditLog(path, max_bytes=2048, backups=3) as log:
        for number in range(40):
            log.record(event(tool=f"tool_{number}"))
    with AuditLog(path) as reopened:  # reads the chain head back from the end of the file
        reopened.record(event(tool="after_reopen", action="write after reopening"))
    out = io.StringIO()
    tail(path, lines=2, out=out)
    assert "write after reopening" in out.getvalue()
    assert verify(path, include_rotated=True).ok
