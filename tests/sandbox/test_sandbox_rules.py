"""Rules real Aircall enforces, with its error bodies {"error": <HTTP reason>, "troubleshoot": ...}."""

from typing import Any

import httpx2
import pytest

from aircall_mcp.sandbox import SandboxHandle


def _ongoing(sandbox: SandboxHandle) -> list[int]:
    """[answered on a recording number, ringing, answered on a number without live recording]."""
    return sandbox.sandbox.state.ongoing_call_ids()


def _ended_call(sandbox: SandboxHandle) -> int:
    return next(c.id for c in sandbox.sandbox.state.calls.values() if c.status == "done")


def _assert_400(r: httpx2.Response, mentions: str) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "Bad Request"
    assert mentions in body["troubleshoot"]


async def test_sixth_comment_on_a_call_is_refused(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    call_id = next(c.id for c in sandbox.sandbox.state.calls.values() if not c.comments)
    for i in range(5):
        r = await sandbox_http.post(f"/v1/calls/{call_id}/comments", json={"content": f"note {i}"})
        assert r.status_code == 201
        assert r.content == b""
    sixth = await sandbox_http.post(f"/v1/calls/{call_id}/comments", json={"content": "one too many"})
    assert sixth.status_code == 400
    assert sixth.json() == {"error": "Bad Request", "troubleshoot": "Maximum of 5 notes can be added to a Call."}
    assert len(sandbox.sandbox.state.calls[call_id].comments) == 5


async def test_comment_without_content_is_refused(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    r = await sandbox_http.post(f"/v1/calls/{_ended_call(sandbox)}/comments", json={})
    _assert_400(r, "content")


async def test_only_an_ongoing_call_can_be_transferred(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    user_id = next(iter(sandbox.sandbox.state.users))
    ended = await sandbox_http.post(f"/v1/calls/{_ended_call(sandbox)}/transfers", json={"user_id": user_id})
    live = await sandbox_http.post(f"/v1/calls/{_ongoing(sandbox)[0]}/transfers", json={"user_id": user_id})
    _assert_400(ended, "ended")
    assert live.status_code == 204
    assert live.content == b""


async def test_transfer_needs_exactly_one_destination(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    call_id = _ongoing(sandbox)[0]
    user_id = next(iter(sandbox.sandbox.state.users))
    team_id = next(iter(sandbox.sandbox.state.teams))
    none = await sandbox_http.post(f"/v1/calls/{call_id}/transfers", json={})
    two = await sandbox_http.post(f"/v1/calls/{call_id}/transfers", json={"user_id": user_id, "team_id": team_id})
    _assert_400(none, "Only one of user_id, team_id or number")
    _assert_400(two, "Only one of user_id, team_id or number")


async def test_dispatching_strategy_is_only_allowed_with_a_team(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    call_id = _ongoing(sandbox)[0]
    user_id = next(iter(sandbox.sandbox.state.users))
    team_id = next(iter(sandbox.sandbox.state.teams))
    with_user = await sandbox_http.post(
        f"/v1/calls/{call_id}/transfers", json={"user_id": user_id, "dispatching_strategy": "random"}
    )
    with_team = await sandbox_http.post(
        f"/v1/calls/{call_id}/transfers", json={"team_id": team_id, "dispatching_strategy": "longest_idle"}
    )
    _assert_400(with_user, "dispatching_strategy")
    assert with_team.status_code == 204


@pytest.mark.parametrize("bad", ["0612345678", "+33 6 12 34 56 78", "+0612345678", "33612345678", 33612345678])
async def test_phone_numbers_must_be_e164(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient, bad: Any) -> None:
    state = sandbox.sandbox.state
    available_user = next(u.id for u in state.users.values() if u.availability == "available")
    transfer = await sandbox_http.post(f"/v1/calls/{_ongoing(sandbox)[0]}/transfers", json={"number": bad})
    contact = await sandbox_http.post("/v1/contacts", json={"phone_numbers": [{"label": "Work", "value": bad}]})
    dial = await sandbox_http.post(f"/v1/users/{available_user}/dial", json={"to": bad})
    _assert_400(transfer, "E.164")
    _assert_400(contact, "E.164")
    _assert_400(dial, "E.164")


async def test_transfer_to_an_e164_number_is_accepted(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    r = await sandbox_http.post(f"/v1/calls/{_ongoing(sandbox)[0]}/transfers", json={"number": "+33612345678"})
    assert r.status_code == 204


async def test_tag_names_are_unique(sandbox_http: httpx2.AsyncClient) -> None:
    existing = (await sandbox_http.get("/v1/tags")).json()["tags"][0]["name"]
    dup = await sandbox_http.post("/v1/tags", json={"name": existing.upper(), "color": "#000000"})
    _assert_400(dup, "name")
    fresh = await sandbox_http.post("/v1/tags", json={"name": "Brand new", "color": "#abc"})
    assert fresh.status_code == 201
    rename = await sandbox_http.put(f"/v1/tags/{fresh.json()['tag']['id']}", json={"name": existing})
    _assert_400(rename, "name")


@pytest.mark.parametrize("bad", ["red", "#12345", "#GGGGGG", "123456", "", None])
async def test_tag_colour_must_be_hex(sandbox_http: httpx2.AsyncClient, bad: Any) -> None:
    r = await sandbox_http.post("/v1/tags", json={"name": f"Colour {bad!r}", "color": bad})
    _assert_400(r, "color")


async def test_contact_takes_at_most_20_phone_numbers_and_20_emails(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    phones = [{"label": "Work", "value": f"+3361234{i:04d}"} for i in range(21)]
    emails = [{"label": "Work", "value": f"p{i}@example.com"} for i in range(21)]
    too_many_phones = await sandbox_http.post("/v1/contacts", json={"phone_numbers": phones})
    too_many_emails = await sandbox_http.post("/v1/contacts", json={"phone_numbers": phones[:1], "emails": emails})
    _assert_400(too_many_phones, "20")
    _assert_400(too_many_emails, "20")
    full = await sandbox_http.post("/v1/contacts", json={"phone_numbers": phones[:20], "emails": emails[:20]})
    assert full.status_code == 201
    contact_id = full.json()["contact"]["id"]
    phone_21 = await sandbox_http.post(f"/v1/contacts/{contact_id}/phone_details", json=phones[20])
    email_21 = await sandbox_http.post(f"/v1/contacts/{contact_id}/email_details", json=emails[20])
    _assert_400(phone_21, "20")
    _assert_400(email_21, "20")


async def test_contact_needs_at_least_one_phone_number(sandbox_http: httpx2.AsyncClient) -> None:
    r = await sandbox_http.post("/v1/contacts", json={"first_name": "No", "last_name": "Phone"})
    _assert_400(r, "phone_numbers")


async def test_a_company_has_at_most_100_webhooks(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    seeded = len(sandbox.sandbox.state.webhooks)
    for i in range(100 - seeded):
        r = await sandbox_http.post("/v1/webhooks", json={"url": f"https://hooks.example.com/{i}"})
        assert r.status_code == 201
    extra = await sandbox_http.post("/v1/webhooks", json={"url": "https://hooks.example.com/101"})
    _assert_400(extra, "100")
    assert len(sandbox.sandbox.state.webhooks) == 100


@pytest.mark.parametrize("url", ["http://hooks.example.com/x", "hooks.example.com", "", None])
async def test_webhook_url_must_be_https(sandbox_http: httpx2.AsyncClient, url: Any) -> None:
    r = await sandbox_http.post("/v1/webhooks", json={"url": url})
    _assert_400(r, "url")


async def test_unknown_ids_are_404_with_error_and_troubleshoot(sandbox_http: httpx2.AsyncClient) -> None:
    paths = [
        ("GET", "/v1/calls/1"),
        ("GET", "/v1/calls/not-a-number"),
        ("POST", "/v1/calls/1/comments"),
        ("GET", "/v1/contacts/1"),
        ("DELETE", "/v1/contacts/1"),
        ("GET", "/v2/users/1"),
        ("GET", "/v2/users/nobody@example.com"),
        ("GET", "/v1/teams/1"),
        ("GET", "/v1/numbers/1"),
        ("GET", "/v1/tags/1"),
        ("DELETE", "/v1/tags/1"),
        ("GET", "/v1/webhooks/00000000-0000-4000-8000-000000000000"),
    ]
    for method, path in paths:
        r = await sandbox_http.request(method, path, json={"content": "x"} if method == "POST" else None)
        assert r.status_code == 404, (method, path)
        assert r.json()["error"] == "Not Found", (method, path)
        assert r.json()["troubleshoot"], (method, path)


async def test_tagging_a_call_with_an_unknown_tag_is_404_and_changes_nothing(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    call = next(c for c in sandbox.sandbox.state.calls.values() if not c.tags)
    known = next(iter(sandbox.sandbox.state.tags))
    r = await sandbox_http.post(f"/v1/calls/{call.id}/tags", json={"tags": [known, 999]})
    assert r.status_code == 404
    assert call.tags == []


async def test_unknown_route_is_404_message_not_found(sandbox_http: httpx2.AsyncClient) -> None:
    r = await sandbox_http.get("/v1/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"message": "Not Found"}


async def test_wrong_method_on_a_known_path_is_404_like_an_unknown_route(sandbox_http: httpx2.AsyncClient) -> None:
    r = await sandbox_http.patch("/v1/contacts/1", json={})
    assert r.status_code == 404
    assert r.json() == {"message": "Not Found"}


async def test_team_names_are_unique_and_at_most_64_characters(sandbox_http: httpx2.AsyncClient) -> None:
    existing = (await sandbox_http.get("/v1/teams")).json()["teams"][0]["name"]
    dup = await sandbox_http.post("/v1/teams", json={"name": existing})
    long = await sandbox_http.post("/v1/teams", json={"name": "x" * 65})
    ok = await sandbox_http.post("/v1/teams", json={"name": "y" * 64})
    _assert_400(dup, "name")
    _assert_400(long, "64")
    assert ok.status_code == 201


async def test_user_email_is_unique_on_create(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    taken = next(iter(sandbox.sandbox.state.users.values())).email
    body = {"email": taken, "first_name": "Copy", "last_name": "Cat"}
    r = await sandbox_http.post("/v2/users", json=body)
    _assert_400(r, "email")


async def test_update_contact_refuses_blank_defined_fields(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    contact_id = next(iter(sandbox.sandbox.state.contacts))
    blank = await sandbox_http.post(f"/v1/contacts/{contact_id}", json={"first_name": "  "})
    null = await sandbox_http.post(f"/v1/contacts/{contact_id}", json={"last_name": None})
    _assert_400(blank, "first_name")
    _assert_400(null, "last_name")


async def test_malformed_json_is_400(sandbox_http: httpx2.AsyncClient) -> None:
    r = await sandbox_http.post("/v1/tags", content=b'{"name": "broken"', headers={"Content-Type": "application/json"})
    _assert_400(r, "JSON")


async def test_recording_controls_refuse_ended_calls_and_numbers_without_live_recording(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    recording_on, _, recording_off = _ongoing(sandbox)
    ended = await sandbox_http.post(f"/v1/calls/{_ended_call(sandbox)}/pause_recording")
    disabled = await sandbox_http.post(f"/v1/calls/{recording_off}/pause_recording")
    paused = await sandbox_http.post(f"/v1/calls/{recording_on}/pause_recording")
    resumed = await sandbox_http.post(f"/v1/calls/{recording_on}/resume_recording")
    _assert_400(ended, "ended")
    assert disabled.status_code == 405
    assert disabled.json()["error"] == "Method Not Allowed"
    assert (paused.status_code, resumed.status_code) == (204, 204)


async def test_insight_cards_need_an_ongoing_call_and_known_blocks(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    cards = {"contents": [{"type": "title", "text": "Customer"}, {"type": "shortText", "label": "Plan", "text": "Pro"}]}
    live = await sandbox_http.post(f"/v1/calls/{_ongoing(sandbox)[0]}/insight_cards", json=cards)
    ended = await sandbox_http.post(f"/v1/calls/{_ended_call(sandbox)}/insight_cards", json=cards)
    bad = await sandbox_http.post(f"/v1/calls/{_ongoing(sandbox)[0]}/insight_cards", json={"contents": [{"type": "x"}]})
    assert live.status_code == 201
    _assert_400(ended, "ended")
    _assert_400(bad, "type")


async def test_unavailable_user_cannot_dial_or_start_a_call(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    state = sandbox.sandbox.state
    offline = next(u for u in state.users.values() if u.availability == "offline")
    number = next(n for n in state.numbers.values() if offline.id in n.user_ids)
    dial = await sandbox_http.post(f"/v1/users/{offline.id}/dial", json={"to": "+33612345678"})
    call = await sandbox_http.post(f"/v1/users/{offline.id}/calls", json={"number_id": number.id, "to": "+33612345678"})
    assert dial.status_code == 405
    assert dial.json() == {
        "error": "Method Not Allowed",
        "troubleshoot": "The user is currently unavailable",
        "success": False,
    }
    assert call.status_code == 405


async def test_available_user_starts_an_outbound_call_from_an_assigned_number(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    state = sandbox.sandbox.state
    user = next(u for u in state.users.values() if u.availability == "available")
    mine = next(n for n in state.numbers.values() if user.id in n.user_ids)
    other = next((n for n in state.numbers.values() if user.id not in n.user_ids), None)
    ok = await sandbox_http.post(f"/v1/users/{user.id}/calls", json={"number_id": mine.id, "to": "+33612345678"})
    assert ok.status_code == 204
    if other is not None:
        r = await sandbox_http.post(f"/v1/users/{user.id}/calls", json={"number_id": other.id, "to": "+33612345678"})
        _assert_400(r, "number_id")


async def test_dialer_campaign_refuses_numbers_already_imported_and_not_called(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    user_id = next(iter(sandbox.sandbox.state.users))
    base = f"/v1/users/{user_id}/dialer_campaign"
    assert (await sandbox_http.get(base)).status_code == 404
    created = await sandbox_http.post(base, json={"phone_numbers": ["+33612345678"]})
    # Issue 11 §6: creating again appends to the existing campaign (Aircall's POST is an upsert), no 400.
    again = await sandbox_http.post(base, json={"phone_numbers": ["+33612345679"]})
    dup = await sandbox_http.post(f"{base}/phone_numbers", json={"phone_numbers": ["+33612345678"]})
    dup_on_create = await sandbox_http.post(base, json={"phone_numbers": ["+33612345679"]})
    assert created.status_code == 201
    assert again.status_code == 201
    listed = (await sandbox_http.get(f"{base}/phone_numbers")).json()["numbers"]
    assert [n["number"] for n in listed] == ["+33612345678", "+33612345679"]
    for refused in (dup, dup_on_create):
        assert refused.status_code == 422
        assert refused.json()["success"] is False
        assert "dialer_campaign" in refused.json()["errors"]
