"""`aircall-mcp audit tail`: the plain-English summaries, newest last, optionally followed as they are written."""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TextIO

from aircall_mcp.audit.chain import parse
from aircall_mcp.audit.fileio import read_at

# Bytes read per step when reading backwards: a few dozen lines.
_BLOCK = 65536


class _Filter:
    def __init__(self, agent: str | None, tool: str | None, decision: str | None) -> None:
        self.wanted = {key: value for key, value in (("agent", agent), ("tool", tool), ("decision", decision)) if value}
        # Lines are canonical JSON (chain.py), so a wanted value appears verbatim in every line that has it:
        # a substring test skips most non-matching lines without parsing them.
        self.needles = [json.dumps(value, ensure_ascii=True).encode("ascii") for value in self.wanted.values()]

    def render(self, raw: bytes) -> str | None:
        """``TIMESTAMP  summary`` for a line that matches, else None (also for lines that are not ours)."""
        if not all(needle in raw for needle in self.needles):
            return None
        record = parse(raw)
        if record is None or not isinstance(record.get("summary"), str):
            return None
        if any(record.get(key) != value for key, value in self.wanted.items()):
            return None
        return f"{record.get('ts', '?')}  {record['summary']}\n"


class _Reader:
    """Whole lines appended to PATH since it was opened (or since the last read), following PATH across
    rotation. What was already in the file when it was opened is read backwards by ``newest_first``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream: IO[bytes] = path.open("rb")
        self.inode = os.fstat(self.stream.fileno()).st_ino
        # Start at the end; a line still being written at that moment is finished by the first read.
        self.opened_at = self.stream.seek(0, os.SEEK_END)
        self.partial = b""
        if self.opened_at:
            self.partial = _trailing_fragment(self.stream.fileno(), self.opened_at)

    def newest_first(self) -> Iterator[bytes]:
        """Every whole line present when PATH was opened, newest first, then those of the files rotated out
        before it (PATH.1, PATH.2, ...), read backwards block by block: the cost is in what is consumed."""
        fd = self.stream.fileno()
        yield from _lines_backwards(fd, self.opened_at - len(self.partial))
        for older in self._rotated_before():
            try:
                with older.open("rb") as stream:
                    size = os.fstat(stream.fileno()).st_size
                    # A rotated file ends with a newline; anything after the last one is a fragment, not a line.
                    yield from _lines_backwards(stream.fileno(), size - len(_trailing_fragment(stream.fileno(), size)))
            except FileNotFoundError:
                # Deleted by retention while we read: nothing older can be read in order.
                return

    def _rotated_before(self) -> list[Path]:
        """PATH.1, PATH.2, ... that are older than the file we opened (it may itself have been rotated since)."""
        siblings: list[Path] = []
        index = 1
        while True:
            candidate = self.path.with_name(f"{self.path.name}.{index}")
            try:
                inode = os.stat(candidate).st_ino
            except FileNotFoundError:
                return siblings
            # Our file was rotated out after we opened it: only the files after it are older.
            siblings = [] if inode == self.inode else [*siblings, candidate]
            index += 1

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


def _trailing_fragment(fd: int, size: int) -> bytes:
    """The bytes after the last newline of the first ``size`` bytes (b"" when they end with one)."""
    blocks: list[bytes] = []
    position = size
    while position > 0:
        step = min(_BLOCK, position)
        position -= step
        block = read_at(fd, step, position)
        end = block.rfind(b"\n")
        if end != -1:
            blocks.append(block[end + 1 :])
            break
        blocks.append(block)
    return b"".join(reversed(blocks))


def _lines_backwards(fd: int, end: int) -> Iterator[bytes]:
    """The lines of the first ``end`` bytes (which end with a newline, or are empty), last line first."""
    # Blocks of the line that runs past the current block, latest first (a long line is joined once).
    pending: list[bytes] = []
    position = end
    while position > 0:
        step = min(_BLOCK, position)
        position -= step
        block = read_at(fd, step, position)
        if position + step == end:
            block = block[:-1]  # the newline that ends the range ends its last line
        first = block.find(b"\n")
        if first == -1:
            pending.append(block)
            continue
        pieces = block[first + 1 :].split(b"\n")
        pieces[-1] += b"".join(reversed(pending))
        pending = [block[:first]]
        yield from reversed(pieces)
    if pending:
        yield b"".join(reversed(pending))


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

    The last lines are found by reading backwards from the end of PATH (then of PATH.1, PATH.2, ... when
    PATH has too few), so the cost grows with what is read back, not with the size of the trail.

    Raises OSError when PATH cannot be opened.
    """
    stream = out if out is not None else sys.stdout
    matcher = _Filter(agent, tool, decision)
    reader = _Reader(Path(path))
    try:
        wanted = max(lines, 0)
        recent = list(itertools.islice(_rendered(matcher, reader.newest_first()), wanted)) if wanted else []
        printed = _emit(stream, reversed(recent))
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
