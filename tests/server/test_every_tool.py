"""Every tool end to end: an MCP client, the real server, the sandbox over loopback HTTP, in both protocol eras.

For each case of `tool_cases.CASES` (one per catalogue tool, plus a paged case per area that has lists) the
sandbox must receive exactly the documented request, and the tool must answer compact structured content that
its advertised output schema accepts. The focused tests below cover what fails: arguments refused before
anything is sent, Aircall refusals turned into errors a model can act on, progress while paging, and the
webhook token that never reaches an agent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mcp_types as types
import pytest
from jsonschema import Draft202012Validator
from mcp import Client

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.sandbox.state import Workspace
from tests.server.tool_cases import CASES, ToolCase, first_user, live_call, matches

if TYPE_CHECKING:
    from tests.server.conftest import Harness

MODES = ["legacy", "auto"]
# The protocol era each mode must actually negotiate, so both eras are really exercised.
ERA = {"legacy": "2025-11-25", "auto": "2026-07-28"}
TESTER = "tester"  # every tool, no confirmation


# ----------------------------------------------------------------------------------------------------------------
# Helpers


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def walk(value: Any, where: str = "$") -> Iterator[tuple[str, Any]]:
    """Every (path, value) pair in a JSON document, containers included."""
    yield where, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{where}[{index}]")


def keys_anywhere(value: Any) -> set[str]:
    return {key for _, node in walk(value) if isinstance(node, dict) for key in node}


async def output_schema(client: Client, tool: str) -> dict[str, Any]:
    cursor: str | None = None
    while True:
        listed = await client.list_tools(cursor=cursor)
        for advertised in listed.tools:
            if advertised.name == tool:
                assert advertised.output_schema is not None, f"{tool} advertises no outputSchema"
                return dict(advertised.output_schema)
        cursor = listed.next_cursor
        assert cursor is not None, f"{tool} is not in tools/list"


def clear_requests(harness: Harness) -> None:
    harness.sandbox.sandbox.clear_requests()


def workspace(harness: Harness) -> Workspace:
    return harness.sandbox.sandbox.state


# ----------------------------------------------------------------------------------------------------------------
# The table covers the catalogue


def test_the_case_table_covers_every_catalogue_tool_exactly() -> None:
    assert {case.tool for case in CASES} == {endpoint.name for endpoint in CATALOGUE}
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"


def test_every_area_with_list_tools_has_a_case_that_pages_several_times() -> None:
    list_areas = {endpoint.area for endpoint in CATALOGUE if endpoint.paginated}
    by_name = {endpoint.name: endpoint for endpoint in CATALOGUE}
    paged_areas = {by_name[case.tool].area for case in CASES if case.requests > 1}
    assert paged_areas == list_areas


# ----------------------------------------------------------------------------------------------------------------
# Every tool


def assert_request_matches(case: ToolCase, args: dict[str, Any], sent: list[Any]) -> None:
    shown = "\n".join(map(repr, sent))
    assert len(sent) == case.requests, f"expected {case.requests} upstream request(s), got:\n{shown}"
    path = case.path.format(**args)
    body = case.body(args)
    for number, request in enumerate(sent, start=1):
        assert (request.method, request.path) == (case.method, path), shown
        for name, values in case.query(args).items():
            assert request.query.get(name) == values, f"query {name!r} of request {number}: {request.query}"
        assert "max_items" not in request.query, "max_items steers the server and is never sent to Aircall"
        if case.requests > 1:
            # The first page is the agent's own request; the server then asks for page 2, 3...
            assert request.query.get("page") == ([str(number)] if number > 1 else None), request.query
        assert request.body == body, f"body of request {number}"
        assert request.status is not None, request
        assert 200 <= request.status < 300, request


def _case_params() -> list[Any]:
    return [
        pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [])
        for case in CASES
    ]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", _case_params())
async def test_tool_sends_the_documented_request_and_answers_compact_schema_valid_content(
    harness: Harness, case: ToolCase, mode: str
) -> None:
    args = case.arguments(workspace(harness))
    async with harness.connect(TESTER, mode=mode) as client:
        assert client.protocol_version == ERA[mode]
        schema = await output_schema(client, case.tool)
        clear_requests(harness)
        result = await client.call_tool(case.tool, args)

    assert result.is_error is False, text_of(result)
    assert_request_matches(case, args, harness.requests)

    content = result.structured_content
    assert isinstance(content, dict)
    assert len(result.content) == 1
    assert content == json.loads(text_of(result)), "the text content must carry the same data"
    assert text_of(result) == json.dumps(content, separators=(",", ":"), ensure_ascii=False), "compact JSON text"

    Draft202012Validator.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(content)]
    assert not errors, errors
    empty = [where for where, value in walk(content) if value is None or value == []]
    assert not empty, f"None or empty lists in the result at {empty}"
    assert "token" not in keys_anywhere(content)

    expected = case.result(args)
    assert matches(content, expected), f"result does not match the case:\n{json.dumps(content, indent=1)[:3000]}"


# ----------------------------------------------------------------------------------------------------------------
# Arguments are validated before anything is sent


@dataclass(frozen=True)
class BadCall:
    label: str
    tool: str
    arguments: Callable[[Workspace], dict[str, Any]]
    named: tuple[str, ...]  # what the error text must name


BAD_CALLS = (
    BadCall("unknown-argument", "get_call", lambda ws: {"call_id": live_call(ws), "verbose": True}, ("verbose",)),
    BadCall("bad-type", "get_call", lambda ws: {"call_id": "the latest one"}, ("call_id",)),
    BadCall("per-page-51", "list_calls", lambda ws: {"per_page": 51}, ("per_page", "50")),
    BadCall("bad-e164", "prefill_dialer", lambda ws: {"user_id": first_user(ws), "to": "06 12 34 56 78"}, ("to",)),
    # Issue 11 §2: as strict as the published schema: no booleans as integers, numeric strings or 0 for false.
    BadCall("boolean-as-id", "get_call", lambda ws: {"call_id": True}, ("call_id",)),
    BadCall("numeric-string-id", "get_call", lambda ws: {"call_id": str(live_call(ws))}, ("call_id",)),
    BadCall(
        "zero-for-false", "get_call", lambda ws: {"call_id": live_call(ws), "fetch_contact": 0}, ("fetch_contact",)
    ),
    BadCall(
        "boolean-as-priority",
        "update_number",
        lambda ws: {"number_id": next(iter(ws.numbers)), "priority": False},
        ("priority",),
    ),
    BadCall("email-with-a-path", "get_user", lambda ws: {"user_id": "someone@x.example/numbers"}, ("user_id",)),
    BadCall(
        "two-transfer-destinations",
        "transfer_call",
        lambda ws: {"call_id": live_call(ws), "user_id": first_user(ws), "team_id": next(iter(ws.teams))},
        ("user_id", "team_id"),
    ),
)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad", BAD_CALLS, ids=lambda bad: bad.label)
async def test_invalid_arguments_are_refused_naming_the_field_before_any_request(
    harness: Harness, bad: BadCall, mode: str
) -> None:
    args = bad.arguments(workspace(harness))
    async with harness.connect(TESTER, mode=mode) as client:
        clear_requests(harness)
        result = await client.call_tool(bad.tool, args)
    assert result.is_error is True
    text = text_of(result)
    for name in bad.named:
        assert name in text, text
    assert "Nothing was sent to Aircall" in text
    assert harness.requests == []


# ----------------------------------------------------------------------------------------------------------------
# Aircall refusals become tool errors the model can act on


async def test_sixth_comment_is_refused_with_aircalls_five_note_limit(harness: Harness) -> None:
    call_id = live_call(workspace(harness))
    async with harness.connect(TESTER) as client:
        for n in range(5):
            done = await client.call_tool("comment_call", {"call_id": call_id, "content": f"note {n + 1}"})
            assert done.is_error is False, text_of(done)
        clear_requests(harness)
        result = await client.call_tool("comment_call", {"call_id": call_id, "content": "note 6"})
    assert result.is_error is True
    assert "Maximum of 5 notes" in text_of(result)
    assert [r.status for r in harness.requests] == [400]


@pytest.mark.parametrize("mode", MODES)
async def test_transfer_of_an_ended_call_is_refused_as_not_ongoing(harness: Harness, mode: str) -> None:
    ws = workspace(harness)
    ended = next(c.id for c in ws.calls.values() if not c.ongoing)
    async with harness.connect(TESTER, mode=mode) as client:
        clear_requests(harness)
        result = await client.call_tool("transfer_call", {"call_id": ended, "user_id": first_user(ws)})
    assert result.is_error is True
    text = text_of(result)
    assert "400" in text, text
    assert "ongoing" in text, text
    assert [r.status for r in harness.requests] == [400]


@pytest.mark.parametrize("mode", MODES)
async def test_unknown_id_is_a_404_that_says_the_object_does_not_exist(harness: Harness, mode: str) -> None:
    async with harness.connect(TESTER, mode=mode) as client:
        clear_requests(harness)
        result = await client.call_tool("get_call", {"call_id": 1})
    assert result.is_error is True
    text = text_of(result)
    assert "404" in text, text
    assert "does not exist" in text, text
    assert [(r.path, r.status) for r in harness.requests] == [("/v1/calls/1", 404)]


@pytest.mark.parametrize("mode", MODES)
async def test_pausing_recording_on_a_number_without_live_recording_is_a_405(harness: Harness, mode: str) -> None:
    ws = workspace(harness)
    # The third seeded live call is on the second number, which does not record live calls.
    call_id = next(i for i in ws.ongoing_call_ids() if not ws.numbers[ws.calls[i].number_id].live_recording_activated)
    async with harness.connect(TESTER, mode=mode) as client:
        clear_requests(harness)
        result = await client.call_tool("pause_call_recording", {"call_id": call_id})
    assert result.is_error is True
    text = text_of(result)
    assert "405" in text, text
    assert "recording" in text.lower(), text
    assert [r.status for r in harness.requests] == [405]


# ----------------------------------------------------------------------------------------------------------------
# Paging on the agent's behalf


@pytest.mark.parametrize("mode", MODES)
async def test_paging_with_max_items_reports_increasing_progress_and_says_more_is_available(
    harness: Harness, mode: str
) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with harness.connect(TESTER, mode=mode) as client:
        clear_requests(harness)
        result = await client.call_tool("list_calls", {"per_page": 10, "max_items": 30}, progress_callback=on_progress)
    assert result.is_error is False, text_of(result)
    content = result.structured_content
    assert content is not None
    assert len(content["calls"]) == 30
    assert content["pages_fetched"] == 3
    assert content["more_available"] is True
    assert len(harness.requests) == 3
    progress = [p for p, _, _ in seen]
    assert progress == [10, 20, 30]
    assert all(total == 30 for _, total, _ in seen)
    assert all(message for _, _, message in seen)


# ----------------------------------------------------------------------------------------------------------------
# The webhook token never reaches an agent


@pytest.mark.parametrize("mode", MODES)
async def test_webhook_results_never_contain_the_webhook_token(harness: Harness, mode: str) -> None:
    ws = workspace(harness)
    hook = next(iter(ws.webhooks.values()))
    async with harness.connect(TESTER, mode=mode) as client:
        results = {
            "list_webhooks": await client.call_tool("list_webhooks", {}),
            "get_webhook": await client.call_tool("get_webhook", {"webhook_id": hook.webhook_id}),
            "create_webhook": await client.call_tool("create_webhook", {"url": "https://hooks.example.com/new"}),
        }
    tokens = [w.token for w in ws.webhooks.values()]
    assert len(tokens) == 4  # the three seeded and the one just created
    for tool, result in results.items():
        assert result.is_error is False, (tool, text_of(result))
        assert "token" not in keys_anywhere(result.structured_content), tool
        text = text_of(result)
        assert not [t for t in tokens if t in text], f"{tool} leaked a webhook token"


# ----------------------------------------------------------------------------------------------------------------
# Tool failures are results, never JSON-RPC errors


FAILURES: tuple[tuple[str, str, Callable[[Workspace], dict[str, Any]]], ...] = (
    ("unknown-tool", "make_coffee", lambda ws: {}),
    ("invalid-arguments", "list_calls", lambda ws: {"per_page": 0}),
    ("missing-argument", "get_call", lambda ws: {}),
    ("not-found", "get_contact", lambda ws: {"contact_id": 1}),
    ("not-allowed", "prefill_dialer", lambda ws: {"user_id": list(ws.users)[1], "to": "+14155550100"}),
    ("bad-request", "create_tag", lambda ws: {"name": next(iter(ws.tags.values())).name, "color": "#000000"}),
    ("unprocessable", "add_team_member", lambda ws: {"team_id": 52001, "user_id": ws.teams[52001].user_ids[0]}),
)


@pytest.mark.parametrize("mode", MODES)
async def test_every_kind_of_tool_failure_is_an_error_result_not_a_protocol_error(harness: Harness, mode: str) -> None:
    ws = workspace(harness)
    async with harness.connect(TESTER, mode=mode) as client:
        for label, tool, arguments in FAILURES:
            result = await client.call_tool(tool, arguments(ws))  # raises MCPError on a JSON-RPC error
            assert result.is_error is True, (label, text_of(result))
            assert text_of(result), label
    # A grant refusal too: the analyst may not write tags.
    async with harness.connect("analyst", mode=mode) as client:
        denied = await client.call_tool("create_tag", {"name": "Nope", "color": "#000000"})
    assert denied.is_error is True
    assert "Not permitted" in text_of(denied)
