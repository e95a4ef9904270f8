"""Live events end to end: sandbox -> webhook receiver -> store -> wait_for_events, per agent grant."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.events.conftest import EventsHarness


async def wait_for_events(client: Client, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool("wait_for_events", arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


def scoped_grant(number_id: int) -> str:
    return f"""
    areas: {{calls: read}}
    scope: {{numbers: [{number_id}]}}
    redact: [phone_numbers]
    """


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_an_agent_scoped_to_number_a_receives_only_a_events_masked_per_its_grant(
    events: EventsHarness, mode: str
) -> None:
    a, b = events.number_ids()[:2]
    events.write_grant("agent-a", scoped_grant(a))
    events.write_grant("agent-b", scoped_grant(b))
    call_a = events.sender.simulate_call(a)
    call_b = events.sender.simulate_call(b)
    assert await events.deliver() == 8

    async with events.connect("agent-a", mode=mode) as client:
        seen_a = await wait_for_events(client)
    async with events.connect("agent-b", mode=mode) as client:
        seen_b = await wait_for_events(client)

    assert [(e["event"], e["data"]["id"]) for e in seen_a["events"]] == [
        ("call.created", call_a.id), ("call.answered", call_a.id), ("call.hungup", call_a.id), ("call.ended", call_a.id)
    ]  # fmt: skip
    assert {e["data"]["id"] for e in seen_b["events"]} == {call_b.id}
    for shown in seen_a["events"]:
        assert shown["data"]["number"]["id"] == a
        assert "•" in shown["data"]["raw_digits"]
        assert call_a.raw_digits not in json.dumps(shown, ensure_ascii=False)
        assert "•" in shown["data"]["number"]["e164_digits"]


async def test_security_an_agent_without_calls_access_receives_no_call_event(events: EventsHarness) -> None:
    events.write_grant("contacts-only", "areas: {contacts: read}\n")
    events.write_grant("tags-only", "areas: {tags: read}\n")
    events.sender.simulate_call(events.number_ids()[0])
    await events.deliver()

    async with events.connect("contacts-only") as client:
        assert "wait_for_events" in {tool.name for tool in (await client.list_tools()).tools}
        assert (await wait_for_events(client))["events"] == []
    async with events.connect("tags-only") as client:
        assert "wait_for_events" not in {tool.name for tool in (await client.list_tools()).tools}
        refused = await client.call_tool("wait_for_events", {})
    assert refused.is_error
    assert await events.store.last_seq() == 4  # the events were there; neither agent was shown one


async def test_an_agent_with_contacts_access_receives_contact_events_from_sandbox_writes(events: EventsHarness) -> None:
    events.write_grant("crm", "areas: {contacts: write}\nredact: [emails]\n")
    async with events.connect("crm") as client:
        created = await client.call_tool(
            "create_contact",
            {
                "first_name": "Ada",
                "phone_numbers": [{"label": "work", "value": "+33612345678"}],
                "emails": [{"label": "work", "value": "ada@example.com"}],
            },
        )
        assert not created.is_error, created.content
        await events.deliver()
        seen = await wait_for_events(client)

    assert [e["event"] for e in seen["events"]] == ["contact.created"]
    assert seen["events"][0]["data"]["emails"][0]["value"] == "a•••@example.com"


async def test_grant_events_list_narrows_the_types_an_agent_receives(events: EventsHarness) -> None:
    events.write_grant("enders", "areas: {calls: read}\nevents: [call.ended]\n")
    events.sender.simulate_call(events.number_ids()[0])
    await events.deliver()

    async with events.connect("enders") as client:
        seen = await wait_for_events(client)
        narrowed = await wait_for_events(client, types=["call.created"])

    assert [e["event"] for e in seen["events"]] == ["call.ended"]
    assert narrowed["events"] == []


async def test_the_cursor_continues_where_the_previous_answer_stopped(events: EventsHarness) -> None:
    events.write_grant("reader", "areas: {calls: read}\n")
    events.sender.simulate_call(events.number_ids()[0])
    await events.deliver()

    async with events.connect("reader") as client:
        first = await wait_for_events(client, max=3)
        rest = await wait_for_events(client, cursor=first["cursor"])
        after = await wait_for_events(client, cursor=rest["cursor"])

    assert [e["event"] for e in first["events"] + rest["events"]] == [
        "call.created", "call.answered", "call.hungup", "call.ended"
    ]  # fmt: skip
    assert after["events"] == []
    assert after["cursor"] == rest["cursor"]


async def test_reliability_a_replayed_delivery_is_delivered_once(events: EventsHarness) -> None:
    events.write_grant("reader", "areas: {calls: read}\n")
    events.sender.simulate_call(events.number_ids()[0], answered=False)
    first = events.sender.outbox[0]
    events.sender.outbox.append(type(first)(first.url, dict(first.body)))  # Aircall delivering it again
    assert await events.deliver() == 4  # every delivery, the replay included, is acknowledged

    async with events.connect("reader") as client:
        seen = await wait_for_events(client)

    assert [e["event"] for e in seen["events"]] == ["call.created", "call.hungup", "call.ended"]
    assert events.receiver.stats.duplicates == 1


async def test_reliability_sandbox_duplicates_and_reordering_reach_the_agent_once_in_timestamp_order(
    start_events: Any,
) -> None:
    async with start_events(webhook_duplicate_rate=0.5, webhook_reorder_rate=0.5) as events:
        events.write_grant("reader", "areas: {calls: read}\n")
        call = events.sender.simulate_call(events.number_ids()[0])
        sent = [d.event for d in events.sender.outbox]
        await events.deliver()
        async with events.connect("reader") as client:
            seen = await wait_for_events(client)

    assert len(sent) > 4 or sent != ["call.created", "call.answered", "call.hungup", "call.ended"]
    assert [e["event"] for e in seen["events"]] == ["call.created", "call.answered", "call.hungup", "call.ended"]
    assert {e["data"]["id"] for e in seen["events"]} == {call.id}


async def test_security_a_forged_token_is_refused_logged_without_the_token_and_never_stored(
    events: EventsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"resource": "call", "event": "call.ended", "timestamp": 1, "token": "f" * 32, "data": {"id": 1}}
    with caplog.at_level(logging.WARNING, logger="aircall_mcp.events"):
        async with events.receiver_client() as http:
            forged = await http.post("/aircall/webhooks", json=body)
            missing = await http.post("/aircall/webhooks", json={k: v for k, v in body.items() if k != "token"})
            not_json = await http.post("/aircall/webhooks", content=b"token=" + events.token.encode())

    assert (forged.status_code, missing.status_code, not_json.status_code) == (401, 401, 401)
    assert await events.store.last_seq() == 0
    assert "refused" in caplog.text
    assert "f" * 32 not in caplog.text
    assert events.token not in caplog.text


async def test_security_an_oversized_delivery_is_refused_before_it_is_parsed(events: EventsHarness) -> None:
    body: dict[str, Any] = {
        "resource": "call",
        "event": "call.ended",
        "timestamp": 1,
        "token": events.token,
        "data": {"id": 1},
    }
    body["data"]["padding"] = "x" * 300_000
    async with events.receiver_client() as http:
        answer = await http.post("/aircall/webhooks", json=body)

    assert answer.status_code == 413
    assert await events.store.last_seq() == 0


async def test_a_delivery_with_a_good_token_but_no_event_shape_is_a_400_naming_the_field(
    events: EventsHarness,
) -> None:
    async with events.receiver_client() as http:
        answer = await http.post("/aircall/webhooks", json={"token": events.token, "event": "call.ended", "data": {}})

    assert answer.status_code == 400
    assert "timestamp" in answer.json()["error"]


async def test_wait_for_events_returns_within_its_bound_when_nothing_happens(events: EventsHarness) -> None:
    events.write_grant("reader", "areas: {calls: read}\n")
    answers: list[dict[str, Any]] = []
    async with events.connect("reader") as client:

        async def wait() -> None:
            answers.append(await wait_for_events(client, wait_seconds=10))

        with anyio.fail_after(10):
            async with anyio.create_task_group() as group:
                group.start_soon(wait)
                await anyio.wait_all_tasks_blocked()
                events.timer.advance(9.5)
                await anyio.wait_all_tasks_blocked()
                assert answers == []
                events.timer.advance(0.5)

    assert events.timer.requested == [10]
    assert answers == [{"events": [], "cursor": "0", "count": 0}]


async def test_a_waiting_agent_gets_the_event_as_soon_as_it_is_delivered(events: EventsHarness) -> None:
    events.write_grant("reader", "areas: {calls: read}\nevents: [call.ended]\n")
    answers: list[dict[str, Any]] = []
    async with events.connect("reader") as client:

        async def wait() -> None:
            answers.append(await wait_for_events(client, wait_seconds=20))

        with anyio.fail_after(10):
            async with anyio.create_task_group() as group:
                group.start_soon(wait)
                await anyio.wait_all_tasks_blocked()
                events.sender.simulate_call(events.number_ids()[0])
                await events.deliver()  # call.created...hungup are not for this agent: it keeps waiting

    assert [e["event"] for e in answers[0]["events"]] == ["call.ended"]
    assert answers[0]["cursor"] == "4"


async def test_wait_for_events_rejects_a_wait_beyond_the_bound_and_unknown_types(events: EventsHarness) -> None:
    events.write_grant("reader", "areas: {calls: read}\n")
    async with events.connect("reader") as client:
        too_long = await client.call_tool("wait_for_events", {"wait_seconds": 3600})
        unknown = await client.call_tool("wait_for_events", {"types": ["call.endd"]})

    assert too_long.is_error
    assert "wait_seconds" in too_long.content[0].text  # type: ignore[union-attr]
    assert unknown.is_error
    assert "call.endd" in unknown.content[0].text  # type: ignore[union-attr]


async def test_each_wait_for_events_call_is_one_audit_line_with_the_count_and_ids(events: EventsHarness) -> None:
    events.write_grant("reader", "areas: {calls: read}\n")
    call = events.sender.simulate_call(events.number_ids()[0], answered=False)
    await events.deliver()
    async with events.connect("reader") as client:
        await wait_for_events(client)

    lines = [json.loads(line) for line in events.audit_path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert (line["tool"], line["decision"], line["arguments"]["delivered"]) == ("wait_for_events", "allowed", 3)
    assert line["arguments"]["event_ids"][0] == f"call:{call.id}:call.created:{call.started_at}"


async def test_reliability_a_cursor_from_before_a_restart_starts_again_from_the_oldest_kept_event(
    events: EventsHarness,
) -> None:
    events.write_grant("reader", "areas: {calls: read}\nevents: [call.ended]\n")
    events.sender.simulate_call(events.number_ids()[0])
    await events.deliver()
    async with events.connect("reader") as client:
        seen = await wait_for_events(client, cursor="5000")

    assert [e["event"] for e in seen["events"]] == ["call.ended"]
