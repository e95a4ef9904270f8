"""The audit trail, proven end to end: MCP client -> real server -> sandbox Aircall over loopback HTTP -> audit file.

What the file must hold: one outcome line per tool call whatever happened, an intent line on disk before a
write leaves the process, a chain that verifies under concurrent sessions, plain-English summaries, and
never the Aircall credentials. And when no line can be written, nothing is sent.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import anyio
import mcp_types as types
import pytest

from aircall_mcp.audit import AuditLog, verify
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.retry import RetryPolicy
from tests.server.conftest import Harness

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
ENDPOINTS = {ep.name: ep for ep in CATALOGUE}
# Every field a reviewer can rely on in an outcome line.
DOCUMENTED_FIELDS = {
    "ts",
    "event_id",
    "agent",
    "transport",
    "session_id",
    "tool",
    "area",
    "access",
    "arguments",
    "decision",
    "rule",
    "upstream_method",
    "upstream_path",
    "http_status",
    "aircall_error",
    "retries",
    "rate_limit_wait_ms",
    "duration_ms",
    "result_bytes",
    "summary",
    "phase",
}


def text(result: types.CallToolResult) -> str:
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    return content.text


def outcomes(harness: Harness) -> list[dict[str, Any]]:
    return [line for line in harness.audit_lines() if line["phase"] == "outcome"]


def credential_strings(harness: Harness) -> list[str]:
    """The sandbox's credentials in every form they could leak: id, token, and the Basic header value."""
    config = harness.sandbox.config
    encoded = base64.b64encode(f"{config.api_id}:{config.api_token}".encode()).decode()
    return [config.api_id, config.api_token, encoded, f"Basic {encoded}"]


def check_documented_fields(line: dict[str, Any]) -> None:
    assert set(line) >= DOCUMENTED_FIELDS, DOCUMENTED_FIELDS - set(line)
    assert RFC3339_UTC.match(line["ts"]), line["ts"]
    stamped = datetime.fromisoformat(line["ts"].replace("Z", "+00:00"))
    assert stamped.utcoffset() is not None
    assert cast(timedelta, stamped.utcoffset()).total_seconds() == 0
    assert abs((datetime.now(UTC) - stamped).total_seconds()) < 300
    uuid.UUID(line["event_id"])
    assert line["transport"] == "memory"
    assert isinstance(line["session_id"], str)
    assert line["session_id"]
    assert isinstance(line["arguments"], dict)
    assert isinstance(line["retries"], int)
    assert line["retries"] >= 0
    assert isinstance(line["rate_limit_wait_ms"], int | float)
    assert line["rate_limit_wait_ms"] >= 0
    assert isinstance(line["duration_ms"], int | float)
    assert line["duration_ms"] >= 0
    assert isinstance(line["summary"], str)
    assert line["summary"]
    endpoint = ENDPOINTS.get(line["tool"])
    if endpoint is not None:
        assert (line["area"], line["access"]) == (endpoint.area.value, endpoint.access.value)


# -- one line per call, with the documented fields --------------------------------------------------------


async def test_every_call_allowed_denied_invalid_or_failed_writes_one_outcome_line_with_documented_fields(
    harness: Harness,
) -> None:
    state = harness.sandbox.sandbox.state
    call_id, tag_id, contact_id = next(iter(state.calls)), next(iter(state.tags)), next(iter(state.contacts))
    missing_call = max(state.calls) + 1000
    results: dict[str, types.CallToolResult] = {}
    async with harness.connect("tester") as client:
        results["read"] = await client.call_tool("get_call", {"call_id": call_id})
        results["write"] = await client.call_tool("tag_call", {"call_id": call_id, "tags": [tag_id]})
        results["failed"] = await client.call_tool("get_call", {"call_id": missing_call})
        results["unknown"] = await client.call_tool("no_such_tool", {})
        results["invalid"] = await client.call_tool("get_call", {"call_id": "abc"})
    async with harness.connect("support-agent") as client:
        results["denied"] = await client.call_tool("delete_contact", {"contact_id": contact_id})

    lines = outcomes(harness)
    assert len(lines) == len(results)
    for line in lines:
        check_documented_fields(line)
    read, write, failed, unknown, invalid, denied = lines
    assert [line["decision"] for line in lines] == ["allowed", "allowed", "allowed", "invalid", "invalid", "denied"]
    assert [line["agent"] for line in lines] == ["tester"] * 5 + ["support-agent"]

    assert read["tool"] == "get_call"
    assert read["arguments"] == {"call_id": call_id}
    assert (read["upstream_method"], read["upstream_path"], read["http_status"]) == (
        "GET",
        f"/v1/calls/{call_id}",
        200,
    )
    assert read["rule"] == "areas.calls=full"
    assert read["aircall_error"] is None
    assert read["result_bytes"] == len(text(results["read"]).encode())

    assert (write["upstream_method"], write["upstream_path"]) == ("POST", f"/v1/calls/{call_id}/tags")
    assert write["http_status"] in (200, 201, 204)
    assert write["result_bytes"] == len(text(results["write"]).encode())

    assert results["failed"].is_error
    assert failed["http_status"] == 404
    assert failed["aircall_error"]
    assert failed["error_kind"]
    assert failed["result_bytes"] is None

    for line in (unknown, invalid, denied):
        assert line["upstream_method"] is None
        assert line["http_status"] is None
        assert line["result_bytes"] is None
    assert unknown["area"] is None
    assert unknown["tool"] == "no_such_tool"
    assert "call_id" in invalid["reason"]
    assert denied["rule"] == "areas.contacts=read"
    assert denied["area"] == "contacts"

    # Only the write has an intent line, and its outcome points back at it.
    intents = [line for line in harness.audit_lines() if line["phase"] == "intent"]
    assert [line["tool"] for line in intents] == ["tag_call"]
    assert write["intent_id"] == intents[0]["event_id"]
    assert verify(harness.audit_path).ok


# -- intent before the request ----------------------------------------------------------------------------


async def test_write_intent_is_on_disk_before_aircall_receives_the_request_and_a_drop_is_recorded(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = harness.sandbox.sandbox.state
    call_id, tag_id = next(iter(state.calls)), next(iter(state.tags))
    faults = harness.sandbox.sandbox.faults
    seen_at_request: list[list[dict[str, Any]]] = []
    draw = faults.draw

    def snapshot_then_draw() -> Any:
        # Runs inside the sandbox as the request arrives, before it is applied or dropped.
        seen_at_request.append(harness.audit_lines())
        return draw()

    monkeypatch.setattr(faults, "draw", snapshot_then_draw)
    faults.drop_next(1)
    async with harness.connect("tester") as client:
        result = await client.call_tool("tag_call", {"call_id": call_id, "tags": [tag_id]})

    assert result.is_error
    assert [(r.method, r.path, r.status) for r in harness.requests] == [
        ("POST", f"/v1/calls/{call_id}/tags", None)  # dropped: no answer, and a POST is never blindly repeated
    ]
    assert len(seen_at_request) == 1
    [(intent_then)] = seen_at_request
    assert [(line["phase"], line["tool"]) for line in intent_then] == [("intent", "tag_call")]
    intent, outcome = harness.audit_lines()
    assert intent == intent_then[0]
    assert outcome["phase"] == "outcome"
    assert outcome["intent_id"] == intent["event_id"]
    assert outcome["decision"] == "allowed"
    # event.py documents error_kind as the class name ("TransportError"); the server writes AircallError.kind.
    assert outcome["error_kind"] == "transport_error"
    assert outcome["maybe_applied"] is True
    assert outcome["http_status"] is None
    assert outcome["error_message"]
    assert "may have applied it" in outcome["summary"]
    assert intent["summary"].startswith("tester is about to tag call")


async def test_write_answered_503_keeps_its_intent_and_records_aircalls_error(harness: Harness) -> None:
    state = harness.sandbox.sandbox.state
    call_id = next(iter(state.calls))
    harness.sandbox.sandbox.faults.fail_next(1, status=503)
    async with harness.connect("tester") as client:
        result = await client.call_tool("comment_call", {"call_id": call_id, "content": "Called back, resolved."})
    assert result.is_error
    assert [(r.method, r.status) for r in harness.requests] == [("POST", 503)]
    intent, outcome = harness.audit_lines()
    assert intent["phase"] == "intent"
    assert outcome["intent_id"] == intent["event_id"]
    assert outcome["http_status"] == 503
    assert outcome["retries"] == 0
    assert "injected" in outcome["aircall_error"]
    assert outcome["maybe_applied"] is True
    assert "failed" in outcome["summary"]
    assert "503" in outcome["summary"]


async def test_retried_read_reports_its_retries(harness: Harness, tmp_path: Path) -> None:
    call_id = next(iter(harness.sandbox.sandbox.state.calls))
    harness.sandbox.sandbox.faults.fail_next(1, status=503)
    audit = AuditLog(tmp_path / "retries.jsonl", secrets=harness.credentials.secrets())
    async with harness.connect("tester", audit=audit, retry=RetryPolicy(base_delay=0.0)) as client:
        result = await client.call_tool("get_call", {"call_id": call_id})
    assert not result.is_error, text(result)
    assert [r.status for r in harness.requests] == [503, 200]
    [line] = [json.loads(raw) for raw in (tmp_path / "retries.jsonl").read_text("utf-8").splitlines()]
    assert line["retries"] == 1
    assert line["http_status"] == 200
    assert "after 1 retry" in line["summary"]


# -- concurrency ------------------------------------------------------------------------------------------


async def test_concurrent_calls_from_several_sessions_write_one_outcome_each_and_the_chain_verifies(
    harness: Harness,
) -> None:
    state = harness.sandbox.sandbox.state
    call_ids, tag_ids = list(state.calls)[:10], list(state.tags)
    per_session = 12
    plan: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "tester": [
            ("tag_call", {"call_id": call_ids[i % 10], "tags": [tag_ids[i % len(tag_ids)]]}) for i in range(per_session)
        ],
        "support-agent": [
            (("comment_call", {"call_id": call_ids[i % 10], "content": f"note {i}"}) if i % 3 else ("delete_tag", {}))
            for i in range(per_session)
        ],
        "analyst": [("get_call", {"call_id": call_ids[i % 10]}) for i in range(per_session)],
        "contact-intake": [
            ("create_contact", {"first_name": f"Lead{i}"}) if i % 2 else ("no_such_tool", {"i": i})
            for i in range(per_session)
        ],
    }
    returned: list[tuple[str, str]] = []
    async with contextlib.AsyncExitStack() as stack:
        clients = {agent: await stack.enter_async_context(harness.connect(agent)) for agent in plan}

        async def run(agent: str, tool: str, args: dict[str, Any]) -> None:
            await clients[agent].call_tool(tool, args)
            returned.append((agent, tool))

        async with anyio.create_task_group() as tg:
            for agent, calls in plan.items():
                for tool, args in calls:
                    tg.start_soon(run, agent, tool, args)

    total = sum(len(calls) for calls in plan.values())
    assert len(returned) == total
    lines = harness.audit_lines()
    done = outcomes(harness)
    assert len(done) == total
    assert sorted((line["agent"], line["tool"]) for line in done) == sorted(returned)
    assert len({line["event_id"] for line in lines}) == len(lines)
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    intents = {line["event_id"] for line in lines if line["phase"] == "intent"}
    answered = [line["intent_id"] for line in done if line["intent_id"] is not None]
    assert sorted(answered) == sorted(intents)  # every intent has exactly one outcome
    writes_sent = sum(1 for r in harness.requests if r.method == "POST")
    assert len(intents) == writes_sent
    assert len({line["session_id"] for line in lines}) == len(plan)
    report = verify(harness.audit_path)
    assert report.ok, report
    assert report.lines_checked == len(lines), report


# -- secrets ----------------------------------------------------------------------------------------------


async def test_aircall_credentials_never_reach_the_audit_file_even_on_error_paths(harness: Harness) -> None:
    state = harness.sandbox.sandbox.state
    call_id, tag_id = next(iter(state.calls)), next(iter(state.tags))
    config = harness.sandbox.config
    leaky = f"api {config.api_id} token {config.api_token} header {credential_strings(harness)[-1]}"
    faults = harness.sandbox.sandbox.faults
    async with harness.connect("tester") as client:
        faults.fail_next(1, status=503)
        await client.call_tool("comment_call", {"call_id": call_id, "content": leaky})
        faults.drop_next(1)
        await client.call_tool("comment_call", {"call_id": call_id, "content": leaky})
        await client.call_tool("comment_call", {"call_id": call_id, "content": leaky})
        await client.call_tool("get_call", {"call_id": max(state.calls) + 1})
        await client.call_tool("tag_call", {"call_id": call_id, "tags": [leaky]})
        await client.call_tool("no_such_tool", {"password": leaky})
        await client.call_tool("search_contacts", {"email": leaky})
        failed = await client.call_tool("tag_call", {"call_id": max(state.calls) + 1, "tags": [tag_id]})
    assert failed.is_error
    assert not any(secret in text(failed) for secret in credential_strings(harness))
    audit_text = harness.audit_path.read_text(encoding="utf-8")
    assert len(outcomes(harness)) == 8
    for secret in credential_strings(harness):
        assert secret not in audit_text
    assert "[secret]" in audit_text  # the leaked arguments were masked, not dropped


# -- no audit, no call ------------------------------------------------------------------------------------


def _unwritable_audit(harness: Harness, tmp_path: Path) -> AuditLog:
    # A parent that is a file: no process, root included, can create the log under it.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    return AuditLog(blocker / "audit.jsonl", secrets=harness.credentials.secrets())


@pytest.mark.parametrize("tool", ["tag_call", "comment_call", "delete_tag", "no_such_tool"])
async def test_write_is_refused_and_nothing_sent_when_the_audit_cannot_be_written(
    harness: Harness, tmp_path: Path, tool: str
) -> None:
    state = harness.sandbox.sandbox.state
    call_id, tag_id = next(iter(state.calls)), next(iter(state.tags))
    args_of: dict[str, dict[str, Any]] = {
        "tag_call": {"call_id": call_id, "tags": [tag_id]},
        "comment_call": {"call_id": call_id, "content": "Called back."},
        "delete_tag": {"tag_id": tag_id},
        "no_such_tool": {},
    }
    args = args_of[tool]
    async with harness.connect("tester", audit=_unwritable_audit(harness, tmp_path)) as client:
        result = await client.call_tool(tool, args)
    assert result.is_error
    assert "audit trail cannot be written" in text(result)
    assert harness.requests == []
    assert tag_id in state.tags  # the delete was not applied either


async def test_read_is_refused_and_nothing_sent_when_the_audit_cannot_be_written(
    harness: Harness, tmp_path: Path
) -> None:
    call_id = next(iter(harness.sandbox.sandbox.state.calls))
    async with harness.connect("tester", audit=_unwritable_audit(harness, tmp_path)) as client:
        result = await client.call_tool("get_call", {"call_id": call_id})
    assert result.is_error
    assert "audit trail cannot be written" in text(result)
    assert harness.requests == []


async def test_scoped_write_sends_not_even_its_scope_check_when_the_audit_cannot_be_written(
    harness: Harness, tmp_path: Path
) -> None:
    state = harness.sandbox.sandbox.state
    call = next(iter(state.calls.values()))
    harness.write_grant("scoped", f"areas: {{calls: write}}\nscope: {{numbers: [{call.number_id}]}}\n")
    async with harness.connect("scoped", audit=_unwritable_audit(harness, tmp_path)) as client:
        result = await client.call_tool("tag_call", {"call_id": call.id, "tags": [next(iter(state.tags))]})
    assert result.is_error
    assert "audit trail cannot be written" in text(result)
    assert harness.requests == []


# -- summaries --------------------------------------------------------------------------------------------


async def test_summaries_read_as_plain_english_for_allowed_denied_and_failed_calls(harness: Harness) -> None:
    state = harness.sandbox.sandbox.state
    call_id, contact_id = next(iter(state.calls)), next(iter(state.contacts))
    missing = max(state.calls) + 7
    async with harness.connect("support-agent") as client:
        await client.call_tool("get_call", {"call_id": call_id})
        await client.call_tool("delete_contact", {"contact_id": contact_id})
        await client.call_tool("get_call", {"call_id": missing})
    allowed, denied, failed = (line["summary"] for line in outcomes(harness))

    assert re.fullmatch(
        rf"support-agent asked to read call {call_id}: allowed, done in \d+(\.\d)? m?s \(HTTP 200\)\.", allowed
    ), allowed
    assert denied.startswith(f"support-agent asked to delete contact {contact_id}: denied by ")
    assert denied.endswith("; nothing was sent to Aircall.")
    assert "areas.contacts=read" in denied
    assert "full needed" in denied
    assert failed.startswith(f"support-agent asked to read call {missing}: allowed, failed in ")
    assert "Aircall said 404 Not Found" in failed
    assert failed.endswith(".")
    for summary in (allowed, denied, failed):
        # No internals: no Python reprs, no JSON, no empty placeholders.
        assert not re.search(r"None|\{|\}|Error\(|Decision\(|<|>", summary), summary
