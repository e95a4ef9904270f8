"""The OAuth gate's verdict on one request's bearer token, handed to the SDK's token verifier behind it.

With OAuth on, every request to /mcp passes the gate, which finds out who its token is (a static agent token, or
an OAuth token it verified), and then the SDK's bearer middleware, which asks the token verifier the same
question. The gate records its answer for the rest of that request (a context variable, reset when the request
ends), so the verifier does not look the token up a second time. The answer is keyed by the token's fingerprint:
it answers for that token only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Vetted:
    fingerprint: str
    # The static token's agent; None for an OAuth token the gate accepted (the verifier reads the gate's cache).
    static_agent: str | None


_VETTED: ContextVar[Vetted | None] = ContextVar("aircall_mcp_vetted_token", default=None)


def fingerprint(token: str) -> str:
    """A token's SHA-256, the form in which tokens are remembered (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@contextmanager
def vetted(token: str, static_agent: str | None) -> Iterator[None]:
    """Within this block (the rest of the request), `verdict_for(token)` is the gate's answer."""
    reset = _VETTED.set(Vetted(fingerprint(token), static_agent))
    try:
        yield
    finally:
        _VETTED.reset(reset)


def verdict_for(token: str) -> Vetted | None:
    """The gate's answer for `token` in this request, or None when the gate did not vet this very token."""
    known = _VETTED.get()
    return known if known is not None and known.fingerprint == fingerprint(token) else None
