"""The example grants shipped in the package (examples/grants/) are valid and mean what their comments say."""

from __future__ import annotations

from pathlib import Path

import pytest

from aircall_mcp.endpoint import Access, Area, Endpoint
from aircall_mcp.grants import Grant, GrantStore, Redaction, check_directory, visible_tools

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "aircall_mcp" / "examples" / "grants"


def load(agent: str, catalogue: tuple[Endpoint, ...]) -> Grant:
    return GrantStore(EXAMPLES, catalogue).require(agent)


def names(grant: Grant, catalogue: tuple[Endpoint, ...]) -> set[str]:
    return {ep.name for ep in visible_tools(grant, catalogue)}


def test_every_example_grant_passes_check(catalogue: tuple[Endpoint, ...]) -> None:
    assert check_directory(EXAMPLES, catalogue) == ([], True)
    assert GrantStore(EXAMPLES, catalogue).agents() == ["admin", "analyst", "contact-intake", "support-agent"]


@pytest.mark.parametrize("agent", ["admin", "analyst", "contact-intake", "support-agent"])
def test_every_example_starts_with_a_comment_explaining_its_use_case(agent: str) -> None:
    text = (EXAMPLES / f"{agent}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# ")


def test_analyst_reads_everything_but_webhooks_and_reports_and_changes_nothing(catalogue: tuple[Endpoint, ...]) -> None:
    # Analytics report files hold unmasked numbers and emails, which this grant masks: it is refused them.
    grant = load("analyst", catalogue)
    excluded = (Area.WEBHOOKS, Area.ANALYTICS)
    expected = {ep.name for ep in catalogue if ep.access is Access.READ and ep.area not in excluded}
    assert names(grant, catalogue) == expected
    assert grant.redact == {Redaction.PHONE_NUMBERS, Redaction.EMAILS}


def test_support_agent_reads_calls_and_contacts_tags_and_comments_but_never_deletes(
    catalogue: tuple[Endpoint, ...],
) -> None:
    grant = load("support-agent", catalogue)
    visible = names(grant, catalogue)
    writes = {ep.name for ep in catalogue if ep.name in visible and ep.access is not Access.READ}
    assert writes == {"tag_call", "comment_call"}
    assert "transfer_call" not in visible
    reads = {ep.name for ep in catalogue if ep.access is Access.READ and ep.area in {Area.CALLS, Area.CONTACTS}}
    assert reads <= visible


def test_contact_intake_only_searches_creates_and_updates_contacts(catalogue: tuple[Endpoint, ...]) -> None:
    grant = load("contact-intake", catalogue)
    assert names(grant, catalogue) == {
        "search_contacts",
        "create_contact",
        "update_contact",
        "add_contact_phone_number",
        "update_contact_phone_number",
        "add_contact_email",
        "update_contact_email",
    }


def test_admin_sees_every_tool_and_confirms_the_dangerous_deletes(catalogue: tuple[Endpoint, ...]) -> None:
    grant = load("admin", catalogue)
    assert names(grant, catalogue) == {ep.name for ep in catalogue}
    assert grant.confirm
    assert all(ep.access is Access.DESTRUCTIVE for ep in catalogue if ep.name in grant.confirm)
    assert {"delete_user", "delete_contact", "delete_recording"} <= grant.confirm
