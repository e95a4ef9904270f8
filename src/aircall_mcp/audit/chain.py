"""The hash chain shared by the writer and the verifier.

A line is the canonical JSON of its members (sorted keys, compact separators, ASCII only) with a last
member ``"hash"`` appended: the SHA-256 of that canonical text. ``prev`` holds the hash of the line before
(``GENESIS`` for the first line of a log), ``seq`` counts lines from 1 across rotated files. To check a
line by hand: parse it, drop ``hash``, re-serialize canonically, hash.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64
SCHEMA_VERSION = 1


def canonical(members: dict[str, Any]) -> str:
    """The one serialization that is hashed. ASCII-only so that byte length equals character length."""
    return json.dumps(members, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def seal(members: dict[str, Any]) -> tuple[bytes, str]:
    """The line to write (with its newline) and its hash. ``members`` must not contain ``hash``."""
    body = canonical(members)
    line_hash = digest(body)
    # Appending keeps one serialization per line; the verifier re-canonicalizes, so order is irrelevant to it.
    return f'{body[:-1]},"hash":"{line_hash}"}}\n'.encode("ascii"), line_hash


def computed_hash(record: dict[str, Any]) -> str:
    """The hash a parsed line should carry, computed from its members other than ``hash``."""
    return digest(canonical({k: v for k, v in record.items() if k != "hash"}))


def parse(raw: bytes) -> dict[str, Any] | None:
    """The line as a JSON object, or None when it is not one."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
