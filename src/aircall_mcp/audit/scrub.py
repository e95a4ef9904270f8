"""Defence in depth: no credential reaches the audit file, even if a caller forgot to redact one.

Callers redact arguments per the grant before recording; this module makes the line JSON-safe and
masks what must never be written whatever the grant says: the registered secret strings (Aircall API
token, OAuth access token, agents' bearer tokens), values under keys named like credentials, and
credentials embedded in text (``Bearer ...``, ``Basic ...``, ``https://user:pass@host``).
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "[secret]"

# Keys whose values are credentials by name, at any depth ("api_token", "Authorization", "password").
_SENSITIVE_KEY = re.compile(r"token|passw|secret|authori[sz]|api[_-]?key|credential|cookie|private[_-]?key", re.I)
# Credentials are long; requiring 16+ characters keeps prose such as "basic information" readable.
_AUTH_SCHEME = re.compile(r"\b([Bb]earer|BEARER|Basic|BASIC)(\s+)[A-Za-z0-9._~+/=-]{16,}")
_URL_USERINFO = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
# How grant files store agents' bearer tokens (grants.store.hash_token).
_TOKEN_HASH = re.compile(r"sha256:[0-9a-f]{64}")
# Values that are JSON as they are and hold no text to scan (floats are not: NaN and infinities are not JSON).
_PLAIN = frozenset({bool, int})
# Arguments can hold long free text; an audit line records what was asked, not a copy of every byte.
MAX_STRING_CHARS = 1000


@functools.lru_cache(maxsize=1024)
def _sensitive(key: str) -> bool:
    # Keys repeat from line to line (the event's own fields, each tool's argument names).
    return _SENSITIVE_KEY.search(key) is not None


class Scrubber:
    """Turns event data into JSON-ready values with every known secret replaced by ``[secret]``.

    Thread-safe: secrets can be added while other threads scrub. Built in one pass, whatever the number of
    secrets: agents' token hashes (one or more per agent, all of one shape) are found by that shape and looked
    up in a set, so a thousand agents cost what one does; the few other secrets share one alternation.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._hashes: frozenset[str] = frozenset()
        self._others: frozenset[str] = frozenset()
        self._pattern: re.Pattern[str] | None = None
        # A text shorter than every secret holds none of them: most of a line's texts skip the regex.
        self._shortest = 0
        self.add_secrets(secrets)

    def add_secret(self, secret: str) -> None:
        """Mask every later occurrence of ``secret``. Empty strings are ignored."""
        self.add_secrets((secret,))

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Mask every later occurrence of each of ``secrets``; one rebuild for all of them."""
        new = {s for s in secrets if s}
        if not new:
            return
        hashes = {s for s in new if _TOKEN_HASH.fullmatch(s)}
        with self._lock:
            self._hashes = self._hashes | hashes
            self._others = self._others | (new - hashes)
            # Shortest first: a text scanned by the new pattern is never skipped by the old length (it only falls).
            self._shortest = min(len(secret) for secret in self._hashes | self._others)
            self._pattern = _pattern(self._hashes, self._others)

    def _mask(self, match: re.Match[str]) -> str:
        found = match.group()
        # The hash shape also matches hashes that are not registered: those are data, kept as they are.
        return MASK if match.lastgroup != "hash" or found in self._hashes else found

    def clean(self, value: Any) -> Any:
        """A JSON-serializable copy of ``value`` with secrets masked and long strings capped."""
        return self._clean(value, self._pattern)

    def clean_fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``clean`` for the event's own members: their names are ours, so only the values are scanned."""
        pattern, clean = self._pattern, self._clean
        # Most members are None or numbers: they pass as they are, without a call each.
        return {
            name: value if value is None or type(value) in _PLAIN else clean(value, pattern)
            for name, value in fields.items()
        }

    def text(self, text: str) -> str:
        """``text`` with secrets masked and capped at MAX_STRING_CHARS."""
        return self._text(text, self._pattern)

    def _clean(self, value: Any, pattern: re.Pattern[str] | None) -> Any:
        kind = type(value)
        # Exact-type checks first: they are the common case and much cheaper than ABC isinstance checks.
        if value is None or kind in _PLAIN:
            return value
        if kind is str or isinstance(value, str):
            return self._text(value, pattern)
        if kind is dict or isinstance(value, Mapping):
            return {
                (key := self._text(str(k), pattern)): MASK if _sensitive(key) else self._clean(v, pattern)
                for k, v in value.items()
            }
        if isinstance(value, float):
            # NaN and infinities are not JSON; keep them readable instead of failing the record.
            return value if math.isfinite(value) else str(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, list | tuple | set | frozenset):
            return [self._clean(item, pattern) for item in value]
        return self._text(str(value), pattern)

    def _text(self, text: str, pattern: re.Pattern[str] | None) -> str:
        if pattern is not None and len(text) >= self._shortest:
            text = pattern.sub(self._mask, text)
        # Substring checks first: they cost a fraction of a regex scan and almost never match.
        if "earer" in text or "asic" in text or "EARER" in text or "ASIC" in text:
            text = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        if "@" in text and "://" in text:
            text = _URL_USERINFO.sub(f"://{MASK}@", text)
        if len(text) > MAX_STRING_CHARS:
            text = f"{text[:MAX_STRING_CHARS]}…[+{len(text) - MAX_STRING_CHARS} chars]"
        return str(text)


def _pattern(hashes: frozenset[str], others: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for every secret: the token-hash shape (if any are registered), then the others."""
    # Longest first, so a secret that contains another is masked whole.
    branches = [re.escape(s) for s in sorted(others, key=len, reverse=True)]
    if hashes:
        branches.insert(0, f"(?P<hash>{_TOKEN_HASH.pattern})")
    return re.compile("|".join(branches)) if branches else None
