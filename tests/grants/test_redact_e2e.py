"""Masks in results end to end: MCP client -> server -> sandbox over loopback, numbers written as people write them."""

from __future__ import annotations

import json

import mcp_types as types
import pytest

from tests.server import conftest as server_suite
from tests.server.conftest import Harness

# The server suite's harness (client -> server -> sandbox), served to this module's tests by fixture name.
start_harness = server_suite.start_harness
harness = server_suite.harness

NATIONAL = "06 12 34 56 78"
BARE = "0698765432"
IDD = "0044 20 7946 0958"
WRITTEN = (NATIONAL, BARE, IDD)

MASKING = """
areas: {calls: read, contacts: read}
redact: [phone_numbers, emails]
"""


def body(result: types.CallToolResult) -> str:
    assert not result.is_error, result.content
    return json.dumps(result.structured_content, ensure_ascii=False) + "".join(
        c.text for c in result.content if isinstance(c, types.TextContent)
    )


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


async def _write_numbers_as_people_do(harness: Harness) -> tuple[int, int]:
    """A contact and a call comment holding numbers without "+", written by an unrestricted agent."""
    async with harness.connect("tester") as client:
        created = await client.call_tool(
            "create_contact",
            {
                "first_name": f"Jean {BARE}",
                "last_name": "Dupont",
                "information": f"perso {NATIONAL}, Londres {IDD}",
                "phone_numbers": [{"label": "Mobile", "value": "+33612345678"}],
            },
        )
        contact = (created.structured_content or {})["contact"]
        listed = await client.call_tool("list_calls", {"per_page": 5})
        call_id = (listed.structured_content or {})["calls"][0]["id"]
        commented = await client.call_tool("comment_call", {"call_id": call_id, "content": f"rappeler au {NATIONAL}"})
        assert not commented.is_error, commented.content
    return int(contact["id"]), int(call_id)


@pytest.mark.parametrize("region", ["", "phone_region: FR\n"], ids=["no region", "region FR"])
async def test_security_national_format_numbers_in_contacts_and_call_comments_are_masked_in_results(
    harness: Harness, region: str
) -> None:
    """Security regression: numbers without "+" in a contact's name/information and a call comment were shown."""
    contact_id, call_id = await _write_numbers_as_people_do(harness)
    harness.write_grant("masked", MASKING + region)
    async with harness.connect("masked") as client:
        shown = {
            "get_contact": body(await client.call_tool("get_contact", {"contact_id": contact_id})),
            "search_contacts": body(await client.call_tool("search_contacts", {"phone_number": "+33612345678"})),
            "get_call": body(await client.call_tool("get_call", {"call_id": call_id})),
            "list_calls": body(await client.call_tool("list_calls", {"per_page": 5})),
        }
    for tool, text in shown.items():
        leaked = [n for n in (*WRITTEN, "+33612345678") if n in text or digits(n) in digits(text)]
        assert leaked == [], f"{tool} leaked {leaked}"
    assert "Jean ••••••••32" in shown["get_contact"]
    assert f"rappeler au •• •• •• •• {NATIONAL[-2:]}" in shown["get_call"]
    assert "rappeler au" in shown["list_calls"]


async def test_ids_timestamps_durations_and_links_are_not_masked_as_phone_numbers(harness: Harness) -> None:
    _, call_id = await _write_numbers_as_people_do(harness)
    harness.write_grant("masked", MASKING)
    async with harness.connect("tester") as client:
        plain = (await client.call_tool("get_call", {"call_id": call_id})).structured_content or {}
    async with harness.connect("masked") as client:
        masked = (await client.call_tool("get_call", {"call_id": call_id})).structured_content or {}
    untouched = ("id", "direct_link", "started_at", "ended_at", "duration", "sid", "cost", "status", "direction")
    assert {k: masked["call"].get(k) for k in untouched} == {k: plain["call"].get(k) for k in untouched}
    assert masked["call"]["number"]["id"] == plain["call"]["number"]["id"]
    assert [c["posted_at"] for c in masked["call"]["comments"]] == [c["posted_at"] for c in plain["call"]["comments"]]
    assert masked["call"]["raw_digits"] != plain["call"]["raw_digits"]
