"""With --redis-url the server shares its budget and confirmations through Redis, and will not start without it."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as redis
from pydantic import SecretStr

from aircall_mcp.client import BasicCredentials
from aircall_mcp.sandbox import SandboxConfig
from aircall_mcp.settings import ApprovalSettings, EventSettings, Settings
from aircall_mcp.shared.fleet import FleetLimiter
from aircall_mcp.wiring import StartupError, runtime_for
from tests.redis_server import RedisServer, free_port

REPO_GRANTS = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"


def _settings(tmp_path: Path, redis_url: str) -> Settings:
    return Settings(
        sandbox=True,
        agent="support-agent",
        grants_dir=REPO_GRANTS,
        audit_log=tmp_path / "audit.jsonl",
        approvals=ApprovalSettings(directory=tmp_path / "approvals"),
        events=EventSettings(disabled=True),
        redis_url=SecretStr(redis_url),
    )


async def test_security_an_unreachable_redis_stops_the_start_with_words_and_without_its_password(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path, f"redis://:pw-very-secret@127.0.0.1:{free_port()}/0")
    with pytest.raises(StartupError, match="Redis") as refused:
        async with runtime_for(settings):
            pass
    assert "pw-very-secret" not in str(refused.value)
    assert "--redis-url" in str(refused.value)
    assert not (tmp_path / "audit.jsonl").exists()  # refused before anything was served


async def test_with_redis_the_budget_is_the_fleets_and_named_by_a_hash_of_the_company(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    async with runtime_for(_settings(tmp_path, redis_server.url)) as runtime:
        assert isinstance(runtime.client.limiter, FleetLimiter)
        assert runtime.client.limiter.shared
    config = SandboxConfig()
    credentials = BasicCredentials.model_validate({"api_id": config.api_id, "api_token": config.api_token})
    client = redis.from_url(redis_server.url)
    try:
        keys = [key.decode() if isinstance(key, bytes) else key for key in await client.keys("*")]
    finally:
        await client.aclose()
    # The start-up check went through the shared budget: its keys exist, under the company's hash only.
    assert f"aircall-mcp:{credentials.identity}:budget" in keys
    assert all(key.startswith(f"aircall-mcp:{credentials.identity}:") for key in keys)
    assert not any(config.api_token in key or config.api_id in key for key in keys)
