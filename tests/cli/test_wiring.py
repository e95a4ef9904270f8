"""Wiring reads what it needs from the settings: the company's one budget, the result bound, the audit path."""

from __future__ import annotations

from pathlib import Path

import pytest

from aircall_mcp.ratelimit import CompanyLimiter
from aircall_mcp.settings import ApprovalSettings, Settings
from aircall_mcp.wiring import StartupError, company_budget, runtime_for

REPO_GRANTS = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"


async def test_the_runtime_gets_one_limiter_built_from_the_settings(tmp_path: Path) -> None:
    """--rate-limit and --max-wait reach the limiter handed to the client; --max-result-bytes reaches the runtime."""
    settings = Settings(
        sandbox=True,
        agent="support-agent",
        grants_dir=REPO_GRANTS,
        audit_log=tmp_path / "audit.jsonl",
        rate_limit=7,
        max_wait_seconds=3.0,
        max_result_bytes=5_000,
        approvals=ApprovalSettings(directory=tmp_path / "approvals"),
    )
    budget = company_budget(settings)
    assert (budget.limit, budget.max_wait_seconds) == (7, 3.0)
    async with runtime_for(settings) as runtime:
        limiter = runtime.client.limiter
        assert isinstance(limiter, CompanyLimiter)
        # The start-up ping has already taught it the sandbox's own figure; the wait bound stays the setting.
        assert limiter.limit_learned
        assert limiter.max_wait_seconds == 3.0
        assert runtime.max_result_bytes == 5_000
    async with runtime_for(settings) as again:
        assert again.client.limiter is not limiter  # no process-global registry: each runtime its own budget


async def test_settings_built_without_credentials_refuse_to_start_against_aircall(tmp_path: Path) -> None:
    settings = Settings(agent="support-agent", grants_dir=REPO_GRANTS, audit_log=tmp_path / "audit.jsonl")
    with pytest.raises(StartupError, match="credentials"):
        async with runtime_for(settings):
            pass
