"""Webhook event names Aircall accepts: Aircall facts, kept in `aircall_mcp.facts` (the sandbox uses them too)."""

from __future__ import annotations

from aircall_mcp.facts import ALL_EVENTS, KNOWN_EVENTS

__all__ = ["ALL_EVENTS", "KNOWN_EVENTS"]
