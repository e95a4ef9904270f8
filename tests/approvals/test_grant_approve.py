"""tools.approve in a grant: validated like tools.confirm, decided by the policy, explained by `grants show`."""

from __future__ import annotations

import pytest

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Endpoint
from aircall_mcp.grants import GrantError, decide, describe, parse_grant


def ep(name: str) -> Endpoint:
    return next(e for e in CATALOGUE if e.name == name)


def test_approve_marks_an_allowed_tool_as_needing_an_operator() -> None:
    g = parse_grant("areas: {contacts: full}\ntools: {approve: [delete_contact]}", agent="bot", catalogue=CATALOGUE)
    decision = decide(g, ep("delete_contact"), {"contact_id": 1})
    assert decision.allowed
    assert decision.needs_approval
    assert not decision.needs_confirmation
    assert "once an operator approves it (tools.approve)" in decision.reason
    assert not decide(g, ep("get_contact"), {"contact_id": 1}).needs_approval


def test_approve_does_not_grant_a_tool_on_its_own() -> None:
    g = parse_grant("tools: {approve: [delete_contact]}", agent="bot", catalogue=CATALOGUE)
    assert not decide(g, ep("delete_contact"), {"contact_id": 1}).allowed


def test_misspelt_approve_tool_gets_a_did_you_mean() -> None:
    with pytest.raises(GrantError) as raised:
        parse_grant("areas: {contacts: full}\ntools: {approve: [delete_contacts]}", agent="bot", catalogue=CATALOGUE)
    assert raised.value.problems == (
        "unknown tool 'delete_contacts' at tools.approve[0] in bot.yaml (line 2): did you mean 'delete_contact'?",
    )


def test_misspelt_approve_key_gets_a_did_you_mean() -> None:
    with pytest.raises(GrantError) as raised:
        parse_grant("tools: {aprove: [delete_contact]}", agent="bot", catalogue=CATALOGUE)
    assert "did you mean 'approve'?" in raised.value.problems[0]


def test_grants_show_says_which_tools_wait_for_an_operator_and_which_ask_the_client_first() -> None:
    text = "areas: {contacts: full, tags: full}\ntools: {approve: [delete_contact, delete_tag], confirm: [delete_tag]}"
    shown = describe(parse_grant(text, agent="bot", catalogue=CATALOGUE), CATALOGUE)
    contact = next(line for line in shown.splitlines() if "delete_contact " in line)
    tag = next(line for line in shown.splitlines() if "delete_tag " in line)
    assert "waits for an operator's approval first" in contact
    assert "needs a person's confirmation first, or an operator's approval when the client cannot ask" in tag
