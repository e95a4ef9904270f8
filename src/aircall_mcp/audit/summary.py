"""One plain-English sentence per audit line, for people reading `aircall-mcp audit tail`."""

from __future__ import annotations

from http import HTTPStatus

from aircall_mcp.audit.event import REFUSALS, AuditEvent

# Long free text (a comment body, say) belongs in `arguments`, not in the sentence.
_MAX_ACTION_CHARS = 200


def summarize(event: AuditEvent) -> str:
    """Say who asked for what, whether it was allowed, and how it ended, in one sentence."""
    action = _clip(event.action or f"call {event.tool}")
    if event.phase == "intent":
        return f"{event.agent} is about to {action} ({_permission(event)})."
    if event.phase == "approval":
        return _approval_step(event, action)
    if event.decision == "invalid":
        why = f": {event.reason}" if event.reason else ""
        return f"{event.agent} called {event.tool} with a request that is not valid{why}; nothing was sent to Aircall."
    asked = f"{event.agent} asked to {action}"
    if event.decision in REFUSALS:
        return f"{asked}: {_refusal(event)}; nothing was sent to Aircall."
    if event.decision == "error":
        why = f" ({event.reason})" if event.reason else ""
        return f"{asked}: failed inside aircall-mcp before its request was sent{why}."
    verdict = {"confirmed": "confirmed by the user", "approved": "approved by an operator"}.get(
        event.decision, "allowed"
    )
    return f"{asked}: {verdict}, {_ending(event)}."


def _approval_step(event: AuditEvent, action: str) -> str:
    about = f"{event.agent}'s request to {action}"
    note = f" ({event.note})" if event.note else ""
    why = f": {event.reason}" if event.reason else ""
    if event.decision == "pending":
        return f"{about} waits for an operator's approval{note}."
    if event.decision == "approved":
        return f"{about} was approved by an operator{note}{why}."
    if event.decision == "declined":
        return f"{about} was denied by an operator{note}{why}."
    return f"{about} expired: its approval was not decided or not used in time{note}{why}."


def format_duration(ms: float) -> str:
    """180 ms, 1.2 s, 2 min 5 s."""
    if ms < 1000:
        return f"{round(ms)} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds} s"


def _permission(event: AuditEvent) -> str:
    rule = f" by {event.rule}" if event.rule else ""
    if event.decision == "confirmed":
        return f"confirmed by the user, allowed{rule}"
    if event.decision == "approved":
        return f"approved by an operator, allowed{rule}"
    return f"{event.decision}{rule}"


def _refusal(event: AuditEvent) -> str:
    why = f" ({event.reason})" if event.reason else ""
    if event.decision == "declined":
        return f"declined at confirmation{why}"
    if event.decision == "unconfirmed":
        return f"not confirmed{why}"
    if event.decision == "pending":
        return f"waiting for an operator's approval{why}"
    if event.decision == "expired":
        return f"the operator approval expired{why}"
    rule = f" by {event.rule}" if event.rule else ""
    return f"denied{rule}{why}"


def _ending(event: AuditEvent) -> str:
    took = f" in {format_duration(event.duration_ms)}" if event.duration_ms is not None else ""
    extras = _extras(event)
    note = f"; {event.note}" if event.note else ""
    if event.gone_on_retry:
        return f"done{took}{extras}: already deleted, the retry found it gone (HTTP {event.http_status}){note}"
    if event.partial:
        return f"stopped part way{took}{extras}: {_failure(event)}{note}"
    if not event.failed:
        status = f" (HTTP {event.http_status})" if event.http_status is not None else ""
        return f"done{took}{status}{extras}{note}"
    text = f"failed{took}{extras}: {_failure(event)}"
    if event.maybe_applied:
        text += "; Aircall may have applied it"
    return text


def _extras(event: AuditEvent) -> str:
    parts: list[str] = []
    if event.retries:
        parts.append(f"{event.retries} retr{'y' if event.retries == 1 else 'ies'}")
    if event.rate_limit_wait_ms:
        parts.append(f"{format_duration(event.rate_limit_wait_ms)} waiting for the rate limit")
    return f" after {' and '.join(parts)}" if parts else ""


def _failure(event: AuditEvent) -> str:
    if event.http_status is not None:
        phrase = _phrase(event.http_status)
        text = event.aircall_error or event.error_message
        if not text:
            return f"Aircall said {event.http_status} {phrase}".rstrip()
        if phrase and text.lower().startswith(phrase.lower()):
            return f"Aircall said {event.http_status} {text}"
        return f"Aircall said {event.http_status} {phrase} ({text})".replace("  ", " ")
    kind = event.error_kind or "error"
    text = event.error_message or event.aircall_error
    return f"{kind} ({text})" if text else kind


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_ACTION_CHARS else text[: _MAX_ACTION_CHARS - 1] + "…"
