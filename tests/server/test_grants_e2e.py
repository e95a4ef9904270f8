"""Per-agent grants, proven over MCP against the real server and a sandbox Aircall on loopback HTTP.

Every refusal is checked twice: by what the client sees (an error that says "Not permitted") and by what
the sandbox received (nothing). Expected tool sets are derived from the catalogue by area and access
class, never from a second hand-written list of tool names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
import yaml
from mcp import Client

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Access, Area, Endpoint
from tests.server.conftest import Harness

REPO_GRANTS = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"

MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])

# What each level of an area opens, by access class: the definition the grants are documented with.
LEVEL_ACCESS: dict[str, frozenset[Access]] = {
    "off": frozenset(),
    "read": frozenset({Access.READ}),
    "write": frozenset({Access.READ, Access.WRITE}),
    "full": frozenset({Access.READ, Access.WRITE, Access.DESTRUCTIVE}),
}
ALL_TOOLS = [ep.name for ep in CATALOGUE]


def tools_where(keep: Callable[[Endpoint], bool]) -> list[str]:
    """Catalogue tool names (in catalogue order) for which `keep` holds."""
    return [ep.name for ep in CATALOGUE if keep(ep)]


def by_levels(levels: dict[Area, str]) -> list[str]:
    """The tools a grant of `levels` (other areas off) opens, by access class."""
    return tools_where(lambda ep: ep.access in LEVEL_ACCESS[levels.get(ep.area, "off")])


def text(result: types.CallToolResult) -> str:
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    return content.text


def sent(harness: Harness, since: int = 0) -> list[tuple[str, str]]:
    """(method, path) of every request the sandbox received after the first `since`."""
    return [(r.method, r.path) for r in harness.requests[since:]]


async def listed(client: Client) -> list[str]:
    return [tool.name for tool in (await client.list_tools()).tools]


async def assert_refused_unsent(harness: Harness, client: Client, tool: str, args: dict[str, Any]) -> str:
    before = len(harness.requests)
    result = await client.call_tool(tool, args)
    assert result.is_error, f"{tool} was not refused: {text(result)}"
    assert "Not permitted" in text(result)
    assert sent(harness, before) == [], f"{tool} reached Aircall although refused"
    return text(result)


def first(ids: Iterable[int]) -> int:
    return next(iter(ids))


# -- deny by default --------------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize(
    "grant_text",
    [None, "", "areas: [calls: read\n", "areas: {calls: reed}\n", "areas: {calls: read}\nbogus_key: 1\n"],
    ids=["no-file", "empty-file", "invalid-yaml", "unknown-level", "unknown-key"],
)
async def test_agent_without_a_usable_grant_sees_no_tools_and_every_call_is_refused_unsent(
    harness: Harness, mode: str, grant_text: str | None
) -> None:
    if grant_text is not None:
        harness.write_grant("newcomer", grant_text)
    async with harness.connect("newcomer", mode=mode) as client:
        assert await listed(client) == []
        for tool, args in [("get_company", {}), ("list_calls", {}), ("delete_tag", {"tag_id": 1}), ("get_call", {})]:
            await assert_refused_unsent(harness, client, tool, args)
    assert harness.requests == []


# -- levels, allow, deny ----------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize("level", ["read", "write", "full"])
async def test_area_level_lists_exactly_the_tools_of_its_access_classes(
    harness: Harness, mode: str, level: str
) -> None:
    harness.write_grant("leveled", "areas: {" + ", ".join(f"{a.value}: {level}" for a in Area) + "}\n")
    async with harness.connect("leveled", mode=mode) as client:
        names = await listed(client)
    assert names == tools_where(lambda ep: ep.access in LEVEL_ACCESS[level])
    assert names, "a level that opens nothing proves nothing"


async def test_each_area_gets_its_own_level_and_unnamed_areas_stay_off(harness: Harness) -> None:
    levels = {Area.CALLS: "read", Area.CONTACTS: "write", Area.TAGS: "full", Area.WEBHOOKS: "off"}
    harness.write_grant("mixed", "areas: {" + ", ".join(f"{a.value}: {lv}" for a, lv in levels.items()) + "}\n")
    async with harness.connect("mixed") as client:
        assert await listed(client) == by_levels(levels)
        await assert_refused_unsent(harness, client, "create_team", {"name": "Nope"})  # teams: not named, so off
        await assert_refused_unsent(harness, client, "tag_call", {"call_id": 1, "tags": [1]})  # calls: read only
        await assert_refused_unsent(harness, client, "delete_contact", {"contact_id": 1})  # contacts: write only


@MODES
async def test_tools_allow_adds_one_tool_beyond_the_granted_areas(harness: Harness, mode: str) -> None:
    harness.write_grant("allowed", "areas: {calls: read}\ntools: {allow: [create_tag]}\n")
    async with harness.connect("allowed", mode=mode) as client:
        names = await listed(client)
        result = await client.call_tool("create_tag", {"name": "Escalated", "color": "#FF0000"})
        refusal = await assert_refused_unsent(harness, client, "update_tag", {"tag_id": 1, "name": "x"})
    assert set(names) == set(by_levels({Area.CALLS: "read"})) | {"create_tag"}
    assert not result.is_error, text(result)
    assert sent(harness) == [("POST", "/v1/tags")]
    assert "areas.tags is off" in refusal


@MODES
async def test_tools_deny_wins_over_allow_and_over_a_full_area(harness: Harness, mode: str) -> None:
    harness.write_grant(
        "denied", "areas: {calls: full, tags: full}\ntools: {allow: [tag_call], deny: [tag_call, delete_tag]}\n"
    )
    call_id = first(harness.sandbox.sandbox.state.calls)
    tag_id = first(harness.sandbox.sandbox.state.tags)
    async with harness.connect("denied", mode=mode) as client:
        names = await listed(client)
        tag_refusal = await assert_refused_unsent(harness, client, "tag_call", {"call_id": call_id, "tags": [tag_id]})
        await assert_refused_unsent(harness, client, "delete_tag", {"tag_id": tag_id})
    full = by_levels({Area.CALLS: "full", Area.TAGS: "full"})
    assert set(names) == set(full) - {"tag_call", "delete_tag"}
    assert "tools.deny" in tag_refusal
    assert harness.requests == []


# -- the example grants: listed == callable ---------------------------------------------------------------


def _example_allow(agent: str) -> set[str]:
    data = yaml.safe_load((REPO_GRANTS / f"{agent}.yaml").read_text(encoding="utf-8"))
    return set(data["tools"]["allow"])


# What each example grant promises in its comments, expressed over the catalogue.
EXAMPLE_PROMISES: dict[str, Callable[[], set[str]]] = {
    "analyst": lambda: set(
        tools_where(lambda ep: ep.access is Access.READ and ep.area not in (Area.WEBHOOKS, Area.ANALYTICS))
    ),
    "support-agent": lambda: (
        set(tools_where(lambda ep: ep.access is Access.READ and ep.area in {Area.CALLS, Area.CONTACTS, Area.TAGS}))
        | {"tag_call", "comment_call"}
    ),
    "contact-intake": lambda: _example_allow("contact-intake"),
    "admin": lambda: set(ALL_TOOLS),
}


@pytest.mark.parametrize("agent", sorted(EXAMPLE_PROMISES))
async def test_example_grant_lists_exactly_the_tools_it_may_call(harness: Harness, agent: str) -> None:
    async with harness.connect(agent) as client:
        names = await listed(client)
        assert set(names) == EXAMPLE_PROMISES[agent]()
        for tool in names:
            # {} fails validation for most tools: the grant check comes first, so no "Not permitted" means allowed.
            result = await client.call_tool(tool, {})
            assert "Not permitted" not in text(result), f"{agent} lists {tool} but may not call it"
        for tool in sorted(set(ALL_TOOLS) - set(names)):
            await assert_refused_unsent(harness, client, tool, {})


async def test_support_agent_never_transfers_calls_even_with_calls_readable(harness: Harness) -> None:
    call_id = first(harness.sandbox.sandbox.state.ongoing_call_ids())
    team_id = first(harness.sandbox.sandbox.state.teams)
    async with harness.connect("support-agent") as client:
        refusal = await assert_refused_unsent(
            harness, client, "transfer_call", {"call_id": call_id, "team_id": team_id}
        )
    assert "tools.deny" in refusal


# -- argument constraints ---------------------------------------------------------------------------------


@MODES
async def test_tag_call_reaches_aircall_only_with_an_allowed_tag(harness: Harness, mode: str) -> None:
    state = harness.sandbox.sandbox.state
    allowed_tag, other_tag = list(state.tags)[:2]
    call_id = first(state.calls)
    harness.write_grant(
        "tagger",
        f"areas: {{calls: read}}\ntools: {{allow: [tag_call]}}\nconstraints: {{tag_call: {{tags: [{allowed_tag}]}}}}\n",
    )
    async with harness.connect("tagger", mode=mode) as client:
        ok = await client.call_tool("tag_call", {"call_id": call_id, "tags": [allowed_tag]})
        assert not ok.is_error, text(ok)
        assert sent(harness) == [("POST", f"/v1/calls/{call_id}/tags")]
        for tags in ([other_tag], [allowed_tag, other_tag]):
            refusal = await assert_refused_unsent(harness, client, "tag_call", {"call_id": call_id, "tags": tags})
            assert "constraints.tag_call.tags" in refusal
    assert len(harness.requests) == 1


@MODES
async def test_transfer_call_goes_only_to_listed_teams_and_never_to_users(harness: Harness, mode: str) -> None:
    state = harness.sandbox.sandbox.state
    call_id = first(state.ongoing_call_ids())
    listed_team, other_team = list(state.teams)[:2]
    user_id = first(state.users)
    harness.write_grant(
        "router",
        f"""
        areas: {{calls: write}}
        constraints:
          transfer_call: {{team_id: [{listed_team}], user_id: []}}
        """,
    )
    async with harness.connect("router", mode=mode) as client:
        to_other_team = await assert_refused_unsent(
            harness, client, "transfer_call", {"call_id": call_id, "team_id": other_team}
        )
        to_user = await assert_refused_unsent(
            harness, client, "transfer_call", {"call_id": call_id, "user_id": user_id}
        )
        await client.call_tool("transfer_call", {"call_id": call_id, "team_id": listed_team})
    assert "constraints.transfer_call.team_id" in to_other_team
    assert "constraints.transfer_call.user_id" in to_user
    assert "no value" in to_user
    assert sent(harness) == [("POST", f"/v1/calls/{call_id}/transfers")]


# -- scope.numbers ----------------------------------------------------------------------------------------


def _scoped(harness: Harness) -> tuple[int, int, int]:
    """Write a grant scoped to one number; return (number id, a call on it, a call on another number)."""
    calls = harness.sandbox.sandbox.state.calls.values()
    number_id = first(harness.sandbox.sandbox.state.numbers)
    inside = next(c.id for c in calls if c.number_id == number_id)
    outside = next(c.id for c in calls if c.number_id != number_id)
    harness.write_grant("scoped", f"areas: {{calls: write, tags: read}}\nscope: {{numbers: [{number_id}]}}\n")
    return number_id, inside, outside


@MODES
async def test_list_calls_returns_only_calls_on_scoped_numbers_and_counts_the_rest(harness: Harness, mode: str) -> None:
    number_id, _, _ = _scoped(harness)
    async with harness.connect("scoped", mode=mode) as client:
        result = await client.call_tool("list_calls", {"per_page": 50})
    assert not result.is_error, text(result)
    data = result.structured_content
    assert data is not None
    assert data["calls"], "the first page should hold some calls on the scoped number"
    assert {call["number"]["id"] for call in data["calls"]} == {number_id}
    assert data["withheld"] > 0
    assert len(data["calls"]) + data["withheld"] == 50
    assert sent(harness) == [("GET", "/v1/calls")]


@MODES
async def test_get_call_outside_the_scope_is_refused_after_only_the_scope_check(harness: Harness, mode: str) -> None:
    _, inside, outside = _scoped(harness)
    async with harness.connect("scoped", mode=mode) as client:
        refused = await client.call_tool("get_call", {"call_id": outside})
        assert refused.is_error
        assert "Not permitted" in text(refused)
        assert "scope.numbers" in text(refused)
        assert sent(harness) == [("GET", f"/v1/calls/{outside}")]
        before = len(harness.requests)
        ok = await client.call_tool("get_call", {"call_id": inside})
    assert not ok.is_error, text(ok)
    assert ok.structured_content is not None
    assert ok.structured_content["call"]["id"] == inside
    assert set(sent(harness, before)) == {("GET", f"/v1/calls/{inside}")}


@MODES
async def test_tag_call_outside_the_scope_is_refused_without_sending_the_tag(harness: Harness, mode: str) -> None:
    _, inside, outside = _scoped(harness)
    tag_id = first(harness.sandbox.sandbox.state.tags)
    async with harness.connect("scoped", mode=mode) as client:
        refused = await client.call_tool("tag_call", {"call_id": outside, "tags": [tag_id]})
        assert refused.is_error
        assert "Not permitted" in text(refused)
        assert sent(harness) == [("GET", f"/v1/calls/{outside}")]
        before = len(harness.requests)
        ok = await client.call_tool("tag_call", {"call_id": inside, "tags": [tag_id]})
    assert not ok.is_error, text(ok)
    assert sent(harness, before) == [("GET", f"/v1/calls/{inside}"), ("POST", f"/v1/calls/{inside}/tags")]


# -- redaction --------------------------------------------------------------------------------------------

# Keys whose string values are phone numbers, emails, or recording/voicemail URLs in Aircall's objects.
_SENSITIVE_KEYS = {"raw_digits", "digits", "email", "recording", "voicemail", "asset", "recording_short_url"}
_SENSITIVE_LISTS = {"phone_numbers", "emails"}


def _sensitive_values(value: Any, key: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= _sensitive_values(v, k)
    elif isinstance(value, list):
        for item in value:
            if key in _SENSITIVE_LISTS and isinstance(item, dict) and isinstance(item.get("value"), str):
                found.add(item["value"])
            else:
                found |= _sensitive_values(item, key)
    elif isinstance(value, str) and key in _SENSITIVE_KEYS and sum(ch.isdigit() for ch in value) + value.count("@"):
        found.add(value)
    return found


REDACTING_GRANT = """
description: analyst-style reader that sees no contact details and no recordings
areas: {calls: read, contacts: read, users: read}
redact: [phone_numbers, emails, recordings, voicemails]
"""


@MODES
async def test_redacting_grant_masks_numbers_emails_and_recordings_in_results_and_audited_arguments(
    harness: Harness, mode: str
) -> None:
    state = harness.sandbox.sandbox.state
    with_voicemail = next(c.id for c in state.calls.values() if c.voicemail)
    with_recording = next(c.id for c in state.calls.values() if c.recording and c.contact_id)
    contact = next(c for c in state.contacts.values() if c.phone_numbers and c.emails)
    phone, email = contact.phone_numbers[0].value, contact.emails[0].value
    requests: list[tuple[str, dict[str, Any]]] = [
        ("get_call", {"call_id": with_voicemail}),
        ("get_call", {"call_id": with_recording, "fetch_contact": True}),
        ("get_contact", {"contact_id": contact.id}),
        ("list_calls", {"per_page": 20}),
        ("search_contacts", {"phone_number": phone}),
        ("search_contacts", {"email": email}),
    ]
    harness.write_grant("masked", REDACTING_GRANT)
    raw: set[str] = {phone, email}
    async with harness.connect("tester", mode=mode) as client:
        for tool, args in requests:
            plain = await client.call_tool(tool, args)
            raw |= _sensitive_values(plain.structured_content)
    assert any("recordings.aircall.example" in v for v in raw)
    assert any("voicemail" in v for v in raw)
    harness.audit_path.unlink()

    async with harness.connect("masked", mode=mode) as client:
        results = [await client.call_tool(tool, args) for tool, args in requests]
    for (tool, _), result in zip(requests, results, strict=True):
        assert not result.is_error, f"{tool}: {text(result)}"
        leaked = sorted(v for v in raw if v in text(result) or v in json.dumps(result.structured_content))
        assert leaked == [], f"{tool} leaked {leaked}"
    voicemail_call = results[0].structured_content
    assert voicemail_call is not None
    assert voicemail_call["call"]["voicemail"] == "[redacted]"
    assert "•" in voicemail_call["call"]["raw_digits"]
    shown_contact = results[2].structured_content
    assert shown_contact is not None
    assert all("•" in p["value"] for p in shown_contact["contact"]["phone_numbers"])
    assert all(
        e["value"].endswith("@" + e["value"].split("@")[1]) and "•" in e["value"]
        for e in shown_contact["contact"]["emails"]
    )

    audit_text = harness.audit_path.read_text(encoding="utf-8")
    assert phone not in audit_text
    assert email not in audit_text
    searches = [line for line in harness.audit_lines() if line["tool"] == "search_contacts"]
    assert [sorted(line["arguments"]) for line in searches] == [["phone_number"], ["email"]]
    assert all("•" in value for line in searches for value in line["arguments"].values())


# -- confirmation by a person -----------------------------------------------------------------------------

CONFIRMING_GRANT = "areas: {tags: full}\ntools: {confirm: [delete_tag]}\n"


def _answering(action: str, seen: list[str]) -> Any:
    async def answer(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        seen.append(params.message)
        if action == "accept":
            return types.ElicitResult(action="accept", content={"approve": True})
        return types.ElicitResult(action=action)

    return answer


@MODES
async def test_confirmed_tool_runs_once_a_person_approves(harness: Harness, mode: str) -> None:
    harness.write_grant("careful", CONFIRMING_GRANT)
    tag_id = first(harness.sandbox.sandbox.state.tags)
    seen: list[str] = []
    async with harness.connect("careful", mode=mode, elicitation_callback=_answering("accept", seen)) as client:
        assert "delete_tag" in await listed(client)
        result = await client.call_tool("delete_tag", {"tag_id": tag_id})
    assert not result.is_error, text(result)
    assert len(seen) == 1
    assert "delete_tag" in seen[0]
    assert str(tag_id) in seen[0]
    assert sent(harness) == [("DELETE", f"/v1/tags/{tag_id}")]
    assert [(line["phase"], line["decision"]) for line in harness.audit_lines()] == [
        ("intent", "confirmed"),
        ("outcome", "confirmed"),
    ]


@MODES
@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_confirmed_tool_is_refused_unsent_when_the_person_declines(
    harness: Harness, mode: str, action: str
) -> None:
    harness.write_grant("careful", CONFIRMING_GRANT)
    tag_id = first(harness.sandbox.sandbox.state.tags)
    seen: list[str] = []
    async with harness.connect("careful", mode=mode, elicitation_callback=_answering(action, seen)) as client:
        result = await client.call_tool("delete_tag", {"tag_id": tag_id})
    assert result.is_error
    assert "declined" in text(result)
    assert len(seen) == 1
    assert harness.requests == []
    assert [(line["phase"], line["decision"]) for line in harness.audit_lines()] == [("outcome", "declined")]


@MODES
async def test_confirmed_tool_is_refused_unsent_when_the_client_cannot_ask_a_person(
    harness: Harness, mode: str
) -> None:
    harness.write_grant("careful", CONFIRMING_GRANT)
    tag_id = first(harness.sandbox.sandbox.state.tags)
    async with harness.connect("careful", mode=mode) as client:
        result = await client.call_tool("delete_tag", {"tag_id": tag_id})
        unconfirmed = await client.call_tool("get_tag", {"tag_id": tag_id})
    assert result.is_error
    assert "nothing was sent" in text(result)
    assert not unconfirmed.is_error  # tools outside tools.confirm do not ask
    assert sent(harness) == [("GET", f"/v1/tags/{tag_id}")]
    # Issue 11 §4: a client that cannot ask is not a person who declined, in the audit as in the result.
    assert [line["decision"] for line in harness.audit_lines()] == ["unconfirmed", "allowed"]


# -- hot reload -------------------------------------------------------------------------------------------


@MODES
async def test_grant_edit_applies_to_the_next_call_in_the_same_session(harness: Harness, mode: str) -> None:
    harness.write_grant("editable", "areas: {tags: read}\n")
    tag_id = first(harness.sandbox.sandbox.state.tags)
    async with harness.connect("editable", mode=mode) as client:
        assert not (await client.call_tool("get_tag", {"tag_id": tag_id})).is_error
        harness.write_grant("editable", "areas: {teams: read}\n")
        await assert_refused_unsent(harness, client, "get_tag", {"tag_id": tag_id})
        assert await listed(client) == by_levels({Area.TEAMS: "read"})
        harness.write_grant("editable", "areas: {teams: read, tags: write}\n")
        assert not (await client.call_tool("get_tag", {"tag_id": tag_id})).is_error
    assert sent(harness) == [("GET", f"/v1/tags/{tag_id}")] * 2


@MODES
async def test_broken_grant_edit_keeps_the_last_good_grant(harness: Harness, mode: str) -> None:
    harness.write_grant("editable", "areas: {tags: read}\n")
    tag_id = first(harness.sandbox.sandbox.state.tags)
    async with harness.connect("editable", mode=mode) as client:
        assert not (await client.call_tool("get_tag", {"tag_id": tag_id})).is_error
        for broken in ("areas: {tags: reed}\n", "areas: [tags\n", "areas: {tags: full}\nallow: [delete_tag]\n"):
            harness.write_grant("editable", broken)
            assert not (await client.call_tool("get_tag", {"tag_id": tag_id})).is_error
            assert await listed(client) == by_levels({Area.TAGS: "read"})
            await assert_refused_unsent(harness, client, "delete_tag", {"tag_id": tag_id})
    assert sent(harness) == [("GET", f"/v1/tags/{tag_id}")] * 4


async def test_deleted_grant_file_denies_everything_from_the_next_call(harness: Harness) -> None:
    path = harness.write_grant("editable", "areas: {tags: read}\n")
    async with harness.connect("editable") as client:
        assert not (await client.call_tool("list_tags", {})).is_error
        path.unlink()
        await assert_refused_unsent(harness, client, "list_tags", {})
        assert await listed(client) == []


# -- unknown tools and invalid arguments ------------------------------------------------------------------


@MODES
async def test_unknown_tool_is_an_error_and_sends_nothing(harness: Harness, mode: str) -> None:
    async with harness.connect("tester", mode=mode) as client:
        result = await client.call_tool("drop_database", {"really": True})
    assert result.is_error
    assert "drop_database" in text(result)
    assert harness.requests == []
    assert [line["decision"] for line in harness.audit_lines()] == ["invalid"]


@MODES
@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"call_id": "not-a-number", "tags": [1]}, "call_id"),
        ({"call_id": 1}, "tags"),
        ({"call_id": 1, "tags": [1], "colour": "red"}, "colour"),
    ],
    ids=["wrong-type", "missing", "unknown"],
)
async def test_invalid_arguments_are_an_error_naming_the_field_and_send_nothing(
    harness: Harness, mode: str, args: dict[str, Any], field: str
) -> None:
    async with harness.connect("tester", mode=mode) as client:
        result = await client.call_tool("tag_call", args)
    assert result.is_error
    assert field in text(result)
    assert "Nothing was sent" in text(result)
    assert harness.requests == []


async def test_a_tools_decision_is_worked_out_once_per_grant_and_again_after_an_edit(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: the argument-free half of a call's decision depends only on the grant, so it is kept per grant
    object and tool; an edit makes a new grant object, and the next call decides afresh under it."""
    from aircall_mcp import server
    from aircall_mcp.grants import decide

    asked: list[str] = []
    real = decide

    def counting(grant: Any, endpoint: Endpoint, args: Any = None) -> Any:
        asked.append(endpoint.name)
        return real(grant, endpoint, args)

    monkeypatch.setattr(server, "decide", counting)
    harness.write_grant("tagger", "areas: {tags: read}\n")
    async with harness.connect("tagger") as client:
        for _ in range(3):
            assert not (await client.call_tool("list_tags", {})).is_error
        assert asked == ["list_tags"]
        harness.write_grant("tagger", "areas: {tags: read}\ntools: {deny: [list_tags]}\n")
        refused = await client.call_tool("list_tags", {})
    assert refused.is_error
    assert "tools.deny" in refused.content[0].text  # type: ignore[union-attr]
    assert asked == ["list_tags", "list_tags"]
