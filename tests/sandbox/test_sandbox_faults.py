"""Injected failures: scripted and random 5xx, dropped connections before or after applying, latency."""

from typing import Any

import httpx2
import pytest

from aircall_mcp.sandbox import SandboxHandle

TAG = {"name": "Retry me", "color": "#00AA00"}


def _tag_names(sandbox: SandboxHandle) -> list[str]:
    return [t.name for t in sandbox.sandbox.state.tags.values()]


async def test_fail_next_answers_503_and_does_not_apply_the_request(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    sandbox.sandbox.faults.fail_next(2, status=503)
    first = await sandbox_http.post("/v1/tags", json=TAG)
    second = await sandbox_http.get("/v1/ping")
    third = await sandbox_http.post("/v1/tags", json=TAG)
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 201)
    assert first.json()["error"] == "Service Unavailable"
    assert "X-AircallApi-Remaining" in first.headers
    assert _tag_names(sandbox).count("Retry me") == 1


async def test_dropped_connection_is_a_transport_error_and_not_applied(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    sandbox.sandbox.faults.drop_next()
    with pytest.raises(httpx2.RemoteProtocolError):
        await sandbox_http.post("/v1/tags", json=TAG)
    assert "Retry me" not in _tag_names(sandbox)
    assert sandbox.sandbox.requests[-1].status is None
    assert (await sandbox_http.get("/v1/ping")).status_code == 200


async def test_drop_after_apply_applies_the_request_before_dropping(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    sandbox.sandbox.faults.drop_next(after_apply=True)
    with pytest.raises(httpx2.TransportError):
        await sandbox_http.post("/v1/tags", json=TAG)
    assert _tag_names(sandbox).count("Retry me") == 1


async def test_random_faults_follow_their_rates_reproducibly(start_sandbox: Any) -> None:
    async def statuses() -> list[int | None]:
        async with start_sandbox(rate_limit=None) as sb, httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c:
            sb.sandbox.faults.error_rate = 0.5
            out: list[int | None] = []
            for _ in range(40):
                out.append((await c.get("/v1/ping")).status_code)
            return out

    first, second = await statuses(), await statuses()
    assert first == second
    assert {500, 503, 200} >= set(first)
    assert 5 < sum(s != 200 for s in first) < 35


async def test_drop_rate_with_drop_after_apply_applies_every_dropped_write(start_sandbox: Any) -> None:
    async with start_sandbox(rate_limit=None) as sb, httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c:
        sb.sandbox.faults.drop_rate = 1.0
        sb.sandbox.faults.drop_after_apply = True
        with pytest.raises(httpx2.TransportError):
            await c.post("/v1/teams", json={"name": "Applied anyway"})
        sb.sandbox.faults.clear()
        teams = (await c.get("/v1/teams", params={"per_page": 50})).json()["teams"]
    assert "Applied anyway" in {t["name"] for t in teams}


async def test_latency_delays_answers_without_failing_them(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    sandbox.sandbox.faults.latency_seconds = 0.01
    assert (await sandbox_http.get("/v1/ping")).status_code == 200
