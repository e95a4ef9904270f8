"""`aircall-mcp audit tail`: the plain-English summaries, newest last, optionally followed as they are written."""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TextIO

from aircall_mcp.audit.chain import parse


class _Filter:
    def __init__(self, agent: str | None, tool: str | None, decision: str | None) -> None:
        self.wanted = {key: value for key, value in (("agent", agent), ("tool", tool), ("decision", decision)) if value}

    def render(self, raw: bytes) -> str | None:
        """``TIMESTAMP  summary`` for a line that matches, else None (also for lines that are not ours)."""
        record = parse(raw)
        if record is None or not isinstance(record.get("summary"), str):
            return None
        if any(record.get(key) != value for key, value in self.wanted.items()):
            return None
        return f"{record.get('ts', '?')}  {record['summary']}\n"


class _Reader:
    """Whole lines appended to PATH since the last read, following PATH across rotation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream: IO[bytes] = path.open("rb")
        self.inode = os.fstat(self.stream.fileno()).st_ino
        self.partial = b""

    def read(self) -> list[bytes]:
        lines = self._drain()
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return lines
        if current.st_ino != self.inode:
            # Rotated: the old file was drained above; files rotated since then are read whole, oldest first.
            self.stream.close()
            for newer in self._rotated_since():
                lines += newer.read_bytes().splitlines()
            self.stream = self.path.open("rb")
            self.inode = current.st_ino
            self.partial = b""
            lines += self._drain()
        elif current.st_size < self.stream.tell():
            # Truncated in place (not something the sink does): start again from the top.
            self.stream.seek(0)
            self.partial = b""
        return lines

    def _rotated_since(self) -> list[Path]:
        """PATH.(i-1) ... PATH.1 when the file we were reading is now PATH.i (several rotations in one poll)."""
        newer: list[Path] = []
        index = 1
        while True:
            candidate = self.path.with_name(f"{self.path.name}.{index}")
            try:
                if os.stat(candidate).st_ino == self.inode:
                    return list(reversed(newer))
            except FileNotFoundError:
                # Our file is gone (retention): nothing can be recovered in order.
                return []
            newer.append(candidate)
            index += 1

    def _drain(self) -> list[bytes]:
        data = self.partial + self.stream.read()
        *lines, self.partial = data.split(b"\n")
        # A line still being written stays in `partial` until its newline arrives.
        return lines

    def close(self) -> None:
        self.stream.close()


def tail(
    path: str | os.PathLike[str],
    *,
    follow: bool = False,
    agent: str | None = None,
    tool: str | None = None,
    decision: str | None = None,
    lines: int = 20,
    out: TextIO | None = None,
    poll_interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Print the last ``lines`` matching summaries; with ``follow``, keep printing new ones until ``stop()``
    returns True (forever when ``stop`` is None). Returns how many summaries were printed.

    Raises OSError when PATH cannot be opened.
    """
    stream = out if out is not None else sys.stdout
    matcher = _Filter(agent, tool, decision)
    reader = _Reader(Path(path))
    try:
        recent: deque[str] = deque(_rendered(matcher, reader.read()), maxlen=max(lines, 0))
        printed = _emit(stream, recent)
        while follow and not (stop is not None and stop()):
            fresh = list(_rendered(matcher, reader.read()))
            if fresh:
                printed += _emit(stream, fresh)
            else:
                sleep(poll_interval)
    finally:
        reader.close()
    return printed


def _rendered(matcher: _Filter, raw_lines: Iterable[bytes]) -> Iterable[str]:
    return (text for raw in raw_lines if (text := matcher.render(raw)) is not None)


def _emit(stream: TextIO, texts: Iterable[str]) -> int:
    count = 0
    for text in texts:
        stream.write(text)
        count += 1
    stream.flush()
    return count


def tail_command(
    path: str | os.PathLike[str],
    *,
    follow: bool = False,
    agent: str | None = None,
    tool: str | None = None,
    decision: str | None = None,
    lines: int = 20,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``tail`` as a command. Exit code: 0, or 2 when the file cannot be read. Ctrl-C ends follow mode cleanly."""
    try:
        tail(path, follow=follow, agent=agent, tool=tool, decision=decision, lines=lines, out=out)
    except BrokenPipeError:
        raise  # the reader went away (`| head`), not the file: the CLI ends quietly
    except OSError as exc:
        (err if err is not None else sys.stderr).write(f"{path}: cannot read: {exc.strerror or exc}\n")
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
