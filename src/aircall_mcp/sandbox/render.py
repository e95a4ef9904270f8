"""Workspace objects -> the JSON Aircall returns (field names and types per the API notes, section 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aircall_mcp.sandbox.state import Call, Contact, DialerCampaign, Number, Tag, Team, User, Webhook, Workspace

# direct_link values point at the real API origin, as Aircall's own responses do.
API_ORIGIN = "https://api.aircall.io"

_AVAILABILITY_STATUS = {
    "available": "available",
    "in_call": "available",
    "after_call_work": "available",
    "do_not_disturb": "custom",
    "offline": "unavailable",
}


def iso(ts: int) -> str:
    """Users, numbers, teams and webhooks carry ISO-8601 `created_at` strings, not UNIX seconds."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _user_core(user: User, version: str) -> dict[str, Any]:
    return {
        "id": user.id,
        "direct_link": f"{API_ORIGIN}/{version}/users/{user.id}",
        "name": user.name,
        "email": user.email,
        "availability_status": _AVAILABILITY_STATUS.get(user.availability, "available"),
        "created_at": iso(user.created_at),
        "time_zone": user.time_zone,
        "language": user.language,
    }


def user_v2(user: User) -> dict[str, Any]:
    return {
        **_user_core(user, "v2"),
        "available": user.availability != "offline",
        "state": user.substatus,
        "substatus": user.substatus,
        "wrap_up_time": user.wrap_up_time,
        "extension": user.extension,
        "default_number_id": user.default_number_id,
    }


def user_nested(user: User) -> dict[str, Any]:
    """A user embedded in a call or number: no substatus / wrap-up time (reference samples)."""
    return {**_user_core(user, "v1"), "available": user.availability != "offline"}


def user_in_team(user: User) -> dict[str, Any]:
    """Team member rows have no `available` flag (recorded get-team response)."""
    return {**_user_core(user, "v1"), "default_number_id": user.default_number_id, "wrap_up_time": user.wrap_up_time}


def team(ws: Workspace, t: Team) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "direct_link": f"{API_ORIGIN}/v1/teams/{t.id}",
        "created_at": iso(t.created_at),
        "users": [user_in_team(ws.users[uid]) for uid in t.user_ids if uid in ws.users],
    }


def number_nested(n: Number) -> dict[str, Any]:
    return {
        "id": n.id,
        "direct_link": f"{API_ORIGIN}/v1/numbers/{n.id}",
        "name": n.name,
        "digits": n.digits,
        "created_at": iso(n.created_at),
        "country": n.country,
        "time_zone": n.time_zone,
        "open": n.availability_status != "closed",
        "availability_status": n.availability_status,
        "is_ivr": n.is_ivr,
        "live_recording_activated": n.live_recording_activated,
        "priority": n.priority,
    }


def number(ws: Workspace, n: Number) -> dict[str, Any]:
    return {
        **number_nested(n),
        "users": [user_nested(ws.users[uid]) for uid in n.user_ids if uid in ws.users],
        "messages": dict(n.messages),
    }


def tag(t: Tag) -> dict[str, Any]:
    return {
        "id": t.id,
        "direct_link": f"{API_ORIGIN}/v1/tags/{t.id}",
        "name": t.name,
        "color": t.color,
        "description": t.description,
    }


def contact(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id,
        "direct_link": f"{API_ORIGIN}/v1/contacts/{c.id}",
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company_name": c.company_name,
        "information": c.information,
        "is_shared": c.is_shared,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "phone_numbers": [{"id": p.id, "label": p.label, "value": p.value} for p in c.phone_numbers],
        "emails": [{"id": e.id, "label": e.label, "value": e.value} for e in c.emails],
    }


def _maybe_user(ws: Workspace, user_id: int | None) -> dict[str, Any] | None:
    u = ws.users.get(user_id) if user_id is not None else None
    return user_nested(u) if u is not None else None


def call(ws: Workspace, c: Call, flags: frozenset[str] = frozenset()) -> dict[str, Any]:
    """`flags` are the fetch_* options the request turned on (without the prefix)."""
    out: dict[str, Any] = {
        "id": c.id,
        "sid": c.sid,
        "direct_link": f"{API_ORIGIN}/v1/calls/{c.id}",
        "direction": c.direction,
        "status": c.status,
        "started_at": c.started_at,
        "answered_at": c.answered_at,
        "ended_at": c.ended_at,
        "duration": c.duration,
        "raw_digits": c.raw_digits,
        "missed_call_reason": c.missed_call_reason,
        "hangup_cause": None,
        "cost": "0.0",
        "recording": c.recording,
        "voicemail": c.voicemail,
        "asset": f"https://assets.aircall.io/calls/{c.id}/recording" if c.recording or c.voicemail else None,
        "archived": c.archived,
        "number": number_nested(ws.numbers[c.number_id]) if c.number_id in ws.numbers else None,
        "user": _maybe_user(ws, c.user_id),
        "contact": None,
        "assigned_to": _maybe_user(ws, c.assigned_to),
        "teams": [
            {
                "id": t.id,
                "name": t.name,
                "direct_link": f"{API_ORIGIN}/v1/teams/{t.id}",
                "created_at": iso(t.created_at),
            }
            for t in (ws.teams.get(tid) for tid in c.team_ids)
            if t is not None
        ],
        "transferred_by": _maybe_user(ws, c.transferred_by),
        "transferred_to": _maybe_user(ws, c.transferred_to),
        "external_transferred_to": c.external_transferred_to,
        "comments": [
            {"id": m.id, "content": m.content, "posted_at": m.posted_at, "posted_by": _maybe_user(ws, m.posted_by)}
            for m in c.comments
        ],
        "tags": [
            {"id": t.id, "name": t.name, "color": t.color, "tagged_at": ct.tagged_at}
            for ct, t in ((ct, ws.tags.get(ct.tag_id)) for ct in c.tags)
            if t is not None
        ],
    }
    if "contact" in flags and c.contact_id in ws.contacts:
        out["contact"] = contact(ws.contacts[c.contact_id])
    if "short_urls" in flags:
        out["recording_short_url"] = f"https://short.aircall.example/r/{c.sid[:8]}" if c.recording else None
        out["voicemail_short_url"] = f"https://short.aircall.example/v/{c.sid[:8]}" if c.voicemail else None
    if "call_timeline" in flags:
        out["ivr_options_selected"] = []
    if "aiva_conv" in flags:
        out["ai_voice_agents"] = []
    return out


def webhook(w: Webhook, *, with_legacy_id: bool = True) -> dict[str, Any]:
    """The recorded create response has no numeric `id`; GET and list responses do."""
    out: dict[str, Any] = {"id": w.id} if with_legacy_id else {}
    out.update(
        {
            "webhook_id": w.webhook_id,
            "direct_link": f"{API_ORIGIN}/v1/webhooks/{w.webhook_id}",
            "created_at": iso(w.created_at),
            "url": w.url,
            "active": w.active,
            "token": w.token,
            "events": list(w.events),
            "custom_name": w.custom_name,
        }
    )
    return out


def campaign(c: DialerCampaign) -> dict[str, Any]:
    # The reference's sample gives the campaign's number_id as a string.
    number_id = None if c.number_id is None else str(c.number_id)
    return {"id": c.id, "number_id": number_id, "created_at": iso(c.created_at)}
