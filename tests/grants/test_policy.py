"""The single decision: deny wins, then allow or the area level by access class, then constraints, confirm, scope."""

from __future__ import annotations

from aircall_mcp.endpoint import Endpoint
from aircall_mcp.grants import Grant, authorize, check_call_scope, decide, parse_grant, visible, visible_tools

from .conftest import SYNTHETIC


def ep(name: str) -> Endpoint:
    return next(e for e in SYNTHETIC if e.name == name)


def grant(text: str, agent: str = "support-agent") -> Grant:
    return parse_grant(text, agent=agent, catalogue=SYNTHETIC)


def names(g: Grant) -> set[str]:
    return {e.name for e in visible_tools(g, SYNTHETIC)}


def test_deny_all_grant_shows_and_allows_nothing() -> None:
    g = Grant.deny_all("ghost", "there is no grant file grants/ghost.yaml")
    assert names(g) == set()
    decision = decide(g, ep("list_calls"), {})
    assert not decision.allowed
    assert decision.rule == "no usable grant"
    assert decision.reason == "ghost may not call list_calls: there is no grant file grants/ghost.yaml"


def test_empty_grant_is_valid_and_grants_nothing() -> None:
    g = grant("")
    assert names(g) == set()
    assert decide(g, ep("get_call")).rule == "default deny (no area level)"


def test_read_level_grants_exactly_the_read_tools_of_its_area() -> None:
    g = grant("areas: {calls: read}")
    expected = {e.name for e in SYNTHETIC if e.area.value == "calls" and e.access.value == "read"}
    assert names(g) == expected
    assert decide(g, ep("get_call")).rule == "areas.calls=read"


def test_write_level_adds_writes_but_not_destructive_tools() -> None:
    g = grant("areas: {calls: write}")
    assert visible(g, ep("tag_call"))
    refused = decide(g, ep("delete_recording"))
    assert not refused.allowed
    assert refused.rule == "areas.calls=write"
    assert "it is destructive and areas.calls is write" in refused.reason
    assert "(full needed)" in refused.reason


def test_full_level_grants_destructive_tools() -> None:
    g = grant("areas: {contacts: full}")
    assert visible(g, ep("delete_contact"))
    assert not visible(g, ep("list_calls"))


def test_off_level_written_as_yaml_off_grants_nothing_in_that_area() -> None:
    g = grant("areas: {calls: off, contacts: read}")
    assert not visible(g, ep("list_calls"))
    assert visible(g, ep("get_contact"))


def test_allow_list_grants_a_tool_beyond_the_areas() -> None:
    g = grant("areas: {calls: read}\ntools: {allow: [create_contact, delete_recording]}")
    assert decide(g, ep("create_contact")).rule == "tools.allow"
    assert visible(g, ep("delete_recording"))
    assert not visible(g, ep("get_contact"))


def test_deny_wins_over_the_allow_list_and_the_area_level() -> None:
    g = grant("areas: {calls: full}\ntools: {allow: [transfer_call], deny: [transfer_call]}")
    decision = decide(g, ep("transfer_call"), {"call_id": 1, "team_id": 5})
    assert not decision.allowed
    assert decision.rule == "tools.deny"
    assert decision.reason == (
        "support-agent may not call transfer_call: it is listed in tools.deny of support-agent.yaml"
    )


def test_constraint_allows_only_listed_values() -> None:
    g = grant("areas: {calls: write}\nconstraints: {transfer_call: {team_id: [5], user_id: [7, 8]}}")
    assert authorize(g, ep("transfer_call"), {"call_id": 1, "team_id": 5}).allowed
    assert authorize(g, ep("transfer_call"), {"call_id": 1, "user_id": 8}).allowed
    refused = authorize(g, ep("transfer_call"), {"call_id": 1, "team_id": 6})
    assert not refused.allowed
    assert refused.rule == "constraints.transfer_call.team_id"
    assert "team_id=6 is outside constraints.transfer_call.team_id" in refused.reason
    assert "allows only 5" in refused.reason


def test_empty_constraint_list_means_the_argument_is_never_allowed() -> None:
    g = grant("areas: {calls: write}\nconstraints: {transfer_call: {number: []}}")
    refused = authorize(g, ep("transfer_call"), {"call_id": 1, "number": "+33612345678"})
    assert not refused.allowed
    assert "allows no value" in refused.reason
    assert authorize(g, ep("transfer_call"), {"call_id": 1, "team_id": 2}).allowed


def test_list_argument_is_allowed_only_when_every_element_is() -> None:
    g = grant("areas: {calls: write}\nconstraints: {tag_call: {tags: [12, 34]}}")
    assert authorize(g, ep("tag_call"), {"call_id": 1, "tags": [12, 34]}).allowed
    refused = authorize(g, ep("tag_call"), {"call_id": 1, "tags": [12, 99]})
    assert not refused.allowed
    assert refused.rule == "constraints.tag_call.tags"


def test_constraints_do_not_hide_a_tool_from_the_list() -> None:
    g = grant("areas: {calls: write}\nconstraints: {transfer_call: {team_id: [], user_id: [], number: []}}")
    assert visible(g, ep("transfer_call"))


def test_refused_constrained_phone_number_is_masked_in_the_reason_when_the_grant_redacts() -> None:
    g = grant("areas: {calls: write}\nconstraints: {transfer_call: {number: []}}\nredact: [phone_numbers]")
    refused = authorize(g, ep("transfer_call"), {"call_id": 1, "number": "+33612345678"})
    assert "+33612345678" not in refused.reason
    assert "+33•••••••78" in refused.reason


def test_confirm_marks_an_allowed_tool_as_needing_a_person() -> None:
    g = grant("areas: {contacts: full}\ntools: {confirm: [delete_contact]}")
    decision = decide(g, ep("delete_contact"), {"contact_id": 3})
    assert decision.allowed
    assert decision.needs_confirmation
    assert "once a person approves it" in decision.reason
    assert not decide(g, ep("get_contact"), {"contact_id": 3}).needs_confirmation


def test_confirm_does_not_grant_a_tool() -> None:
    g = grant("tools: {confirm: [delete_contact]}")
    assert not visible(g, ep("delete_contact"))


def test_scoped_call_tool_asks_the_server_to_check_the_calls_number() -> None:
    g = grant("areas: {calls: write}\nscope: {numbers: [123]}")
    decision = authorize(g, ep("tag_call"), {"call_id": 42, "tags": [1]})
    assert decision.allowed
    assert decision.scope_check_call_id == 42
    assert decide(g, ep("tag_call")).scope_check_call_id is None  # listing needs no call
    assert authorize(g, ep("list_calls"), {}).scope_check_call_id is None  # results are filtered instead


def test_unscoped_grant_needs_no_scope_check() -> None:
    g = grant("areas: {calls: write}")
    assert authorize(g, ep("tag_call"), {"call_id": 42}).scope_check_call_id is None


def test_empty_scope_hides_and_refuses_call_tools_without_fetching_the_call() -> None:
    g = grant("areas: {calls: write}\nscope: {numbers: []}")
    decision = authorize(g, ep("get_call"), {"call_id": 42})
    assert not decision.allowed
    assert decision.rule == "scope.numbers"
    assert not visible(g, ep("get_call"))
    assert visible(g, ep("list_calls"))  # lists stay usable: their results are filtered to nothing


def test_call_scope_check_refuses_a_call_on_another_number() -> None:
    g = grant("areas: {calls: write}\nscope: {numbers: [123]}")
    assert check_call_scope(g, ep("tag_call"), {"id": 42, "number": {"id": 123}}).allowed
    refused = check_call_scope(g, ep("tag_call"), {"id": 42, "number": {"id": 999}})
    assert not refused.allowed
    assert refused.rule == "scope.numbers"
    assert "call 42 is not on a number in scope.numbers" in refused.reason


def test_call_without_a_readable_number_is_out_of_scope() -> None:
    g = grant("scope: {numbers: [123]}")
    assert not g.call_in_scope({"id": 1})
    assert not g.call_in_scope({"id": 1, "number": {"id": True}})
    assert grant("").call_in_scope({"id": 1})


def test_decision_refuse_keeps_nothing_of_the_allowance() -> None:
    g = grant("areas: {calls: write}\ntools: {confirm: [tag_call]}\nscope: {numbers: [1]}")
    refused = authorize(g, ep("tag_call"), {"call_id": 9}).refuse(rule="scope.numbers", reason="not in scope")
    assert (refused.allowed, refused.needs_confirmation, refused.scope_check_call_id) == (False, False, None)


def test_call_tools_come_from_the_area_and_the_path_not_a_name_list() -> None:
    from aircall_mcp.grants import is_call_tool

    calls_with_id = {e.name for e in SYNTHETIC if is_call_tool(e)}
    assert "tag_call" in calls_with_id
    assert "list_calls" not in calls_with_id
    assert "start_outbound_call" not in calls_with_id


# -- scope.numbers on tools that act through or on a number (issue 11 §1) ------------------------------------


def real(name: str) -> Endpoint:
    from aircall_mcp.catalogue import by_name

    found = by_name(name)
    assert found is not None, name
    return found


def real_grant(text: str) -> Grant:
    from aircall_mcp.catalogue import CATALOGUE

    return parse_grant(text, agent="scoped", catalogue=CATALOGUE)


SCOPED_NUMBERS = "areas: {users: write, numbers: write}\nscope: {numbers: [7]}"


def test_security_scoped_agent_cannot_start_a_call_from_another_number() -> None:
    """Security regression: scope.numbers covers start_outbound_call's number_id, before anything is sent."""
    g = real_grant(SCOPED_NUMBERS)
    refused = authorize(g, real("start_outbound_call"), {"user_id": 1, "number_id": 8, "to": "+14155550100"})
    assert not refused.allowed
    assert refused.rule == "scope.numbers"
    assert "number_id=8 is not in scope.numbers" in refused.reason
    assert authorize(g, real("start_outbound_call"), {"user_id": 1, "number_id": 7, "to": "+14155550100"}).allowed


def test_security_scoped_agent_cannot_read_or_update_another_number() -> None:
    """Security regression: get_number, update_number and the registration status are number-scoped."""
    g = real_grant(SCOPED_NUMBERS)
    for tool, args in (
        ("get_number", {"number_id": 8}),
        ("update_number", {"number_id": 8, "name": "Mine now"}),
        ("get_number_registration_status", {"number_id": 8}),
        ("update_user", {"user_id": 1, "default_number_id": 8}),
    ):
        decision = authorize(g, real(tool), args)
        assert (decision.allowed, decision.rule) == (False, "scope.numbers"), tool
        number_arg = real(tool).number_arg
        assert number_arg is not None, tool
        assert authorize(g, real(tool), {**args, number_arg: 7}).allowed, tool
    # An optional number not given is not reached: the rest of update_user stays usable.
    assert authorize(g, real("update_user"), {"user_id": 1, "first_name": "Ada"}).allowed


def test_security_dialer_campaign_tools_are_refused_and_hidden_under_a_number_scope() -> None:
    """Security regression: a campaign calls through a number its tool cannot name, so the scope cannot be checked."""
    g = real_grant(SCOPED_NUMBERS)
    for tool in ("get_dialer_campaign", "create_dialer_campaign", "add_dialer_campaign_numbers"):
        assert not visible(g, real(tool)), tool
        decision = authorize(g, real(tool), {"user_id": 1, "phone_numbers": ["+14155550100"]})
        assert (decision.allowed, decision.rule) == (False, "scope.numbers"), tool
    assert visible(real_grant("areas: {users: write}"), real("create_dialer_campaign"))


def test_empty_number_scope_hides_tools_that_must_name_a_number_but_not_optional_ones() -> None:
    g = real_grant("areas: {users: write, numbers: write}\nscope: {numbers: []}")
    assert not visible(g, real("get_number"))
    assert not visible(g, real("start_outbound_call"))
    assert visible(g, real("update_user"))
    assert visible(g, real("list_numbers"))  # lists stay usable: their results are filtered to nothing


def test_number_lists_are_filtered_to_the_scope_and_count_what_was_withheld() -> None:
    from aircall_mcp.grants.redact import filter_and_redact

    g = real_grant(SCOPED_NUMBERS)
    result = {"numbers": [{"id": 7, "name": "Paris"}, {"id": 8, "name": "London"}, {"id": True}], "meta": {}}
    for tool in ("list_numbers", "list_user_numbers"):
        shaped, withheld = filter_and_redact(g, real(tool), result)
        assert shaped["numbers"] == [{"id": 7, "name": "Paris"}], tool
        assert withheld == 2, tool
    unscoped, withheld = filter_and_redact(real_grant("areas: {numbers: read}"), real("list_numbers"), result)
    assert (len(unscoped["numbers"]), withheld) == (3, 0)


def test_security_a_grant_that_masks_phone_numbers_or_emails_is_refused_the_analytics_reports() -> None:
    """Security regression: a report file is raw call data that no mask reaches, so a masking grant cannot have it."""
    from aircall_mcp.catalogue import CATALOGUE
    from aircall_mcp.grants import parse_grant

    reports = [ep for ep in CATALOGUE if ep.area.value == "analytics"]
    assert reports
    for masked in ("phone_numbers", "emails"):
        grant = parse_grant(f"areas: {{analytics: write}}\nredact: [{masked}]\n", agent="reporter", catalogue=CATALOGUE)
        for endpoint in reports:
            refused = decide(grant, endpoint)
            assert not refused.allowed
            assert refused.rule == "redact"
    unmasked = parse_grant("areas: {analytics: write}\nredact: [recordings]\n", agent="reporter", catalogue=CATALOGUE)
    assert all(decide(unmasked, endpoint).allowed for endpoint in reports)
