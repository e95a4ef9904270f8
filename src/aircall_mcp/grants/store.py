"""The grants directory: one file per agent, hot-reloaded, and the index from bearer-token hash to agent.

A file is read on every look (a few KiB at most) and compared by content hash, so every edit is seen, `cp -p`
of a same-size, same-mtime file included. A changed file applies only once it is settled: its content was
last written at least `settle_seconds` ago (its mtime, read after the content), or the same content has been
seen for that long. Until then the grant in force stays, so a file caught half-written or just truncated is
never applied. A broken edit keeps the last good grant and logs why, once; a missing or never-valid file
grants nothing. Files are parsed off the event loop (`current`, `agent_for_token`); `grant_for` is the same
lookup for synchronous callers (the CLI). Start-up (`require`, the first directory scan) reads files as they
are: there is no earlier grant to keep.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread

from aircall_mcp.endpoint import Endpoint
from aircall_mcp.grants.load import GrantFile, agent_name_problem, load_grant, parse_grant_bytes, read_grant_file
from aircall_mcp.grants.model import Grant, GrantError, Problem

logger = logging.getLogger("aircall_mcp.grants")

SUFFIX = ".yaml"
TOKEN_PREFIX = "acm_"  # noqa: S105 - a recognisable prefix, not a secret
SETTLE_SECONDS = 1.0

# Pseudo content hashes for states that have no content.
_MISSING = "missing"
_WRITING = "writing"


def hash_token(token: str) -> str:
    """The line a grant file stores for `token`: "sha256:<64 hex>"."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint_token() -> tuple[str, str]:
    """A new bearer token for the HTTP transport, and the hash line to paste under `tokens:` in a grant file."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


@dataclass(frozen=True, slots=True)
class _Applied:
    """The grant in force for one agent and the content it came from."""

    digest: str
    grant: Grant
    good: bool  # False: a deny-all standing in for a file that is missing, being written or never loaded


@dataclass(frozen=True, slots=True)
class _Seen:
    """Content seen but not yet settled: when it was first seen."""

    digest: str
    since: float


@dataclass(frozen=True, slots=True)
class _ToParse:
    """A settled change to parse (off the event loop) before it can apply."""

    digest: str
    data: bytes
    path: Path


_Read = GrantFile | GrantError | None  # None: there is no file

# What says a file is unchanged without reading it: device, inode, size, mtime and ctime (last: see _note_stamp).
_Stamp = tuple[int, int, int, int, int]
# A file changed less than this long ago is read on every call: timestamps have a granularity.
STAMP_MARGIN_SECONDS = 2.0


def _stamp(path: Path) -> _Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _read(path: Path) -> _Read:
    try:
        return read_grant_file(path)
    except FileNotFoundError:
        return None
    except GrantError as exc:
        return exc


class GrantStore:
    """Grants of every agent under `directory`, validated against `catalogue`.

    clock: wall-clock seconds (compared with file mtimes); tests inject one to make settling deterministic.
    rescan_seconds: how often at most an unknown bearer token makes the store re-read the whole directory
    (an edit in place does not change the directory's mtime), so unknown tokens cannot make every request
    read every file.
    """

    def __init__(
        self,
        directory: Path | str,
        catalogue: Sequence[Endpoint],
        *,
        settle_seconds: float = SETTLE_SECONDS,
        rescan_seconds: float = SETTLE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory)
        self.catalogue = tuple(catalogue)
        self.settle_seconds = settle_seconds
        self.rescan_seconds = rescan_seconds
        self._clock = clock
        self._applied: dict[str, _Applied] = {}
        self._paths: dict[str, Path] = {}
        self._seen: dict[str, _Seen] = {}
        self._failed: dict[str, str] = {}  # agent -> content hash that did not load (logged once)
        self._owners: dict[str, frozenset[str]] = {}  # token hash -> agents whose grant in force lists it
        # Bumped on every change in force: a parse that finishes after a newer change must not undo it.
        self._version = 0
        self._changed: dict[str, int] = {}
        # agent -> the file's stamp when the grant in force was read from it (see `current`).
        self._stamps: dict[str, tuple[_Stamp, _Applied]] = {}
        self._directory_mtime: int | None = None
        self._scanned = False
        self._last_scan = float("-inf")
        self._scan_lock: anyio.Lock | None = None

    def path_for(self, agent: str) -> Path:
        path = self._paths.get(agent)
        if path is None:  # looked up on every call: built once per agent
            path = self._paths[agent] = self.directory / f"{agent}{SUFFIX}"
        return path

    def agents(self) -> list[str]:
        """Agents that have a file with a valid name, sorted."""
        return sorted(p.stem for p in self._files() if agent_name_problem(p.stem) is None)

    # -- one agent ----------------------------------------------------------------------------------------

    def grant_for(self, agent: str) -> Grant:
        """The grant in force for `agent` now: deny-all when there is no file or it never loaded."""
        return self._lookup(agent, immediate=False)

    async def current(self, agent: str) -> Grant:
        """`grant_for` for the serving path: a changed file is parsed in a worker thread, not on the event loop.

        Asked on every call: when the file's stamp is the one it had when the grant in force was last read from
        it, and that read was well after the file's last change, the file is not read again (one stat).
        """
        path = self.path_for(agent)
        stamped = self._stamps.get(agent)
        stamp = _stamp(path) if agent in self._applied else None
        if stamped is not None and stamp is not None and stamped[0] == stamp and self._applied.get(agent) is stamped[1]:
            return stamped[1].grant
        version = self._version
        read = self._read_for(agent)
        step = self._step(agent, read, immediate=False)
        if isinstance(step, Grant):
            self._note_stamp(agent, stamp, read)
            return step
        parsed = await anyio.to_thread.run_sync(self._parse, agent, step)
        return self._settle(agent, step, parsed, read_at=version)

    def require(self, agent: str) -> Grant:
        """The grant of the one agent a server serves; raises GrantError if it is missing or broken."""
        name_problem = agent_name_problem(agent)
        if name_problem is not None:
            raise GrantError([Problem(str(self.directory), name_problem)])
        path = self.path_for(agent)
        if not path.is_file():
            known = self.agents()
            hint = f"agents with a grant file: {', '.join(known)}" if known else "the directory has no grant files"
            raise GrantError([Problem(str(path), f"no grant file for agent '{agent}'", hint=hint)])
        load_grant(path, self.catalogue)  # raises with every problem of the file
        return self._lookup(agent, immediate=True)  # start-up: the file as it is now

    def _lookup(self, agent: str, *, immediate: bool) -> Grant:
        step = self._step(agent, self._read_for(agent), immediate=immediate)
        if isinstance(step, Grant):
            return step
        return self._settle(agent, step, self._parse(agent, step))

    def _note_stamp(self, agent: str, stamp: _Stamp | None, read: _Read) -> None:
        """Remember `stamp` (taken before `read`) when `read` is the content in force and long unchanged."""
        self._stamps.pop(agent, None)
        applied = self._applied.get(agent)
        if stamp is None or applied is None or not isinstance(read, GrantFile):
            return
        # ctime moves on any change to the file and cannot be set back; a change within the same clock tick
        # as the stamp is ruled out by asking for a file older than the margin.
        if self._clock() - stamp[-1] / 1e9 < max(STAMP_MARGIN_SECONDS, self.settle_seconds):
            return
        if applied.digest == hashlib.sha256(read.data).hexdigest():
            self._stamps[agent] = (stamp, applied)

    def _read_for(self, agent: str) -> _Read:
        if agent not in self._applied and agent_name_problem(agent) is not None:
            return None  # never becomes a path; _step answers with the name problem
        return _read(self.path_for(agent))

    def _step(self, agent: str, read: _Read, *, immediate: bool) -> Grant | _ToParse:
        """The grant in force if `read` changes nothing yet, or the settled change to parse."""
        applied = self._applied.get(agent)
        if applied is None and (name_problem := agent_name_problem(agent)) is not None:
            return Grant.deny_all(agent, name_problem)  # an agent in force has a valid name
        path = self.path_for(agent)
        if read is None:
            self._seen.pop(agent, None)
            if applied is not None and applied.digest == _MISSING:
                return applied.grant
            if applied is not None and applied.good:
                logger.warning("grant file %s is gone: agent %s is now denied everything", path, agent)
            denied = Grant.deny_all(agent, f"there is no grant file {path}", source=path)
            self._apply(agent, _Applied(_MISSING, denied, good=False))
            return denied
        if isinstance(read, GrantError):
            # Unreadable, too large, not a file: nothing to settle, the content can never load as it is.
            digest = "error:" + hashlib.sha256(str(read).encode("utf-8")).hexdigest()
            if applied is not None and digest in (applied.digest, self._failed.get(agent)):
                return applied.grant  # already logged
            return self._settle(agent, _ToParse(digest, b"", path), read)
        digest = hashlib.sha256(read.data).hexdigest()
        if applied is not None and applied.digest == digest:
            self._seen.pop(agent, None)
            return applied.grant
        if applied is not None and self._failed.get(agent) == digest:
            return applied.grant  # the same broken content as last time: already logged
        if not immediate and not self._settled(agent, digest, read.mtime_ns):
            if applied is not None and applied.digest != _MISSING:
                return applied.grant
            waiting = Grant.deny_all(
                agent,
                f"its grant file {path} is being written; it applies once unchanged for {self.settle_seconds:g} s",
                source=path,
            )
            self._apply(agent, _Applied(_WRITING, waiting, good=False))
            return waiting
        return _ToParse(digest, read.data, path)

    def _settled(self, agent: str, digest: str, mtime_ns: int) -> bool:
        """Whether `digest`, now in the file, is complete: untouched for settle_seconds, or seen that long."""
        now = self._clock()
        if now - mtime_ns / 1e9 >= self.settle_seconds:
            return True
        seen = self._seen.get(agent)
        if seen is None or seen.digest != digest:
            self._seen[agent] = _Seen(digest, now)
            logger.debug("grant file of %s changed; waiting for it to settle", agent)
            return False
        return now - seen.since >= self.settle_seconds

    def _parse(self, agent: str, step: _ToParse) -> Grant | GrantError:
        """Parse one file's content (any thread: touches no state)."""
        try:
            return parse_grant_bytes(step.data, agent=agent, catalogue=self.catalogue, source=step.path)
        except GrantError as exc:
            return exc
        except Exception as exc:  # one bad file must never take the server down with it
            logger.exception("unexpected failure reading grant file %s", step.path)
            return GrantError([Problem(str(step.path), "not a readable grant", hint=type(exc).__name__)])

    def _settle(self, agent: str, step: _ToParse, parsed: Grant | GrantError, *, read_at: int | None = None) -> Grant:
        """Apply a parsed change (on the thread that owns the store); `read_at`: the version when it was read."""
        path = step.path
        applied = self._applied.get(agent)
        if applied is not None and (
            applied.digest == step.digest or (read_at is not None and self._changed.get(agent, 0) > read_at)
        ):
            return applied.grant  # a concurrent lookup applied this, or something newer, first
        self._seen.pop(agent, None)
        if isinstance(parsed, GrantError):
            self._failed[agent] = step.digest
            if applied is not None and applied.good:
                logger.warning("grant file %s has errors; keeping the last good grant for %s:\n%s", path, agent, parsed)
                return applied.grant
            logger.warning("grant file %s has errors; agent %s is denied everything:\n%s", path, agent, parsed)
            denied = Grant.deny_all(
                agent, f"its grant file {path} has errors (run `aircall-mcp grants check`)", source=path
            )
            self._apply(agent, _Applied(step.digest, denied, good=False))
            return denied
        self._failed.pop(agent, None)
        if applied is not None and applied.good:
            logger.info("reloaded grant file %s for agent %s", path, agent)
        self._apply(agent, _Applied(step.digest, parsed, good=True))
        return parsed

    def _apply(self, agent: str, applied: _Applied) -> None:
        """Put `applied` in force, keeping the token index in step with it."""
        before = self._applied.get(agent)
        old = before.grant.token_hashes if before is not None else frozenset()
        new = applied.grant.token_hashes
        for token_hash in old - new:
            owners = self._owners.get(token_hash, frozenset()) - {agent}
            if owners:
                self._owners[token_hash] = owners
            else:
                self._owners.pop(token_hash, None)
        for token_hash in new - old:
            self._owners[token_hash] = self._owners.get(token_hash, frozenset()) | {agent}
        self._applied[agent] = applied
        self._version += 1
        self._changed[agent] = self._version

    # -- the whole directory ------------------------------------------------------------------------------

    def check_all(self) -> list[str]:
        """Every problem in the directory, for `aircall-mcp grants check` (empty when all is well)."""
        if not self.directory.is_dir():
            return [f"grants directory {self.directory} does not exist"]
        problems: list[str] = []
        owners: dict[str, list[str]] = {}
        for path in sorted(self.directory.glob("*.yml")):
            problems.append(
                str(Problem(str(path), "grant files must end in .yaml", hint=f"rename it {path.stem}.yaml"))
            )
        for path in self._files():
            try:
                grant = load_grant(path, self.catalogue)
            except GrantError as exc:
                problems.extend(exc.problems)
                continue
            for token_hash in grant.token_hashes:
                owners.setdefault(token_hash, []).append(str(path))
        for token_hash, files in owners.items():
            if len(files) > 1:
                problems.append(f"the token {token_hash[:15]}… is listed in several files: {', '.join(files)}")
        return problems

    def token_hashes(self) -> list[str]:
        """Every token hash in force, e.g. for the audit to scrub should one ever reach a log line.

        The first call (at start-up) reads the whole directory and builds the token index.
        """
        if not self._scanned:
            reads = self._read_directory()
            steps = self._steps(reads)
            self._finish_scan(steps, [self._parse(agent, step) for agent, step in steps])
        return sorted(self._owners)

    async def agent_for_token(self, token: str) -> str | None:
        """The agent whose grant in force lists the hash of `token`, or None (also when two agents list it).

        One dict lookup, whatever the number of agents. The index follows the directory: it is refreshed when
        the directory changes (a file added, removed or renamed over), the owner's file is re-read on every
        lookup (so a token removed from it stops at once), and an unknown token re-reads the directory at most
        every rescan_seconds (for a token added by an edit in place).
        """
        presented = hash_token(token)  # a lookup by digest: its timing says nothing about the token's text
        if not self._scanned or self._directory_mtime != self._directory_mtime_now():
            await self._rescan()
        owners = self._owners.get(presented)
        if not owners and self._clock() - self._last_scan >= self.rescan_seconds:
            await self._rescan()
            owners = self._owners.get(presented)
        if owners is not None and len(owners) == 1:
            await self.current(next(iter(owners)))  # the owner's file as it is now decides
            owners = self._owners.get(presented)
        if not owners:
            return None
        if len(owners) > 1:
            logger.warning("a bearer token is listed for several agents (%s); refusing it", ", ".join(sorted(owners)))
            return None
        return next(iter(owners))

    async def in_force(self) -> tuple[int, tuple[Grant, ...]]:
        """Every agent's grant in force, and a version that changes whenever one of them does.

        For indexes built over all grants (OAuth principals): the directory is re-read when it changed, and at
        most every rescan_seconds for edits in place, so an index is rebuilt only when the version moves.
        """
        if (
            not self._scanned
            or self._directory_mtime != self._directory_mtime_now()
            or self._clock() - self._last_scan >= self.rescan_seconds
        ):
            await self._rescan()
        return self._version, tuple(applied.grant for applied in self._applied.values())

    async def _rescan(self) -> None:
        if self._scan_lock is None:
            self._scan_lock = anyio.Lock()
        started = self._last_scan
        async with self._scan_lock:
            if self._last_scan != started:
                return  # another request scanned while this one waited
            version = self._version
            reads = await anyio.to_thread.run_sync(self._read_directory)
            steps = self._steps(reads, read_at=version)
            parsed = await anyio.to_thread.run_sync(lambda: [self._parse(agent, step) for agent, step in steps])
            self._finish_scan(steps, parsed, read_at=version)

    def _read_directory(self) -> tuple[int | None, list[tuple[str, _Read]]]:
        """Every grant file's content (any thread: touches no state), with the directory mtime seen first."""
        mtime = self._directory_mtime_now()
        return mtime, [(p.stem, _read(p)) for p in self._files() if agent_name_problem(p.stem) is None]

    def _steps(
        self, reads: tuple[int | None, list[tuple[str, _Read]]], *, read_at: int | None = None
    ) -> list[tuple[str, _ToParse]]:
        mtime, files = reads
        immediate = not self._scanned  # start-up: files as they are
        present = {agent for agent, _ in files}
        for agent in [a for a in self._applied if a not in present]:
            if read_at is None or self._changed.get(agent, 0) <= read_at:
                self._step(agent, None, immediate=immediate)  # removed or renamed away
        self._directory_mtime = mtime
        steps: list[tuple[str, _ToParse]] = []
        for agent, read in files:
            if read_at is not None and self._changed.get(agent, 0) > read_at:
                continue  # looked at more recently than this scan read it
            step = self._step(agent, read, immediate=immediate)
            if isinstance(step, _ToParse):
                steps.append((agent, step))
        return steps

    def _finish_scan(
        self,
        steps: Iterable[tuple[str, _ToParse]],
        parsed: Iterable[Grant | GrantError],
        *,
        read_at: int | None = None,
    ) -> None:
        for (agent, step), result in zip(steps, parsed, strict=True):
            self._settle(agent, step, result, read_at=read_at)
        self._scanned = True
        self._last_scan = self._clock()

    def _directory_mtime_now(self) -> int | None:
        try:
            return os.stat(self.directory).st_mtime_ns
        except OSError:
            return None

    def _files(self) -> list[Path]:
        try:
            with os.scandir(self.directory) as entries:
                # is_file() follows symlinks and needs no stat on most filesystems (the entry's type).
                names = [
                    e.name for e in entries if e.name.endswith(SUFFIX) and not e.name.startswith(".") and e.is_file()
                ]
        except OSError:  # missing, not a directory, unreadable
            return []
        return [self.directory / name for name in sorted(names)]


def check_directory(directory: Path | str, catalogue: Sequence[Endpoint]) -> tuple[list[str], bool]:
    """Validate every grant file in `directory`: (problems, ok)."""
    problems = GrantStore(directory, catalogue).check_all()
    return problems, not problems
