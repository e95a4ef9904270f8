"""The sandbox's messaging, AI Voice Agent and analytics rules, over loopback HTTP (issue 15 §2)."""

from __future__ import annotations

from typing import Any

import httpx2

from aircall_mcp.sandbox import SandboxHandle
from aircall_mcp.sandbox.messaging import (
    AGENT_IDS,
    EXPORT_SECONDS,
    Messaging,
    messaging,
    receive_message,
    update_message_status,
)

CUSTOMER = "+14155550100"
EXPORT_BODY = {
    "input": {
        "reportName": "CALLS_HISTORY",
        "filter": {"dateFilter": {"relative": "LAST_WEEK"}, "timezone": "Europe/Paris"},
    }
}


def state(sandbox: SandboxHandle) -> Messaging:
    """The sandbox's messaging state, seeded as the first request would seed it."""
    return messaging(sandbox.sandbox.state)


def sms_numbers(sandbox: SandboxHandle) -> tuple[int, int]:
    """(the SMS number seeded with a messaging configuration, a number that cannot send SMS)."""
    ms = state(sandbox)
    configured = next(iter(ms.configurations))
    no_sms = next(n for n in sandbox.sandbox.state.numbers if n not in ms.sms_numbers)
    return configured, no_sms


async def test_the_public_api_send_needs_the_numbers_messaging_configuration(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    _, other = sms_numbers(sandbox)
    message = {"to": CUSTOMER, "body": "hello"}
    refused = await sandbox_http.post(f"/v1/numbers/{other}/messages/send", json=message)
    assert refused.status_code == 422, refused.text
    assert "configuration" in refused.json()["troubleshoot"]
    missing = await sandbox_http.get(f"/v1/numbers/{other}/messages/configuration")
    assert missing.status_code == 404
    created = await sandbox_http.post(f"/v1/numbers/{other}/messages/configuration", json={})
    assert created.status_code == 201
    sent = await sandbox_http.post(f"/v1/numbers/{other}/messages/send", json=message)
    assert sent.status_code == 200, sent.text
    assert sent.json()["raw_digits"] == CUSTOMER
    assert "message" not in sent.json(), "Aircall answers the message unwrapped"
    deleted = await sandbox_http.delete(f"/v1/numbers/{other}/messages/configuration")
    assert deleted.status_code == 204
    again = await sandbox_http.post(f"/v1/numbers/{other}/messages/send", json=message)
    assert again.status_code == 422


async def test_native_send_only_from_numbers_that_support_sms(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    sms, no_sms = sms_numbers(sandbox)
    message = {"to": CUSTOMER, "body": "hello"}
    refused = await sandbox_http.post(f"/v1/numbers/{no_sms}/messages/native/send", json=message)
    assert refused.status_code == 422
    assert "SMS" in refused.json()["troubleshoot"]
    assert (await sandbox_http.post(f"/v1/numbers/{sms}/messages/native/send", json=message)).status_code == 200


async def test_a_body_over_1600_characters_is_refused(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    sms, _ = sms_numbers(sandbox)
    r = await sandbox_http.post(f"/v1/numbers/{sms}/messages/send", json={"to": CUSTOMER, "body": "x" * 1601})
    assert r.status_code == 400
    assert "1600" in r.json()["troubleshoot"]


async def test_whatsapp_status_and_sends_follow_each_line(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    ms = state(sandbox)
    ready = next(n for n, line in ms.whatsapp.items() if line.can_send)
    pending = next(n for n, line in ms.whatsapp.items() if not line.can_send)
    not_a_line = next(n for n in sandbox.sandbox.state.numbers if n not in ms.whatsapp)
    assert (await sandbox_http.get(f"/v1/numbers/{ready}/whatsapp_status")).json()["canSendMessage"] is True
    assert (await sandbox_http.get(f"/v1/numbers/{pending}/whatsapp_status")).json()["status"] == "PENDING"
    assert (await sandbox_http.get(f"/v1/numbers/{not_a_line}/whatsapp_status")).status_code == 404
    text = {"to": CUSTOMER, "text": "hi"}
    assert (await sandbox_http.post("/v1/messages/whatsapp/send", json={"lineId": pending, **text})).status_code == 422
    sent = await sandbox_http.post("/v1/messages/whatsapp/send", json={"lineId": ready, **text})
    assert sent.status_code == 200
    assert sent.json()["channel"] == "whatsapp"
    # The conversation endpoint names the recipient externalNumber: `to` is not read there.
    wrong_name = await sandbox_http.post("/v1/messages/send/whatsapp/native", json={"lineId": ready, **text})
    assert wrong_name.status_code == 400
    unapproved = next(t["id"] for t in ms.whatsapp[ready].templates if t["status"] != "APPROVED")
    template = {"lineId": ready, "to": CUSTOMER, "templateParams": {"id": str(unapproved)}}
    assert (await sandbox_http.post("/v1/messages/whatsapp/send", json=template)).status_code == 422


async def test_whatsapp_templates_page_by_cursor(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    line = next(iter(state(sandbox).whatsapp))
    seen: list[Any] = []
    token: int | None = 0
    while token is not None:
        page = (await sandbox_http.get(f"/v1/numbers/{line}/templates", params={"token": token, "limit": 10})).json()
        assert "meta" not in page
        seen += page["templates"]
        token = page["pageInfo"].get("nextToken")
    assert len(seen) == page["pageInfo"]["totalCount"] == len({t["id"] for t in seen})


async def test_sms_templates_allow_100_a_page_and_search(sandbox_http: httpx2.AsyncClient) -> None:
    everything = (await sandbox_http.get("/v1/sms/templates", params={"per_page": 100})).json()
    assert everything["meta"]["next_page_link"] is None
    assert len(everything["templates"]) == everything["meta"]["total"] > 20
    assert (await sandbox_http.get("/v1/sms/templates", params={"per_page": 101})).status_code == 400
    found = (await sandbox_http.get("/v1/sms/templates", params={"search": "follow_up_7"})).json()
    assert [t["name"] for t in found["templates"]] == ["follow_up_7"]


async def test_the_ai_voice_agent_call_is_answered_202_once_per_idempotency_key(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    path = f"/v1/outbound-calls/agents/{AGENT_IDS[0]}"
    body = {"contact_phone": CUSTOMER, "idempotency_key": "appt-1"}
    first = await sandbox_http.post(path, json=body)
    second = await sandbox_http.post(path, json=body)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json() == second.json()
    assert first.json()["status"] == "PENDING"
    assert [e.name for e in state(sandbox).events] == ["ai_voice_agent.started"]
    assert (await sandbox_http.post("/v1/outbound-calls/agents/nobody", json=body)).status_code == 404
    late = {**body, "idempotency_key": "appt-2", "expiration_seconds": 59}
    assert (await sandbox_http.post(path, json=late)).status_code == 400


async def test_an_analytics_export_becomes_ready_after_a_short_time_on_the_sandbox_clock(
    start_sandbox: Any, manual_clock: Any
) -> None:
    async with (
        start_sandbox(clock=manual_clock) as sb,
        httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as http,
    ):
        created = await http.post("/v1/analytics/report/export", json=EXPORT_BODY)
        assert created.status_code == 200, created.text
        export_id = created.json()["exportID"]
        assert created.json()["status"] == "PENDING"
        manual_clock.advance(EXPORT_SECONDS - 1)
        pending = (await http.get(f"/v1/analytics/report/export/{export_id}")).json()
        assert pending["status"] == "PENDING"
        assert "downloadUrl" not in pending
        manual_clock.advance(1)
        ready = (await http.get(f"/v1/analytics/report/export/{export_id}")).json()
        assert ready["status"] == "COMPLETED"
        assert ready["downloadUrl"].startswith("https://")
        assert ready["downloadUrlExpiresAt"] > ready["createdAt"]
        unknown = await http.get("/v1/analytics/report/export/00000000-0000-4000-8000-000000000000")
        assert unknown.status_code == 404


async def test_an_export_needs_a_known_report_and_one_date_range(sandbox_http: httpx2.AsyncClient) -> None:
    inner = EXPORT_BODY["input"]
    bad_report = {"input": {**inner, "reportName": "EVERYTHING"}}
    two_ranges = {
        "input": {
            **inner,
            "filter": {
                "timezone": "UTC",
                "dateFilter": {
                    "relative": "TODAY",
                    "absoluteRange": {"fromDate": "2026-05-01", "toDate": "2026-05-02"},
                },
            },
        }
    }
    for body in (bad_report, two_ranges, {}):
        assert (await sandbox_http.post("/v1/analytics/report/export", json=body)).status_code == 400


async def test_message_events_are_recorded_for_webhook_delivery(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    sms, _ = sms_numbers(sandbox)
    sent = await sandbox_http.post(f"/v1/numbers/{sms}/messages/send", json={"to": CUSTOMER, "body": "hello"})
    await sandbox_http.post(f"/v1/numbers/{sms}/messages/group/send", json={"participants": [CUSTOMER], "body": "x"})
    update_message_status(sandbox.sandbox.state, sent.json()["id"], "delivered", at=1_800_000_001)
    receive_message(sandbox.sandbox.state, sms, CUSTOMER, "thanks", at=1_800_000_002)
    events = state(sandbox).events
    assert [e.name for e in events] == [
        "message.sent",
        "group_message.sent",
        "message.status_updated",
        "message.received",
    ]
    assert events[0].data["number"] == {"id": sms}
    assert events[0].data["status"] == "pending", "an event keeps the state it was emitted with"
    assert events[2].data["status"] == "delivered"
    assert events[3].data["body"] == "thanks"


async def test_message_events_go_out_through_the_sandboxs_webhook_delivery(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    """message.sent, message.received and message.status_updated reach registered webhooks like call events."""
    sender = sandbox.sandbox.webhooks
    events = ["message.sent", "message.received", "message.status_updated"]
    sender.add_receiver("http://127.0.0.1:9/aircall/webhooks", events=events)
    configured, _ = sms_numbers(sandbox)
    sent = await sandbox_http.post(f"/v1/numbers/{configured}/messages/send", json={"to": CUSTOMER, "body": "hi"})
    assert sent.status_code == 200, sent.text
    receive_message(sandbox.sandbox.state, configured, CUSTOMER, "thanks", at=1_800_000_100)
    update_message_status(sandbox.sandbox.state, sent.json()["id"], "delivered", at=1_800_000_200)

    sender.relay_messaging_events()  # what flush() does before sending

    queued = {delivery.body["event"]: delivery.body for delivery in sender.outbox}
    assert set(queued) == set(events)
    assert queued["message.sent"]["resource"] == "message"
    assert queued["message.sent"]["data"]["raw_digits"] == CUSTOMER
    assert queued["message.status_updated"]["timestamp"] == 1_800_000_200
    assert sender.relay_messaging_events() == 0  # each recorded event is relayed once
