"""The sentence a person reads for each kind of line."""

from __future__ import annotations

import pytest

from aircall_mcp.audit import AuditEvent, summarize
from tests.audit.audit_helpers import event


@pytest.mark.parametrize(
    ("audit_event", "sentence"),
    [
        pytest.param(
            event(),
            "support-agent asked to tag call 1234 with tags [56]: allowed, done in 180 ms (HTTP 201).",
            id="allowed",
        ),
        pytest.param(
            event(
                agent="analyst",
                action="delete the recording of call 9",
                decision="denied",
                rule="tools.deny",
                http_status=None,
                duration_ms=None,
            ),
            "analyst asked to delete the recording of call 9: denied by tools.deny; nothing was sent to Aircall.",
            id="denied",
        ),
        pytest.param(
            event(
                action="delete call 9",
                http_status=404,
                aircall_error="call 9 does not exist",
                error_kind="NotFound",
                duration_ms=1234.0,
            ),
            "support-agent asked to delete call 9: allowed, failed in 1.2 s: "
            "Aircall said 404 Not Found (call 9 does not exist).",
            id="failed",
        ),
        pytest.param(
            event(action="delete contact 5", phase="intent", rule="areas.contacts=full", http_status=None),
            "support-agent is about to delete contact 5 (allowed by areas.contacts=full).",
            id="intent",
        ),
        pytest.param(
            event(action="delete contact 5", decision="confirmed", http_status=204),
            "support-agent asked to delete contact 5: confirmed by the user, done in 180 ms (HTTP 204).",
            id="confirmed",
        ),
        pytest.param(
            event(action="delete contact 5", decision="declined", http_status=None, duration_ms=None),
            "support-agent asked to delete contact 5: declined at confirmation; nothing was sent to Aircall.",
            id="declined",
        ),
        pytest.param(
            event(decision="invalid", reason="call_id: Input should be a valid integer", http_status=None),
            "support-agent called tag_call with a request that is not valid: call_id: Input should be a valid "
            "integer; nothing was sent to Aircall.",
            id="invalid",
        ),
        pytest.param(
            event(action="list calls", http_status=200, retries=2, rate_limit_wait_ms=1500.0, duration_ms=2400.0),
            "support-agent asked to list calls: allowed, done in 2.4 s (HTTP 200) after 2 retries and 1.5 s waiting "
            "for the rate limit.",
            id="retries-and-wait",
        ),
        pytest.param(
            event(
                action="create contact Ada",
                http_status=None,
                error_kind="TransportError",
                error_message="connection dropped after sending",
                maybe_applied=True,
                duration_ms=30_000.0,
                retries=1,
            ),
            "support-agent asked to create contact Ada: allowed, failed in 30.0 s after 1 retry: "
            "TransportError (connection dropped after sending); Aircall may have applied it.",
            id="maybe-applied",
        ),
    ],
)
def test_summary_reads_as_one_plain_sentence(audit_event: AuditEvent, sentence: str) -> None:
    """Each outcome gets a sentence a reviewer understands without the JSON."""
    assert summarize(audit_event) == sentence


def test_aircall_error_that_repeats_the_status_phrase_is_not_doubled() -> None:
    """Aircall bodies often start with the HTTP reason."""
    text = summarize(event(http_status=404, aircall_error="Not Found: no such call", error_kind="NotFound"))
    assert text.endswith("Aircall said 404 Not Found: no such call.")


def test_unknown_tool_without_action_still_reads() -> None:
    """No catalogue entry means no action phrase; the tool name stands in."""
    text = summarize(event(tool="drop_tables", action=None, decision="denied", rule=None, reason="unknown tool"))
    assert text == "support-agent asked to call drop_tables: denied (unknown tool); nothing was sent to Aircall."


def test_very_long_action_is_clipped() -> None:
    """A long comment in the action cannot swamp the sentence."""
    assert len(summarize(event(action="comment " + "z" * 1000))) < 300
