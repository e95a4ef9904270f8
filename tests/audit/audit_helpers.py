"""Helpers shared by the audit tests (imported by name: pytest puts this directory on sys.path)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aircall_mcp.audit import AuditEvent

SAMPLE: dict[str, Any] = {
    "agent": "support-agent",
    "transport": "stdio",
    "session_id": "s-1",
    "tool": "tag_call",
    "area": "calls",
    "access": "write",
    "arguments": {"call_id": 1234, "tags": [56]},
    "action": "tag call 1234 with tags [56]",
    "decision": "allowed",
    "rule": "areas.calls=write",
    "upstream_method": "POST",
    "upstream_path": "/v1/calls/1234/tags",
    "http_status": 201,
    "duration_ms": 180.0,
    "result_bytes": 42,
}


def event(**overrides: Any) -> AuditEvent:
    """A realistic outcome event for an allowed write, with ``overrides`` applied."""
    return AuditEvent(**{**SAMPLE, **overrides})


def records(path: Path) -> list[dict[str, Any]]:
    """Every line of ``path`` parsed; fails the test on a line that is not JSON."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class StepClock:
    """A clock that advances 1 ms per reading, from a fixed instant."""

    def __init__(self) -> None:
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return datetime(2025, 3, 14, 9, 26, 53, 589_000, tzinfo=UTC) + timedelta(milliseconds=self.readings)
