"""`aircall-mcp audit verify`: walk the hash chain and name the first line that breaks it.

Problems, in the words the report uses:
    ``altered``               a line's content no longer matches its own hash, or it was rewritten and
                              re-hashed (the next line's ``prev`` no longer matches it);
    ``removed or inserted``   a line's hash is intact but it does not follow the line above it (``prev``
                              or ``seq`` do not match): lines were taken out, or this one was put in;
    ``not JSON``              a line is not a JSON object (and is not a recovered partial line);
    ``truncated last line``   the file ends in the middle of a line: a write was interrupted. The next
                              record recovers it (see sink.py), after which the file verifies again.

A file whose first line continues a rotated file that is not part of the check (``rotated_from``) is
accepted with a note. Removing whole lines from the end of the newest file cannot be seen from the file
alone; ship the stderr copy elsewhere when that matters.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from aircall_mcp.audit.chain import GENESIS, computed_hash, parse

Problem = Literal["altered", "removed or inserted", "not JSON", "truncated last line"]


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What ``verify`` found. ``first_bad_line`` is 1-based within ``file``."""

    ok: bool
    lines_checked: int
    first_bad_line: int | None = None
    problem: Problem | None = None
    file: Path | None = None
    detail: str | None = None
    notes: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()


def rotated_files(path: str | os.PathLike[str]) -> list[Path]:
    """PATH's rotated predecessors and PATH itself, oldest first: PATH.N ... PATH.1, PATH.

    Every PATH.<number> present is included, also past a gap, so a rotated file taken out of the middle
    breaks the chain where it was instead of silently shortening the check.
    """
    path = Path(path)
    return [*(path.with_name(f"{path.name}.{index}") for index in sorted(_rotated_indexes(path), reverse=True)), path]


def _rotated_indexes(path: Path) -> set[int]:
    prefix = f"{path.name}."
    try:
        names = os.listdir(path.parent)
    except OSError:
        return set()
    return {
        int(suffix)
        for name in names
        if name.startswith(prefix) and (suffix := name[len(prefix) :]).isdigit() and int(suffix) > 0
    }


def verify(path: str | os.PathLike[str], *, include_rotated: bool = False) -> VerifyReport:
    """Check the chain of PATH (and, with ``include_rotated``, of PATH.N ... PATH.1 before it, as one chain).

    Raises OSError when a file cannot be read.
    """
    files = [Path(path)]
    walk_notes: list[str] = []
    if include_rotated:
        files = rotated_files(path)
        present = _rotated_indexes(Path(path))
        missing = sorted(set(range(1, max(present, default=0))) - present)
        walk_notes = [f"{Path(path).name}.{index} is missing" for index in missing]
    return _Walk(files, walk_notes).run()


@dataclass(frozen=True, slots=True)
class _Seen:
    """The last line that checked out."""

    file: Path
    number: int
    hash: str
    seq: int
    prev: str


class _Broken(Exception):
    def __init__(self, file: Path, number: int, problem: Problem, detail: str) -> None:
        super().__init__(detail)
        self.file, self.number, self.problem, self.detail = file, number, problem, detail


class _Walk:
    def __init__(self, files: list[Path], notes: list[str]) -> None:
        self.files = files
        self.checked = 0
        self.notes = notes
        self.last: _Seen | None = None
        # A line that is not JSON, waiting to be vouched for by the next line's after_partial_line.
        self.fragment: tuple[Path, int, bytes] | None = None

    def run(self) -> VerifyReport:
        try:
            for file in self.files:
                for number, raw, is_last in _lines(file):
                    self.checked += 1
                    self._check(file, number, raw, is_last=is_last and file == self.files[-1])
            if self.fragment is not None:
                file, number, _ = self.fragment
                raise _Broken(file, number, "not JSON", "not a JSON object")
        except _Broken as broken:
            return VerifyReport(
                ok=False,
                lines_checked=self.checked,
                first_bad_line=broken.number,
                problem=broken.problem,
                file=broken.file,
                detail=broken.detail,
                notes=tuple(self.notes),
                files=tuple(self.files),
            )
        return VerifyReport(ok=True, lines_checked=self.checked, notes=tuple(self.notes), files=tuple(self.files))

    def _check(self, file: Path, number: int, raw: bytes, *, is_last: bool) -> None:
        complete = raw.endswith(b"\n")
        record = parse(raw[:-1] if complete else raw)
        if record is None:
            if not complete and is_last:
                raise _Broken(file, number, "truncated last line", "the file ends inside a line (an interrupted write)")
            if self.fragment is not None:
                raise _Broken(*self.fragment[:2], "not JSON", "not a JSON object")
            self.fragment = (file, number, raw[:-1] if complete else raw)
            return
        line_hash, seq, prev = record.get("hash"), record.get("seq"), record.get("prev")
        if not isinstance(line_hash, str) or line_hash != computed_hash(record):
            raise _Broken(file, number, "altered", "its hash does not match its content")
        if type(seq) is not int or not isinstance(prev, str):
            raise _Broken(file, number, "altered", "it has no seq or prev")
        self._check_fragment(file, number, record)
        line = _Seen(file, number, line_hash, seq, prev)
        self._check_link(line, record)
        self.last = line

    def _check_fragment(self, file: Path, number: int, record: dict[str, Any]) -> None:
        vouched = record.get("after_partial_line")
        if self.fragment is None:
            if vouched is not None:
                raise _Broken(file, number, "removed or inserted", "the partial line it follows is missing")
            return
        fragment_file, fragment_number, fragment = self.fragment
        expected = {"bytes": len(fragment), "sha256": hashlib.sha256(fragment).hexdigest()}
        if vouched != expected:
            raise _Broken(fragment_file, fragment_number, "not JSON", "not a JSON object")
        self.notes.append(
            f"{fragment_file.name} line {fragment_number}: partial line from an interrupted write, "
            f"recorded by line {number}"
        )
        self.fragment = None

    def _check_link(self, line: _Seen, record: dict[str, Any]) -> None:
        last = self.last
        if last is None:
            if line.prev == GENESIS and line.seq == 1:
                return
            if "rotated_from" in record:
                self.notes.append(
                    f"{line.file.name} line {line.number} continues an older rotated file "
                    f"(up to seq {line.seq - 1}) that was not checked"
                )
                return
            raise _Broken(line.file, line.number, "removed or inserted", "the lines before it are missing")
        if line.prev == last.hash and line.seq == last.seq + 1:
            return
        # The chain breaks here; work out which line is to blame.
        if line.hash == last.hash:
            raise _Broken(line.file, line.number, "removed or inserted", f"a copy of line {last.number}")
        if line.prev == last.prev and line.seq == last.seq:
            # Both claim the same place in the chain: the line above was slipped in before this one.
            raise _Broken(last.file, last.number, "removed or inserted", f"line {line.number} chains past it")
        if line.seq == last.seq + 1:
            raise _Broken(last.file, last.number, "altered", f"rewritten: line {line.number} no longer chains to it")
        raise _Broken(
            line.file,
            line.number,
            "removed or inserted",
            f"does not follow line {last.number} (seq {last.seq} then {line.seq})",
        )


def _lines(file: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(1-based number, raw bytes with newline, is the file's last line)."""
    with file.open("rb") as stream:
        previous: bytes | None = None
        number = 0
        for raw in stream:
            if previous is not None:
                yield number, previous, False
            number += 1
            previous = raw
        if previous is not None:
            yield number, previous, True


def verify_command(
    paths: Sequence[str | os.PathLike[str]], *, include_rotated: bool = True, out: TextIO | None = None
) -> int:
    """Verify each PATH (with its rotated files). Exit code: 0 all intact, 1 a broken chain, 2 unreadable."""
    stream = out if out is not None else sys.stdout
    worst = 0
    for path in paths:
        try:
            report = verify(path, include_rotated=include_rotated)
        except OSError as exc:
            stream.write(f"{path}: cannot read: {exc.strerror or exc}\n")
            worst = max(worst, 2)
            continue
        names = ", ".join(file.name for file in report.files)
        if report.ok:
            stream.write(f"ok: {report.lines_checked} lines verified ({names})\n")
        else:
            where = report.file.name if report.file is not None else path
            stream.write(f"{where}: line {report.first_bad_line}: {report.problem}: {report.detail}\n")
            worst = max(worst, 1)
        for note in report.notes:
            stream.write(f"note: {note}\n")
    return worst
