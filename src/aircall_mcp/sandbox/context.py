"""What a handler receives (one parsed request) and what it returns (status + JSON body)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.state import Workspace


@dataclass(frozen=True)
class Query:
    """The query string as ordered (name, value) pairs; repeated names are kept."""

    items: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        """The last value given for `name`, or None."""
        values = self.all(name)
        return values[-1] if values else None

    def all(self, *names: str) -> list[str]:
        return [v for k, v in self.items if k in names]

    def as_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for k, v in self.items:
            out.setdefault(k, []).append(v)
        return out


@dataclass(frozen=True)
class Ctx:
    """One request as a handler sees it."""

    ws: Workspace
    path: str
    params: dict[str, str]
    query: Query
    body: Any
    base_url: str  # scheme://host:port of this sandbox as the client reached it
    now: int  # UNIX seconds from the configured clock, for objects created now
    pagination_cap: int
    accept_comma_joined_tags: bool = True  # SandboxConfig.accept_comma_joined_tags

    def int_param(self, name: str) -> int:
        """A numeric path id; anything else cannot name an object, so it is a 404."""
        raw = self.params[name]
        if not raw.isdigit():
            raise ApiError.not_found(f"{name} {raw!r} not found")
        return int(raw)


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None  # None -> empty body
    headers: dict[str, str] = field(default_factory=dict)


def ok(body: Any) -> Reply:
    return Reply(200, body)


def created(body: Any = None) -> Reply:
    return Reply(201, body)


def no_content() -> Reply:
    return Reply(204)


Handler = Callable[[Ctx], Reply]
