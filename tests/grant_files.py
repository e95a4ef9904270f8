"""Writing grant files in tests the way a finished edit looks to the store (it applies a change once settled)."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

# Dated this far back, a file counts as an edit finished before the next call.
SETTLED_AGE_NS = 60_000_000_000


def write_settled_grant(directory: Path, agent: str, text: str) -> Path:
    """Write (or rewrite) `agent`'s grant in `directory`, dated a minute back; returns its path."""
    path = directory / f"{agent}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    past = time.time_ns() - SETTLED_AGE_NS
    os.utime(path, ns=(past, past))
    return path
