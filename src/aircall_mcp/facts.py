"""What Aircall's API is, as far as it is known: limits that are Aircall's, not ours to configure.

Each fact is defined once here; settings, models, the client and the sandbox read it from here.
"""

from __future__ import annotations

# Aircall never serves more than the first 10,000 matches of a list or search, whatever the page.
PAGINATION_CAP = 10_000
# The largest `per_page` a list endpoint accepts.
MAX_PER_PAGE = 50
# What a list endpoint serves when no `per_page` is asked for.
DEFAULT_PER_PAGE = 20
# The documented company budget: 120 requests a minute, shared by every integration of the company.
DOCUMENTED_RATE_LIMIT = 120
DOCUMENTED_RATE_WINDOW_SECONDS = 60.0

# Webhook event names Aircall accepts (API notes section 6.4): grants, the catalogue, the events feed and the
# sandbox read them from here.
ALL_EVENTS: tuple[str, ...] = (
    # call
    "call.created", "call.ringing_on_agent", "call.agent_declined", "call.answered", "call.transferred",
    "call.external_transferred", "call.unsuccessful_transfer", "call.hungup", "call.ended", "call.hold",
    "call.unhold", "call.ivr_option_selected", "call.comm_assets_generated", "call.voicemail_left",
    "call.assigned", "call.archived", "call.tagged", "call.untagged", "call.commented",
    # user v1 (deprecated) and v2
    "user.created", "user.deleted", "user.connected", "user.disconnected", "user.opened", "user.closed",
    "user.wut_start", "user.wut_end",
    "user.created.v2", "user.deleted.v2", "user.connected.v2", "user.disconnected.v2", "user.opened.v2",
    "user.closed.v2", "user.wut_start.v2", "user.wut_end.v2",
    # number, contact
    "number.created", "number.opened", "number.closed", "number.deleted",
    "contact.created", "contact.updated", "contact.deleted",
    # messaging
    "message.sent", "message.received", "message.status_updated", "group_message.sent",
    "group_message.received", "group_message.status_updated",
    # conversation intelligence
    "transcription.created", "summary.created", "topics.created", "sentiment.created", "action_item.created",
    "playbook_result.created", "playbook_result.updated", "realtime_transcription.utterances_received",
    "custom_summary.result_created", "custom_summary.result_updated", "call_evaluation.created",
    "call_evaluation.updated",
    # AI voice agent, analytics, integration
    "ai_voice_agent.started", "ai_voice_agent.ended", "ai_voice_agent.escalated", "ai_voice_agent.summary",
    "analytics.report_created", "analytics.report_failed",
    "integration.deleted",
)  # fmt: skip

KNOWN_EVENTS: frozenset[str] = frozenset(ALL_EVENTS)
