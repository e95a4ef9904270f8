"""What the server imports at start-up: only what serving needs (cold start is measured by
benchmarks/overhead_bench.py; this pins the behaviour that makes it possible)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import start_blocking_portal

from aircall_mcp.sandbox import SandboxConfig, SandboxHandle, running_sandbox
from tests.cli.stdio_session import list_tools, start

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"


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


# What a stdio server with events off must not import to answer its first tools/list: the events machinery
# (HTTP receives events; over stdio they come from Redis or not at all), the HTTP edge and what only it uses,
# the commands' helpers, libphonenumber (loaded at the first text that may hold a number). uvicorn and
# starlette are not listed: the MCP SDK's `mcp.server` imports them itself, for every server.
NOT_IMPORTED_TO_SERVE_STDIO = (
    "aircall_mcp.events.feed",
    "aircall_mcp.events.resources",
    "aircall_mcp.events.service",
    "aircall_mcp.events.receiver",
    "aircall_mcp.http",
    "aircall_mcp.oauth.edge",
    "aircall_mcp.oauth.gate",
    "aircall_mcp.approvals.operator",
    "aircall_mcp.grants.describe",
    "aircall_mcp.init",
    "aircall_mcp.sandbox",
    "phonenumbers",
)
MODEL_AREAS = tuple(
    f"aircall_mcp.models.{area}"
    for area in ("analytics", "calls", "company", "contacts", "messaging", "numbers", "tags", "teams", "users")
)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    """A sandbox Aircall on loopback, in a thread of its own, for the server process under test."""
    with (
        start_blocking_portal(backend="asyncio") as portal,
        portal.wrap_async_context_manager(running_sandbox(SandboxConfig())) as handle,
    ):
        yield handle


def _imported(importtime_stderr: str) -> set[str]:
    """The modules a process imported, from its `-X importtime` lines ("import time: self | cumulative | name")."""
    return {
        line.rsplit("|", 1)[1].strip() for line in importtime_stderr.splitlines() if line.startswith("import time:")
    }


def test_serving_over_stdio_imports_only_what_serving_needs(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """A real `serve` process (stdio, events off) up to its first tools/list: none of the machinery it does not
    use is imported, and no tool model module either (tools/list reads the shipped schema cache)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRCALL_", "XDG_"))}
    env |= {
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "AIRCALL_BASE_URL": sandbox.base_url,
        "AIRCALL_API_ID": sandbox.config.api_id,
        "AIRCALL_API_TOKEN": sandbox.config.api_token,
    }
    serve = [sys.executable, "-X", "importtime", "-m", "aircall_mcp", "serve", "--agent", "support-agent"]
    serve += ["--grants", str(EXAMPLES), "--audit-log", str(tmp_path / "audit.jsonl")]
    session = start(serve, env=env)
    assert "get_call" in list_tools(session)  # served: the support agent's tools are listed
    stderr, code = session.close()
    assert code == 0
    imported = _imported(stderr)
    assert "aircall_mcp.wiring" in imported  # the probe sees the server's imports
    unwanted = [name for name in (*NOT_IMPORTED_TO_SERVE_STDIO, *MODEL_AREAS) if name in imported]
    assert unwanted == []


def test_the_catalogue_declares_every_tool_without_building_a_model() -> None:
    """Importing the catalogue imports no tool model module and builds no model's validator (defer_build): both
    happen when a call first uses a tool, with the same validation as before."""
    probe = (
        "import sys, aircall_mcp.catalogue as c; "
        "from aircall_mcp.models.common import InputModel, OutputModel; "
        "loaded = sorted(n for n in sys.modules if n.startswith('aircall_mcp.models.') "
        "and n not in ('aircall_mcp.models.common', 'aircall_mcp.models.personal')); "
        "built = sorted(m.__name__ for base in (InputModel, OutputModel) for m in base.__subclasses__() "
        "if m.__pydantic_complete__); "
        "model = c.by_name('list_tags').input_model; "
        "before = model.__pydantic_complete__; "
        "model.model_validate({'per_page': 5}); "
        "print(loaded, built, before, model.__pydantic_complete__, model.__module__)"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[] [] False True aircall_mcp.models.tags"
