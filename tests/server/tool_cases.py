"""One declarative case per tool: the arguments, the request the sandbox must receive, and the result's shape.

Arguments are functions of the seeded workspace (ids are seeded, not hard-coded). The expected request and
result are functions of those arguments. A result pattern is matched by `matches`: a dict matches a dict that
has at least its keys (recursively), `Exactly(x)` only `x`, a type its instances, a list the same number of
matching items, a callable anything it accepts, and any other value only an equal one.

Each test gets a fresh sandbox (the `harness` fixture is function-scoped), so destructive cases cannot break
later ones; they are still grouped after the reads of their area to keep the table readable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aircall_mcp.sandbox.messaging import AGENT_IDS, SEEDED_EXPORT_ID, messaging
from aircall_mcp.sandbox.state import Call, Contact, Workspace

Args = dict[str, Any]


@dataclass(frozen=True)
class Exactly:
    """A pattern matching only a value equal to `value` (no extra keys)."""

    value: Any


def nonempty(value: Any) -> bool:
    return isinstance(value, list) and len(value) > 0


def length(n: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return isinstance(value, list) and len(value) == n

    check.__name__ = f"length_{n}"
    return check


def contains(**wanted: Any) -> Callable[[Any], bool]:
    """A list with at least one item matching `wanted`."""

    def check(value: Any) -> bool:
        return isinstance(value, list) and any(matches(item, wanted) for item in value)

    check.__name__ = f"contains_{wanted}"
    return check


def lacks(**unwanted: Any) -> Callable[[Any], bool]:
    """A list (or nothing: an emptied list is pruned) without any item matching `unwanted`."""

    def check(value: Any) -> bool:
        return isinstance(value, list) and not any(matches(item, unwanted) for item in value)

    check.__name__ = f"lacks_{unwanted}"
    return check


def every(pattern: Any) -> Callable[[Any], bool]:
    """A non-empty list whose every item matches `pattern`."""

    def check(value: Any) -> bool:
        return nonempty(value) and all(matches(item, pattern) for item in value)

    check.__name__ = f"every_{pattern}"
    return check


def matches(actual: Any, pattern: Any) -> bool:
    if isinstance(pattern, Exactly):
        return bool(actual == pattern.value)
    if isinstance(pattern, type):
        return isinstance(actual, pattern)
    if callable(pattern):
        return bool(pattern(actual))
    if isinstance(pattern, dict):
        return isinstance(actual, dict) and all(k in actual and matches(actual[k], v) for k, v in pattern.items())
    if isinstance(pattern, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(pattern)
            and all(matches(a, p) for a, p in zip(actual, pattern, strict=True))
        )
    return bool(actual == pattern)


@dataclass(frozen=True)
class ToolCase:
    """One tool call and what must happen upstream and come back."""

    tool: str
    arguments: Callable[[Workspace], Args]
    method: str
    # Filled from the arguments with str.format (e.g. "/v1/calls/{call_id}").
    path: str
    # A subset of the query every request must carry, as the sandbox records it (name -> values).
    query: Callable[[Args], dict[str, list[str]]] = lambda a: {}
    # The exact JSON body (None: no body).
    body: Callable[[Args], Any] = lambda a: None
    result: Callable[[Args], Any] = lambda a: {}
    # Upstream requests made; list tools with max_items page several times (page=2, 3... after the first).
    requests: int = 1
    label: str = ""
    # A known defect in src: the case is expected to fail (strictly) until it is fixed.
    xfail: str | None = None

    @property
    def id(self) -> str:
        return f"{self.tool}-{self.label}" if self.label else self.tool


def ack(*fields: str) -> Callable[[Args], Any]:
    """The result of an empty-body success: exactly {"ok": true} plus the path ids."""
    return lambda a: Exactly({"ok": True, **{f: a[f] for f in fields}})


def listing(key: str, items: Callable[[Any], bool], more: bool, **extra: Any) -> Callable[[Args], Any]:
    return lambda a: {key: items, "meta": {"total": lambda t: isinstance(t, int)}, "more_available": more, **extra}


# ----------------------------------------------------------------------------------------------------------------
# Seeded objects the cases act on (see sandbox/seed.py for why each exists).


def first_user(ws: Workspace) -> int:
    return next(iter(ws.users))  # always available, assigned to the first number


def first_number(ws: Workspace) -> int:
    return next(iter(ws.numbers))  # records live calls


def live_call(ws: Workspace) -> int:
    return ws.ongoing_call_ids()[0]  # answered, on the first number


def ended_call(ws: Workspace) -> Call:
    return next(c for c in ws.calls.values() if not c.ongoing)


def call_where(ws: Workspace, predicate: Callable[[Call], bool]) -> int:
    return next(c.id for c in ws.calls.values() if predicate(c))


def insight_call(ws: Workspace) -> int:
    return call_where(ws, lambda c: bool(c.insights))


def contact_where(ws: Workspace, predicate: Callable[[Contact], bool]) -> Contact:
    return next(c for c in ws.contacts.values() if predicate(c))


def second_phone_of_a_contact(ws: Workspace) -> Args:
    contact = contact_where(ws, lambda c: len(c.phone_numbers) > 1)
    return {"contact_id": contact.id, "phone_number_id": contact.phone_numbers[1].id}


def email_of_a_contact(ws: Workspace) -> Args:
    contact = contact_where(ws, lambda c: bool(c.emails))
    return {"contact_id": contact.id, "email_id": contact.emails[0].id}


def campaign_owner(ws: Workspace) -> int:
    return next(iter(ws.campaigns))


def first_team(ws: Workspace) -> int:
    return next(iter(ws.teams))


def outsider_of_first_team(ws: Workspace) -> int:
    members = ws.teams[first_team(ws)].user_ids
    return next(uid for uid in ws.users if uid not in members)


def first_webhook_uuid(ws: Workspace) -> str:
    return next(iter(ws.webhooks.values())).webhook_id


def second_tag(ws: Workspace) -> int:
    return list(ws.tags)[1]


def configured_number(ws: Workspace) -> int:
    return next(iter(messaging(ws).configurations))  # the first SMS number, set up for the Public-API send


def whatsapp_line(ws: Workspace) -> int:
    return next(n for n, line in messaging(ws).whatsapp.items() if line.can_send)  # the first number


def approved_template(ws: Workspace) -> str:
    return str(next(t["id"] for t in messaging(ws).whatsapp[whatsapp_line(ws)].templates if t["status"] == "APPROVED"))


# ----------------------------------------------------------------------------------------------------------------
# The table

CALL_PATH = "/v1/calls/{call_id}"


def _insight_case(tool: str, suffix: str, key: str, item: Any) -> ToolCase:
    return ToolCase(
        tool,
        lambda ws: {"call_id": insight_call(ws)},
        "GET",
        f"{CALL_PATH}/{suffix}",
        result=lambda a: {key: item(a["call_id"])},
    )


def _one_insight(call_id: int) -> Any:
    return {"call_id": call_id}


def _insight_list(call_id: int) -> Any:
    return every({"call_id": call_id})


CALLS: tuple[ToolCase, ...] = (
    ToolCase(
        "list_calls",
        lambda ws: {"per_page": 5, "order": "desc", "fetch_contact": True},
        "GET",
        "/v1/calls",
        query=lambda a: {"per_page": ["5"], "order": ["desc"], "fetch_contact": ["true"]},
        result=listing("calls", length(5), True),
    ),
    ToolCase(
        "list_calls",
        lambda ws: {"per_page": 10, "max_items": 25},
        "GET",
        "/v1/calls",
        query=lambda a: {"per_page": ["10"]},
        result=listing("calls", length(25), True, pages_fetched=3),
        requests=3,
        label="paged",
    ),
    ToolCase(
        "search_calls",
        lambda ws: {"direction": "inbound", "tags": [next(iter(ws.tags))], "per_page": 50},
        "GET",
        "/v1/calls/search",
        query=lambda a: {"direction": ["inbound"], "tags[]": [str(a["tags"][0])], "per_page": ["50"]},
        result=listing("calls", every({"direction": "inbound", "tags": nonempty}), False),
    ),
    ToolCase(
        "get_call",
        lambda ws: {"call_id": live_call(ws), "fetch_contact": True},
        "GET",
        CALL_PATH,
        query=lambda a: {"fetch_contact": ["true"]},
        result=lambda a: {"call": {"id": a["call_id"], "status": "answered"}},
    ),
    ToolCase(
        "transfer_call",
        lambda ws: {"call_id": live_call(ws), "team_id": first_team(ws), "dispatching_strategy": "random"},
        "POST",
        CALL_PATH + "/transfers",
        body=lambda a: {"team_id": a["team_id"], "dispatching_strategy": "random"},
        result=ack("call_id"),
    ),
    ToolCase(
        "comment_call",
        lambda ws: {"call_id": live_call(ws), "content": "Customer asked for a callback on Friday."},
        "POST",
        CALL_PATH + "/comments",
        body=lambda a: {"content": "Customer asked for a callback on Friday."},
        result=ack("call_id"),
    ),
    ToolCase(
        "tag_call",
        lambda ws: {"call_id": live_call(ws), "tags": list(ws.tags)[:2]},
        "POST",
        CALL_PATH + "/tags",
        body=lambda a: {"tags": a["tags"]},
        result=ack("call_id"),
    ),
    ToolCase(
        "archive_call",
        lambda ws: {"call_id": call_where(ws, lambda c: not c.ongoing and not c.archived)},
        "PUT",
        CALL_PATH + "/archive",
        result=lambda a: {"call": {"id": a["call_id"], "archived": True}},
    ),
    ToolCase(
        "unarchive_call",
        lambda ws: {"call_id": call_where(ws, lambda c: c.archived)},
        "PUT",
        CALL_PATH + "/unarchive",
        result=lambda a: {"call": {"id": a["call_id"], "archived": False}},
    ),
    ToolCase(
        "pause_call_recording",
        lambda ws: {"call_id": live_call(ws)},
        "POST",
        CALL_PATH + "/pause_recording",
        result=ack("call_id"),
    ),
    ToolCase(
        "resume_call_recording",
        lambda ws: {"call_id": live_call(ws)},
        "POST",
        CALL_PATH + "/resume_recording",
        result=ack("call_id"),
    ),
    ToolCase(
        "delete_recording",
        lambda ws: {"call_id": call_where(ws, lambda c: c.recording is not None)},
        "DELETE",
        CALL_PATH + "/recording",
        result=ack("call_id"),
    ),
    ToolCase(
        "delete_voicemail",
        lambda ws: {"call_id": call_where(ws, lambda c: c.voicemail is not None)},
        "DELETE",
        CALL_PATH + "/voicemail",
        result=ack("call_id"),
    ),
    ToolCase(
        "add_insight_cards",
        lambda ws: {
            "call_id": live_call(ws),
            "contents": [
                {"type": "title", "text": "Renewal due in 12 days", "link": "https://crm.example.com/acc/42"},
                {"type": "shortText", "label": "Plan", "text": "Professional, 25 seats"},
            ],
        },
        "POST",
        CALL_PATH + "/insight_cards",
        body=lambda a: {"contents": a["contents"]},
        result=ack("call_id"),
    ),
    ToolCase(
        "get_call_transcription",
        lambda ws: {"call_id": insight_call(ws), "mode": "async"},
        "GET",
        CALL_PATH + "/transcription",
        query=lambda a: {"mode": ["async"]},
        result=lambda a: {"transcription": {"call_id": a["call_id"], "content": {"utterances": nonempty}}},
    ),
    _insight_case("get_call_sentiments", "sentiments", "sentiment", _one_insight),
    _insight_case("get_call_topics", "topics", "topic", _one_insight),
    _insight_case("get_call_summary", "summary", "summary", _one_insight),
    _insight_case("get_call_action_items", "action_items", "action_items", _insight_list),
    _insight_case("get_call_playbook_result", "playbook_result", "playbook_result", _one_insight),
    _insight_case("get_call_evaluations", "evaluations", "evaluations", _insight_list),
    _insight_case(
        "get_call_predicted_csat",
        "predicted_csat",
        "csat",
        lambda call_id: {"call_id": call_id, "score": lambda s: isinstance(s, float), "drivers": nonempty},
    ),
    _insight_case("get_call_custom_summary_result", "custom_summary_result", "custom_summary_result", _one_insight),
)

CONTACT_PATH = "/v1/contacts/{contact_id}"
NEW_PHONE = "+442079460123"
NEW_EMAIL = "ada.lovelace@analytical-engines.example"

CONTACTS: tuple[ToolCase, ...] = (
    ToolCase(
        "list_contacts",
        lambda ws: {"per_page": 3, "order": "desc", "order_by": "updated_at"},
        "GET",
        "/v1/contacts",
        query=lambda a: {"per_page": ["3"], "order": ["desc"], "order_by": ["updated_at"]},
        result=listing("contacts", length(3), True),
    ),
    ToolCase(
        "list_contacts",
        lambda ws: {"per_page": 2, "max_items": 5},
        "GET",
        "/v1/contacts",
        query=lambda a: {"per_page": ["2"]},
        result=listing("contacts", length(5), True, pages_fetched=3),
        requests=3,
        label="paged",
    ),
    ToolCase(
        "search_contacts",
        lambda ws: {"phone_number": next(iter(ws.contacts.values())).phone_numbers[0].value},
        "GET",
        "/v1/contacts/search",
        query=lambda a: {"phone_number": [a["phone_number"]]},
        result=lambda a: {
            "contacts": every({"phone_numbers": contains(value=a["phone_number"])}),
            "more_available": False,
        },
    ),
    ToolCase(
        "get_contact",
        lambda ws: {"contact_id": next(iter(ws.contacts))},
        "GET",
        CONTACT_PATH,
        result=lambda a: {"contact": {"id": a["contact_id"], "phone_numbers": nonempty}},
    ),
    ToolCase(
        "create_contact",
        lambda ws: {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company_name": "Analytical Engines",
            "phone_numbers": [{"label": "Work", "value": NEW_PHONE}],
            "emails": [{"label": "Work", "value": NEW_EMAIL}],
        },
        "POST",
        "/v1/contacts",
        body=lambda a: a,
        result=lambda a: {
            "contact": {
                "id": lambda i: isinstance(i, int),
                "first_name": "Ada",
                "phone_numbers": [{"label": "Work", "value": NEW_PHONE}],
                "emails": [{"label": "Work", "value": NEW_EMAIL}],
            }
        },
    ),
    ToolCase(
        "update_contact",
        lambda ws: {"contact_id": next(iter(ws.contacts)), "company_name": "Boreal Energy", "information": "VIP"},
        "POST",
        CONTACT_PATH,
        body=lambda a: {"company_name": "Boreal Energy", "information": "VIP"},
        result=lambda a: {"contact": {"id": a["contact_id"], "company_name": "Boreal Energy", "information": "VIP"}},
    ),
    ToolCase(
        "delete_contact",
        lambda ws: {"contact_id": next(iter(ws.contacts))},
        "DELETE",
        CONTACT_PATH,
        result=ack("contact_id"),
    ),
    ToolCase(
        "add_contact_phone_number",
        lambda ws: {"contact_id": next(iter(ws.contacts)), "label": "Home", "value": NEW_PHONE},
        "POST",
        CONTACT_PATH + "/phone_details",
        body=lambda a: {"label": "Home", "value": NEW_PHONE},
        result=lambda a: {"contact": {"id": a["contact_id"], "phone_numbers": contains(label="Home", value=NEW_PHONE)}},
    ),
    ToolCase(
        "update_contact_phone_number",
        lambda ws: {
            "contact_id": next(iter(ws.contacts)),
            "phone_number_id": next(iter(ws.contacts.values())).phone_numbers[0].id,
            "label": "Office",
        },
        "PUT",
        CONTACT_PATH + "/phone_details/{phone_number_id}",
        body=lambda a: {"label": "Office"},
        result=lambda a: {
            "contact": {"id": a["contact_id"], "phone_numbers": contains(id=a["phone_number_id"], label="Office")}
        },
    ),
    ToolCase(
        "delete_contact_phone_number",
        second_phone_of_a_contact,
        "DELETE",
        CONTACT_PATH + "/phone_details/{phone_number_id}",
        result=ack("contact_id", "phone_number_id"),
    ),
    ToolCase(
        "add_contact_email",
        lambda ws: {"contact_id": next(iter(ws.contacts)), "label": "Personal", "value": NEW_EMAIL},
        "POST",
        CONTACT_PATH + "/email_details",
        body=lambda a: {"label": "Personal", "value": NEW_EMAIL},
        result=lambda a: {"contact": {"id": a["contact_id"], "emails": contains(label="Personal", value=NEW_EMAIL)}},
    ),
    ToolCase(
        "update_contact_email",
        lambda ws: {**email_of_a_contact(ws), "value": NEW_EMAIL},
        "PUT",
        CONTACT_PATH + "/email_details/{email_id}",
        body=lambda a: {"value": NEW_EMAIL},
        result=lambda a: {"contact": {"id": a["contact_id"], "emails": contains(id=a["email_id"], value=NEW_EMAIL)}},
    ),
    ToolCase(
        "delete_contact_email",
        email_of_a_contact,
        "DELETE",
        CONTACT_PATH + "/email_details/{email_id}",
        result=ack("contact_id", "email_id"),
    ),
)

USER_PATH = "/v1/users/{user_id}"
CAMPAIGN_PATH = USER_PATH + "/dialer_campaign"

USERS: tuple[ToolCase, ...] = (
    ToolCase(
        "list_users",
        lambda ws: {"per_page": 5, "order": "asc"},
        "GET",
        "/v2/users",
        query=lambda a: {"per_page": ["5"], "order": ["asc"]},
        result=listing("users", every({"id": lambda i: isinstance(i, int), "email": lambda e: "@" in e}), True),
    ),
    ToolCase(
        "list_users",
        lambda ws: {"per_page": 5, "max_items": 12},
        "GET",
        "/v2/users",
        query=lambda a: {"per_page": ["5"]},
        result=listing("users", length(12), True, pages_fetched=3),
        requests=3,
        label="paged",
    ),
    ToolCase(
        "get_user",
        # Users may be addressed by email as well as by id.
        lambda ws: {"user_id": ws.users[first_user(ws)].email},
        "GET",
        "/v2/users/{user_id}",
        result=lambda a: {"user": {"id": lambda i: isinstance(i, int), "email": a["user_id"], "available": True}},
    ),
    ToolCase(
        "create_user",
        lambda ws: {
            "email": "grace.hopper@lumen-co.example",
            "first_name": "Grace",
            "last_name": "Hopper",
            "time_zone": "America/New_York",
            "language": "en-US",
            "wrap_up_time": 30,
        },
        "POST",
        "/v2/users",
        body=lambda a: a,
        result=lambda a: {"user": {"email": a["email"], "name": "Grace Hopper", "wrap_up_time": 30}},
    ),
    ToolCase(
        "update_user",
        lambda ws: {"user_id": list(ws.users)[2], "wrap_up_time": 15, "default_number_id": first_number(ws)},
        "PUT",
        "/v2/users/{user_id}",
        body=lambda a: {"wrap_up_time": 15, "default_number_id": a["default_number_id"]},
        result=lambda a: {
            "user": {"id": a["user_id"], "wrap_up_time": 15, "default_number_id": a["default_number_id"]}
        },
    ),
    ToolCase(
        "delete_user",
        lambda ws: {"user_id": list(ws.users)[3]},
        "DELETE",
        USER_PATH,
        result=ack("user_id"),
    ),
    ToolCase(
        "list_user_numbers",
        lambda ws: {"user_id": first_user(ws), "per_page": 10},
        "GET",
        "/v2/users/{user_id}/numbers",
        query=lambda a: {"per_page": ["10"]},
        result=lambda a: {"numbers": every({"users": contains(id=a["user_id"])}), "more_available": False},
    ),
    ToolCase(
        "list_user_availabilities",
        lambda ws: {"per_page": 4},
        "GET",
        "/v1/users/availabilities",
        query=lambda a: {"per_page": ["4"]},
        result=listing("users", every({"id": lambda i: isinstance(i, int), "availability": str}), True),
    ),
    ToolCase(
        "get_user_availability",
        lambda ws: {"user_id": first_user(ws)},
        "GET",
        USER_PATH + "/availability",
        result=lambda a: Exactly({"availability": "available"}),
    ),
    ToolCase(
        "start_outbound_call",
        lambda ws: {"user_id": first_user(ws), "number_id": first_number(ws), "to": "+33612345678"},
        "POST",
        USER_PATH + "/calls",
        body=lambda a: {"number_id": a["number_id"], "to": "+33612345678"},
        result=ack("user_id"),
    ),
    ToolCase(
        "prefill_dialer",
        lambda ws: {"user_id": first_user(ws), "to": "+14155550100"},
        "POST",
        USER_PATH + "/dial",
        body=lambda a: {"to": "+14155550100"},
        result=ack("user_id"),
    ),
    ToolCase(
        "get_dialer_campaign",
        lambda ws: {"user_id": campaign_owner(ws)},
        "GET",
        CAMPAIGN_PATH,
        # number_id is a string in the reference's sample (issue 11 §6), and the output schema accepts it.
        result=lambda a: {"dialer_campaign": {"id": lambda i: isinstance(i, int), "number_id": str, "created_at": str}},
    ),
    ToolCase(
        "create_dialer_campaign",
        lambda ws: {"user_id": first_user(ws), "phone_numbers": ["+33612345678", "+14155550100"]},
        "POST",
        CAMPAIGN_PATH,
        body=lambda a: {"phone_numbers": ["+33612345678", "+14155550100"]},
        result=ack("user_id"),
    ),
    ToolCase(
        "delete_dialer_campaign",
        lambda ws: {"user_id": campaign_owner(ws)},
        "DELETE",
        CAMPAIGN_PATH,
        result=ack("user_id"),
    ),
    ToolCase(
        "list_dialer_campaign_numbers",
        lambda ws: {"user_id": campaign_owner(ws)},
        "GET",
        CAMPAIGN_PATH + "/phone_numbers",
        result=lambda a: {"numbers": every({"id": lambda i: isinstance(i, int), "number": str, "called": bool})},
    ),
    ToolCase(
        "add_dialer_campaign_numbers",
        lambda ws: {"user_id": campaign_owner(ws), "phone_numbers": ["+4915112345678"]},
        "POST",
        CAMPAIGN_PATH + "/phone_numbers",
        body=lambda a: {"phone_numbers": ["+4915112345678"]},
        result=ack("user_id"),
    ),
    ToolCase(
        "remove_dialer_campaign_number",
        lambda ws: {
            "user_id": campaign_owner(ws),
            "phone_number_id": ws.campaigns[campaign_owner(ws)].numbers[1].id,
        },
        "DELETE",
        CAMPAIGN_PATH + "/phone_numbers/{phone_number_id}",
        result=ack("user_id", "phone_number_id"),
    ),
)

TEAM_PATH = "/v1/teams/{team_id}"

TEAMS: tuple[ToolCase, ...] = (
    ToolCase(
        "list_teams",
        lambda ws: {"per_page": 2, "order": "desc"},
        "GET",
        "/v1/teams",
        query=lambda a: {"per_page": ["2"], "order": ["desc"]},
        result=listing("teams", every({"id": lambda i: isinstance(i, int), "users": nonempty}), True),
    ),
    ToolCase(
        "list_teams",
        lambda ws: {"per_page": 1, "max_items": 3},
        "GET",
        "/v1/teams",
        query=lambda a: {"per_page": ["1"]},
        result=listing("teams", length(3), True, pages_fetched=3),
        requests=3,
        label="paged",
    ),
    ToolCase(
        "get_team",
        lambda ws: {"team_id": first_team(ws)},
        "GET",
        TEAM_PATH,
        result=lambda a: {"team": {"id": a["team_id"], "name": str, "users": nonempty}},
    ),
    ToolCase(
        "create_team",
        lambda ws: {"name": "Escalations"},
        "POST",
        "/v1/teams",
        body=lambda a: {"name": "Escalations"},
        result=lambda a: {"team": {"id": lambda i: isinstance(i, int), "name": "Escalations"}},
    ),
    ToolCase(
        "delete_team",
        lambda ws: {"team_id": first_team(ws)},
        "DELETE",
        TEAM_PATH,
        result=ack("team_id"),
    ),
    ToolCase(
        "add_team_member",
        lambda ws: {"team_id": first_team(ws), "user_id": outsider_of_first_team(ws)},
        "POST",
        TEAM_PATH + "/users/{user_id}",
        result=lambda a: {"team": {"id": a["team_id"], "users": contains(id=a["user_id"])}},
    ),
    ToolCase(
        "remove_team_member",
        lambda ws: {"team_id": first_team(ws), "user_id": ws.teams[first_team(ws)].user_ids[0]},
        "DELETE",
        TEAM_PATH + "/users/{user_id}",
        result=lambda a: {"team": {"id": a["team_id"], "users": lacks(id=a["user_id"])}},
    ),
)

NUMBER_PATH = "/v1/numbers/{number_id}"
WELCOME = "https://sounds.example.com/welcome.mp3"

NUMBERS: tuple[ToolCase, ...] = (
    ToolCase(
        "list_numbers",
        lambda ws: {"per_page": 2},
        "GET",
        "/v1/numbers",
        query=lambda a: {"per_page": ["2"]},
        result=listing("numbers", length(2), True),
    ),
    ToolCase(
        "list_numbers",
        lambda ws: {"per_page": 2, "max_items": 10},
        "GET",
        "/v1/numbers",
        query=lambda a: {"per_page": ["2"]},
        # Five seeded numbers: pages of 2, 2 and 1, then nothing more to fetch.
        result=listing("numbers", length(5), False, pages_fetched=3),
        requests=3,
        label="paged",
    ),
    ToolCase(
        "get_number",
        lambda ws: {"number_id": first_number(ws)},
        "GET",
        NUMBER_PATH,
        result=lambda a: {"number": {"id": a["number_id"], "live_recording_activated": True}},
    ),
    ToolCase(
        "update_number",
        lambda ws: {
            "number_id": list(ws.numbers)[1],
            "name": "Support line",
            "priority": 1,
            "messages": {"welcome": WELCOME},
        },
        "PUT",
        NUMBER_PATH,
        body=lambda a: {"name": "Support line", "priority": 1, "messages": {"welcome": WELCOME}},
        result=lambda a: {
            "number": {"id": a["number_id"], "name": "Support line", "priority": 1, "messages": {"welcome": WELCOME}}
        },
    ),
    ToolCase(
        "get_number_registration_status",
        lambda ws: {"number_id": first_number(ws)},
        "GET",
        NUMBER_PATH + "/registration_status",
        # The first seeded number is French, and French numbers are registered.
        result=lambda a: {"registration_status": {"number_id": a["number_id"], "status": "registered"}},
    ),
)

TAG_PATH = "/v1/tags/{tag_id}"

TAGS: tuple[ToolCase, ...] = (
    ToolCase(
        "list_tags",
        lambda ws: {"per_page": 3},
        "GET",
        "/v1/tags",
        query=lambda a: {"per_page": ["3"]},
        result=listing("tags", every({"id": lambda i: isinstance(i, int), "name": str, "color": str}), True),
    ),
    ToolCase(
        "list_tags",
        lambda ws: {"per_page": 3, "max_items": 7},
        "GET",
        "/v1/tags",
        query=lambda a: {"per_page": ["3"]},
        result=listing("tags", length(7), True, pages_fetched=3),
        requests=3,
        label="paged",
    ),
    ToolCase(
        "get_tag",
        lambda ws: {"tag_id": next(iter(ws.tags))},
        "GET",
        TAG_PATH,
        result=lambda a: {"tag": {"id": a["tag_id"], "name": "VIP", "color": "#E74C3C"}},
    ),
    ToolCase(
        "create_tag",
        lambda ws: {"name": "Renewal", "color": "#123ABC", "description": "Contract renewal discussed"},
        "POST",
        "/v1/tags",
        body=lambda a: a,
        result=lambda a: {"tag": {"id": lambda i: isinstance(i, int), **a}},
    ),
    ToolCase(
        "update_tag",
        lambda ws: {"tag_id": second_tag(ws), "color": "#00FF00"},
        "PUT",
        TAG_PATH,
        body=lambda a: {"color": "#00FF00"},
        result=lambda a: {"tag": {"id": a["tag_id"], "color": "#00FF00"}},
    ),
    ToolCase(
        "delete_tag",
        lambda ws: {"tag_id": second_tag(ws)},
        "DELETE",
        TAG_PATH,
        result=ack("tag_id"),
    ),
)

WEBHOOK_PATH = "/v1/webhooks/{webhook_id}"
HOOK_URL = "https://hooks.example.com/aircall/tickets"

WEBHOOKS: tuple[ToolCase, ...] = (
    ToolCase(
        "list_webhooks",
        lambda ws: {"per_page": 2, "order": "asc"},
        "GET",
        "/v1/webhooks",
        query=lambda a: {"per_page": ["2"], "order": ["asc"]},
        # This list has no next_page_link in its meta: more_available comes from the counts.
        result=listing("webhooks", every({"webhook_id": str, "url": str, "events": nonempty}), True),
    ),
    ToolCase(
        "list_webhooks",
        lambda ws: {"per_page": 1, "max_items": 3},
        "GET",
        "/v1/webhooks",
        query=lambda a: {"per_page": ["1"]},
        result=listing("webhooks", length(3), False, pages_fetched=3),
        requests=3,
        label="paged",
    ),
    ToolCase(
        "get_webhook",
        lambda ws: {"webhook_id": first_webhook_uuid(ws)},
        "GET",
        WEBHOOK_PATH,
        result=lambda a: {"webhook": {"webhook_id": a["webhook_id"], "url": str, "active": bool}},
    ),
    ToolCase(
        "create_webhook",
        lambda ws: {"url": HOOK_URL, "custom_name": "Ticketing", "events": ["call.ended", "call.tagged"]},
        "POST",
        "/v1/webhooks",
        body=lambda a: a,
        result=lambda a: {
            "webhook": {"webhook_id": str, "url": HOOK_URL, "custom_name": "Ticketing", "events": a["events"]}
        },
    ),
    ToolCase(
        "update_webhook",
        lambda ws: {"webhook_id": first_webhook_uuid(ws), "events": ["call.created"], "events_action": "add"},
        "PUT",
        WEBHOOK_PATH,
        query=lambda a: {"events_action": ["add"]},
        body=lambda a: {"events": ["call.created"]},
        result=lambda a: {"webhook": {"webhook_id": a["webhook_id"], "events": contains_value("call.created")}},
    ),
    ToolCase(
        "delete_webhook",
        lambda ws: {"webhook_id": first_webhook_uuid(ws)},
        "DELETE",
        WEBHOOK_PATH,
        result=ack("webhook_id"),
    ),
)


def contains_value(wanted: Any) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, list) and wanted in value


COMPANY: tuple[ToolCase, ...] = (
    ToolCase(
        "get_company",
        lambda ws: {},
        "GET",
        "/v1/company",
        result=lambda a: {"company": {"name": "Lumen & Co", "users_count": 20, "numbers_count": 5}},
    ),
    ToolCase(
        "check_connection",
        lambda ws: {},
        "GET",
        "/v1/ping",
        result=lambda a: Exactly({"ping": "pong"}),
    ),
)

MESSAGES_PATH = NUMBER_PATH + "/messages"
CUSTOMER = "+14155550100"
MEDIA = "https://cdn.example.com/menu.png"
CALLBACK = "https://hooks.example.com/aircall-sms"


def message_result(a: Args) -> Any:
    return {"id": str, "status": "pending", "raw_digits": CUSTOMER}


MESSAGING: tuple[ToolCase, ...] = (
    ToolCase(
        "configure_messaging",
        lambda ws: {"number_id": first_number(ws), "callback_url": CALLBACK},
        "POST",
        MESSAGES_PATH + "/configuration",
        body=lambda a: {"callbackUrl": CALLBACK},
        result=lambda a: {"callbackUrl": CALLBACK},
    ),
    ToolCase(
        "get_messaging_configuration",
        lambda ws: {"number_id": configured_number(ws)},
        "GET",
        MESSAGES_PATH + "/configuration",
        result=lambda a: {"number_id": a["number_id"]},
    ),
    ToolCase(
        "delete_messaging_configuration",
        lambda ws: {"number_id": configured_number(ws)},
        "DELETE",
        MESSAGES_PATH + "/configuration",
        result=ack("number_id"),
    ),
    ToolCase(
        "send_message",
        lambda ws: {
            "number_id": configured_number(ws),
            "to": CUSTOMER,
            "body": "Sorry we missed you",
            "media_url": [MEDIA],
        },
        "POST",
        MESSAGES_PATH + "/send",
        body=lambda a: {"to": CUSTOMER, "body": "Sorry we missed you", "mediaUrl": [MEDIA]},
        result=lambda a: {**message_result(a), "body": "Sorry we missed you", "media_url": [MEDIA]},
    ),
    ToolCase(
        "send_conversation_message",
        lambda ws: {"number_id": configured_number(ws), "to": CUSTOMER, "body": "We will call you back"},
        "POST",
        MESSAGES_PATH + "/native/send",
        body=lambda a: {"to": CUSTOMER, "body": "We will call you back"},
        result=message_result,
    ),
    ToolCase(
        "send_group_message",
        lambda ws: {"number_id": configured_number(ws), "participants": [CUSTOMER, "+14155550101"], "body": "Hi all"},
        "POST",
        MESSAGES_PATH + "/group/send",
        body=lambda a: {"participants": [CUSTOMER, "+14155550101"], "body": "Hi all"},
        result=lambda a: {"group_message_id": str, "participants": [CUSTOMER, "+14155550101"], "body": "Hi all"},
    ),
    ToolCase(
        "send_group_conversation_message",
        lambda ws: {"number_id": configured_number(ws), "participants": [CUSTOMER, "+14155550101"], "body": "Hi"},
        "POST",
        MESSAGES_PATH + "/group/native/send",
        body=lambda a: {"participants": [CUSTOMER, "+14155550101"], "body": "Hi"},
        result=lambda a: {"group_message_id": str, "status": "pending"},
    ),
    ToolCase(
        "send_whatsapp_message",
        lambda ws: {
            "number_id": whatsapp_line(ws),
            "to": CUSTOMER,
            "template": {"id": approved_template(ws), "body": [{"key": "{{1}}", "value": "Jordan"}]},
        },
        "POST",
        "/v1/messages/whatsapp/send",
        body=lambda a: {
            "lineId": a["number_id"],
            "to": CUSTOMER,
            "templateParams": {"id": a["template"]["id"], "body": [{"key": "{{1}}", "value": "Jordan"}]},
        },
        result=lambda a: {**message_result(a), "channel": "whatsapp"},
    ),
    ToolCase(
        "send_whatsapp_conversation_message",
        lambda ws: {"number_id": whatsapp_line(ws), "to": CUSTOMER, "text": "Your order shipped"},
        "POST",
        "/v1/messages/send/whatsapp/native",
        # This endpoint names the recipient externalNumber.
        body=lambda a: {"lineId": a["number_id"], "externalNumber": CUSTOMER, "text": "Your order shipped"},
        result=lambda a: {**message_result(a), "body": "Your order shipped"},
    ),
    ToolCase(
        "list_sms_templates",
        lambda ws: {"per_page": 5, "search": "missed"},
        "GET",
        "/v1/sms/templates",
        query=lambda a: {"per_page": ["5"], "search": ["missed"]},
        result=listing("templates", every({"id": int, "name": str, "body": str}), True),
    ),
    ToolCase(
        "list_sms_templates",
        lambda ws: {"per_page": 10, "max_items": 25},
        "GET",
        "/v1/sms/templates",
        query=lambda a: {"per_page": ["10"]},
        result=listing("templates", length(25), True, pages_fetched=3),
        requests=3,
        label="paged",
    ),
    ToolCase(
        "list_whatsapp_templates",
        lambda ws: {"number_id": whatsapp_line(ws), "status": "APPROVED", "limit": 5, "token": 5},
        "GET",
        NUMBER_PATH + "/templates",
        query=lambda a: {"status": ["APPROVED"], "limit": ["5"], "token": ["5"]},
        result=lambda a: {
            "templates": every({"id": int, "status": "APPROVED"}),
            "pageInfo": {"currentToken": 5, "nextToken": 10, "totalCount": 20},
        },
    ),
    ToolCase(
        "get_whatsapp_status",
        lambda ws: {"number_id": whatsapp_line(ws)},
        "GET",
        NUMBER_PATH + "/whatsapp_status",
        result=lambda a: {"status": "ONLINE", "canSendMessage": True},
    ),
)

EXPORT_PATH = "/v1/analytics/report/export"

ANALYTICS: tuple[ToolCase, ...] = (
    ToolCase(
        "create_analytics_export",
        lambda ws: {
            "report_name": "CALLS_HISTORY",
            "timezone": "Europe/Paris",
            "from_date": "2026-05-01",
            "to_date": "2026-05-15",
            "team_ids": [first_team(ws)],
            "export_name": "may",
        },
        "POST",
        EXPORT_PATH,
        body=lambda a: {
            "input": {
                "reportName": "CALLS_HISTORY",
                "filter": {
                    "dateFilter": {"absoluteRange": {"fromDate": "2026-05-01", "toDate": "2026-05-15"}},
                    "timezone": "Europe/Paris",
                    "teamIDs": a["team_ids"],
                },
                "exportOptions": {"format": "CSV", "exportName": "may"},
            }
        },
        result=lambda a: {"exportID": str, "status": "PENDING"},
    ),
    ToolCase(
        "get_analytics_export",
        lambda ws: {"export_id": SEEDED_EXPORT_ID},
        "GET",
        EXPORT_PATH + "/{export_id}",
        result=lambda a: {"exportID": a["export_id"], "status": "COMPLETED", "downloadUrl": str},
    ),
    ToolCase(
        "start_ai_agent_call",
        lambda ws: {
            "agent_id": AGENT_IDS[0],
            "contact_phone": CUSTOMER,
            "idempotency_key": "appt-42",
            "context": {"first_name": "Jane"},
            "expiration_seconds": 3600,
        },
        "POST",
        "/v1/outbound-calls/agents/{agent_id}",
        body=lambda a: {k: v for k, v in a.items() if k != "agent_id"},
        result=lambda a: {"id": str, "status": "PENDING", "idempotency_key": "appt-42"},
    ),
)

CASES: tuple[ToolCase, ...] = (
    CALLS + CONTACTS + USERS + TEAMS + NUMBERS + TAGS + WEBHOOKS + COMPANY + MESSAGING + ANALYTICS
)
