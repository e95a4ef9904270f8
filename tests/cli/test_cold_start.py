"""What the server imports at start-up: only what serving needs (cold start is measured by
benchmarks/overhead_bench.py; this pins the behaviour that makes it possible)."""

from __future__ import annotations

import subprocess
import sys


def test_serving_aircall_does_not_import_the_sandbox() -> None:
    """The CLI and the wiring of `serve` load the embedded sandbox only for --sandbox or `aircall-mcp sandbox`."""
    probe = (
        "import sys, aircall_mcp.cli, aircall_mcp.wiring; "
        "print(sorted(name for name in sys.modules if name.startswith('aircall_mcp.sandbox')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[]"


def test_the_audit_commands_start_without_the_mcp_sdk_or_the_catalogue() -> None:
    """`audit tail` / `audit verify` import only the audit package and the settings model (pydantic: the CLI's
    flags are generated from it), not the MCP SDK, the HTTP stack, the catalogue or the grants."""
    probe = (
        "import sys, aircall_mcp.cli; "
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'mcp', 'uvicorn', 'starlette'}), "
        "sorted(name for name in sys.modules if name in ('aircall_mcp.catalogue', 'aircall_mcp.grants')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[] []"


def test_serving_without_redis_or_oauth_does_not_import_their_clients() -> None:
    """The Redis client and PyJWT (~50 ms and ~25 ms of imports) load only when a Redis URL
    (approvals, events) or OAuth is configured."""
    probe = (
        "import sys, aircall_mcp.cli, aircall_mcp.wiring, aircall_mcp.approvals, aircall_mcp.events.service; "
        "print(sorted(name for name in sys.modules if name in ('redis', 'jwt') "
        "or name.endswith('redis_store')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[]"
