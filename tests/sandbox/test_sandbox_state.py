"""Changes made through the API are real: later reads see them."""

import httpx2

from aircall_mcp.sandbox import SandboxHandle


async def test_tag_added_to_a_call_shows_on_the_call(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    call_id = next(c.id for c in sandbox.sandbox.state.calls.values() if not c.tags)
    tag = (await sandbox_http.post("/v1/tags", json={"name": "Fresh", "color": "#FF5733"})).json()["tag"]
    r = await sandbox_http.post(f"/v1/calls/{call_id}/tags", json={"tags": [tag["id"], tag["id"]]})
    assert r.status_code == 201
    call = (await sandbox_http.get(f"/v1/calls/{call_id}")).json()["call"]
    assert [(t["id"], t["name"], t["color"]) for t in call["tags"]] == [(tag["id"], "Fresh", "#FF5733")]


async def test_deleting_a_tag_strips_it_from_every_call(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    tag_id = next(iter(sandbox.sandbox.state.tags))
    before = (await sandbox_http.get("/v1/calls/search", params={"tags[]": tag_id})).json()["meta"]["total"]
    assert before > 0
    assert (await sandbox_http.delete(f"/v1/tags/{tag_id}")).status_code == 204
    assert (await sandbox_http.get(f"/v1/tags/{tag_id}")).status_code == 404
    assert all(t.tag_id != tag_id for c in sandbox.sandbox.state.calls.values() for t in c.tags)


async def test_deleted_contact_is_gone(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    contact_id = next(iter(sandbox.sandbox.state.contacts))
    assert (await sandbox_http.delete(f"/v1/contacts/{contact_id}")).status_code == 204
    assert (await sandbox_http.get(f"/v1/contacts/{contact_id}")).status_code == 404
    assert (await sandbox_http.delete(f"/v1/contacts/{contact_id}")).status_code == 404
    total = (await sandbox_http.get("/v1/contacts")).json()["meta"]["total"]
    assert total == 119


async def test_deleted_recording_and_voicemail_urls_become_null(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    calls = sandbox.sandbox.state.calls.values()
    recorded = next(c.id for c in calls if c.recording)
    voicemail = next(c.id for c in calls if c.voicemail)
    assert (await sandbox_http.delete(f"/v1/calls/{recorded}/recording")).status_code == 204
    assert (await sandbox_http.delete(f"/v1/calls/{voicemail}/voicemail")).status_code == 204
    assert (await sandbox_http.get(f"/v1/calls/{recorded}")).json()["call"]["recording"] is None
    assert (await sandbox_http.get(f"/v1/calls/{voicemail}")).json()["call"]["voicemail"] is None


async def test_comment_appears_on_the_call_posted_by_nobody(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    call_id = next(c.id for c in sandbox.sandbox.state.calls.values() if not c.comments)
    await sandbox_http.post(f"/v1/calls/{call_id}/comments", json={"content": "Called back, all good 👍"})
    comments = (await sandbox_http.get(f"/v1/calls/{call_id}")).json()["call"]["comments"]
    assert len(comments) == 1
    assert comments[0]["content"].strip() == "Called back, all good"
    assert comments[0]["posted_by"] is None
    assert isinstance(comments[0]["posted_at"], int)


async def test_archive_and_unarchive_flip_the_flag(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    call_id = next(c.id for c in sandbox.sandbox.state.calls.values() if not c.archived)
    archived = await sandbox_http.put(f"/v1/calls/{call_id}/archive")
    assert archived.status_code == 200
    assert archived.json()["call"]["archived"] is True
    unarchived = await sandbox_http.put(f"/v1/calls/{call_id}/unarchive")
    assert unarchived.json()["call"]["archived"] is False


async def test_team_membership_changes_show_on_the_team(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    team = (await sandbox_http.post("/v1/teams", json={"name": "Night shift"})).json()["team"]
    assert team["users"] == []
    user_id = next(iter(sandbox.sandbox.state.users))
    added = await sandbox_http.post(f"/v1/teams/{team['id']}/users/{user_id}")
    again = await sandbox_http.post(f"/v1/teams/{team['id']}/users/{user_id}")
    assert added.status_code == 201
    assert [u["id"] for u in added.json()["team"]["users"]] == [user_id]
    assert again.status_code == 422
    removed = await sandbox_http.delete(f"/v1/teams/{team['id']}/users/{user_id}")
    assert removed.status_code == 200
    assert removed.json()["team"]["users"] == []
    assert (await sandbox_http.delete(f"/v1/teams/{team['id']}/users/{user_id}")).status_code == 422


async def test_created_objects_get_fresh_ids_and_appear_in_lists(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    contact = (
        await sandbox_http.post(
            "/v1/contacts",
            json={"first_name": "Ada", "phone_numbers": [{"label": "Mobile", "value": "+447700900123"}]},
        )
    ).json()["contact"]
    assert contact["id"] not in {c for c in sandbox.sandbox.state.contacts if c != contact["id"]}
    assert contact["phone_numbers"][0]["value"] == "+447700900123"
    assert isinstance(contact["created_at"], int)
    newest = (await sandbox_http.get("/v1/contacts", params={"order": "desc", "per_page": 1})).json()
    assert newest["contacts"][0]["id"] == contact["id"]
    user = (
        await sandbox_http.post(
            "/v2/users", json={"email": "new.hire@lumen-co.example", "first_name": "New", "last_name": "Hire"}
        )
    ).json()["user"]
    assert (await sandbox_http.get("/v2/users/new.hire@lumen-co.example")).json()["user"]["id"] == user["id"]
    assert isinstance(user["created_at"], str)


async def test_contact_phone_and_email_details_can_be_edited_and_removed(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    contact_id = next(iter(sandbox.sandbox.state.contacts))
    added = (
        await sandbox_http.post(f"/v1/contacts/{contact_id}/email_details", json={"label": "Home", "value": "a@b.co"})
    ).json()["contact"]
    email_id = added["emails"][-1]["id"]
    updated = await sandbox_http.put(f"/v1/contacts/{contact_id}/email_details/{email_id}", json={"value": "c@d.co"})
    assert updated.json()["contact"]["emails"][-1]["value"] == "c@d.co"
    assert (await sandbox_http.delete(f"/v1/contacts/{contact_id}/email_details/{email_id}")).status_code == 204
    after = (await sandbox_http.get(f"/v1/contacts/{contact_id}")).json()["contact"]
    assert email_id not in {e["id"] for e in after["emails"]}


async def test_update_webhook_without_events_subscribes_to_every_event(sandbox_http: httpx2.AsyncClient) -> None:
    hook = (
        await sandbox_http.post("/v1/webhooks", json={"url": "https://x.example.com/h", "events": ["call.created"]})
    ).json()["webhook"]
    assert hook["events"] == ["call.created"]
    assert hook["custom_name"] == "Webhook"
    assert len(hook["token"]) == 32
    updated = (await sandbox_http.put(f"/v1/webhooks/{hook['webhook_id']}", json={"active": False})).json()["webhook"]
    assert updated["active"] is False
    assert len(updated["events"]) > 60


async def test_update_webhook_events_action_adds_and_removes(sandbox_http: httpx2.AsyncClient) -> None:
    hook = (
        await sandbox_http.post("/v1/webhooks", json={"url": "https://x.example.com/h", "events": ["call.created"]})
    ).json()["webhook"]
    path = f"/v1/webhooks/{hook['webhook_id']}"
    added = await sandbox_http.put(path, params={"events_action": "add"}, json={"events": ["call.ended"]})
    assert added.json()["webhook"]["events"] == ["call.created", "call.ended"]
    removed = await sandbox_http.put(path, params={"events_action": "remove"}, json={"events": ["call.created"]})
    assert removed.json()["webhook"]["events"] == ["call.ended"]
    replaced = await sandbox_http.put(path, json={"events": ["contact.created"]})
    assert replaced.json()["webhook"]["events"] == ["contact.created"]


async def test_webhook_is_reachable_by_uuid_and_legacy_id(sandbox_http: httpx2.AsyncClient) -> None:
    listed = (await sandbox_http.get("/v1/webhooks")).json()["webhooks"][0]
    by_uuid = (await sandbox_http.get(f"/v1/webhooks/{listed['webhook_id']}")).json()["webhook"]
    by_id = (await sandbox_http.get(f"/v1/webhooks/{listed['id']}")).json()["webhook"]
    assert by_uuid == by_id == listed


async def test_conversation_intelligence_is_served_for_analysed_calls_only(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    calls = sandbox.sandbox.state.calls.values()
    analysed = next(c.id for c in calls if c.insights)
    plain = next(c.id for c in calls if not c.insights)
    envelopes = {
        "transcription": "transcription",
        "sentiments": "sentiment",
        "topics": "topic",
        "summary": "summary",
        "action_items": "action_items",
        "playbook_result": "playbook_result",
        "evaluations": "evaluations",
        "predicted_csat": "csat",
        "custom_summary_result": "custom_summary_result",
    }
    for suffix, key in envelopes.items():
        r = await sandbox_http.get(f"/v1/calls/{analysed}/{suffix}")
        assert r.status_code == 200, suffix
        assert set(r.json()) == {key}
        assert (await sandbox_http.get(f"/v1/calls/{plain}/{suffix}")).status_code == 404
    csat = (await sandbox_http.get(f"/v1/calls/{analysed}/predicted_csat")).json()["csat"]
    assert {"call_id", "call_uuid", "score", "drivers"} <= set(csat)


async def test_update_number_changes_name_priority_and_messages(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    number_id = next(iter(sandbox.sandbox.state.numbers))
    body = {"name": "Main line", "priority": 1, "messages": {"welcome": "https://cdn.example.com/hello.mp3"}}
    number = (await sandbox_http.put(f"/v1/numbers/{number_id}", json=body)).json()["number"]
    assert (number["name"], number["priority"]) == ("Main line", 1)
    assert number["messages"]["welcome"] == "https://cdn.example.com/hello.mp3"
    bad = await sandbox_http.put(f"/v1/numbers/{number_id}", json={"priority": 5})
    assert bad.status_code == 400
