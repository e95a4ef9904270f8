"""The grants directory: one file per agent, reloaded when it changes, and bearer tokens for HTTP.

A file is re-read only when its stat signature (mtime, size, inode) changes, so asking on every call is one
os.stat. A broken edit keeps the last good grant and logs why; a missing or never-valid file grants nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aircall_mcp.endpoint import Endpoint
from aircall_mcp.grants.load import agent_name_problem, load_grant
from aircall_mcp.grants.model import Grant, GrantError, Problem

logger = logging.getLogger("aircall_mcp.grants")

SUFFIX = ".yaml"
TOKEN_PREFIX = "acm_"  # noqa: S105 - a recognisable prefix, not a secret

_Signature = tuple[int, int, int]


def hash_token(token: str) -> str:
    """The line a grant file stores for `token`: "sha256:<64 hex>"."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint_token() -> tuple[str, str]:
    """A new bearer token for the HTTP transport, and the hash line to paste under `tokens:` in a grant file."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


@dataclass(frozen=True, slots=True)
class _Entry:
    signature: _Signature
    grant: Grant
    good: bool  # False: a deny-all standing in for a file that never loaded


class GrantStore:
    """Grants of every agent under `directory`, validated against `catalogue`."""

    def __init__(self, directory: Path | str, catalogue: Sequence[Endpoint]) -> None:
        self.directory = Path(directory)
        self.catalogue = tuple(catalogue)
        self._entries: dict[str, _Entry] = {}

    def path_for(self, agent: str) -> Path:
        return self.directory / f"{agent}{SUFFIX}"

    def agents(self) -> list[str]:
        """Agents that have a file with a valid name, sorted."""
        return sorted(p.stem for p in self._files() if agent_name_problem(p.stem) is None)

    def grant_for(self, agent: str) -> Grant:
        """The grant in force for `agent` now: deny-all when there is no file or it never loaded."""
        name_problem = agent_name_problem(agent)
        if name_problem is not None:
            return Grant.deny_all(agent, name_problem)
        path = self.path_for(agent)
        try:
            st = os.stat(path)
        except OSError:
            if self._entries.pop(agent, None) is not None:
                logger.warning("grant file %s is gone: agent %s is now denied everything", path, agent)
            return Grant.deny_all(agent, f"there is no grant file {path}", source=path)
        signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        entry = self._entries.get(agent)
        if entry is not None and entry.signature == signature:
            return entry.grant
        try:
            grant = load_grant(path, self.catalogue)
        except GrantError as exc:
            if entry is not None and entry.good:
                logger.warning("grant file %s has errors; keeping the last good grant for %s:\n%s", path, agent, exc)
                self._entries[agent] = _Entry(signature, entry.grant, good=True)
                return entry.grant
            logger.warning("grant file %s has errors; agent %s is denied everything:\n%s", path, agent, exc)
            denied = Grant.deny_all(
                agent, f"its grant file {path} has errors (run `aircall-mcp grants check`)", source=path
            )
            self._entries[agent] = _Entry(signature, denied, good=False)
            return denied
        if entry is not None:
            logger.info("reloaded grant file %s for agent %s", path, agent)
        self._entries[agent] = _Entry(signature, grant, good=True)
        return grant

    async def current(self, agent: str) -> Grant:
        """The grant in force for `agent`, for the serving path (which must not parse files on the event loop)."""
        return self.grant_for(agent)

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
        return self.grant_for(agent)

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
        """Every token hash in force, e.g. for the audit to scrub should one ever reach a log line."""
        return sorted({h for agent in self.agents() for h in self.grant_for(agent).token_hashes})

    def agent_for_token(self, token: str) -> str | None:
        """The agent whose grant lists the hash of `token`, or None (also when two agents list it)."""
        presented = hash_token(token)
        matches: list[str] = []
        for agent in self.agents():
            # Compare with every hash of every agent so the time taken does not say how close a guess was.
            for stored in self.grant_for(agent).token_hashes:
                if hmac.compare_digest(presented, stored):
                    matches.append(agent)
        if len(matches) > 1:
            logger.warning("a bearer token is listed for several agents (%s); refusing it", ", ".join(matches))
            return None
        return matches[0] if matches else None

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.glob(f"*{SUFFIX}") if p.is_file() and not p.name.startswith("."))


def check_directory(directory: Path | str, catalogue: Sequence[Endpoint]) -> tuple[list[str], bool]:
    """Validate every grant file in `directory`: (problems, ok)."""
    problems = GrantStore(directory, catalogue).check_all()
    return problems, not problems
