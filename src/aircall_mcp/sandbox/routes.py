"""The route table: every endpoint of /tmp/plan/endpoints.md as (method, path template, handler).

Order matters only where a literal segment and a placeholder compete (/v1/calls/search before
/v1/calls/{call_id}); the first matching row wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.routing import compile_path

from aircall_mcp.sandbox.context import Handler
from aircall_mcp.sandbox.handlers import (
    analytics,
    calls,
    company,
    contacts,
    dialer,
    messaging,
    numbers,
    tags,
    teams,
    users,
    webhooks,
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex, _, _ = compile_path(self.path)
        object.__setattr__(self, "pattern", regex)


_C = "/v1/calls/{call_id}"
_CONTACT = "/v1/contacts/{contact_id}"
_U1 = "/v1/users/{user_id}"
_CAMPAIGN = "/v1/users/{user_id}/dialer_campaign"
_MSG = "/v1/numbers/{number_id}/messages"

ROUTES: tuple[Route, ...] = (
    # calls
    Route("GET", "/v1/calls", calls.list_calls),
    Route("GET", "/v1/calls/search", calls.search_calls),
    Route("GET", _C, calls.get_call),
    Route("POST", f"{_C}/transfers", calls.transfer_call),
    Route("POST", f"{_C}/comments", calls.comment_call),
    Route("POST", f"{_C}/tags", calls.tag_call),
    Route("PUT", f"{_C}/archive", calls.archive_call),
    Route("PUT", f"{_C}/unarchive", calls.unarchive_call),
    Route("POST", f"{_C}/pause_recording", calls.pause_recording),
    Route("POST", f"{_C}/resume_recording", calls.resume_recording),
    Route("DELETE", f"{_C}/recording", calls.delete_recording),
    Route("DELETE", f"{_C}/voicemail", calls.delete_voicemail),
    Route("POST", f"{_C}/insight_cards", calls.add_insight_cards),
    *(Route("GET", f"{_C}/{suffix}", handler) for suffix, handler in calls.INSIGHT_HANDLERS.items()),
    # contacts
    Route("GET", "/v1/contacts", contacts.list_contacts),
    Route("GET", "/v1/contacts/search", contacts.search_contacts),
    Route("GET", _CONTACT, contacts.get_contact),
    Route("POST", "/v1/contacts", contacts.create_contact),
    Route("POST", _CONTACT, contacts.update_contact),
    Route("DELETE", _CONTACT, contacts.delete_contact),
    Route("POST", f"{_CONTACT}/phone_details", contacts.add_phone_number),
    Route("PUT", f"{_CONTACT}/phone_details/{{phone_number_id}}", contacts.update_phone_number),
    Route("DELETE", f"{_CONTACT}/phone_details/{{phone_number_id}}", contacts.delete_phone_number),
    Route("POST", f"{_CONTACT}/email_details", contacts.add_email),
    Route("PUT", f"{_CONTACT}/email_details/{{email_id}}", contacts.update_email),
    Route("DELETE", f"{_CONTACT}/email_details/{{email_id}}", contacts.delete_email),
    # users (v2 where v2 has the endpoint)
    Route("GET", "/v2/users", users.list_users),
    Route("GET", "/v2/users/{user_id}", users.get_user),
    Route("POST", "/v2/users", users.create_user),
    Route("PUT", "/v2/users/{user_id}", users.update_user),
    Route("GET", "/v2/users/{user_id}/numbers", users.list_user_numbers),
    Route("GET", "/v1/users/availabilities", users.list_availabilities),
    Route("DELETE", _U1, users.delete_user),
    Route("GET", f"{_U1}/availability", users.get_availability),
    Route("POST", f"{_U1}/calls", users.start_outbound_call),
    Route("POST", f"{_U1}/dial", users.prefill_dialer),
    Route("GET", _CAMPAIGN, dialer.get_campaign),
    Route("POST", _CAMPAIGN, dialer.create_campaign),
    Route("DELETE", _CAMPAIGN, dialer.delete_campaign),
    Route("GET", f"{_CAMPAIGN}/phone_numbers", dialer.list_numbers),
    Route("POST", f"{_CAMPAIGN}/phone_numbers", dialer.add_numbers),
    Route("DELETE", f"{_CAMPAIGN}/phone_numbers/{{phone_number_id}}", dialer.remove_number),
    # teams
    Route("GET", "/v1/teams", teams.list_teams),
    Route("GET", "/v1/teams/{team_id}", teams.get_team),
    Route("POST", "/v1/teams", teams.create_team),
    Route("DELETE", "/v1/teams/{team_id}", teams.delete_team),
    Route("POST", "/v1/teams/{team_id}/users/{user_id}", teams.add_member),
    Route("DELETE", "/v1/teams/{team_id}/users/{user_id}", teams.remove_member),
    # numbers
    Route("GET", "/v1/numbers", numbers.list_numbers),
    Route("GET", "/v1/numbers/{number_id}", numbers.get_number),
    Route("PUT", "/v1/numbers/{number_id}", numbers.update_number),
    Route("GET", "/v1/numbers/{number_id}/registration_status", numbers.registration_status),
    # messaging
    Route("POST", _MSG + "/configuration", messaging.create_configuration),
    Route("GET", _MSG + "/configuration", messaging.get_configuration),
    Route("DELETE", _MSG + "/configuration", messaging.delete_configuration),
    Route("POST", _MSG + "/send", messaging.send),
    Route("POST", _MSG + "/native/send", messaging.send_native),
    Route("POST", _MSG + "/group/send", messaging.send_group),
    Route("POST", _MSG + "/group/native/send", messaging.send_group_native),
    Route("POST", "/v1/messages/whatsapp/send", messaging.send_whatsapp),
    Route("POST", "/v1/messages/send/whatsapp/native", messaging.send_whatsapp_native),
    Route("GET", "/v1/sms/templates", messaging.sms_templates),
    Route("GET", "/v1/numbers/{number_id}/templates", messaging.whatsapp_templates),
    Route("GET", "/v1/numbers/{number_id}/whatsapp_status", messaging.whatsapp_status),
    # AI Voice Agent, analytics
    Route("POST", "/v1/outbound-calls/agents/{agent_id}", analytics.start_agent_call),
    Route("POST", "/v1/analytics/report/export", analytics.create_export),
    Route("GET", "/v1/analytics/report/export/{export_id}", analytics.get_export),
    # tags
    Route("GET", "/v1/tags", tags.list_tags),
    Route("GET", "/v1/tags/{tag_id}", tags.get_tag),
    Route("POST", "/v1/tags", tags.create_tag),
    Route("PUT", "/v1/tags/{tag_id}", tags.update_tag),
    Route("DELETE", "/v1/tags/{tag_id}", tags.delete_tag),
    # webhooks
    Route("GET", "/v1/webhooks", webhooks.list_webhooks),
    Route("GET", "/v1/webhooks/{webhook_id}", webhooks.get_webhook),
    Route("POST", "/v1/webhooks", webhooks.create_webhook),
    Route("PUT", "/v1/webhooks/{webhook_id}", webhooks.update_webhook),
    Route("DELETE", "/v1/webhooks/{webhook_id}", webhooks.delete_webhook),
    # company
    Route("GET", "/v1/company", company.get_company),
    Route("GET", "/v1/ping", company.ping),
)


def resolve(method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
    """The handler and path parameters for a request, or None.

    A known path asked with another method also gives None: Aircall's edge answers 404 for a route it
    does not have, and 405 is kept for Aircall's own meaning (a state error such as "user unavailable").
    """
    for route in ROUTES:
        if route.method != method:
            continue
        match = route.pattern.match(path)
        if match is not None:
            return route.handler, match.groupdict()
    return None
