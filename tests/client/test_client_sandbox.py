"""AircallClient against the loopback sandbox: every area sends and parses, writes carry JSON, empty bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.sandbox import Workspace

from .conftest import Rig


def _first(table: dict[int, Any]) -> int:
    first: int = next(iter(table))
    return first


# (id, build(workspace) -> request, envelope key expected in the answer)
READS: list[tuple[str, Callable[[Workspace], PreparedRequest], str]] = [
    ("list_calls", lambda ws: PreparedRequest("GET", "/v1/calls", {"per_page": "5", "order": "desc"}), "calls"),
    ("search_calls", lambda ws: PreparedRequest("GET", "/v1/calls/search", {"direction": "inbound"}), "calls"),
    ("get_call", lambda ws: PreparedRequest("GET", f"/v1/calls/{_first(ws.calls)}"), "call"),
    ("list_contacts", lambda ws: PreparedRequest("GET", "/v1/contacts", {"order_by": "updated_at"}), "contacts"),
    ("get_contact", lambda ws: PreparedRequest("GET", f"/v1/contacts/{_first(ws.contacts)}"), "contact"),
    ("list_users_v2", lambda ws: PreparedRequest("GET", "/v2/users"), "users"),
    ("get_user_v2", lambda ws: PreparedRequest("GET", f"/v2/users/{_first(ws.users)}"), "user"),
    ("user_availabilities_v1", lambda ws: PreparedRequest("GET", "/v1/users/availabilities"), "users"),
    (
        "user_availability_v1",
        lambda ws: PreparedRequest("GET", f"/v1/users/{_first(ws.users)}/availability"),
        "availability",
    ),
    ("list_teams", lambda ws: PreparedRequest("GET", "/v1/teams"), "teams"),
    ("get_team", lambda ws: PreparedRequest("GET", f"/v1/teams/{_first(ws.teams)}"), "team"),
    ("list_numbers", lambda ws: PreparedRequest("GET", "/v1/numbers"), "numbers"),
    ("get_number", lambda ws: PreparedRequest("GET", f"/v1/numbers/{_first(ws.numbers)}"), "number"),
    ("list_tags", lambda ws: PreparedRequest("GET", "/v1/tags"), "tags"),
    ("get_tag", lambda ws: PreparedRequest("GET", f"/v1/tags/{_first(ws.tags)}"), "tag"),
    ("list_webhooks", lambda ws: PreparedRequest("GET", "/v1/webhooks"), "webhooks"),
    ("get_company", lambda ws: PreparedRequest("GET", "/v1/company"), "company"),
    ("ping", lambda ws: PreparedRequest("GET", "/v1/ping"), "ping"),
]


@pytest.mark.parametrize(("build", "key"), [(b, k) for _, b, k in READS], ids=[name for name, _, _ in READS])
async def test_every_area_is_read_through_the_one_send_path(
    rig: Rig, build: Callable[[Workspace], PreparedRequest], key: str
) -> None:
    """One generic send() reaches calls, contacts, users v1+v2, teams, numbers, tags, webhooks, company, ping."""
    response = await rig.client.send(build(rig.sandbox.sandbox.state))
    assert response.status == 200
    assert isinstance(response.data, dict)
    assert key in response.data
    assert response.stats.attempts == 1
    assert response.stats.retries == 0


async def test_post_sends_a_json_body_and_parses_the_created_object(rig: Rig) -> None:
    """create_contact: the body arrives as JSON; the 2xx answer's envelope is returned parsed."""
    body = {"first_name": "Ada", "last_name": "Lovelace", "phone_numbers": [{"label": "Work", "value": "+33612345678"}]}
    response = await rig.client.send(PreparedRequest("POST", "/v1/contacts", body=body))
    assert 200 <= response.status < 300
    assert cast(dict[str, Any], response.data)["contact"]["first_name"] == "Ada"
    assert rig.requests[-1].body == body


async def test_put_updates_and_delete_answers_204_with_no_data(rig: Rig) -> None:
    """PUT returns the object; DELETE's empty 204 is a success whose data is None."""
    tag_id = _first(rig.sandbox.sandbox.state.tags)
    updated = await rig.client.send(PreparedRequest("PUT", f"/v1/tags/{tag_id}", body={"name": "Renamed"}))
    assert cast(dict[str, Any], updated.data)["tag"]["name"] == "Renamed"
    deleted = await rig.client.send(PreparedRequest("DELETE", f"/v1/tags/{tag_id}"))
    assert deleted.status == 204
    assert deleted.data is None


async def test_empty_201_body_is_a_success_with_no_data(rig: Rig) -> None:
    """comment_call answers 201 with no body: success, data None."""
    call_id = _first(rig.sandbox.sandbox.state.calls)
    response = await rig.client.send(PreparedRequest("POST", f"/v1/calls/{call_id}/comments", body={"content": "hi"}))
    assert response.status == 201
    assert response.data is None


async def test_list_query_values_are_sent_as_repeated_keys(rig: Rig) -> None:
    """tags[] given as a list travels as tags[]=1&tags[]=2."""
    tag_ids = [str(t) for t in list(rig.sandbox.sandbox.state.tags)[:2]]
    await rig.client.send(PreparedRequest("GET", "/v1/calls/search", {"tags[]": tag_ids, "fetch_contact": "true"}))
    assert rig.requests[-1].query["tags[]"] == tag_ids
    assert rig.requests[-1].query["fetch_contact"] == ["true"]


async def test_oauth_bearer_token_is_accepted(rig: Rig) -> None:
    """An AIRCALL_ACCESS_TOKEN client authenticates with Authorization: Bearer."""
    from aircall_mcp.client import AircallClient
    from aircall_mcp.credentials import credentials_from_env

    env = {"AIRCALL_ACCESS_TOKEN": rig.sandbox.config.access_token}
    async with AircallClient(credentials_from_env(env), rig.sandbox.base_url, limiter=False) as bearer:
        response = await bearer.send(PreparedRequest("GET", "/v1/ping"))
    assert response.data == {"ping": "pong"}
