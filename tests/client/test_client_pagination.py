"""paginate(): follows next_page_link, re-sends every filter, stops at max_items and at the cap, reports why."""

from __future__ import annotations

import httpx2
from pydantic import SecretStr

from aircall_mcp.client import AircallClient, BasicCredentials
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.facts import MAX_PER_PAGE as LARGEST_PAGE

from .conftest import MakeRig, Rig


async def test_every_page_resends_all_original_filters_including_fetch_flags(rig: Rig) -> None:
    """Aircall's links drop fetch_*; each page still carries fetch_contact, order and the window."""
    progress: list[tuple[int, int, int | None]] = []

    async def on_page(pages: int, items: int, total: int | None) -> None:
        progress.append((pages, items, total))

    query = {"per_page": "50", "order": "desc", "from": "0", "fetch_contact": "true"}
    result = await rig.client.paginate(
        PreparedRequest("GET", "/v1/calls", query), list_key="calls", max_items=120, on_page=on_page
    )
    assert len(result.items) == 120
    assert result.pages == 3
    assert result.total == 300
    assert result.more_available
    assert not result.capped
    assert result.stats.attempts == 3
    assert progress == [(1, 50, 300), (2, 100, 300), (3, 120, 300)]
    assert [r.query["page"] for r in rig.requests[1:]] == [["2"], ["3"]]
    for recorded in rig.requests:
        assert recorded.query["fetch_contact"] == ["true"]
        assert recorded.query["order"] == ["desc"]
        assert recorded.query["from"] == ["0"]
        assert recorded.query["per_page"] == ["50"]
    assert len({c["id"] for c in result.items}) == 120


async def test_last_page_ends_paging_with_nothing_more_available(rig: Rig) -> None:
    """Walking every contact ends on the page whose next_page_link is null."""
    result = await rig.client.paginate(
        PreparedRequest("GET", "/v1/contacts", {"per_page": "50"}), list_key="contacts", max_items=10_000
    )
    assert len(result.items) == result.total == 120
    assert result.pages == 3
    assert not result.more_available
    assert not result.capped


async def test_paging_stops_at_the_cap_and_says_so(make_rig: MakeRig) -> None:
    """The sandbox serves only the first 100 of 300 matches: capped=True and more_available=True."""
    async with make_rig(pagination_cap=100) as rig:
        result = await rig.client.paginate(
            PreparedRequest("GET", "/v1/calls", {"per_page": "50"}), list_key="calls", max_items=1_000
        )
        assert len(result.items) == 100
        assert result.capped
        assert result.more_available
        assert result.total == 300
        assert result.pages == 2


async def test_client_cap_stops_paging_even_if_links_continue(make_rig: MakeRig) -> None:
    """The client's own cap (10,000 in production) ends paging and reports capped."""
    async with make_rig(client={"pagination_cap": 100}) as rig:
        result = await rig.client.paginate(
            PreparedRequest("GET", "/v1/calls", {"per_page": "50"}), list_key="calls", max_items=1_000
        )
        assert len(result.items) == 100
        assert result.capped
        assert len(rig.requests) == 2


async def test_meta_without_link_keys_pages_on_by_number_with_the_filters(rig: Rig) -> None:
    """Webhooks' meta has no link keys: pages follow by number while the total says more exist."""
    total = len(rig.sandbox.sandbox.state.webhooks)
    assert total > 1
    rig.sandbox.sandbox.clear_requests()
    request = PreparedRequest("GET", "/v1/webhooks", {"per_page": "1", "order": "desc"})
    result = await rig.client.paginate(request, list_key="webhooks", max_items=50)
    assert result.pages == total
    assert len(result.items) == total
    assert not result.more_available
    assert not result.capped
    sent = rig.requests
    assert [r.query.get("page", ["1"])[0] for r in sent] == [str(n) for n in range(1, total + 1)]
    assert all(r.query["order"] == ["desc"] for r in sent)


async def test_next_page_link_to_another_origin_is_not_followed() -> None:
    """A next_page_link pointing elsewhere ends paging: credentials never leave the configured origin."""
    hosts: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        hosts.append(request.url.host)
        meta = {"total": 4, "per_page": 2, "current_page": 1, "next_page_link": "https://evil.example/v1/tags?page=2"}
        return httpx2.Response(200, json={"tags": [{"id": 1}, {"id": 2}], "meta": meta})

    credentials = BasicCredentials(api_id=SecretStr("id"), api_token=SecretStr("token"))
    async with AircallClient(
        credentials, "https://api.aircall.io", limiter=False, transport=httpx2.MockTransport(handler)
    ) as client:
        result = await client.paginate(PreparedRequest("GET", "/v1/tags"), list_key="tags", max_items=10)
    assert hosts == ["api.aircall.io"]
    assert result.pages == 1
    assert result.more_available


async def test_max_items_sets_the_largest_page_aircall_allows(rig: Rig) -> None:
    """Without per_page, reading 300 calls takes 6 requests of 50, not 15 of Aircall's default 20."""
    result = await rig.client.paginate(PreparedRequest("GET", "/v1/calls"), list_key="calls", max_items=300)
    assert len(result.items) == 300
    assert len(rig.requests) == 6
    assert all(r.query["per_page"] == [str(LARGEST_PAGE)] for r in rig.requests)
    assert not result.more_available


async def test_max_items_below_a_page_asks_for_just_that_many(rig: Rig) -> None:
    """max_items 7: one request for a page of 7."""
    result = await rig.client.paginate(PreparedRequest("GET", "/v1/calls"), list_key="calls", max_items=7)
    assert len(result.items) == 7
    assert [r.query["per_page"] for r in rig.requests] == [["7"]]
    assert result.more_available


async def test_per_page_chosen_by_the_agent_is_kept(rig: Rig) -> None:
    """per_page 20 with max_items 60: three requests of 20, as asked."""
    request = PreparedRequest("GET", "/v1/calls", {"per_page": "20"})
    result = await rig.client.paginate(request, list_key="calls", max_items=60)
    assert len(result.items) == 60
    assert [r.query["per_page"] for r in rig.requests] == [["20"]] * 3
