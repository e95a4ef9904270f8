"""The audit sink: one hash-chained JSON line per record, appended whole, from any thread or process.

How a line is appended (all under an exclusive file lock on the sidecar ``PATH.lock``, which is never
rotated, so every process sharing PATH serializes on the same lock whatever file it had open):

1. reopen PATH if another process rotated it (its inode changed) or it disappeared;
2. find the chain head: the hash and seq of the last line, cached while the file is unchanged since our
   own last write, otherwise read back from the end of the file;
3. rotate when the new line would pass ``max_bytes``: PATH.(n) -> PATH.(n+1), PATH -> PATH.1, and the
   new PATH's first line chains to PATH.1's last line and says so with ``rotated_from`` (PATH's name);
4. write the whole line with one ``os.write`` on an ``O_APPEND`` descriptor (no user-space buffer, so
   a line is in the kernel once ``record`` returns and survives the process being killed), then fsync
   when the policy says so.

A file that does not end in a newline holds the fragment of an interrupted write. The next writer ends
that fragment with a newline, chains its line to the last whole line and records the fragment's length
and SHA-256 in ``after_partial_line``, so the chain stays verifiable and the fragment stays evidence.

Async callers (the server) use ``arecord``, which never makes the event loop wait for the lock another
process holds or for the disk, and returns only once its line is written. When nothing would wait (both
locks free at the first try, no fsync asked for, the chain head known from our own last write, no rotation
due, no stderr copy) the line is appended right there, for the cost of one
``write`` into the page cache; otherwise the append is handed to the log's one writer thread. The hash
chain stays exact because every append, inline or from any thread, runs under the same locks; lines of
concurrent calls may land in either order (each call's intent line is written before its request is sent,
so a call's own lines never swap).

Files are created 0600. ``max_bytes`` limits each file and ``max_age`` the time it spans (a file whose
first line is that old is rotated before the next line); ``backups`` is how many rotated files are kept
(the oldest beyond that is deleted: retention, chosen by the operator, not loss).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import hashlib
import logging
import os
import queue
import sys
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TextIO, TypeVar

import anyio.to_thread

from aircall_mcp.audit.chain import GENESIS, SCHEMA_VERSION, parse, seal
from aircall_mcp.audit.event import AuditEvent
from aircall_mcp.audit.fileio import CLOEXEC, fsync_directory, lock_exclusive, read_at, try_lock_exclusive, unlock
from aircall_mcp.audit.scrub import Scrubber
from aircall_mcp.audit.summary import summarize

FsyncPolicy = Literal["never", "line"]

logger = logging.getLogger("aircall_mcp.audit")

_T = TypeVar("_T")

_READ_CHUNK = 8192
_FILE_MODE = 0o600


class AuditUnavailable(Exception):
    """The audit line could not be written; a required audit means the call must not go ahead."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """2024-05-01T12:00:00.123Z. Naive datetimes are taken as UTC."""
    if moment.tzinfo is not None and moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # C-formatted (a fraction of an f-string's cost); the first 23 characters leave out any "+00:00".
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


class AuditLog:
    """The audit trail of one server process; any number of processes may share one PATH.

    ``path`` None means stderr only (``also_stderr`` must then be True); the chain then lives in memory.
    ``fsync``: "never" (the kernel has the line when ``record`` returns; a power cut may lose the last
    lines) or "line" (on disk when ``record`` returns; costs a disk flush per call).
    ``required``: when True a line that cannot be written raises AuditUnavailable; when False the failure
    is logged as a warning and the call proceeds unrecorded.
    ``secrets``: strings masked wherever they appear (see ``add_secret``).
    ``clock``: returns the current time, for tests.
    ``stderr``: where the stderr copy goes (default ``sys.stderr`` at write time); stdout is never used.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        fsync: FsyncPolicy = "never",
        max_bytes: int | None = None,
        max_age: timedelta | None = None,
        backups: int = 5,
        also_stderr: bool = False,
        required: bool = True,
        secrets: Iterable[str] = (),
        clock: Callable[[], datetime] = _utc_now,
        stderr: TextIO | None = None,
    ) -> None:
        if path is None and not also_stderr:
            raise ValueError("an audit log needs a file, stderr, or both")
        if fsync not in ("never", "line"):
            raise ValueError(f"fsync must be 'never' or 'line', not {fsync!r}")
        if max_bytes is not None and max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if max_age is not None and max_age <= timedelta(0):
            raise ValueError("max_age must be positive")
        if (max_bytes is not None or max_age is not None) and backups < 1:
            # Rotating into nothing would delete the lines just rotated out.
            raise ValueError("rotation needs at least one backup")
        self._path = Path(path) if path is not None else None
        self._fsync = fsync
        self._max_bytes = max_bytes
        self._max_age = max_age
        # (inode, time of its first line) of the current file, for rotation by age.
        self._started: tuple[int, datetime | None] | None = None
        self._backups = backups
        self._also_stderr = also_stderr
        self._required = required
        self._scrubber = Scrubber(secrets)
        self._clock = clock
        self._stderr = stderr
        # flock is held per open file description, so threads of one process also need a lock of their own.
        self._thread_lock = threading.Lock()
        self._lock_fd: int | None = None
        self._fd: int | None = None
        # (inode, size, mtime_ns) of PATH right after our last write, with that line's hash and seq.
        self._head: tuple[tuple[int, int, int], str, int] | None = None
        self._memory_head: tuple[str, int] = (GENESIS, 0)
        # Started by the first async write; one per log, so a stalled lock ties up one thread, not a pool.
        self._writer_lock = threading.Lock()
        self._writer_thread: _WriterThread | None = None

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def required(self) -> bool:
        return self._required

    def add_secret(self, secret: str) -> None:
        """Mask ``secret`` in every later line (an API token, an OAuth token, an agent's bearer token)."""
        self._scrubber.add_secret(secret)

    def open(self) -> None:
        """Open (creating 0600) the log and its lock now, to fail at startup rather than on the first call."""
        if self._path is None:
            return
        try:
            with self._thread_lock:
                self._open_lock()
                self._open_data()
        except OSError as exc:
            self._unavailable(exc, "audit log cannot be opened")

    def record(self, event: AuditEvent) -> str:
        """Append one line for ``event`` and return its event id.

        Raises AuditUnavailable when the line cannot be written and the log is required.
        """
        body = self._body(event)
        self._write_body(body, event)
        return str(body["event_id"])

    async def arecord(self, event: AuditEvent) -> str:
        """``record`` for async callers: returns once the line is written (and fsynced when the policy says
        so), and the event loop never waits on the lock (another process may hold it) or the disk meanwhile.

        The line is appended inline when that cannot wait (see the module's docstring), else by this log's
        writer thread; a caller cancelled while the thread writes still gets its line written.
        """
        body = self._body(event)
        event_id = str(body["event_id"])
        if self._append_without_waiting(body, event):
            return event_id
        await self._writer().run(functools.partial(self._write_body, body, event))
        return event_id

    def _body(self, event: AuditEvent) -> dict[str, Any]:
        """The line's members before chaining: the event scrubbed, its summary, id and schema version."""
        members = event.fields()
        members["summary"] = summarize(event)
        body = self._scrubber.clean_fields(members)
        body["event_id"] = str(uuid.uuid4())
        body["v"] = SCHEMA_VERSION
        return body

    def _write_body(self, body: dict[str, Any], event: AuditEvent) -> None:
        try:
            with self._thread_lock:
                line = self._append_file(body) if self._path is not None else self._chain_in_memory(body)
                if self._also_stderr:
                    self._write_stderr(line)
        except OSError as exc:
            self._unavailable(exc, f"audit line for {event.tool} by {event.agent} was not written")

    def _append_without_waiting(self, body: dict[str, Any], event: AuditEvent) -> bool:
        """Append ``body`` now if nothing has to be waited for; False (nothing written) when something would.

        Waiting means: a lock held (by another thread, or by another process sharing PATH), an fsync, a read
        of the chain head (another process wrote since our last line), a rotation, or a stderr copy (a pipe
        may be full). Each of those is left to the writer thread.
        """
        if self._path is None or self._fsync != "never" or self._also_stderr:
            return False
        if not self._thread_lock.acquire(blocking=False):
            return False
        try:
            lock_fd, fd, cached = self._lock_fd, self._fd, self._head
            if lock_fd is None or fd is None or cached is None or not try_lock_exclusive(lock_fd):
                return False
            try:
                stat = os.fstat(fd)
                if cached[0] != _stamp(stat) or self._path_moved(stat):
                    return False
                if self._max_age is not None and (self._started is None or self._started[0] != stat.st_ino):
                    return False  # when this file began is not known yet: reading it is the thread's job
                body.update(ts=rfc3339(self._clock()), seq=cached[2] + 1, prev=cached[1])
                line, line_hash = seal(body)
                if self._would_overflow(stat.st_size, len(line)):
                    return False
                self._head = None  # trusted again only after a complete write
                _write_all(fd, line)
                self._head = (_stamp(os.fstat(fd)), line_hash, cached[2] + 1)
                return True
            finally:
                unlock(lock_fd)
        except OSError as exc:
            self._unavailable(exc, f"audit line for {event.tool} by {event.agent} was not written")
            return True  # not required: logged, and the call goes on unrecorded, as record() would
        finally:
            self._thread_lock.release()

    def _path_moved(self, stat: os.stat_result) -> bool:
        """True when PATH is no longer the file ``stat`` describes (rotated or removed by another process)."""
        assert self._path is not None
        try:
            current = os.stat(self._path)
        except FileNotFoundError:
            return True
        return (current.st_ino, current.st_dev) != (stat.st_ino, stat.st_dev)

    async def ensure_open(self) -> None:
        """``open`` for the serving path: free once the log is open, otherwise done off the event loop."""
        if self._path is None or (self._fd is not None and self._lock_fd is not None):
            return
        await self._writer().run(self.open)

    def close(self) -> None:
        with self._writer_lock:
            writer, self._writer_thread = self._writer_thread, None
        if writer is not None:
            writer.stop()  # lines already queued are written first
        with self._thread_lock:
            for fd in (self._fd, self._lock_fd):
                if fd is not None:
                    os.close(fd)
            self._fd = self._lock_fd = None
            self._head = None

    def __enter__(self) -> AuditLog:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------------------

    def _append_file(self, body: dict[str, Any]) -> bytes:
        lock_fd = self._open_lock()
        lock_exclusive(lock_fd)
        try:
            # Whatever happens below, the cached head is only trusted again after a complete write.
            cached, self._head = self._head, None
            fd = self._open_data()
            stat = os.fstat(fd)
            prev, seq, fragment = _chain_head(fd, stat, cached)
            body.update(ts=rfc3339(self._clock()), seq=seq + 1, prev=prev)
            if fragment:
                body["after_partial_line"] = {"bytes": len(fragment), "sha256": hashlib.sha256(fragment).hexdigest()}
            line, line_hash = seal(body)
            if fragment:
                # Ending the fragment first keeps it a line of its own; rotation waits for the next record.
                _write_all(fd, b"\n" + line)
            elif self._would_overflow(stat.st_size, len(line)):
                fd = self._rotate(fd)
                # The line before this one is the last line of the newest rotated file (PATH.1 at this moment).
                body["rotated_from"] = self._name()
                line, line_hash = seal(body)
                _write_all(fd, line)
            else:
                _write_all(fd, line)
            if self._fsync == "line":
                os.fsync(fd)
            self._head = (_stamp(os.fstat(fd)), line_hash, seq + 1)
            return line
        finally:
            unlock(lock_fd)

    def _would_overflow(self, size: int, line_bytes: int) -> bool:
        if size == 0:
            return False  # a line larger than max_bytes still gets written, alone in a fresh file
        if self._max_bytes is not None and size + line_bytes > self._max_bytes:
            return True
        if self._max_age is None:
            return False
        started = self._current_file_started()
        if started is None:
            return False  # a file that does not start with one of our lines rotates by size only
        now = self._clock()
        return (now.replace(tzinfo=UTC) if now.tzinfo is None else now) - started >= self._max_age

    def _current_file_started(self) -> datetime | None:
        """When the current file's first line was written (None when it cannot be read), cached per inode."""
        assert self._fd is not None
        inode = os.fstat(self._fd).st_ino
        if self._started is None or self._started[0] != inode:
            first = read_at(self._fd, _READ_CHUNK, 0).split(b"\n", 1)[0]
            record = parse(first)
            ts = record.get("ts") if record is not None else None
            try:
                started = datetime.fromisoformat(ts) if isinstance(ts, str) else None
            except ValueError:
                started = None
            self._started = (inode, started)
        return self._started[1]

    def _chain_in_memory(self, body: dict[str, Any]) -> bytes:
        prev, seq = self._memory_head
        body.update(ts=rfc3339(self._clock()), seq=seq + 1, prev=prev)
        line, line_hash = seal(body)
        self._memory_head = (line_hash, seq + 1)
        return line

    def _rotate(self, fd: int) -> int:
        assert self._path is not None
        if self._fsync == "line":
            os.fsync(fd)
        for index in range(self._backups - 1, 0, -1):
            older = self._sibling(index)
            if older.exists():
                os.replace(older, self._sibling(index + 1))
        os.replace(self._path, self._sibling(1))
        os.close(fd)
        self._fd = None
        fd = self._open_data()
        if self._fsync == "line":
            fsync_directory(self._path.parent)
        return fd

    def _write_stderr(self, line: bytes) -> None:
        stream = self._stderr if self._stderr is not None else sys.stderr
        try:
            stream.write(line.decode("ascii"))
            stream.flush()
        except (OSError, ValueError) as exc:
            if self._path is None:
                # stderr is the only sink: the line is lost, so the call must not proceed unrecorded.
                raise OSError(errno.EIO, f"stderr: {exc}") from exc
            logger.warning("audit copy to stderr failed: %s", exc)

    def _writer(self) -> _WriterThread:
        with self._writer_lock:
            if self._writer_thread is None:
                self._writer_thread = _WriterThread(f"audit-writer:{self._path or 'stderr'}")
            return self._writer_thread

    # -- files -------------------------------------------------------------------------------------------

    def _open_lock(self) -> int:
        if self._lock_fd is None:
            assert self._path is not None
            lock_path = self._path.with_name(f"{self._name()}.lock")
            self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | CLOEXEC, _FILE_MODE)
        return self._lock_fd

    def _open_data(self) -> int:
        """The descriptor of the current PATH, reopened if PATH was rotated away or removed."""
        assert self._path is not None
        if self._fd is not None:
            if not self._path_moved(os.fstat(self._fd)):
                return self._fd
            os.close(self._fd)
            self._fd = None
        self._fd = os.open(self._path, os.O_RDWR | os.O_APPEND | os.O_CREAT | CLOEXEC, _FILE_MODE)
        return self._fd

    def _sibling(self, index: int) -> Path:
        assert self._path is not None
        return self._path.with_name(f"{self._name()}.{index}")

    def _name(self) -> str:
        assert self._path is not None
        return self._path.name

    def _unavailable(self, exc: OSError, what: str) -> None:
        detail = exc.strerror or str(exc)
        where = self._path if self._path is not None else "stderr"
        if self._required:
            raise AuditUnavailable(f"{what}: {where}: {detail}") from exc
        logger.warning("%s: %s: %s", what, where, detail)


class _WriterThread:
    """One thread running an AuditLog's blocking writes in the order they were submitted.

    Under asyncio the caller's future is settled through the loop's thread-safe callback (a fraction of the
    cost of a thread-pool hop); under another anyio backend each write falls back to ``anyio.to_thread``.
    """

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    async def run(self, job: Callable[[], _T]) -> _T:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return await anyio.to_thread.run_sync(job)
        future: asyncio.Future[_T] = loop.create_future()

        def work() -> None:
            try:
                outcome: _T | BaseException = job()
            except Exception as exc:
                outcome = exc
            # A loop closed while the line was written has nobody waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, outcome)

        self._jobs.put(work)
        return await future

    def stop(self) -> None:
        self._jobs.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()


def _settle(future: asyncio.Future[_T], outcome: _T | BaseException) -> None:
    if future.cancelled():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _stamp(stat: os.stat_result) -> tuple[int, int, int]:
    """What says a file is exactly as our last line left it: its inode, size and modification time."""
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _chain_head(
    fd: int, stat: os.stat_result, cached: tuple[tuple[int, int, int], str, int] | None
) -> tuple[str, int, bytes]:
    """Hash and seq of the last whole line, and the fragment after it (b"" when the file ends cleanly).

    ``cached`` is what this process wrote last; it holds while the file is exactly as that write left it.
    """
    if cached is not None and cached[0] == _stamp(stat):
        return cached[1], cached[2], b""
    if stat.st_size == 0:
        return GENESIS, 0, b""
    last, fragment = _read_last_line(fd, stat.st_size)
    record = parse(last) if last else None
    if record is not None and isinstance(record.get("hash"), str) and isinstance(record.get("seq"), int):
        return record["hash"], record["seq"], fragment
    # The last line is not ours (edited, or a foreign file): start a fresh chain after it. The verifier
    # reports the unreadable line, which is the evidence that matters.
    return GENESIS, 0, fragment


def _write_all(fd: int, data: bytes) -> None:
    # One write in practice; a short write (disk full, signal) continues under the same lock, so other
    # writers still see the line whole. If the rest fails, the next writer recovers the fragment.
    written = os.write(fd, data)
    while written < len(data):
        written += os.write(fd, data[written:])


def _read_last_line(fd: int, size: int) -> tuple[bytes | None, bytes]:
    """The last newline-terminated line (without its newline) and any unterminated bytes after it.

    Reads backwards in chunks kept in a list (joined once), so a very long last line costs its length, not its
    square.
    """
    chunks: list[bytes] = []  # latest first
    newlines = 0  # newlines seen in `chunks`
    position = size
    while position > 0 and newlines < 2:
        step = min(_READ_CHUNK, position)
        position -= step
        chunk = read_at(fd, step, position)
        chunks.append(chunk)
        newlines += chunk.count(b"\n")
    buffer = b"".join(reversed(chunks))
    end = buffer.rfind(b"\n")
    if end == -1:
        return None, buffer
    whole, fragment = buffer[:end], buffer[end + 1 :]
    return whole[whole.rfind(b"\n") + 1 :], fragment
