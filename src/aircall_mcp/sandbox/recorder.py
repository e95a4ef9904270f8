"""What the sandbox remembers about each request it received (never the Authorization header)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any | None  # parsed JSON; the raw text when it was not JSON; None when empty
    status: int | None  # None when the connection was dropped without a response
