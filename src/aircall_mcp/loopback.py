"""Whether a host or URL is this machine: the one test behind every "loopback only" rule.

Used by the HTTP server (--anonymous-agent), the OAuth settings (plain http allowed only on loopback), the
sandbox (it listens on loopback only) and its webhook delivery (it sends only to loopback).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1 (bracketed or not); any other name or address is not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    return is_loopback(urlsplit(url).hostname or "")
