"""A grant's quota caps one agent's share of the company budget, and an over-long wait is an error, not a hang."""

from __future__ import annotations

from aircall_mcp.ratelimit import CompanyLimiter
from tests.server.conftest import Harness


async def test_an_agent_over_its_quota_gets_a_prompt_tool_error_while_another_agent_goes_on(harness: Harness) -> None:
    harness.write_grant("frugal", "areas: {tags: read}\nquota: {per_minute: 2}\n")
    harness.write_grant("other", "areas: {tags: read}\n")
    # A generous company budget; only the agent's own quota can make it wait, and 60 s is beyond max_wait.
    limiter = CompanyLimiter(1000, 60.0, max_wait_seconds=1.0)
    async with harness.connect("frugal", limiter=limiter) as frugal, harness.connect("other", limiter=limiter) as other:
        assert not (await frugal.call_tool("list_tags", {})).is_error
        assert not (await frugal.call_tool("list_tags", {})).is_error
        harness.sandbox.sandbox.clear_requests()
        refused = await frugal.call_tool("list_tags", {})
        assert refused.is_error
        text = refused.content[0].text  # type: ignore[union-attr]
        assert "rate" in text.lower()
        assert harness.requests == []  # the third call was never sent
        assert not (await other.call_tool("list_tags", {})).is_error
    outcome = harness.audit_lines()[2]
    assert outcome["agent"] == "frugal"
    assert outcome["error_kind"] == "rate_limit_wait_too_long"
