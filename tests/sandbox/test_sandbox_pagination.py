"""Pagination exactly like Aircall: per_page <= 50, meta and absolute links, filters, the 10,000 cap."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2

from aircall_mcp.sandbox import SandboxHandle


def _query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


async def test_per_page_above_50_is_refused_naming_the_parameter_and_the_maximum(
    sandbox_http: httpx2.AsyncClient,
) -> None:
    r = await sandbox_http.get("/v1/calls", params={"per_page": 51})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "Bad Request"
    assert "per_page" in body["troubleshoot"]
    assert "50" in body["troubleshoot"]


async def test_defaults_are_page_1_and_20_per_page_with_full_meta(sandbox_http: httpx2.AsyncClient) -> None:
    r = await sandbox_http.get("/v1/calls")
    body = r.json()
    assert len(body["calls"]) == 20
    meta = body["meta"]
    assert meta["count"] == 20
    assert meta["total"] == 300
    assert meta["current_page"] == 1
    assert meta["per_page"] == 20
    assert meta["previous_page_link"] is None
    assert _query(meta["next_page_link"]) == {"page": ["2"], "per_page": ["20"]}


async def test_next_page_link_is_absolute_on_the_sandbox_and_can_be_followed(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    first = (await sandbox_http.get("/v1/contacts", params={"per_page": 50})).json()
    link = first["meta"]["next_page_link"]
    assert link.startswith(f"{sandbox.base_url}/v1/contacts?")
    second = (await sandbox_http.get(link)).json()
    assert second["meta"]["current_page"] == 2
    assert second["meta"]["previous_page_link"].startswith(sandbox.base_url)
    ids_1 = {c["id"] for c in first["contacts"]}
    ids_2 = {c["id"] for c in second["contacts"]}
    assert len(ids_2) == 50
    assert not ids_1 & ids_2


async def test_walking_every_page_returns_each_item_once_and_ends_with_a_null_link(
    sandbox_http: httpx2.AsyncClient,
) -> None:
    seen: list[int] = []
    url: str | None = "/v1/contacts?per_page=50"
    pages = 0
    while url is not None:
        body = (await sandbox_http.get(url)).json()
        seen += [c["id"] for c in body["contacts"]]
        url = body["meta"]["next_page_link"]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 120


async def test_links_carry_filters_but_drop_fetch_flags(sandbox_http: httpx2.AsyncClient) -> None:
    params: dict[str, Any] = {
        "per_page": 5,
        "direction": "inbound",
        "order": "desc",
        "fetch_contact": "true",
        "fetch_short_urls": "true",
    }
    body = (await sandbox_http.get("/v1/calls/search", params=params)).json()
    query = _query(body["meta"]["next_page_link"])
    assert query == {"page": ["2"], "per_page": ["5"], "direction": ["inbound"], "order": ["desc"]}
    # The flags were honoured on this page even though the link does not carry them.
    assert "recording_short_url" in body["calls"][0]


async def test_tags_filter_is_repeated_in_links(sandbox_http: httpx2.AsyncClient) -> None:
    tag_id = (await sandbox_http.get("/v1/tags")).json()["tags"][0]["id"]
    body = (await sandbox_http.get("/v1/calls/search", params={"tags[]": [tag_id], "per_page": 1})).json()
    assert body["meta"]["total"] > 1
    assert _query(body["meta"]["next_page_link"])["tags[]"] == [str(tag_id)]


async def test_order_desc_returns_the_newest_calls_first(sandbox_http: httpx2.AsyncClient) -> None:
    asc = (await sandbox_http.get("/v1/calls", params={"per_page": 50})).json()["calls"]
    desc = (await sandbox_http.get("/v1/calls", params={"per_page": 50, "order": "desc"})).json()["calls"]
    asc_starts = [c["started_at"] for c in asc]
    desc_starts = [c["started_at"] for c in desc]
    assert asc_starts == sorted(asc_starts)
    assert desc_starts == sorted(desc_starts, reverse=True)
    assert desc_starts[0] > asc_starts[-1]


async def test_from_and_to_select_calls_started_in_the_window(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    starts = sorted(c.started_at for c in sandbox.sandbox.state.calls.values())
    low, high = starts[100], starts[149]
    body = (await sandbox_http.get("/v1/calls", params={"from": low, "to": high, "per_page": 50})).json()
    assert body["meta"]["total"] == sum(1 for s in starts if low <= s <= high)
    assert all(low <= c["started_at"] <= high for c in body["calls"])


async def test_bad_filter_values_are_400_naming_the_parameter(sandbox_http: httpx2.AsyncClient) -> None:
    cases = [
        ("/v1/calls", {"page": "0"}, "page"),
        ("/v1/calls", {"per_page": "many"}, "per_page"),
        ("/v1/calls", {"from": "yesterday"}, "from"),
        ("/v1/calls", {"to": "-5"}, "to"),
        ("/v1/calls", {"order": "sideways"}, "order"),
        ("/v1/calls/search", {"direction": "upward"}, "direction"),
        ("/v1/calls/search", {"user_id": "bob"}, "user_id"),
        ("/v1/calls/search", {"tags[]": "red"}, "tags"),
        ("/v1/calls/search", {"phone_number": "call me"}, "phone_number"),
        ("/v1/contacts", {"order_by": "name"}, "order_by"),
    ]
    for path, params, name in cases:
        r = await sandbox_http.get(path, params=params)
        assert r.status_code == 400, (path, params)
        assert name in r.json()["troubleshoot"], (path, params)


async def test_search_calls_by_phone_number_matches_the_e164_digits_of_raw_digits(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    call = next(c for c in sandbox.sandbox.state.calls.values() if c.raw_digits.startswith("+"))
    e164 = "+" + "".join(ch for ch in call.raw_digits if ch.isdigit())
    body = (await sandbox_http.get("/v1/calls/search", params={"phone_number": e164, "per_page": 50})).json()
    assert call.id in {c["id"] for c in body["calls"]}
    assert all(c["raw_digits"] == call.raw_digits for c in body["calls"])


async def test_search_calls_by_tags_requires_every_tag(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    call = next(c for c in sandbox.sandbox.state.calls.values() if len(c.tags) == 2)
    a, b = (t.tag_id for t in call.tags)
    both = (await sandbox_http.get("/v1/calls/search", params={"tags[]": [a, b], "per_page": 50})).json()
    only_a = (await sandbox_http.get("/v1/calls/search", params={"tags": a, "per_page": 50})).json()
    assert call.id in {c["id"] for c in both["calls"]}
    assert all({a, b} <= {t["id"] for t in c["tags"]} for c in both["calls"])
    assert only_a["meta"]["total"] >= both["meta"]["total"]


async def test_search_calls_by_direction_and_user(sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient) -> None:
    user_id = next(c.user_id for c in sandbox.sandbox.state.calls.values() if c.user_id is not None)
    params: dict[str, Any] = {"direction": "outbound", "user_id": user_id, "per_page": 50}
    body = (await sandbox_http.get("/v1/calls/search", params=params)).json()
    assert body["meta"]["total"] > 0
    assert all(c["direction"] == "outbound" and c["user"]["id"] == user_id for c in body["calls"])


async def test_search_contacts_by_phone_number_and_email(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    contact = next(c for c in sandbox.sandbox.state.contacts.values() if c.emails)
    by_phone = await sandbox_http.get("/v1/contacts/search", params={"phone_number": contact.phone_numbers[0].value})
    by_email = await sandbox_http.get("/v1/contacts/search", params={"email": contact.emails[0].value.upper()})
    assert contact.id in {c["id"] for c in by_phone.json()["contacts"]}
    assert contact.id in {c["id"] for c in by_email.json()["contacts"]}


async def test_webhooks_list_meta_has_no_link_keys(sandbox_http: httpx2.AsyncClient) -> None:
    meta = (await sandbox_http.get("/v1/webhooks")).json()["meta"]
    assert set(meta) == {"count", "total", "current_page", "per_page"}


async def test_items_past_the_cap_are_never_served_but_total_counts_them(start_sandbox: Any) -> None:
    async with start_sandbox(pagination_cap=30) as sb, httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c:
        first = (await c.get("/v1/calls", params={"per_page": 20})).json()
        second = (await c.get(first["meta"]["next_page_link"])).json()
        past = (await c.get("/v1/calls", params={"per_page": 20, "page": 3})).json()
    assert first["meta"]["total"] == 300
    assert second["meta"]["count"] == 10
    assert second["meta"]["next_page_link"] is None
    assert past["calls"] == []
    assert past["meta"]["count"] == 0
    assert past["meta"]["total"] == 300
    assert past["meta"]["next_page_link"] is None


async def test_default_cap_stops_at_10000_calls(start_sandbox: Any) -> None:
    async with (
        start_sandbox(calls=10_050, contacts=200) as sb,
        httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth) as c,
    ):
        last = (await c.get("/v1/calls", params={"per_page": 50, "page": 200})).json()
        beyond = (await c.get("/v1/calls", params={"per_page": 50, "page": 201})).json()
    assert last["meta"]["count"] == 50
    assert last["meta"]["total"] == 10_050
    assert last["meta"]["next_page_link"] is None
    assert beyond["calls"] == []
