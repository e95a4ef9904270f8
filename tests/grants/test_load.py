"""Reading grant files: strict validation, errors a person can fix, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from aircall_mcp.endpoint import Area
from aircall_mcp.grants import GrantError, Level, Redaction, load_grant, parse_grant

from .conftest import SYNTHETIC, WriteGrant


def problems_of(text: str, agent: str = "support-agent") -> tuple[str, ...]:
    with pytest.raises(GrantError) as caught:
        parse_grant(text, agent=agent, catalogue=SYNTHETIC, source=Path("grants") / f"{agent}.yaml")
    return caught.value.problems


def test_full_format_loads_into_a_grant(write_grant: WriteGrant) -> None:
    token_hash = "sha256:" + "ab" * 32
    path = write_grant(
        "support-agent",
        f"""
description: Front-line support assistant
areas: {{calls: write, contacts: read, tags: read}}
tools:
  allow: [create_contact]
  deny: [transfer_call]
  confirm: [delete_recording]
constraints:
  tag_call: {{tags: [12, 34]}}
  transfer_call: {{team_id: [5], user_id: [7, 8], number: []}}
scope:
  numbers: [123, 456]
redact: [phone_numbers, emails, recordings, voicemails]
quota: {{per_minute: 20}}
tokens: ["{token_hash.upper().replace("SHA256", "sha256")}"]
""",
    )
    g = load_grant(path, SYNTHETIC)
    assert g.agent == "support-agent"
    assert g.description == "Front-line support assistant"
    assert g.level(Area.CALLS) is Level.WRITE
    assert g.level(Area.USERS) is Level.OFF
    assert g.allow == {"create_contact"}
    assert g.deny == {"transfer_call"}
    assert g.confirm == {"delete_recording"}
    assert g.constraints["tag_call"]["tags"] == ("12", "34")
    assert g.constraints["transfer_call"]["number"] == ()
    assert g.scope_numbers == frozenset({123, 456})
    assert g.redact == set(Redaction)
    assert g.quota_per_minute == 20
    assert g.token_hashes == {token_hash}
    assert g.source == path
    assert token_hash not in repr(g)


def test_unknown_tool_names_the_file_the_key_and_the_nearest_tool() -> None:
    (problem,) = problems_of("tools:\n  deny: [tag_calls]\n")
    assert problem == (
        "unknown tool 'tag_calls' at tools.deny[0] in grants/support-agent.yaml (line 2): did you mean 'tag_call'?"
    )


def test_unknown_area_suggests_the_nearest_area() -> None:
    (problem,) = problems_of("areas:\n  call: read\n")
    assert "unknown area 'call'" in problem
    assert "at areas in grants/support-agent.yaml (line 2)" in problem
    assert problem.endswith("did you mean 'calls'?")


def test_unknown_level_suggests_the_nearest_level() -> None:
    (problem,) = problems_of("areas:\n  calls: wirte\n")
    assert (
        problem == "unknown level 'wirte' at areas.calls in grants/support-agent.yaml (line 2): did you mean 'write'?"
    )


def test_yaml_on_is_not_taken_for_a_level() -> None:
    (problem,) = problems_of("areas: {calls: on}")
    assert "unknown level True at areas.calls" in problem


def test_unknown_top_level_key_suggests_the_nearest_key() -> None:
    (problem,) = problems_of("description: x\narea:\n  calls: read\n")
    assert problem == "unknown key 'area' in grants/support-agent.yaml (line 2): did you mean 'areas'?"


def test_unknown_nested_key_suggests_the_nearest_key() -> None:
    (problem,) = problems_of("tools:\n  alow: [tag_call]\n")
    assert problem == "unknown key 'alow' at tools in grants/support-agent.yaml (line 2): did you mean 'allow'?"


def test_unknown_constraint_argument_suggests_the_tools_argument() -> None:
    (problem,) = problems_of("constraints:\n  tag_call:\n    tag: [1]\n")
    assert "tag_call has no argument 'tag' at constraints.tag_call.tag" in problem
    assert problem.endswith("did you mean 'tags'?")


def test_unknown_redaction_suggests_the_nearest_one() -> None:
    (problem,) = problems_of("redact: [phone_number]")
    assert problem.endswith("did you mean 'phone_numbers'?")


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    problems = problems_of(
        """
areas: {calls: wirte, contact: read}
tools: {allow: [tag_calls], deny: nope}
quota: {per_minute: 0}
scope: {numbers: [abc]}
tokens: [acm_plain-token-pasted-by-mistake]
"""
    )
    assert len(problems) == 7
    joined = "\n".join(problems)
    for fragment in ("areas.calls", "area 'contact'", "tools.allow[0]", "at tools.deny", "quota.per_minute"):
        assert fragment in joined
    assert "scope.numbers[0]" in joined
    assert "tokens[0]" in joined


def test_a_plain_token_in_the_file_is_refused_without_being_echoed() -> None:
    (problem,) = problems_of("tokens: [acm_secret-value-1234]")
    assert "acm_secret-value-1234" not in problem
    assert "not a token hash (value not shown)" in problem


def test_yaml_syntax_error_names_the_file_and_line() -> None:
    (problem,) = problems_of("areas:\n  calls: read\n tools: [\n")
    assert problem.startswith("not valid YAML in grants/support-agent.yaml (line 3)")


def test_duplicate_keys_are_an_error_not_a_silent_override() -> None:
    (problem,) = problems_of("areas: {calls: read}\nareas: {calls: full}\n")
    assert problem == "duplicate key 'areas' in grants/support-agent.yaml (line 2): first set on line 1"


def test_a_file_that_is_not_a_mapping_is_an_error() -> None:
    (problem,) = problems_of("- calls\n- read\n")
    assert "expected a mapping of keys" in problem


def test_a_single_tool_instead_of_a_list_is_an_error_with_an_example() -> None:
    (problem,) = problems_of("tools: {deny: transfer_call}")
    assert "expected a list, got str at tools.deny" in problem
    assert "e.g. deny: [tag_call]" in problem


def test_bad_agent_name_from_the_file_name_is_an_error() -> None:
    (problem,) = problems_of("areas: {calls: read}", agent="Support Agent")
    assert "'Support Agent' is not a valid agent name" in problem


def test_empty_file_loads_as_a_valid_grant_of_nothing(write_grant: WriteGrant) -> None:
    g = load_grant(write_grant("quiet", ""), SYNTHETIC)
    assert g.denied_because is None
    assert all(level is Level.OFF for level in g.levels.values())


def test_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(GrantError, match=r"no grant file in .*ghost\.yaml"):
        load_grant(tmp_path / "ghost.yaml", SYNTHETIC)


def test_nested_yaml_aliases_are_read_in_linear_time() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    problems = problems_of("\n".join(lines))
    assert len(problems) == 12  # one unknown key per anchor line, found without expanding 5**11 items


def test_an_anchor_shared_between_sections_loads() -> None:
    text = "scope: {numbers: &mine [123, 456]}\nconstraints: {transfer_call: {number: *mine}}\n"
    g = parse_grant(text, agent="support-agent", catalogue=SYNTHETIC)
    assert g.scope_numbers == frozenset({123, 456})
    assert g.constraints["transfer_call"]["number"] == ("123", "456")


def test_security_an_alias_bomb_in_a_section_is_refused_without_being_expanded() -> None:
    """Security regression: a few hundred bytes of nested aliases made a 35 MB log line and stalled the loop."""
    lines = ["b0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]" for i in range(1, 9)]
    (problem,) = problems_of("\n".join([*lines, "tools: {deny: [*b8, *b8]}"]))
    assert "expands to more than 10000 values (through aliases) at tools" in problem
    assert len(problem) < 300


def test_security_an_alias_inside_its_own_anchor_is_refused() -> None:
    """Security regression: a recursive alias makes a value that never ends for whoever walks it."""
    (problem,) = problems_of("tools: &t {deny: [*t]}\n")
    assert "an alias refers to the value that contains it" in problem


def test_security_nesting_is_bounded_whatever_the_parser_allows() -> None:
    """Security regression: a grant nested thousands of levels deep raised RecursionError out of the parser."""
    for depth in (30, 500, 5000):
        (problem,) = problems_of("tools: {deny: " + "[" * depth + "]" * depth + "}\n")
        assert "support-agent.yaml" in problem


def test_security_values_are_quoted_back_cut_short() -> None:
    """Security regression: a rejected value was quoted whole, so a large grant made a message as large."""
    (level,) = problems_of("areas: {calls: " + "w" * 100_000 + "}\n")
    (key,) = problems_of("x" * 100_000 + ": 1\n")
    assert len(level) < 300
    assert len(key) < 300


def test_a_file_with_thousands_of_problems_reports_the_first_fifty() -> None:
    problems = problems_of("tools: {deny: [" + ", ".join(f"nope{i}" for i in range(5_000)) + "]}\n")
    assert len(problems) == 51
    assert problems[-1].startswith("... and more: stopped after 50 problems")


def test_security_an_agent_name_with_a_trailing_newline_is_not_valid() -> None:
    """Security regression: `$` matched before a final newline, so 'ok\\n' passed as the agent 'ok'."""
    (problem,) = problems_of("areas: {calls: read}\n", agent="ok\n")
    assert "is not a valid agent name" in problem
