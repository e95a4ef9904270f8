"""How a call ends, end to end: one outcome line written in one place, masked per the grant, and honest results.

Covers the audit's masks (issue 11 §3), honest results (issue 11 §4: already-deleted retries, partial multi-page
reads, the size bound, a person's no against a client that cannot ask, short quotes of rejected arguments) and
what a failure inside the server records (issue 10 §3).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from types import SimpleNamespace
from typing import Any, cast

import anyio
import mcp_types as types
import pytest
from mcp.shared.dispatcher import ProgressFnT

from aircall_mcp import server as server_module
from aircall_mcp.audit import AuditLog
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.client import AircallClient, AircallResponse, PageCollection
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.errors import NotFound, RateLimitWaitTooLong
from aircall_mcp.grants import GrantStore, visible_tools
from aircall_mcp.server import Runtime
from aircall_mcp.settings import DEFAULT_MAX_RESULT_BYTES
from tests.server.conftest import Harness

MASKING_GRANT = """
areas: {calls: read, contacts: read, users: write}
redact: [phone_numbers, emails]
"""


def text_of(result: types.CallToolResult) -> str:
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    return content.text


def outcome_lines(harness: Harness) -> list[dict[str, Any]]:
    return [line for line in harness.audit_lines() if line["phase"] == "outcome"]


# -- the audit keeps nothing the grant masks -------------------------------------------------------------------


async def test_security_no_audit_line_of_a_masking_grant_holds_a_phone_number_or_email_whatever_the_call_did(
    harness: Harness,
) -> None:
    """Security regression: action, reasons, Aircall's error text and paths held what the grant masks."""
    state = harness.sandbox.sandbox.state
    user = next(iter(state.users.values()))
    contact = next(c for c in state.contacts.values() if c.phone_numbers)
    phone = contact.phone_numbers[0].value
    email = user.email
    harness.write_grant("masker", MASKING_GRANT)
    results: dict[str, types.CallToolResult] = {}
    async with harness.connect("masker") as client:
        results["success"] = await client.call_tool("get_user", {"user_id": email})
        results["search"] = await client.call_tool("search_contacts", {"phone_number": phone})
        results["denied"] = await client.call_tool(
            "create_contact", {"information": f"ask {email}", "phone_numbers": [{"label": "Work", "value": phone}]}
        )
        results["invalid"] = await client.call_tool("get_call", {"call_id": f"{email} {phone}"})
        results["invalid_phone"] = await client.call_tool("search_contacts", {"phone_number": f"{phone} x"})
        results["taken"] = await client.call_tool(
            "create_user", {"email": email, "first_name": "Copy", "last_name": "Cat"}
        )
        results["missing"] = await client.call_tool("get_user", {"user_id": f"zz{email}"})
        results["unknown"] = await client.call_tool(f"call_{phone}", {})

    lines = outcome_lines(harness)
    decisions = [line["decision"] for line in lines]
    assert decisions == ["allowed", "allowed", "denied", "invalid", "invalid", "allowed", "allowed", "invalid"]
    assert lines[5]["http_status"] == 400
    assert "already been taken" in lines[5]["aircall_error"]
    assert lines[6]["http_status"] == 404
    assert not results["success"].is_error
    assert results["taken"].is_error
    local_part = email.split("@")[0]
    digits = re.sub(r"\D", "", phone)
    audit_text = harness.audit_path.read_text(encoding="utf-8")
    for leak in (email, local_part, phone, digits, digits[-9:]):
        assert leak not in audit_text, leak
        for name, result in results.items():
            assert leak not in text_of(result), (name, leak)
    assert "\\u2022" in audit_text  # masked (as ASCII-escaped bullets), not dropped


# -- honest results --------------------------------------------------------------------------------------------


class _DeleteAppliedThenRetried(AircallClient):
    """Stands in for the client's retry of a DELETE whose first answer was lost (the connection dropped after
    Aircall applied it): the first attempt reaches the sandbox, the retry gets 404, and the client reports it."""

    async def send(self, request: PreparedRequest, **kwargs: Any) -> AircallResponse:
        if request.method != "DELETE":
            return await super().send(request, **kwargs)
        await super().send(request, **kwargs)
        try:
            await super().send(request, **kwargs)
        except NotFound as exc:
            stats = replace(exc.stats, attempts=2, retries=1)
            return AircallResponse(status=404, data=None, headers={}, stats=stats, gone_on_retry=True)
        raise AssertionError("the retry should have found it gone")


async def test_reliability_a_retried_delete_that_finds_it_gone_reports_already_deleted(harness: Harness) -> None:
    tag_id = next(iter(harness.sandbox.sandbox.state.tags))
    async with harness.connect("tester", aircall_client=_DeleteAppliedThenRetried) as client:
        result = await client.call_tool("delete_tag", {"tag_id": tag_id})
    assert not result.is_error, text_of(result)
    assert result.structured_content == {"ok": True, "tag_id": tag_id, "already_deleted": True}
    assert "does not exist" not in text_of(result)
    intent, outcome = harness.audit_lines()
    assert outcome["intent_id"] == intent["event_id"]
    assert (outcome["decision"], outcome["http_status"], outcome["gone_on_retry"]) == ("allowed", 404, True)
    assert outcome["retries"] == 1
    assert outcome["error_kind"] is None
    assert "already deleted" in outcome["summary"]
    assert "after 1 retry" in outcome["summary"]
    assert "failed" not in outcome["summary"]


class _StopsAfterTwoPages(AircallClient):
    """Stands in for the client's pager stopping on page 3 (the rate budget would have waited too long)."""

    async def paginate(self, request: PreparedRequest, **kwargs: Any) -> PageCollection:
        per_page = int(str(request.query.get("per_page", 20)))
        pages = await super().paginate(request, **{**kwargs, "max_items": 2 * per_page})
        stopped = RateLimitWaitTooLong(expected_wait_seconds=75, max_wait_seconds=30, method="GET", path=request.path)
        return replace(pages, stopped=stopped, more_available=True)


async def test_reliability_a_multi_page_read_that_stops_returns_its_pages_and_how_to_continue(
    harness: Harness,
) -> None:
    async with harness.connect("tester", aircall_client=_StopsAfterTwoPages) as client:
        result = await client.call_tool("list_calls", {"max_items": 200, "per_page": 10})
        assert not result.is_error, text_of(result)
        content = result.structured_content
        assert content is not None
        assert len(content["calls"]) == 20
        assert content["more_available"] is True
        stopped = content["stopped"]
        assert stopped["continue_with"] == {"page": 3, "per_page": 10, "max_items": 180}
        assert "75 s" in stopped["reason"]
        assert "Nothing was sent" not in text_of(result)
        assert "nothing was sent" not in text_of(result).lower()
        # Continuing as told picks up exactly where the read stopped.
        rest = await client.call_tool("list_calls", {"page": 3, "per_page": 10})
    assert rest.structured_content is not None
    first_ids = [call["id"] for call in content["calls"]]
    next_ids = [call["id"] for call in rest.structured_content["calls"]]
    assert not set(first_ids) & set(next_ids)
    all_ids = sorted(harness.sandbox.sandbox.state.calls)
    assert first_ids + next_ids == all_ids[:30]
    outcome = outcome_lines(harness)[0]
    assert (outcome["decision"], outcome["partial"], outcome["error_kind"]) == (
        "allowed",
        True,
        "rate_limit_wait_too_long",
    )
    assert "stopped part way" in outcome["summary"]
    assert outcome["result_bytes"] == len(text_of(result).encode())


async def test_reliability_a_large_result_is_cut_at_an_item_boundary_and_says_how_to_continue(
    harness: Harness,
) -> None:
    bound = 20_000
    async with harness.connect("tester") as client:
        harness.runtimes[-1].max_result_bytes = bound
        progress: list[float] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append(done)

        result = await client.call_tool(
            "list_calls", {"max_items": 200, "per_page": 50}, progress_callback=cast(ProgressFnT, on_progress)
        )
        assert not result.is_error, text_of(result)
        content = result.structured_content
        assert content is not None
        assert len(text_of(result).encode()) <= bound
        assert json.loads(text_of(result)) == content
        note = content["truncated"]
        kept = len(content["calls"])
        assert 0 < kept < 200
        assert note["items_returned"] == kept
        assert note["items_fetched"] == 200
        assert content["more_available"] is True
        follow = note["continue_with"]
        assert follow["per_page"] == 50
        assert follow["max_items"] == 200 - kept
        harness.runtimes[-1].max_result_bytes = 1_000_000  # the next page whole, to check where it starts
        rest = await client.call_tool("list_calls", {"page": follow["page"], "per_page": follow["per_page"]})
    assert progress == [50, 100, 150, 200]  # every page still reported
    assert rest.structured_content is not None
    skip = kept % 50
    assert [c["id"] for c in rest.structured_content["calls"]][skip:][:1] == [
        sorted(harness.sandbox.sandbox.state.calls)[kept]
    ]
    outcome = outcome_lines(harness)[0]
    assert outcome["result_bytes"] <= bound
    assert f"result cut to {kept} of 200 calls" in outcome["note"]


async def test_a_cut_last_page_says_more_is_available_in_its_text_as_in_its_structured_content(
    harness: Harness,
) -> None:
    """The last page has nothing after it, so Aircall's meta says no more; cut to the bound, it has more after all,
    and the text content (what most clients show the model) must say so as the structured content does."""
    async with harness.connect("tester") as client:
        first = await client.call_tool("list_calls", {"per_page": 50})
        assert first.structured_content is not None
        last_page = -(-first.structured_content["meta"]["total"] // 50)
        harness.runtimes[-1].max_result_bytes = 5_000
        result = await client.call_tool("list_calls", {"page": last_page, "per_page": 50})
    assert not result.is_error, text_of(result)
    content = result.structured_content
    assert content is not None
    assert "truncated" in content
    assert content["more_available"] is True
    assert json.loads(text_of(result)) == content


async def test_a_result_within_the_bound_is_returned_whole(harness: Harness) -> None:
    async with harness.connect("tester") as client:
        result = await client.call_tool("list_calls", {"max_items": 100, "per_page": 50})
    assert result.structured_content is not None
    assert len(result.structured_content["calls"]) == 100
    assert "truncated" not in result.structured_content
    assert len(text_of(result).encode()) <= DEFAULT_MAX_RESULT_BYTES


async def test_a_person_who_declines_and_a_client_that_cannot_ask_get_different_answers(harness: Harness) -> None:
    harness.write_grant("careful", "areas: {tags: full}\ntools: {confirm: [delete_tag]}\n")
    tag_id = next(iter(harness.sandbox.sandbox.state.tags))

    async def decline(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="decline")

    async with harness.connect("careful", elicitation_callback=decline) as client:
        declined = await client.call_tool("delete_tag", {"tag_id": tag_id})
    async with harness.connect("careful") as client:
        cannot_ask = await client.call_tool("delete_tag", {"tag_id": tag_id})
    assert declined.is_error
    assert cannot_ask.is_error
    assert "A person declined" in text_of(declined)
    assert "cannot ask" in text_of(cannot_ask)
    assert "declined" not in text_of(cannot_ask)
    assert [line["decision"] for line in outcome_lines(harness)] == ["declined", "unconfirmed"]
    assert harness.requests == []


async def test_security_a_huge_rejected_argument_is_quoted_back_cut_short(harness: Harness) -> None:
    """Security regression: a 1 MB argument made a 1 MB error (and audit reason)."""
    huge = "9" * 1_000_000
    async with harness.connect("tester") as client:
        result = await client.call_tool("get_call", {"call_id": huge, huge[:5000]: 1})
        unknown = await client.call_tool("x" * 100_000, {})
    assert result.is_error
    assert len(text_of(result)) < 2_000
    assert "call_id" in text_of(result)
    assert "Nothing was sent to Aircall" in text_of(result)
    assert len(text_of(unknown)) < 500
    assert all(len(line["reason"]) < 2_000 for line in outcome_lines(harness))


# -- failures inside the server ---------------------------------------------------------------------------------


class _BrokenStore(GrantStore):
    async def current(self, agent: str) -> Any:
        raise RuntimeError("boom")


async def test_reliability_a_failure_before_any_decision_is_recorded_as_error_not_allowed(harness: Harness) -> None:
    async with harness.connect("tester") as client:
        harness.runtimes[-1].grants = _BrokenStore(harness.grants_dir, harness.runtimes[-1].grants.catalogue)
        result = await client.call_tool("get_call", {"call_id": 1})
    assert result.is_error
    [line] = harness.audit_lines()
    assert (line["decision"], line["error_kind"], line["rule"]) == ("error", "internal", None)
    assert line["event_id"] in text_of(result)
    assert "before its request was sent" in line["summary"]
    assert harness.requests == []


class _ExplodingSend(AircallClient):
    async def send(self, request: PreparedRequest, **kwargs: Any) -> AircallResponse:
        raise RuntimeError("boom")


async def test_reliability_a_failure_after_the_decision_keeps_the_decision_and_the_intent(harness: Harness) -> None:
    call_id, tag_id = next(iter(harness.sandbox.sandbox.state.calls)), next(iter(harness.sandbox.sandbox.state.tags))
    async with harness.connect("tester", aircall_client=_ExplodingSend) as client:
        result = await client.call_tool("tag_call", {"call_id": call_id, "tags": [tag_id]})
    assert result.is_error
    assert "may have reached Aircall" in text_of(result)
    intent, outcome = harness.audit_lines()
    assert (outcome["decision"], outcome["error_kind"], outcome["intent_id"]) == (
        "allowed",
        "internal",
        intent["event_id"],
    )


# -- per-call cost ----------------------------------------------------------------------------------------------


async def test_the_visible_tools_are_worked_out_once_per_grant_object_not_on_every_call(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    worked_out: list[str] = []
    real = visible_tools

    def counting(grant: Any, catalogue: Any) -> Any:
        worked_out.append(grant.agent)
        return real(grant, catalogue)

    monkeypatch.setattr(server_module, "visible_tools", counting)
    async with harness.connect("tester") as client:
        await client.list_tools()
        for _ in range(5):
            await client.call_tool("list_tags", {})
        assert worked_out == ["tester"]
        harness.write_grant("tester", "areas: {tags: read}\n")
        await client.call_tool("list_tags", {})
    assert worked_out == ["tester", "tester"]  # a grant edit is a new grant object: worked out again


class _NeverAnswers(AircallClient):
    """Stands in for an Aircall that accepted the connection and never answers."""

    sending = anyio.Event()

    async def send(self, request: PreparedRequest, **kwargs: Any) -> AircallResponse:
        type(self).sending.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


async def test_reliability_a_write_cancelled_in_flight_still_gets_its_outcome_line(harness: Harness) -> None:
    """Reliability regression: a cancelled call left its intent line without an outcome."""
    call_id, tag_id = next(iter(harness.sandbox.sandbox.state.calls)), next(iter(harness.sandbox.sandbox.state.tags))
    _NeverAnswers.sending = anyio.Event()
    async with _NeverAnswers(harness.credentials, harness.sandbox.base_url, limiter=False) as aircall:
        audit = AuditLog(harness.audit_path)
        runtime = Runtime(
            client=aircall,
            grants=GrantStore(harness.grants_dir, CATALOGUE),
            audit=audit,
            transport="memory",
            default_agent="tester",
        )
        runner = server_module.ToolRunner(runtime)
        ctx: Any = SimpleNamespace(request=None, session=None)
        params = types.CallToolRequestParams(name="tag_call", arguments={"call_id": call_id, "tags": [tag_id]})
        async with anyio.create_task_group() as tg:
            tg.start_soon(runner.call, ctx, params)
            await _NeverAnswers.sending.wait()
            tg.cancel_scope.cancel()
        audit.close()
    intent, outcome = harness.audit_lines()
    assert outcome["intent_id"] == intent["event_id"]
    assert (outcome["decision"], outcome["error_kind"]) == ("allowed", "cancelled")
    assert "may have reached Aircall" in outcome["reason"]
