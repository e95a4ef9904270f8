"""What a grant is, once its file has been read and validated: plain frozen data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from aircall_mcp.endpoint import Access, Area


class Level(StrEnum):
    """How much of an area an agent gets. Each level is defined by access class, never by a tool list."""

    OFF = "off"
    READ = "read"
    WRITE = "write"
    FULL = "full"

    def permits(self, access: Access) -> bool:
        return access in _LEVEL_ACCESS[self]


_LEVEL_ACCESS: Mapping[Level, frozenset[Access]] = {
    Level.OFF: frozenset(),
    Level.READ: frozenset({Access.READ}),
    Level.WRITE: frozenset({Access.READ, Access.WRITE}),
    Level.FULL: frozenset(Access),
}


class Redaction(StrEnum):
    """What a grant masks in results and in audited arguments."""

    PHONE_NUMBERS = "phone_numbers"
    EMAILS = "emails"
    RECORDINGS = "recordings"
    VOICEMAILS = "voicemails"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a grant file, written for the person who will fix it."""

    file: str
    message: str
    key: str = ""
    line: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        where = f" at {self.key}" if self.key else ""
        line = f" (line {self.line})" if self.line is not None else ""
        hint = f": {self.hint}" if self.hint else ""
        return f"{self.message}{where} in {self.file}{line}{hint}"


class GrantError(Exception):
    """A grant file that cannot be used. Carries every problem found in it, not just the first."""

    def __init__(self, problems: Sequence[Problem | str]) -> None:
        self.problems: tuple[str, ...] = tuple(str(p) for p in problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class OAuthPrincipals:
    """Which OAuth principals are this agent: a token matching any one of them is served with this grant.

    clients: client ids (the token's client_id/azp), for machine agents; subjects: `sub` values, for a person's
    delegated token; groups: names in the token's groups claim, for teams.
    """

    clients: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.clients or self.subjects or self.groups)


def _frozen_levels(levels: Mapping[Area, Level] | None) -> Mapping[Area, Level]:
    return MappingProxyType({area: (levels or {}).get(area, Level.OFF) for area in Area})


@dataclass(frozen=True, kw_only=True)
class Grant:
    """Everything one agent may do. Built only by `load_grant` or `Grant.deny_all`.

    constraints: tool -> argument -> the only values allowed (as strings; an empty set allows none).
    scope_numbers: Aircall number ids whose calls the agent may see and act on; None = every number.
    phone_region: the region (ISO 3166 alpha-2, e.g. "FR") whose national formats redaction reads phone
        numbers in free text as; None = any digit run shaped like a phone number is masked.
    events: the webhook event types the agent may receive; None = every type its areas allow.
    denied_because: set only on a deny-all grant (missing, broken or invalid file), says why.
    """

    agent: str
    description: str = ""
    levels: Mapping[Area, Level] = field(default_factory=lambda: _frozen_levels(None))
    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    confirm: frozenset[str] = frozenset()
    # Tools whose calls wait in the approval queue for an operator (after asking the client, if also in confirm).
    approve: frozenset[str] = frozenset()
    constraints: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=lambda: MappingProxyType({}))
    scope_numbers: frozenset[int] | None = None
    redact: frozenset[Redaction] = frozenset()
    phone_region: str | None = None
    quota_per_minute: int | None = None
    events: frozenset[str] | None = None
    # Hashes are not secrets, but they identify credentials: keep them out of reprs and logs.
    token_hashes: frozenset[str] = field(default=frozenset(), repr=False)
    oauth: OAuthPrincipals = field(default_factory=OAuthPrincipals)
    source: Path | None = None
    denied_because: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", _frozen_levels(self.levels))
        frozen = {tool: MappingProxyType(dict(args)) for tool, args in self.constraints.items()}
        object.__setattr__(self, "constraints", MappingProxyType(frozen))

    @classmethod
    def deny_all(cls, agent: str, reason: str, *, source: Path | None = None) -> Grant:
        """The grant of an agent without a usable file: nothing is visible, nothing is callable."""
        return cls(agent=agent, source=source, denied_because=reason)

    @property
    def file(self) -> str:
        return str(self.source) if self.source is not None else f"{self.agent}.yaml"

    def level(self, area: Area) -> Level:
        return self.levels.get(area, Level.OFF)

    def call_in_scope(self, call: Mapping[str, Any]) -> bool:
        """Whether a call object (as Aircall returns it) is on one of the numbers this grant is scoped to."""
        if self.scope_numbers is None:
            return True
        number = call.get("number")
        number_id = number.get("id") if isinstance(number, Mapping) else None
        # A call whose number cannot be read is out of scope: the scope is a promise, not a best effort.
        return isinstance(number_id, int) and not isinstance(number_id, bool) and number_id in self.scope_numbers
