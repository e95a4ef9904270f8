"""Catalogues for the grants tests: a small synthetic one, and the real one (or a stand-in with its names)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, create_model

from aircall_mcp.endpoint import Access, Area, Endpoint

R, W, D = Access.READ, Access.WRITE, Access.DESTRUCTIVE

# Names, areas, access classes and paths of /tmp/plan/endpoints.md, with the arguments the grants tests touch.
TABLE: list[tuple[Area, str, Access, str, str, tuple[str, ...]]] = [
    (Area.CALLS, "list_calls", R, "GET", "/v1/calls", ("page", "per_page")),
    (Area.CALLS, "search_calls", R, "GET", "/v1/calls/search", ("phone_number", "tags", "user_id")),
    (Area.CALLS, "get_call", R, "GET", "/v1/calls/{call_id}", ()),
    (Area.CALLS, "transfer_call", W, "POST", "/v1/calls/{call_id}/transfers", ("user_id", "team_id", "number")),
    (Area.CALLS, "comment_call", W, "POST", "/v1/calls/{call_id}/comments", ("content",)),
    (Area.CALLS, "tag_call", W, "POST", "/v1/calls/{call_id}/tags", ("tags",)),
    (Area.CALLS, "archive_call", W, "PUT", "/v1/calls/{call_id}/archive", ()),
    (Area.CALLS, "unarchive_call", W, "PUT", "/v1/calls/{call_id}/unarchive", ()),
    (Area.CALLS, "pause_call_recording", W, "POST", "/v1/calls/{call_id}/pause_recording", ()),
    (Area.CALLS, "resume_call_recording", W, "POST", "/v1/calls/{call_id}/resume_recording", ()),
    (Area.CALLS, "delete_recording", D, "DELETE", "/v1/calls/{call_id}/recording", ()),
    (Area.CALLS, "delete_voicemail", D, "DELETE", "/v1/calls/{call_id}/voicemail", ()),
    (Area.CALLS, "add_insight_cards", W, "POST", "/v1/calls/{call_id}/insight_cards", ("contents",)),
    (Area.CALLS, "get_call_transcription", R, "GET", "/v1/calls/{call_id}/transcription", ()),
    (Area.CALLS, "get_call_sentiments", R, "GET", "/v1/calls/{call_id}/sentiments", ()),
    (Area.CALLS, "get_call_topics", R, "GET", "/v1/calls/{call_id}/topics", ()),
    (Area.CALLS, "get_call_summary", R, "GET", "/v1/calls/{call_id}/summary", ()),
    (Area.CALLS, "get_call_action_items", R, "GET", "/v1/calls/{call_id}/action_items", ()),
    (Area.CALLS, "get_call_playbook_result", R, "GET", "/v1/calls/{call_id}/playbook_result", ()),
    (Area.CALLS, "get_call_evaluations", R, "GET", "/v1/calls/{call_id}/evaluations", ()),
    (Area.CALLS, "get_call_predicted_csat", R, "GET", "/v1/calls/{call_id}/predicted_csat", ()),
    (Area.CALLS, "get_call_custom_summary_result", R, "GET", "/v1/calls/{call_id}/custom_summary_result", ()),
    (Area.CONTACTS, "list_contacts", R, "GET", "/v1/contacts", ()),
    (Area.CONTACTS, "search_contacts", R, "GET", "/v1/contacts/search", ("phone_number", "email")),
    (Area.CONTACTS, "get_contact", R, "GET", "/v1/contacts/{contact_id}", ()),
    (Area.CONTACTS, "create_contact", W, "POST", "/v1/contacts", ("first_name", "phone_numbers", "emails")),
    (Area.CONTACTS, "update_contact", W, "POST", "/v1/contacts/{contact_id}", ("first_name",)),
    (Area.CONTACTS, "delete_contact", D, "DELETE", "/v1/contacts/{contact_id}", ()),
    (Area.CONTACTS, "add_contact_phone_number", W, "POST", "/v1/contacts/{contact_id}/phone_details", ("value",)),
    (
        Area.CONTACTS,
        "update_contact_phone_number",
        W,
        "PUT",
        "/v1/contacts/{contact_id}/phone_details/{phone_number_id}",
        ("value",),
    ),
    (
        Area.CONTACTS,
        "delete_contact_phone_number",
        D,
        "DELETE",
        "/v1/contacts/{contact_id}/phone_details/{phone_number_id}",
        (),
    ),
    (Area.CONTACTS, "add_contact_email", W, "POST", "/v1/contacts/{contact_id}/email_details", ("value",)),
    (Area.CONTACTS, "update_contact_email", W, "PUT", "/v1/contacts/{contact_id}/email_details/{email_id}", ()),
    (Area.CONTACTS, "delete_contact_email", D, "DELETE", "/v1/contacts/{contact_id}/email_details/{email_id}", ()),
    (Area.USERS, "list_users", R, "GET", "/v2/users", ()),
    (Area.USERS, "get_user", R, "GET", "/v2/users/{user_id}", ()),
    (Area.USERS, "create_user", W, "POST", "/v2/users", ("email",)),
    (Area.USERS, "update_user", W, "PUT", "/v2/users/{user_id}", ("email",)),
    (Area.USERS, "delete_user", D, "DELETE", "/v1/users/{user_id}", ()),
    (Area.USERS, "list_user_numbers", R, "GET", "/v2/users/{user_id}/numbers", ()),
    (Area.USERS, "list_user_availabilities", R, "GET", "/v1/users/availabilities", ()),
    (Area.USERS, "get_user_availability", R, "GET", "/v1/users/{user_id}/availability", ()),
    (Area.USERS, "start_outbound_call", W, "POST", "/v1/users/{user_id}/calls", ("number_id", "to")),
    (Area.USERS, "prefill_dialer", W, "POST", "/v1/users/{user_id}/dial", ("to",)),
    (Area.USERS, "get_dialer_campaign", R, "GET", "/v1/users/{user_id}/dialer_campaign", ()),
    (Area.USERS, "create_dialer_campaign", W, "POST", "/v1/users/{user_id}/dialer_campaign", ("phone_numbers",)),
    (Area.USERS, "delete_dialer_campaign", D, "DELETE", "/v1/users/{user_id}/dialer_campaign", ()),
    (
        Area.USERS,
        "list_dialer_campaign_numbers",
        R,
        "GET",
        "/v1/users/{user_id}/dialer_campaign/phone_numbers",
        (),
    ),
    (
        Area.USERS,
        "add_dialer_campaign_numbers",
        W,
        "POST",
        "/v1/users/{user_id}/dialer_campaign/phone_numbers",
        ("phone_numbers",),
    ),
    (
        Area.USERS,
        "remove_dialer_campaign_number",
        D,
        "DELETE",
        "/v1/users/{user_id}/dialer_campaign/phone_numbers/{phone_number_id}",
        (),
    ),
    (Area.TEAMS, "list_teams", R, "GET", "/v1/teams", ()),
    (Area.TEAMS, "get_team", R, "GET", "/v1/teams/{team_id}", ()),
    (Area.TEAMS, "create_team", W, "POST", "/v1/teams", ("name",)),
    (Area.TEAMS, "delete_team", D, "DELETE", "/v1/teams/{team_id}", ()),
    (Area.TEAMS, "add_team_member", W, "POST", "/v1/teams/{team_id}/users/{user_id}", ()),
    (Area.TEAMS, "remove_team_member", D, "DELETE", "/v1/teams/{team_id}/users/{user_id}", ()),
    (Area.NUMBERS, "list_numbers", R, "GET", "/v1/numbers", ()),
    (Area.NUMBERS, "get_number", R, "GET", "/v1/numbers/{number_id}", ()),
    (Area.NUMBERS, "update_number", W, "PUT", "/v1/numbers/{number_id}", ("name",)),
    (
        Area.NUMBERS,
        "get_number_registration_status",
        R,
        "GET",
        "/v1/numbers/{number_id}/registration_status",
        (),
    ),
    (Area.TAGS, "list_tags", R, "GET", "/v1/tags", ()),
    (Area.TAGS, "get_tag", R, "GET", "/v1/tags/{tag_id}", ()),
    (Area.TAGS, "create_tag", W, "POST", "/v1/tags", ("name", "color")),
    (Area.TAGS, "update_tag", W, "PUT", "/v1/tags/{tag_id}", ("name",)),
    (Area.TAGS, "delete_tag", D, "DELETE", "/v1/tags/{tag_id}", ()),
    (Area.WEBHOOKS, "list_webhooks", R, "GET", "/v1/webhooks", ()),
    (Area.WEBHOOKS, "get_webhook", R, "GET", "/v1/webhooks/{webhook_id}", ()),
    (Area.WEBHOOKS, "create_webhook", W, "POST", "/v1/webhooks", ("url",)),
    (Area.WEBHOOKS, "update_webhook", W, "PUT", "/v1/webhooks/{webhook_id}", ("url",)),
    (Area.WEBHOOKS, "delete_webhook", D, "DELETE", "/v1/webhooks/{webhook_id}", ()),
    (Area.COMPANY, "get_company", R, "GET", "/v1/company", ()),
    (Area.COMPANY, "check_connection", R, "GET", "/v1/ping", ()),
]
TOOL_NAMES = [row[1] for row in TABLE]


class _Empty(BaseModel):
    pass


def make_endpoint(row: tuple[Area, str, Access, str, str, tuple[str, ...]]) -> Endpoint:
    area, name, access, method, path, args = row
    fields: dict[str, Any] = {f: (Any, None) for f in (*re.findall(r"\{(\w+)\}", path), *args)}
    model = create_model(f"{name}_input", **fields)
    return Endpoint(
        name=name,
        area=area,
        access=access,
        method=method,  # type: ignore[arg-type]  # the table holds the literal method names
        path=path,
        input_model=model,
        output_model=_Empty,
        title=name,
        description=name,
        action=name,
        list_key=name.removeprefix("list_").removeprefix("search_") if name.startswith(("list_", "search_")) else None,
    )


SYNTHETIC = tuple(make_endpoint(row) for row in TABLE)


def real_or_synthetic() -> tuple[Endpoint, ...]:
    """The real catalogue once it exists; until then, a stand-in with the same names, areas and access."""
    try:
        from aircall_mcp.catalogue import CATALOGUE
    except ImportError:
        return SYNTHETIC
    return tuple(CATALOGUE)


@pytest.fixture
def catalogue() -> tuple[Endpoint, ...]:
    return real_or_synthetic()


@pytest.fixture
def small() -> tuple[Endpoint, ...]:
    """A few tools, one of each access class in two areas, for rules that do not need the whole catalogue."""
    wanted = {
        "list_calls",
        "get_call",
        "tag_call",
        "transfer_call",
        "delete_recording",
        "get_contact",
        "create_contact",
    }
    return tuple(ep for ep in SYNTHETIC if ep.name in wanted)


WriteGrant = Callable[..., Path]


@pytest.fixture
def write_grant(tmp_path: Path) -> WriteGrant:
    """Write grants/<agent>.yaml under tmp_path and return its path."""
    directory = tmp_path / "grants"
    directory.mkdir(exist_ok=True)

    def write(agent: str, text: str) -> Path:
        path = directory / f"{agent}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
