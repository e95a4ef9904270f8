"""Every Aircall endpoint the server exposes, declared once as data, plus the generic code that reads it.

Adding an endpoint is one `Endpoint` entry below (and an input model if it takes arguments). Nothing else in
the server, grants, rate limiting or audit knows tools by name: MCP tools, annotations, requests and audit
summaries are all derived from these entries by the functions at the end of this module.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mcp_types as types
from pydantic import BaseModel

from aircall_mcp.endpoint import NUMBER_NOT_NAMED, Access, Area, Endpoint, PreparedRequest
from aircall_mcp.models.common import InputModel, NoArguments, tool_schema
from aircall_mcp.results import compact_json, shape_result

__all__ = [
    "CATALOGUE",
    "action_text",
    "build_request",
    "by_name",
    "compact_json",
    "published_annotations",
    "shape_result",
    "to_mcp_tool",
    "tool_annotations",
    "tool_description",
]

logger = logging.getLogger("aircall_mcp.catalogue")

_R, _W, _D = Access.READ, Access.WRITE, Access.DESTRUCTIVE
_AI_ASSIST = " Needs the AI Assist add-on (refused without it); not found when the call has none."

# Models are named ("calls.CallList": aircall_mcp.models.calls), so that a server imports the model modules of
# the tools it uses, when it first uses them, rather than all of them at every start (see endpoint._ModelField).
CATALOGUE: tuple[Endpoint, ...] = (
    # ----------------------------------------------------------------------------------------------- calls
    Endpoint(
        name="list_calls",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls",
        input_model="calls.ListCallsInput",
        output_model="calls.CallList",
        list_key="calls",
        title="List calls",
        description=(
            "List the company's calls (about the last 6 months), oldest first unless order=desc. "
            "To filter by direction, user, phone number or tags use search_calls. "
            "Aircall returns at most 10,000 calls per query: narrow with from/to."
        ),
        action="list calls",
    ),
    Endpoint(
        name="search_calls",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/search",
        input_model="calls.SearchCallsInput",
        output_model="calls.CallList",
        list_key="calls",
        title="Search calls",
        description=(
            "Find calls by direction, user_id, phone_number (E.164) and/or tags (tag ids from list_tags; a call "
            "must have all). A transferred call is indexed under the destination number. "
            "At most 10,000 calls per query: narrow with from/to."
        ),
        action="search calls",
    ),
    Endpoint(
        name="get_call",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}",
        input_model="calls.GetCallInput",
        output_model="calls.CallResult",
        title="Get call",
        description=(
            "Get one call: status, timing, number, user, recording and voicemail links, comments and tags. "
            "For AI Assist analysis (transcript, summary, sentiment...) use the get_call_* tools."
        ),
        action="read call {call_id}",
    ),
    Endpoint(
        name="transfer_call",
        area=Area.CALLS,
        access=_W,
        method="POST",
        path="/v1/calls/{call_id}/transfers",
        input_model="calls.TransferCallInput",
        output_model="calls.CallAck",
        webhook_event="call.transferred",
        title="Transfer call",
        description=(
            "Transfer an ongoing call to exactly one of user_id, team_id (with optional dispatching_strategy) or "
            "an E.164 number (only for unanswered inbound calls). Cold transfer; ended calls are refused."
        ),
        action="transfer call {call_id} to {destination}",
    ),
    Endpoint(
        name="comment_call",
        area=Area.CALLS,
        access=_W,
        method="POST",
        path="/v1/calls/{call_id}/comments",
        input_model="calls.CommentCallInput",
        output_model="calls.CallAck",
        webhook_event="call.commented",
        title="Comment on call",
        description=(
            "Add a note to a call. Aircall allows at most 5 per call and they cannot be edited or deleted; "
            "emojis are stripped."
        ),
        action="comment on call {call_id}",
    ),
    Endpoint(
        name="tag_call",
        area=Area.CALLS,
        access=_W,
        method="POST",
        path="/v1/calls/{call_id}/tags",
        input_model="calls.TagCallInput",
        output_model="calls.CallAck",
        webhook_event="call.tagged",
        title="Tag call",
        description=(
            "Add tags to a call. Takes tag ids, not names: find them with list_tags (create_tag adds new ones)."
        ),
        action="tag call {call_id} with tags {tags}",
    ),
    Endpoint(
        name="archive_call",
        area=Area.CALLS,
        access=_W,
        method="PUT",
        path="/v1/calls/{call_id}/archive",
        input_model="calls.CallPath",
        output_model="calls.CallResult",
        webhook_event="call.archived",
        title="Archive call",
        description="Archive a call (a flag; unarchive_call reverts it). Returns the call.",
        action="archive call {call_id}",
    ),
    Endpoint(
        name="unarchive_call",
        area=Area.CALLS,
        access=_W,
        method="PUT",
        path="/v1/calls/{call_id}/unarchive",
        input_model="calls.CallPath",
        output_model="calls.CallResult",
        title="Unarchive call",
        description="Unarchive an archived call. Returns the call.",
        action="unarchive call {call_id}",
    ),
    Endpoint(
        name="pause_call_recording",
        area=Area.CALLS,
        access=_W,
        method="POST",
        path="/v1/calls/{call_id}/pause_recording",
        input_model="calls.CallPath",
        output_model="calls.CallAck",
        title="Pause call recording",
        description=(
            "Pause the recording of an ongoing call. Refused for ended calls and when recording is off on the "
            "call's number."
        ),
        action="pause the recording of call {call_id}",
    ),
    Endpoint(
        name="resume_call_recording",
        area=Area.CALLS,
        access=_W,
        method="POST",
        path="/v1/calls/{call_id}/resume_recording",
        input_model="calls.CallPath",
        output_model="calls.CallAck",
        title="Resume call recording",
        description="Resume the paused recording of an ongoing call. Refused like pause_call_recording.",
        action="resume the recording of call {call_id}",
    ),
    Endpoint(
        name="delete_recording",
        area=Area.CALLS,
        access=_D,
        method="DELETE",
        path="/v1/calls/{call_id}/recording",
        input_model="calls.CallPath",
        output_model="calls.CallAck",
        title="Delete call recording",
        description=("Permanently delete a call's recording (on AI Assist accounts also its transcript and insights)."),
        action="delete the recording of call {call_id}",
    ),
    Endpoint(
        name="delete_voicemail",
        area=Area.CALLS,
        access=_D,
        method="DELETE",
        path="/v1/calls/{call_id}/voicemail",
        input_model="calls.CallPath",
        output_model="calls.CallAck",
        title="Delete call voicemail",
        description="Permanently delete a call's voicemail.",
        action="delete the voicemail of call {call_id}",
    ),
    Endpoint(
        name="add_insight_cards",
        area=Area.CALLS,
        access=_W,
        method="POST",
        path="/v1/calls/{call_id}/insight_cards",
        input_model="calls.AddInsightCardsInput",
        output_model="calls.CallAck",
        title="Add insight cards",
        description=(
            "Show cards to the agent during an ongoing call: blocks of type title (text, link) or shortText "
            "(label, text, link). Refused for ended calls."
        ),
        action="show insight cards on call {call_id}",
    ),
    Endpoint(
        name="get_call_transcription",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/transcription",
        input_model="calls.TranscriptionInput",
        output_model="calls.TranscriptionResult",
        title="Get call transcription",
        description="Get the transcript of a call: utterances with speaker and timing." + _AI_ASSIST,
        action="read the transcription of call {call_id}",
    ),
    Endpoint(
        name="get_call_sentiments",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/sentiments",
        input_model="calls.CallPath",
        output_model="calls.SentimentResult",
        title="Get call sentiments",
        description="Get the sentiment analysis of a call's participants." + _AI_ASSIST,
        action="read the sentiments of call {call_id}",
    ),
    Endpoint(
        name="get_call_topics",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/topics",
        input_model="calls.CallPath",
        output_model="calls.TopicResult",
        title="Get call topics",
        description="Get the topics discussed in a call." + _AI_ASSIST,
        action="read the topics of call {call_id}",
    ),
    Endpoint(
        name="get_call_summary",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/summary",
        input_model="calls.CallPath",
        output_model="calls.SummaryResult",
        title="Get call summary",
        description="Get the AI summary of a call." + _AI_ASSIST,
        action="read the summary of call {call_id}",
    ),
    Endpoint(
        name="get_call_action_items",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/action_items",
        input_model="calls.CallPath",
        output_model="calls.ActionItemsResult",
        title="Get call action items",
        description="Get the follow-up action items extracted from a call." + _AI_ASSIST,
        action="read the action items of call {call_id}",
    ),
    Endpoint(
        name="get_call_playbook_result",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/playbook_result",
        input_model="calls.PlaybookResultInput",
        output_model="calls.PlaybookResult",
        title="Get call playbook result",
        description=(
            "Get how well a call followed the company's call playbook (fetch_playbook: include the playbook)."
            + _AI_ASSIST
        ),
        action="read the playbook result of call {call_id}",
        source=(
            "fetch_playbook: issue 11 quoting Aircall's reference; UNCONFIRMED (no client or guide found that sends "
            "it). Sent as a query flag like the fetch_* flags of calls."
        ),
    ),
    Endpoint(
        name="get_call_evaluations",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/evaluations",
        input_model="calls.CallPath",
        output_model="calls.EvaluationsResult",
        title="Get call evaluations",
        description="Get the AI scorecard evaluations of a call." + _AI_ASSIST,
        action="read the evaluations of call {call_id}",
    ),
    Endpoint(
        name="get_call_predicted_csat",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/predicted_csat",
        input_model="calls.CallPath",
        output_model="calls.PredictedCsatResult",
        title="Get call predicted CSAT",
        description="Get the predicted customer satisfaction of a call: a score and its drivers." + _AI_ASSIST,
        action="read the predicted CSAT of call {call_id}",
    ),
    Endpoint(
        name="get_call_custom_summary_result",
        area=Area.CALLS,
        access=_R,
        method="GET",
        path="/v1/calls/{call_id}/custom_summary_result",
        input_model="calls.CallPath",
        output_model="calls.CustomSummaryResult",
        title="Get call custom summary",
        description="Get the company-defined custom summary of a call." + _AI_ASSIST,
        action="read the custom summary of call {call_id}",
    ),
    Endpoint(
        name="start_ai_agent_call",
        area=Area.CALLS,
        access=_W,
        method="POST",
        path="/v1/outbound-calls/agents/{agent_id}",
        input_model="analytics.AgentCallInput",
        output_model="analytics.AgentCallRequest",
        webhook_event="ai_voice_agent.started",
        title="Start AI Voice Agent call",
        description=(
            "Have an AI Voice Agent phone an E.164 number: a real call, from the agent's own number. Queued "
            "(PENDING); a repeated idempotency_key never calls twice."
        ),
        action="start an AI Voice Agent call from agent {agent_id}",
        number_arg=NUMBER_NOT_NAMED,
        source=(
            "POST /v1/outbound-calls/agents/:agent_id, body contact_phone/idempotency_key/context/expiration_seconds "
            "(60-86400), 202 {id, idempotency_key, status PENDING, virtual_agent_id}: Riprock/aircall-api "
            "tests/test_new_endpoints.py + payloads OUTBOUND_CALL (transcribed from the reference); not in recorded "
            "traffic. Which number the agent calls from: UNCONFIRMED (not in the request)."
        ),
    ),
    # -------------------------------------------------------------------------------------------- contacts
    Endpoint(
        name="list_contacts",
        area=Area.CONTACTS,
        access=_R,
        method="GET",
        path="/v1/contacts",
        input_model="contacts.ListContactsInput",
        output_model="contacts.ContactList",
        list_key="contacts",
        title="List contacts",
        description=(
            "List the company's shared contacts (contacts synced by integrations are not visible). To find one "
            "by phone number or email use search_contacts. At most 10,000 per query: narrow with from/to."
        ),
        action="list contacts",
    ),
    Endpoint(
        name="search_contacts",
        area=Area.CONTACTS,
        access=_R,
        method="GET",
        path="/v1/contacts/search",
        input_model="contacts.SearchContactsInput",
        output_model="contacts.ContactList",
        list_key="contacts",
        title="Search contacts",
        description="Find shared contacts by phone_number (E.164) or email.",
        action="search contacts",
    ),
    Endpoint(
        name="get_contact",
        area=Area.CONTACTS,
        access=_R,
        method="GET",
        path="/v1/contacts/{contact_id}",
        input_model="contacts.ContactPath",
        output_model="contacts.ContactResult",
        title="Get contact",
        description="Get one contact with its phone numbers and emails, including the ids their tools take.",
        action="read contact {contact_id}",
    ),
    Endpoint(
        name="create_contact",
        area=Area.CONTACTS,
        access=_W,
        method="POST",
        path="/v1/contacts",
        input_model="contacts.CreateContactInput",
        output_model="contacts.ContactResult",
        webhook_event="contact.created",
        title="Create contact",
        description=(
            "Create a shared contact with 1-20 phone numbers (E.164) and up to 20 emails. Aircall does not "
            "deduplicate: check with search_contacts first."
        ),
        action="create a contact",
    ),
    Endpoint(
        name="update_contact",
        area=Area.CONTACTS,
        access=_W,
        method="POST",
        path="/v1/contacts/{contact_id}",
        input_model="contacts.UpdateContactInput",
        output_model="contacts.ContactResult",
        webhook_event="contact.updated",
        title="Update contact",
        description=(
            "Change a contact's names, company or information; a field you give may not be blank. Phone numbers "
            "and emails have their own tools (add/update/delete_contact_phone_number, ..._email)."
        ),
        action="update contact {contact_id}: {changes}",
    ),
    Endpoint(
        name="delete_contact",
        area=Area.CONTACTS,
        access=_D,
        method="DELETE",
        path="/v1/contacts/{contact_id}",
        input_model="contacts.ContactPath",
        output_model="contacts.ContactAck",
        webhook_event="contact.deleted",
        title="Delete contact",
        description="Permanently delete a shared contact.",
        action="delete contact {contact_id}",
    ),
    Endpoint(
        name="add_contact_phone_number",
        area=Area.CONTACTS,
        access=_W,
        method="POST",
        path="/v1/contacts/{contact_id}/phone_details",
        input_model="contacts.AddContactPhoneInput",
        output_model="contacts.ContactResult",
        webhook_event="contact.updated",
        title="Add contact phone number",
        description="Add an E.164 phone number to a contact (at most 20 per contact). Returns the contact.",
        action="add a phone number to contact {contact_id}",
    ),
    Endpoint(
        name="update_contact_phone_number",
        area=Area.CONTACTS,
        access=_W,
        method="PUT",
        path="/v1/contacts/{contact_id}/phone_details/{phone_number_id}",
        input_model="contacts.UpdateContactPhoneInput",
        output_model="contacts.ContactResult",
        webhook_event="contact.updated",
        title="Update contact phone number",
        description="Change the label or E.164 value of one of a contact's phone numbers (ids from get_contact).",
        action="update phone number {phone_number_id} of contact {contact_id}: {changes}",
    ),
    Endpoint(
        name="delete_contact_phone_number",
        area=Area.CONTACTS,
        access=_D,
        method="DELETE",
        path="/v1/contacts/{contact_id}/phone_details/{phone_number_id}",
        input_model="contacts.ContactPhonePath",
        output_model="contacts.ContactPhoneAck",
        webhook_event="contact.updated",
        title="Delete contact phone number",
        description="Remove one phone number from a contact (ids from get_contact).",
        action="delete phone number {phone_number_id} of contact {contact_id}",
    ),
    Endpoint(
        name="add_contact_email",
        area=Area.CONTACTS,
        access=_W,
        method="POST",
        path="/v1/contacts/{contact_id}/email_details",
        input_model="contacts.AddContactEmailInput",
        output_model="contacts.ContactResult",
        webhook_event="contact.updated",
        title="Add contact email",
        description="Add an email address to a contact (at most 20 per contact). Returns the contact.",
        action="add an email to contact {contact_id}",
    ),
    Endpoint(
        name="update_contact_email",
        area=Area.CONTACTS,
        access=_W,
        method="PUT",
        path="/v1/contacts/{contact_id}/email_details/{email_id}",
        input_model="contacts.UpdateContactEmailInput",
        output_model="contacts.ContactResult",
        webhook_event="contact.updated",
        title="Update contact email",
        description="Change the label or value of one of a contact's emails (ids from get_contact).",
        action="update email {email_id} of contact {contact_id}: {changes}",
    ),
    Endpoint(
        name="delete_contact_email",
        area=Area.CONTACTS,
        access=_D,
        method="DELETE",
        path="/v1/contacts/{contact_id}/email_details/{email_id}",
        input_model="contacts.ContactEmailPath",
        output_model="contacts.ContactEmailAck",
        webhook_event="contact.updated",
        title="Delete contact email",
        description="Remove one email from a contact (ids from get_contact).",
        action="delete email {email_id} of contact {contact_id}",
    ),
    # ----------------------------------------------------------------------------------------------- users
    Endpoint(
        name="list_users",
        area=Area.USERS,
        access=_R,
        method="GET",
        path="/v2/users",
        input_model="users.ListUsersInput",
        output_model="users.UserList",
        list_key="users",
        title="List users",
        description="List the company's users (agents and admins) with their availability status.",
        action="list users",
    ),
    Endpoint(
        name="get_user",
        area=Area.USERS,
        access=_R,
        method="GET",
        path="/v2/users/{user_id}",
        input_model="users.UserRefPath",
        output_model="users.UserResult",
        title="Get user",
        description=(
            "Get one user by numeric id or email: profile, availability status, time zone, wrap-up time and "
            "default number. For live availability use get_user_availability."
        ),
        action="read user {user_id}",
    ),
    Endpoint(
        name="create_user",
        area=Area.USERS,
        access=_W,
        method="POST",
        path="/v2/users",
        input_model="users.CreateUserInput",
        output_model="users.UserResult",
        webhook_event="user.created.v2",
        title="Create user",
        description="Create a user (a paid seat); Aircall emails them an invitation. The email must be unique.",
        action="create a user",
    ),
    Endpoint(
        name="update_user",
        area=Area.USERS,
        access=_W,
        method="PUT",
        path="/v2/users/{user_id}",
        input_model="users.UpdateUserInput",
        output_model="users.UserResult",
        title="Update user",
        description="Change a user's names, email, language, time zone, wrap-up time, extension or default number.",
        action="update user {user_id}: {changes}",
        number_arg="default_number_id",
    ),
    Endpoint(
        name="delete_user",
        area=Area.USERS,
        access=_D,
        method="DELETE",
        path="/v1/users/{user_id}",
        input_model="users.UserPath",
        output_model="users.UserAck",
        webhook_event="user.deleted",
        title="Delete user",
        description="Permanently delete a user and their data.",
        action="delete user {user_id}",
    ),
    Endpoint(
        name="list_user_numbers",
        area=Area.USERS,
        access=_R,
        method="GET",
        path="/v2/users/{user_id}/numbers",
        input_model="users.ListUserNumbersInput",
        output_model="users.UserNumberList",
        list_key="numbers",
        title="List user numbers",
        description="List the phone numbers a user (numeric id or email) is assigned to.",
        action="list the numbers of user {user_id}",
    ),
    Endpoint(
        name="list_user_availabilities",
        area=Area.USERS,
        access=_R,
        method="GET",
        path="/v1/users/availabilities",
        input_model="users.ListUsersInput",
        output_model="users.UserAvailabilityList",
        list_key="users",
        title="List user availabilities",
        description=(
            "List every user's live availability: available, offline, do_not_disturb, in_call or "
            "after_call_work. For one user use get_user_availability."
        ),
        action="list user availabilities",
    ),
    Endpoint(
        name="get_user_availability",
        area=Area.USERS,
        access=_R,
        method="GET",
        path="/v1/users/{user_id}/availability",
        input_model="users.UserPath",
        output_model="users.Availability",
        title="Get user availability",
        description=(
            "Get one user's live availability: available, offline, do_not_disturb, in_call or after_call_work."
        ),
        action="read the availability of user {user_id}",
    ),
    Endpoint(
        name="start_outbound_call",
        area=Area.USERS,
        access=_W,
        method="POST",
        path="/v1/users/{user_id}/calls",
        input_model="users.StartOutboundCallInput",
        output_model="users.UserAck",
        webhook_event="call.created",
        title="Start outbound call",
        description=(
            "Make a user's Aircall app call an E.164 number from one of the user's numbers: a real call. Refused "
            "unless the user is available and not in a call. To only prepare the call use prefill_dialer."
        ),
        action="start a call from user {user_id} on number {number_id}",
        number_arg="number_id",
    ),
    Endpoint(
        name="prefill_dialer",
        area=Area.USERS,
        access=_W,
        method="POST",
        path="/v1/users/{user_id}/dial",
        input_model="users.PrefillDialerInput",
        output_model="users.UserAck",
        title="Prefill dialer",
        description=(
            "Put an E.164 number in a user's Aircall dialer without calling. Refused when the user is unavailable."
        ),
        action="prefill the dialer of user {user_id}",
    ),
    Endpoint(
        name="get_dialer_campaign",
        area=Area.USERS,
        access=_R,
        method="GET",
        path="/v1/users/{user_id}/dialer_campaign",
        input_model="users.UserPath",
        output_model="users.DialerCampaignResult",
        title="Get dialer campaign",
        description="Get a user's power-dialer campaign; not found when the user has none.",
        action="read the dialer campaign of user {user_id}",
        number_arg=NUMBER_NOT_NAMED,
        source=(
            "number_id is a string in the reference's sample (confirmed: Riprock/aircall-api models "
            "dialer_campaign.py types it str); the output schema accepts an integer or a string."
        ),
    ),
    Endpoint(
        name="create_dialer_campaign",
        area=Area.USERS,
        access=_W,
        method="POST",
        path="/v1/users/{user_id}/dialer_campaign",
        input_model="users.DialerNumbersInput",
        output_model="users.UserAck",
        title="Create dialer campaign",
        description=(
            "Create a user's power-dialer campaign from E.164 phone numbers, or append them to the campaign the "
            "user already has. Refused (422) only for numbers already imported and not yet called."
        ),
        action="create a dialer campaign for user {user_id}",
        number_arg=NUMBER_NOT_NAMED,
        source=(
            "Appends to an existing campaign (confirmed: attio/aircall-app dialer-campaigns.ts, citing the "
            "reference's create-a-dialer-campaign, treats the POST as an upsert and its 422 'already imported, but "
            "not called' as per-number)."
        ),
    ),
    Endpoint(
        name="delete_dialer_campaign",
        area=Area.USERS,
        access=_D,
        method="DELETE",
        path="/v1/users/{user_id}/dialer_campaign",
        input_model="users.UserPath",
        output_model="users.UserAck",
        title="Delete dialer campaign",
        description="Delete a user's power-dialer campaign and all its numbers.",
        action="delete the dialer campaign of user {user_id}",
        number_arg=NUMBER_NOT_NAMED,
    ),
    Endpoint(
        name="list_dialer_campaign_numbers",
        area=Area.USERS,
        access=_R,
        method="GET",
        path="/v1/users/{user_id}/dialer_campaign/phone_numbers",
        input_model="users.UserPath",
        output_model="users.DialerNumberList",
        title="List dialer campaign numbers",
        description="List the phone numbers in a user's power-dialer campaign and whether each was called.",
        action="list the dialer campaign numbers of user {user_id}",
        number_arg=NUMBER_NOT_NAMED,
    ),
    Endpoint(
        name="add_dialer_campaign_numbers",
        area=Area.USERS,
        access=_W,
        method="POST",
        path="/v1/users/{user_id}/dialer_campaign/phone_numbers",
        input_model="users.DialerNumbersInput",
        output_model="users.UserAck",
        title="Add dialer campaign numbers",
        description=(
            "Add E.164 phone numbers to a user's power-dialer campaign. Refused for numbers already imported and "
            "not yet called."
        ),
        action="add numbers to the dialer campaign of user {user_id}",
        number_arg=NUMBER_NOT_NAMED,
    ),
    Endpoint(
        name="remove_dialer_campaign_number",
        area=Area.USERS,
        access=_D,
        method="DELETE",
        path="/v1/users/{user_id}/dialer_campaign/phone_numbers/{phone_number_id}",
        input_model="users.DialerNumberPath",
        output_model="users.DialerNumberAck",
        title="Remove dialer campaign number",
        description=(
            "Remove one phone number from a user's power-dialer campaign (ids from list_dialer_campaign_numbers)."
        ),
        action="remove number {phone_number_id} from the dialer campaign of user {user_id}",
        number_arg=NUMBER_NOT_NAMED,
    ),
    # ----------------------------------------------------------------------------------------------- teams
    Endpoint(
        name="list_teams",
        area=Area.TEAMS,
        access=_R,
        method="GET",
        path="/v1/teams",
        input_model="teams.ListTeamsInput",
        output_model="teams.TeamList",
        list_key="teams",
        title="List teams",
        description="List teams and their members. Teams decide who a number rings; they grant no permissions.",
        action="list teams",
    ),
    Endpoint(
        name="get_team",
        area=Area.TEAMS,
        access=_R,
        method="GET",
        path="/v1/teams/{team_id}",
        input_model="teams.TeamPath",
        output_model="teams.TeamResult",
        title="Get team",
        description="Get one team and its members.",
        action="read team {team_id}",
    ),
    Endpoint(
        name="create_team",
        area=Area.TEAMS,
        access=_W,
        method="POST",
        path="/v1/teams",
        input_model="teams.CreateTeamInput",
        output_model="teams.TeamResult",
        title="Create team",
        description="Create an empty team; the name must be unique and at most 64 characters.",
        action="create team {name}",
    ),
    Endpoint(
        name="delete_team",
        area=Area.TEAMS,
        access=_D,
        method="DELETE",
        path="/v1/teams/{team_id}",
        input_model="teams.TeamPath",
        output_model="teams.TeamAck",
        title="Delete team",
        description="Delete a team; its users are kept.",
        action="delete team {team_id}",
    ),
    Endpoint(
        name="add_team_member",
        area=Area.TEAMS,
        access=_W,
        method="POST",
        path="/v1/teams/{team_id}/users/{user_id}",
        input_model="teams.TeamMemberPath",
        output_model="teams.TeamResult",
        title="Add team member",
        description="Add one user to a team; refused if already a member. Returns the team.",
        action="add user {user_id} to team {team_id}",
    ),
    Endpoint(
        name="remove_team_member",
        area=Area.TEAMS,
        access=_D,
        method="DELETE",
        path="/v1/teams/{team_id}/users/{user_id}",
        input_model="teams.TeamMemberPath",
        output_model="teams.TeamResult",
        title="Remove team member",
        description="Remove one user from a team; refused if not a member. Returns the team.",
        action="remove user {user_id} from team {team_id}",
    ),
    # --------------------------------------------------------------------------------------------- numbers
    Endpoint(
        name="list_numbers",
        area=Area.NUMBERS,
        access=_R,
        method="GET",
        path="/v1/numbers",
        input_model="numbers.ListNumbersInput",
        output_model="numbers.NumberList",
        list_key="numbers",
        title="List numbers",
        description="List the company's phone numbers with their settings and assigned users.",
        action="list numbers",
    ),
    Endpoint(
        name="get_number",
        area=Area.NUMBERS,
        access=_R,
        method="GET",
        path="/v1/numbers/{number_id}",
        input_model="numbers.NumberPath",
        output_model="numbers.NumberResult",
        title="Get number",
        description=(
            "Get one phone number: digits, country, availability, live-recording setting, users, music & messages."
        ),
        action="read number {number_id}",
        number_arg="number_id",
    ),
    Endpoint(
        name="update_number",
        area=Area.NUMBERS,
        access=_W,
        method="PUT",
        path="/v1/numbers/{number_id}",
        input_model="numbers.UpdateNumberInput",
        output_model="numbers.NumberResult",
        title="Update number",
        description=(
            "Change a number's name, priority (null not set, 0 none, 1 top) or music & messages (https audio URLs)."
        ),
        action="update number {number_id}: {changes}",
        number_arg="number_id",
        source=(
            "priority is null, 0 (no priority) or 1 (top priority): confirmed for the Number object by "
            "Riprock/aircall-api models/number.py; that PUT accepts null is issue 11 quoting the reference "
            "(UNCONFIRMED by a client that sends it)."
        ),
    ),
    Endpoint(
        name="get_number_registration_status",
        area=Area.NUMBERS,
        access=_R,
        method="GET",
        path="/v1/numbers/{number_id}/registration_status",
        input_model="numbers.NumberPath",
        output_model="numbers.RegistrationStatusResult",
        title="Get number registration status",
        description="Get a number's regulatory registration status: registered, pending or not_required.",
        action="read the registration status of number {number_id}",
        number_arg="number_id",
    ),
    # ------------------------------------------------------------------------------------------------ tags
    Endpoint(
        name="list_tags",
        area=Area.TAGS,
        access=_R,
        method="GET",
        path="/v1/tags",
        input_model="tags.ListTagsInput",
        output_model="tags.TagList",
        list_key="tags",
        title="List tags",
        description="List the company's tags with the ids that tag_call and search_calls take.",
        action="list tags",
    ),
    Endpoint(
        name="get_tag",
        area=Area.TAGS,
        access=_R,
        method="GET",
        path="/v1/tags/{tag_id}",
        input_model="tags.TagPath",
        output_model="tags.TagResult",
        title="Get tag",
        description="Get one tag: name, colour and description.",
        action="read tag {tag_id}",
    ),
    Endpoint(
        name="create_tag",
        area=Area.TAGS,
        access=_W,
        method="POST",
        path="/v1/tags",
        input_model="tags.CreateTagInput",
        output_model="tags.TagResult",
        title="Create tag",
        description="Create a tag. The name must be unique; color is hex like #FF5733. Emojis are stripped.",
        action="create tag {name}",
    ),
    Endpoint(
        name="update_tag",
        area=Area.TAGS,
        access=_W,
        method="PUT",
        path="/v1/tags/{tag_id}",
        input_model="tags.UpdateTagInput",
        output_model="tags.TagResult",
        title="Update tag",
        description="Rename a tag, or change its hex colour or description; names stay unique.",
        action="update tag {tag_id}: {changes}",
    ),
    Endpoint(
        name="delete_tag",
        area=Area.TAGS,
        access=_D,
        method="DELETE",
        path="/v1/tags/{tag_id}",
        input_model="tags.TagPath",
        output_model="tags.TagAck",
        title="Delete tag",
        description="Delete a tag; it is also removed from every call.",
        action="delete tag {tag_id}",
    ),
    # -------------------------------------------------------------------------------------------- webhooks
    Endpoint(
        name="list_webhooks",
        area=Area.WEBHOOKS,
        access=_R,
        method="GET",
        path="/v1/webhooks",
        input_model="webhooks.ListWebhooksInput",
        output_model="webhooks.WebhookList",
        list_key="webhooks",
        title="List webhooks",
        description="List the company's webhooks: URL, events, active flag.",
        action="list webhooks",
    ),
    Endpoint(
        name="get_webhook",
        area=Area.WEBHOOKS,
        access=_R,
        method="GET",
        path="/v1/webhooks/{webhook_id}",
        input_model="webhooks.WebhookPath",
        output_model="webhooks.WebhookResult",
        title="Get webhook",
        description="Get one webhook by webhook_id (UUID) or legacy numeric id.",
        action="read webhook {webhook_id}",
    ),
    Endpoint(
        name="create_webhook",
        area=Area.WEBHOOKS,
        access=_W,
        method="POST",
        path="/v1/webhooks",
        input_model="webhooks.CreateWebhookInput",
        output_model="webhooks.WebhookResult",
        title="Create webhook",
        description=(
            "Send Aircall events to an https URL (all events unless you list some); at most 100 per company. "
            "Its verification token is withheld from agents: an operator reads it in the Aircall Dashboard."
        ),
        action="create a webhook",
    ),
    Endpoint(
        name="update_webhook",
        area=Area.WEBHOOKS,
        access=_W,
        method="PUT",
        path="/v1/webhooks/{webhook_id}",
        input_model="webhooks.UpdateWebhookInput",
        output_model="webhooks.WebhookResult",
        query_fields=frozenset({"events_action"}),
        title="Update webhook",
        description=(
            "Change a webhook's url, name, events or active flag. Without events Aircall subscribes it to ALL "
            "events: resend the current ones or merge with events_action add/remove. To re-enable it and keep its "
            "events: events_action add, no events."
        ),
        action="update webhook {webhook_id}: {changes}",
        source=(
            "events_action=add with no events re-enables a webhook without resetting its events: issue 11 quoting "
            "the reference; UNCONFIRMED by any client found (Aircall's webhooks guide has a section on re-enabling "
            "deactivated webhooks, text not retrieved)."
        ),
    ),
    Endpoint(
        name="delete_webhook",
        area=Area.WEBHOOKS,
        access=_D,
        method="DELETE",
        path="/v1/webhooks/{webhook_id}",
        input_model="webhooks.WebhookPath",
        output_model="webhooks.WebhookAck",
        title="Delete webhook",
        description="Delete a webhook; deliveries stop and its token is gone for good.",
        action="delete webhook {webhook_id}",
    ),
    # ------------------------------------------------------------------------------------------- messaging
    Endpoint(
        name="configure_messaging",
        area=Area.MESSAGING,
        access=_W,
        method="POST",
        path="/v1/numbers/{number_id}/messages/configuration",
        input_model="messaging.ConfigureMessagingInput",
        output_model="messaging.MessagingConfiguration",
        title="Configure messaging",
        description="Enable send_message on a number, optionally with an https URL for inbound message callbacks.",
        action="configure messaging on number {number_id}",
        number_arg="number_id",
        source=(
            "Path and POST/GET/DELETE: Riprock/aircall-api resources/message.py and CassiaResearch messages.ts "
            "agree. Body key callbackUrl (Cassia, Riprock docstring); Riprock also names a `type` (values "
            "UNCONFIRMED, not exposed). Response shape UNCONFIRMED."
        ),
    ),
    Endpoint(
        name="get_messaging_configuration",
        area=Area.MESSAGING,
        access=_R,
        method="GET",
        path="/v1/numbers/{number_id}/messages/configuration",
        input_model="numbers.NumberPath",
        output_model="messaging.MessagingConfiguration",
        title="Get messaging configuration",
        description="Get a number's messaging configuration; not found when send_message is not enabled on it.",
        action="read the messaging configuration of number {number_id}",
        number_arg="number_id",
        source="As configure_messaging; the 404 for an unconfigured number is the sandbox's reading (UNCONFIRMED).",
    ),
    Endpoint(
        name="delete_messaging_configuration",
        area=Area.MESSAGING,
        access=_D,
        method="DELETE",
        path="/v1/numbers/{number_id}/messages/configuration",
        input_model="numbers.NumberPath",
        output_model="messaging.MessagingAck",
        title="Delete messaging configuration",
        description="Disable send_message on a number and drop its callback URL.",
        action="delete the messaging configuration of number {number_id}",
        number_arg="number_id",
        source="As configure_messaging (Riprock, Cassia); status of the answer UNCONFIRMED (any 2xx accepted).",
    ),
    Endpoint(
        name="send_message",
        area=Area.MESSAGING,
        access=_W,
        method="POST",
        path="/v1/numbers/{number_id}/messages/send",
        input_model="messaging.SendMessageInput",
        output_model="messaging.Message",
        webhook_event="message.sent",
        title="Send SMS",
        description=(
            "Send an SMS (MMS with media_url) from a number set up by configure_messaging, outside the agents' "
            "inbox (for that: send_conversation_message)."
        ),
        action="send a message from number {number_id}",
        number_arg="number_id",
        source=(
            "Body to/body (max 1600 characters: CassiaResearch messages.ts and Riprock docstrings quoting the "
            "reference) and mediaUrl (Riprock; Cassia sends media_url: UNCONFIRMED which one Aircall reads). "
            "Needs the configuration first and answers the message unwrapped (Riprock payloads MESSAGE)."
        ),
    ),
    Endpoint(
        name="send_conversation_message",
        area=Area.MESSAGING,
        access=_W,
        method="POST",
        path="/v1/numbers/{number_id}/messages/native/send",
        input_model="messaging.SendMessageInput",
        output_model="messaging.Message",
        webhook_event="message.sent",
        title="Send SMS in conversation",
        description=(
            "Send an SMS (MMS with media_url) into the number's conversation with that person, seen by its "
            "agents in Aircall. SMS-capable numbers only."
        ),
        action="send a conversation message from number {number_id}",
        number_arg="number_id",
        source=(
            "Native send = into the agent conversation: Riprock resources/message.py (send_in_conversation) and "
            "Cassia. Which numbers support it (SMS-capable countries) is UNCONFIRMED; the sandbox allows US, CA, "
            "GB and AU numbers."
        ),
    ),
    Endpoint(
        name="send_group_message",
        area=Area.MESSAGING,
        access=_W,
        method="POST",
        path="/v1/numbers/{number_id}/messages/group/send",
        input_model="messaging.SendGroupMessageInput",
        output_model="messaging.GroupMessage",
        webhook_event="group_message.sent",
        title="Send group SMS",
        description=(
            "Send one group SMS (body or media_url) to several participants from a number set up by "
            "configure_messaging, outside the agents' inbox."
        ),
        action="send a group message from number {number_id}",
        number_arg="number_id",
        source=(
            "participants/body/mediaUrl and text-or-media: Riprock tests/test_new_endpoints.py; GROUP_MESSAGE "
            "payload (millisecond timestamps). That it needs the configuration like send_message is UNCONFIRMED."
        ),
    ),
    Endpoint(
        name="send_group_conversation_message",
        area=Area.MESSAGING,
        access=_W,
        method="POST",
        path="/v1/numbers/{number_id}/messages/group/native/send",
        input_model="messaging.SendGroupConversationInput",
        output_model="messaging.GroupMessage",
        webhook_event="group_message.sent",
        title="Send group SMS in conversation",
        description="Send a group SMS into the number's group conversation, seen by its agents in Aircall.",
        action="send a group conversation message from number {number_id}",
        number_arg="number_id",
        source="Path and body participants/body: Riprock tests/test_new_endpoints.py. Capability rule UNCONFIRMED.",
    ),
    Endpoint(
        name="send_whatsapp_message",
        area=Area.MESSAGING,
        access=_W,
        method="POST",
        path="/v1/messages/whatsapp/send",
        input_model="messaging.SendWhatsAppInput",
        output_model="messaging.Message",
        webhook_event="message.sent",
        title="Send WhatsApp message",
        description=(
            "Send a WhatsApp text or approved template from a WhatsApp line, outside the agents' inbox. Past "
            "WhatsApp's 24 h reply window only templates arrive."
        ),
        action="send a WhatsApp message from number {number_id}",
        number_arg="number_id",
        source=(
            "POST /v1/messages/whatsapp/send with lineId, to, text or templateParams {id, body:[{key,value}]}: "
            "Riprock tests/test_new_endpoints.py (pins path and body); text max 4096 from Riprock's docstring "
            "(UNCONFIRMED elsewhere). The 24 h window is WhatsApp's rule, not checked by the sandbox."
        ),
    ),
    Endpoint(
        name="send_whatsapp_conversation_message",
        area=Area.MESSAGING,
        access=_W,
        method="POST",
        path="/v1/messages/send/whatsapp/native",
        input_model="messaging.SendWhatsAppConversationInput",
        output_model="messaging.Message",
        webhook_event="message.sent",
        title="Send WhatsApp message in conversation",
        description="Like send_whatsapp_message, but into the conversation the line's agents see.",
        action="send a WhatsApp conversation message from number {number_id}",
        number_arg="number_id",
        source="Recipient sent as externalNumber on this endpoint only: Riprock tests/test_new_endpoints.py.",
    ),
    Endpoint(
        name="list_sms_templates",
        area=Area.MESSAGING,
        access=_R,
        method="GET",
        path="/v1/sms/templates",
        input_model="messaging.ListSmsTemplatesInput",
        output_model="messaging.SmsTemplateList",
        list_key="templates",
        title="List SMS templates",
        description="List the company's SMS templates (name and body), optionally searching names and bodies.",
        action="list SMS templates",
        source=(
            "GET /v1/sms/templates with search, page/per_page (Aircall allows 100 per page here; we keep 50 like "
            "every list) and meta: Riprock tests/test_new_endpoints.py. Fields id/name/body: payloads SMS_TEMPLATE."
        ),
    ),
    Endpoint(
        name="list_whatsapp_templates",
        area=Area.MESSAGING,
        access=_R,
        method="GET",
        path="/v1/numbers/{number_id}/templates",
        input_model="messaging.ListWhatsAppTemplatesInput",
        output_model="messaging.WhatsAppTemplateList",
        title="List WhatsApp templates",
        description=(
            "List a WhatsApp line's message templates (the ids send_whatsapp_message takes). Pages by cursor: "
            "pass pageInfo.nextToken as token."
        ),
        action="list the WhatsApp templates of number {number_id}",
        number_arg="number_id",
        source=(
            "Query status/category/token/limit and the cursor answer {templates, pageInfo{currentToken, nextToken, "
            "totalCount}} without meta: Riprock tests/test_new_endpoints.py + payloads WHATSAPP_TEMPLATES. Status "
            "and category values are WhatsApp's (UNCONFIRMED as Aircall filters)."
        ),
    ),
    Endpoint(
        name="get_whatsapp_status",
        area=Area.MESSAGING,
        access=_R,
        method="GET",
        path="/v1/numbers/{number_id}/whatsapp_status",
        input_model="numbers.NumberPath",
        output_model="messaging.WhatsAppStatus",
        title="Get WhatsApp status",
        description="Whether a number can send WhatsApp messages now, with its quality rating and messaging tier.",
        action="read the WhatsApp status of number {number_id}",
        number_arg="number_id",
        source=(
            "Fields wabaId/status/canSendMessage/messagingLimitTier/qualityRating/businessVerificationStatus: "
            "Riprock payloads WHATSAPP_STATUS. The answer for a number that is no WhatsApp line is UNCONFIRMED "
            "(the sandbox answers 404)."
        ),
    ),
    # ------------------------------------------------------------------------------------------- analytics
    Endpoint(
        name="create_analytics_export",
        area=Area.ANALYTICS,
        access=_W,
        method="POST",
        path="/v1/analytics/report/export",
        input_model="analytics.CreateExportInput",
        output_model="analytics.AnalyticsExport",
        webhook_event="analytics.report_created",
        title="Create analytics export",
        description=(
            "Build an Analytics+ report as CSV for relative_range or from_date..to_date, optionally for some "
            "users, teams or numbers. Asynchronous: poll get_analytics_export."
        ),
        action="export the analytics report {report_name}",
        # A report spans the company's numbers unless filtered: a grant scoped to numbers cannot vouch for it.
        number_arg=NUMBER_NOT_NAMED,
        source=(
            "Body {input: {reportName, filter: {dateFilter: {relative}|{absoluteRange: {fromDate, toDate}}, "
            "timezone, userIDs, teamIDs, lineIDs}, exportOptions}}, report names, relative ranges, 403 without "
            "Analytics+: Riprock resources/analytics.py + tests. Other filters (tags, call types...) not exposed."
        ),
    ),
    Endpoint(
        name="get_analytics_export",
        area=Area.ANALYTICS,
        access=_R,
        method="GET",
        path="/v1/analytics/report/export/{export_id}",
        input_model="analytics.ExportPath",
        output_model="analytics.AnalyticsExport",
        title="Get analytics export",
        description=(
            "Get an export's status; once COMPLETED it has a downloadUrl that expires (call again for a fresh one)."
        ),
        action="read analytics export {export_id}",
        source=(
            "camelCase answer exportID/status/downloadUrl/downloadUrlExpiresAt/errorMessage: Riprock payloads "
            "ANALYTICS_EXPORT_*; poll about once a minute (Riprock docstring)."
        ),
    ),
    # --------------------------------------------------------------------------------------------- company
    Endpoint(
        name="get_company",
        area=Area.COMPANY,
        access=_R,
        method="GET",
        path="/v1/company",
        input_model=NoArguments,
        output_model="company.CompanyResult",
        title="Get company",
        description="Get the Aircall company's name and its user and number counts.",
        action="read the company",
    ),
    Endpoint(
        name="check_connection",
        area=Area.COMPANY,
        access=_R,
        method="GET",
        path="/v1/ping",
        input_model=NoArguments,
        output_model="company.Ping",
        title="Check connection",
        description="Check that Aircall answers and accepts the server's credentials.",
        action="check the connection",
    ),
)

_BY_NAME: dict[str, Endpoint] = {endpoint.name: endpoint for endpoint in CATALOGUE}


def by_name(name: str) -> Endpoint | None:
    """The endpoint served as tool `name`, or None."""
    return _BY_NAME.get(name)


# -----------------------------------------------------------------------------------------------------------------
# Everything below reads entries generically.

# Arguments that steer this server, never sent to Aircall.
_SERVER_SIDE_FIELDS = frozenset({"max_items"})


def tool_annotations(endpoint: Endpoint) -> types.ToolAnnotations:
    """MCP hints derived from the entry; the access class alone decides read-only and destructive."""
    return types.ToolAnnotations(
        title=endpoint.title,
        read_only_hint=endpoint.access is Access.READ,
        destructive_hint=endpoint.access is Access.DESTRUCTIVE,
        idempotent_hint=endpoint.idempotent,
        open_world_hint=True,
    )


# The catalogue's published schemas, generated once (`python -m aircall_mcp.toolschemas`) and shipped with the
# package: building them with pydantic takes most of a cold start. A test checks the file equals a live build.
SCHEMA_CACHE = Path(__file__).with_name("tool_schemas.json")


@functools.cache
def _cached_schemas() -> Mapping[str, Any]:
    try:
        cached = json.loads(SCHEMA_CACHE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # a missing or damaged cache only costs time: schemas are built live
        logger.debug("tool schema cache %s unusable (%s); building schemas live", SCHEMA_CACHE, exc)
        return {}
    return cached if isinstance(cached, dict) else {}


@functools.cache
def _schemas(endpoint: Endpoint) -> tuple[dict[str, Any], dict[str, Any]]:
    # Only the catalogue's own entries come from the cache: another endpoint of the same name is built live.
    cached = _cached_schemas().get(endpoint.name) if _BY_NAME.get(endpoint.name) is endpoint else None
    if isinstance(cached, list) and len(cached) == 2:
        return cached[0], cached[1]
    return live_schemas(endpoint)


def live_schemas(endpoint: Endpoint) -> tuple[dict[str, Any], dict[str, Any]]:
    """The input and output schemas of `endpoint` built from its models (what the schema cache holds)."""
    input_schema, output_schema = tool_schema(endpoint.input_model), tool_schema(endpoint.output_model)
    owner = _output_owners().get(endpoint.output_model)
    if owner is not None and owner is not endpoint:
        output_schema = _output_reference(output_schema, owner)
    return input_schema, output_schema


@functools.cache
def _output_owners() -> dict[type[BaseModel], Endpoint]:
    """For each output model that a read tool returns, the first such read tool: it publishes the model in full."""
    owners: dict[type[BaseModel], Endpoint] = {}
    for endpoint in CATALOGUE:
        if endpoint.access is Access.READ:
            owners.setdefault(endpoint.output_model, endpoint)
    return owners


def _output_reference(schema: dict[str, Any], owner: Endpoint) -> dict[str, Any]:
    """`schema` with its objects and lists left open and pointed at `owner`, whose result has the same shape.

    Context budget: a tool returning what an earlier read tool already describes (archive_call returns the call
    of get_call, search_calls the page of list_calls) would otherwise repeat the whole schema in every agent's
    tools/list. The result still validates (output schemas are open objects) and scalar fields keep their types.
    """
    properties = {
        name: (
            {"type": node["type"], "description": f"as in {owner.name}"}
            if node.get("type") in ("object", "array")
            else node
        )
        for name, node in schema.get("properties", {}).items()
    }
    return {**schema, "properties": properties}


def tool_description(endpoint: Endpoint) -> str:
    """The description a model reads: the entry's own words, then the webhook event a success triggers."""
    if endpoint.webhook_event is None:
        return endpoint.description
    return f"{endpoint.description} Triggers webhook event {endpoint.webhook_event}."


def published_annotations(endpoint: Endpoint) -> types.ToolAnnotations:
    """`tool_annotations` without what the MCP spec already implies, as tools/list sends them.

    The title is the tool's own `title`; openWorldHint defaults to true; destructiveHint and idempotentHint only
    mean something when readOnlyHint is false. Dropping these is lossless and saves ~60 bytes per tool.
    """
    hints = tool_annotations(endpoint)
    update: dict[str, Any] = {"title": None, "open_world_hint": None}
    if hints.read_only_hint:
        update |= {"destructive_hint": None, "idempotent_hint": None}
    return hints.model_copy(update=update)


def to_mcp_tool(endpoint: Endpoint) -> types.Tool:
    """The MCP tool definition of `endpoint` (a fresh object: callers may adjust it)."""
    input_schema, output_schema = _schemas(endpoint)
    return types.Tool(
        name=endpoint.name,
        title=endpoint.title,
        description=tool_description(endpoint),
        input_schema=copy.deepcopy(input_schema),
        output_schema=copy.deepcopy(output_schema),
        annotations=published_annotations(endpoint),
    )


class _ArgumentView(Mapping[str, object]):
    """Lets an action template name fields and properties (`{changes}`, `{destination}`) of the arguments."""

    def __init__(self, args: BaseModel) -> None:
        self._args = args

    def __getitem__(self, key: str) -> object:
        try:
            return getattr(self._args, key)
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Any:
        return iter(type(self._args).model_fields)

    def __len__(self) -> int:
        return len(type(self._args).model_fields)


def action_text(endpoint: Endpoint, args: BaseModel) -> str:
    """The audit phrase for this call, e.g. "tag call 1234 with tags [56]"."""
    return endpoint.action.format_map(_ArgumentView(args))


def build_request(endpoint: Endpoint, args: BaseModel) -> PreparedRequest:
    """The HTTP request for validated `args`: path ids into the path, the rest to the query or the body."""
    values = args.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=set(_SERVER_SIDE_FIELDS))
    if isinstance(args, InputModel):
        # A null the caller gave on purpose where Aircall reads null as a change (a number's priority).
        for name in args.explicit_nulls():
            values[type(args).model_fields[name].alias or name] = None
    path = endpoint.build_path(values)
    for field in endpoint.path_fields:
        values.pop(field, None)
    if endpoint.method in ("GET", "DELETE"):
        query_values, body_values = values, {}
    else:
        query_values = {key: value for key, value in values.items() if key in endpoint.query_fields}
        body_values = {key: value for key, value in values.items() if key not in endpoint.query_fields}
        if isinstance(args, InputModel) and body_values:
            body_values = args.body_for_aircall(body_values)
    return PreparedRequest(
        method=endpoint.method,
        path=path,
        query=_query(query_values),
        body=body_values or None,
    )


def _query(values: Mapping[str, Any]) -> dict[str, str | list[str]]:
    # Aircall's conventions: "true"/"false" for flags, repeated `key[]` for arrays (tags[]=1&tags[]=2).
    query: dict[str, str | list[str]] = {}
    for key, value in values.items():
        if isinstance(value, list):
            query[f"{key}[]"] = [_scalar(item) for item in value]
        else:
            query[key] = _scalar(value)
    return query


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TypeError(f"cannot send a {type(value).__name__} in a query string")
