"""The seeded workspace: deterministic, realistic, and fast to build."""

import re
from dataclasses import asdict

import pytest

from aircall_mcp.sandbox import SEED_EPOCH, SandboxConfig, build_workspace, running_sandbox

SMALL = SandboxConfig(users=20, teams=4, numbers=5, contacts=120, calls=300, tags=8)


def test_same_seed_gives_the_same_workspace() -> None:
    assert build_workspace(SMALL) == build_workspace(SandboxConfig(**{**asdict(SMALL)}))


def test_different_seed_gives_different_data() -> None:
    a, b = build_workspace(SMALL), build_workspace(SandboxConfig(**{**asdict(SMALL), "seed": 8}))
    assert [c.raw_digits for c in a.calls.values()] != [c.raw_digits for c in b.calls.values()]
    assert [u.email for u in a.users.values()] != [u.email for u in b.users.values()]


def test_seeded_data_does_not_depend_on_the_clock() -> None:
    early = build_workspace(SandboxConfig(**{**asdict(SMALL), "clock": lambda: 0.0}))
    late = build_workspace(SandboxConfig(**{**asdict(SMALL), "clock": lambda: 4e9}))
    assert early == late
    assert max(c.started_at for c in early.calls.values()) <= SEED_EPOCH


def test_workspace_looks_like_a_real_company() -> None:
    ws = build_workspace(SMALL)
    calls = list(ws.calls.values())
    assert len(ws.users) == 20
    assert len(ws.contacts) == 120
    assert len(calls) == 300
    assert {c.direction for c in calls} == {"inbound", "outbound"}
    assert any(c.raw_digits == "anonymous" for c in calls)
    assert any(c.missed_call_reason for c in calls)
    assert any(c.voicemail for c in calls)
    assert any(c.recording for c in calls)
    assert any(c.comments for c in calls)
    assert any(c.tags for c in calls)
    assert any(c.insights for c in calls)
    statuses = [ws.calls[i].status for i in ws.ongoing_call_ids()]
    assert "answered" in statuses
    assert "initial" in statuses
    e164 = re.compile(r"^\+[1-9]\d{6,14}$")
    assert all(e164.match(p.value) for c in ws.contacts.values() for p in c.phone_numbers)
    assert all(re.match(r"^#[0-9A-F]{6}$", t.color) for t in ws.tags.values())
    assert all(t.user_ids for t in ws.teams.values())
    assert {n.country for n in ws.numbers.values()} >= {"FR", "US", "GB"}
    assert len({u.email for u in ws.users.values()}) == 20
    assert all(c.id > 1_000_000_000 for c in calls)


def test_default_sized_seed_has_three_thousand_calls() -> None:
    # How long it takes is measured by benchmarks/sandbox_bench.py, not asserted here (timed tests flake).
    ws = build_workspace(SandboxConfig())
    assert len(ws.calls) == 3000


async def test_running_sandbox_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        async with running_sandbox(SMALL, host="0.0.0.0"):
            pass


async def test_running_sandbox_reports_its_real_port() -> None:
    async with running_sandbox(SMALL) as sb:
        assert re.match(r"^http://127\.0\.0\.1:\d+$", sb.base_url)
        assert not sb.base_url.endswith(":0")
