"""`grants show`: every tool, in plain English, with what limits it."""

from __future__ import annotations

from aircall_mcp.endpoint import Endpoint
from aircall_mcp.grants import Grant, describe, mint_token, parse_grant


def test_describe_mentions_every_tool_once(catalogue: tuple[Endpoint, ...]) -> None:
    text = describe(parse_grant("areas: {calls: read}", agent="a", catalogue=catalogue), catalogue)
    for endpoint in catalogue:
        assert sum(line.split()[1:2] == [endpoint.name] for line in text.splitlines()) == 1, endpoint.name


def test_describe_says_what_can_and_cannot_be_done_and_why(catalogue: tuple[Endpoint, ...]) -> None:
    _, line = mint_token()
    grant = parse_grant(
        f"""
description: Front-line support assistant
areas: {{calls: write, contacts: full}}
tools: {{deny: [transfer_call], confirm: [delete_contact]}}
constraints: {{tag_call: {{tags: [12, 34]}}}}
scope: {{numbers: [456, 123]}}
redact: [phone_numbers, recordings]
quota: {{per_minute: 20}}
tokens: ["{line}"]
""",
        agent="support-agent",
        catalogue=catalogue,
    )
    text = describe(grant, catalogue)
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("  ")}
    assert text.startswith("Agent support-agent: Front-line support assistant\n")
    assert lines["transfer_call"].startswith("  cannot")
    assert "denied by tools.deny" in lines["transfer_call"]
    assert "needs calls: full, the grant gives write" in lines["delete_recording"]
    assert "needs a person's confirmation first" in lines["delete_contact"]
    assert "tags only 12, 34" in lines["tag_call"]
    assert "only calls on scoped numbers" in lines["get_call"]
    assert "area users is off" in lines["list_users"]
    assert "only calls on Aircall numbers 123, 456" in text
    assert "phone numbers, recording URLs are masked" in text
    assert "at most 20 requests per minute" in text
    assert "HTTP tokens: 1" in text
    assert line.removeprefix("sha256:") not in text


def test_describe_of_a_deny_all_grant_says_why(catalogue: tuple[Endpoint, ...]) -> None:
    text = describe(Grant.deny_all("ghost", "there is no grant file grants/ghost.yaml"), catalogue)
    assert "Denied everything: there is no grant file grants/ghost.yaml." in text
    assert "  can " not in text


def test_grants_show_says_the_number_scope_of_number_tools_the_phone_region_and_the_oauth_principals() -> None:
    from aircall_mcp.catalogue import CATALOGUE
    from aircall_mcp.grants import describe, parse_grant

    text = (
        "areas: {calls: write, numbers: read, users: write}\nscope: {numbers: [12]}\n"
        "redact: [phone_numbers]\nphone_region: FR\n"
        "oauth: {clients: [reporting-bot], groups: [support-leads]}\n"
    )
    shown = describe(parse_grant(text, agent="scoped", catalogue=CATALOGUE), CATALOGUE)
    start_call = next(line for line in shown.splitlines() if "start_outbound_call" in line)
    assert "only through or on scoped numbers" in start_call
    assert "read as written in FR" in shown
    assert "clients reporting-bot; groups support-leads" in shown
