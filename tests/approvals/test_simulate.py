"""`grants simulate` on an audit written by this suite's own calls through the real server, with known flips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.cli import main
from aircall_mcp.grants import parse_grant
from aircall_mcp.grants.simulate import parse_since, read_audit, simulate
from tests.server.conftest import Harness

OLD = "areas: {tags: full, contacts: read}\nredact: [phone_numbers]\n"
NEW = """
areas: {tags: read, contacts: write}
tools: {approve: [create_contact]}
constraints: {search_contacts: {phone_number: ["+33612345678"]}}
"""


async def record_history(harness: Harness) -> list[int]:
    """The agent `sim`'s calls under OLD: three allowed tag calls, a denied create, a masked phone search."""
    harness.write_grant("sim", OLD)
    tags = sorted(harness.sandbox.sandbox.state.tags)
    async with harness.connect("sim") as client:
        assert not (await client.call_tool("list_tags", {})).is_error
        assert not (await client.call_tool("get_tag", {"tag_id": tags[0]})).is_error
        assert not (await client.call_tool("delete_tag", {"tag_id": tags[1]})).is_error
        assert (await client.call_tool("create_contact", {"first_name": "Ada"})).is_error
        assert not (await client.call_tool("search_contacts", {"phone_number": "+33612345678"})).is_error
    return tags


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["grants", "simulate", *argv], env={})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_simulate_reports_known_flips_and_fails_when_an_allowed_call_would_be_denied(
    harness: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tags = await record_history(harness)
    new = tmp_path / "new.yaml"
    new.write_text(NEW, encoding="utf-8")
    code, out, _ = run(capsys, "sim", "--grant", str(new), "--audit", str(harness.audit_path), "--json")
    report = json.loads(out)
    assert code == 1
    assert report["replayed"] == 5
    assert report["unchanged"] == 2  # list_tags and get_tag stay allowed
    flips = {(flip["was"], flip["now"]): flip for flip in report["flips"]}
    assert set(flips) == {("allowed", "denied"), ("denied", "needs approval")}
    assert flips["allowed", "denied"]["per_tool"] == {"delete_tag": 1}
    assert flips["allowed", "denied"]["examples"][0]["arguments"] == {"tag_id": tags[1]}
    assert flips["denied", "needs approval"]["per_tool"] == {"create_contact": 1}
    assert report["newly_denied"] == 1
    [undecidable] = report["undecidable"]
    assert undecidable["tool"] == "search_contacts"
    assert "+33612345678" not in json.dumps(report)  # masked in the audit, and never guessed back
    assert undecidable["why"] == "phone_number was masked in the audit and the new grant decides on it"

    code, text, _ = run(capsys, "sim", "--grant", str(new), "--audit", str(harness.audit_path))
    assert code == 1
    assert "allowed -> denied: 1 (delete_tag 1)" in text
    assert "denied -> needs approval: 1 (create_contact 1)" in text
    assert "cannot be re-decided: 1" in text
    assert "1 calls allowed before would now be denied." in text


async def test_simulate_of_the_same_grant_flips_nothing_and_exits_zero(
    harness: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await record_history(harness)
    same = tmp_path / "same.yaml"
    same.write_text(OLD, encoding="utf-8")
    code, out, _ = run(capsys, "sim", "--grant", str(same), "--audit", str(harness.audit_path), "--since", "1d")
    assert code == 0
    assert out.startswith("Replayed 5 recorded calls of sim: 5 unchanged, 0 would flip, 0 cannot be re-decided.")


async def test_simulate_since_leaves_out_older_calls(harness: Harness) -> None:
    await record_history(harness)
    grant = parse_grant(NEW, agent="sim", catalogue=CATALOGUE)
    lines = read_audit(harness.audit_path)
    assert simulate(grant, CATALOGUE, lines, since=datetime.now(UTC) + timedelta(hours=1)).replayed == 0
    assert simulate(grant, CATALOGUE, lines, since=datetime.now(UTC) - timedelta(hours=1)).replayed == 5


def test_since_takes_a_number_and_a_unit() -> None:
    assert parse_since("7d") == timedelta(days=7)
    assert parse_since("12h") == timedelta(hours=12)
    with pytest.raises(ValueError, match=r"e\.g\. 7d, 12h"):
        parse_since("a week")


def test_simulate_with_a_broken_grant_is_a_usage_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "new.yaml"
    broken.write_text("tools: {approve: [delete_tags]}\n", encoding="utf-8")
    audit = tmp_path / "audit.jsonl"
    audit.write_text("", encoding="utf-8")
    code, _, err = run(capsys, "sim", "--grant", str(broken), "--audit", str(audit))
    assert code == 2
    assert f"unknown tool 'delete_tags' at tools.approve[0] in {broken}" in err
    good = tmp_path / "good.yaml"
    good.write_text(OLD, encoding="utf-8")
    code, _, err = run(capsys, "sim", "--grant", str(good), "--audit", str(tmp_path / "missing.jsonl"))
    assert code == 2
    assert f"cannot read the audit file {tmp_path / 'missing.jsonl'}" in err
