"""Messaging: a number's configuration, SMS/MMS and group sends, WhatsApp sends, templates and WhatsApp status.

Rules (see the catalogue's source notes for what is confirmed): the Public-API sends (`/messages/send`,
`/messages/group/send`) need the number's messaging configuration; the conversation ("native") sends need a
number that supports SMS; WhatsApp sends need a WhatsApp line that can send, and a template must be one of the
line's approved templates. Every send records the message and emits its event.
"""

from __future__ import annotations

from typing import Any

from aircall_mcp.sandbox.context import Ctx, Reply, created, no_content, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.messaging import Messaging, WhatsAppLine, messaging
from aircall_mcp.sandbox.state import Number
from aircall_mcp.sandbox.validate import body_object, e164, https_url, integer

MAX_SMS_CHARS = 1600
MAX_WHATSAPP_CHARS = 4096
MAX_TEMPLATES_PER_PAGE = 100  # /v1/sms/templates allows 100, unlike the other lists
DEFAULT_WHATSAPP_LIMIT = 10


def _number(ctx: Ctx) -> tuple[Number, Messaging]:
    return ctx.ws.number(ctx.int_param("number_id")), messaging(ctx.ws)


# ---------------------------------------------------------------------------------------------- configuration


def _configuration(number: Number, callback: str | None) -> dict[str, Any]:
    return {"number_id": number.id, "callbackUrl": callback}


def create_configuration(ctx: Ctx) -> Reply:
    number, state = _number(ctx)
    body = body_object(ctx.body, required=False)
    callback = https_url(body["callbackUrl"], "callbackUrl") if body.get("callbackUrl") is not None else None
    state.configurations[number.id] = callback
    return created(_configuration(number, callback))


def get_configuration(ctx: Ctx) -> Reply:
    number, state = _number(ctx)
    if number.id not in state.configurations:
        raise ApiError.not_found(f"Number {number.id} has no messaging configuration")
    return ok(_configuration(number, state.configurations[number.id]))


def delete_configuration(ctx: Ctx) -> Reply:
    number, state = _number(ctx)
    if state.configurations.pop(number.id, "missing") == "missing":
        raise ApiError.not_found(f"Number {number.id} has no messaging configuration")
    return no_content()


# ---------------------------------------------------------------------------------------------------- sends


def _sms_text(value: Any, field: str, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError.bad_request(f"{field} can't be blank")
    if len(value) > MAX_SMS_CHARS:
        raise ApiError.bad_request(f"{field} is too long (maximum is {MAX_SMS_CHARS} characters)")
    return value


def _media(body: dict[str, Any]) -> list[str]:
    raw = body.get("mediaUrl")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        raise ApiError.bad_request("mediaUrl must be a list of https URLs")
    return [https_url(url, "mediaUrl") for url in raw]


def _configured(number: Number, state: Messaging) -> None:
    if number.id not in state.configurations:
        raise ApiError.unprocessable(
            f"Number {number.id} has no messaging configuration: create one before sending through the Public API"
        )


def _sms_capable(number: Number, state: Messaging) -> None:
    if number.id not in state.sms_numbers:
        raise ApiError.unprocessable(f"Number {number.id} does not support SMS")


def _message(ctx: Ctx, number: Number, to: str, body: str | None, media: list[str]) -> Reply:
    state = messaging(ctx.ws)
    at = ctx.now * 1000  # messages carry millisecond timestamps
    message_id = f"SM{len(state.messages) + 1:08d}"
    message = {
        "id": message_id,
        "direct_link": f"{ctx.base_url}/v1/numbers/{number.id}/messages/{message_id}",
        "direction": "outbound",
        "status": "pending",
        "raw_digits": to,
        "body": body,
        "media_url": media,
        "created_at": at,
        "sent_at": at,
        "updated_at": at,
    }
    state.messages.append({**message, "number": {"id": number.id}})
    state.emit("message.sent", {**message, "number": {"id": number.id}}, ctx.now)
    return ok(message)  # unwrapped, unlike most objects


def _send(ctx: Ctx, *, inbox: bool) -> Reply:
    number, state = _number(ctx)
    (_sms_capable if inbox else _configured)(number, state)
    body = body_object(ctx.body)
    to = e164(body.get("to"), "to")
    text = _sms_text(body.get("body"), "body")
    return _message(ctx, number, to, text, _media(body))


def send(ctx: Ctx) -> Reply:
    return _send(ctx, inbox=False)


def send_native(ctx: Ctx) -> Reply:
    return _send(ctx, inbox=True)


def _group(ctx: Ctx, *, inbox: bool) -> Reply:
    number, state = _number(ctx)
    (_sms_capable if inbox else _configured)(number, state)
    body = body_object(ctx.body)
    raw = body.get("participants")
    if not isinstance(raw, list) or not raw:
        raise ApiError.bad_request("participants must be a non-empty list of E.164 numbers")
    participants = [e164(p, "participants") for p in raw]
    text = _sms_text(body.get("body"), "body", required=inbox)
    media = [] if inbox else _media(body)
    if not inbox and (text is None) == (not media):
        raise ApiError.bad_request("Provide either body or mediaUrl")
    at = ctx.now * 1000
    group = {
        "group_message_id": f"GM{len(state.messages) + 1:08d}",
        "group_conversation_id": f"GC{number.id}-{'-'.join(p[1:] for p in sorted(participants))}",
        "direction": "outbound",
        "status": "pending",
        "participants": participants,
        "body": text,
        "media_url": media,
        "created_at": at,
        "sent_at": at,
        "updated_at": at,
    }
    state.messages.append({**group, "number": {"id": number.id}})
    state.emit("group_message.sent", {**group, "number": {"id": number.id}}, ctx.now)
    return ok(group)


def send_group(ctx: Ctx) -> Reply:
    return _group(ctx, inbox=False)


def send_group_native(ctx: Ctx) -> Reply:
    return _group(ctx, inbox=True)


# ------------------------------------------------------------------------------------------------- WhatsApp


def _line(ctx: Ctx, number_id: int) -> WhatsAppLine:
    line = messaging(ctx.ws).whatsapp.get(ctx.ws.number(number_id).id)
    if line is None:
        raise ApiError.not_found(f"Number {number_id} is not a WhatsApp line")
    return line


def _whatsapp(ctx: Ctx, recipient_field: str) -> Reply:
    body = body_object(ctx.body)
    number_id = integer(body.get("lineId"), "lineId", minimum=1)
    line = _line(ctx, number_id)
    if not line.can_send:
        raise ApiError.unprocessable(f"WhatsApp line {number_id} cannot send messages yet (status {line.status})")
    to = e164(body.get(recipient_field), recipient_field)
    text, template = body.get("text"), body.get("templateParams")
    if (text is None) == (template is None):
        raise ApiError.bad_request("Provide exactly one of text or templateParams")
    if text is not None:
        if not isinstance(text, str) or not text.strip():
            raise ApiError.bad_request("text can't be blank")
        if len(text) > MAX_WHATSAPP_CHARS:
            raise ApiError.bad_request(f"text is too long (maximum is {MAX_WHATSAPP_CHARS} characters)")
        content = text
    else:
        template_id = template.get("id") if isinstance(template, dict) else None
        found = next((t for t in line.templates if str(t["id"]) == str(template_id)), None)
        if found is None or found["status"] != "APPROVED":
            raise ApiError.unprocessable(f"templateParams.id {template_id} is not an approved template of the line")
        content = f"[template {found['name']}]"
    reply = _message(ctx, ctx.ws.number(number_id), to, content, [])
    reply.body["channel"] = "whatsapp"
    return reply


def send_whatsapp(ctx: Ctx) -> Reply:
    return _whatsapp(ctx, "to")


def send_whatsapp_native(ctx: Ctx) -> Reply:
    return _whatsapp(ctx, "externalNumber")


def whatsapp_status(ctx: Ctx) -> Reply:
    line = _line(ctx, ctx.int_param("number_id"))
    return ok(
        {
            "wabaId": f"waba-{ctx.params['number_id']}",
            "status": line.status,
            "canSendMessage": line.can_send,
            "messagingLimitTier": "TIER_1K" if line.can_send else None,
            "qualityRating": line.quality,
            "businessVerificationStatus": "VERIFIED" if line.can_send else "PENDING",
        }
    )


def whatsapp_templates(ctx: Ctx) -> Reply:
    """Cursor pagination: `token` is the offset of the page, `limit` its size; no meta envelope."""
    line = _line(ctx, ctx.int_param("number_id"))
    q = ctx.query
    items = [
        t
        for t in line.templates
        if (q.get("status") is None or t["status"] == q.get("status"))
        and (q.get("category") is None or t["category"] == q.get("category"))
    ]
    token = integer(q.get("token") or "0", "token", minimum=0)
    limit = integer(q.get("limit") or str(DEFAULT_WHATSAPP_LIMIT), "limit", minimum=1)
    if limit > MAX_TEMPLATES_PER_PAGE:
        raise ApiError.bad_request(f"limit must be less than or equal to {MAX_TEMPLATES_PER_PAGE}")
    page = items[token : token + limit]
    info: dict[str, Any] = {"currentToken": token, "totalCount": len(items)}
    if token + limit < len(items):
        info["nextToken"] = token + limit
    return ok({"templates": page, "pageInfo": info})


def sms_templates(ctx: Ctx) -> Reply:
    """Page-numbered like the other lists, but up to 100 per page; `search` looks in names and bodies."""
    q = ctx.query
    page = integer(q.get("page") or "1", "page", minimum=1)
    per_page = integer(q.get("per_page") or "20", "per_page", minimum=1)
    if per_page > MAX_TEMPLATES_PER_PAGE:
        raise ApiError.bad_request(f"per_page must be less than or equal to {MAX_TEMPLATES_PER_PAGE}")
    search = (q.get("search") or "").casefold()
    items = [t for t in messaging(ctx.ws).sms_templates if search in (t["name"] + " " + t["body"]).casefold()]
    start = (page - 1) * per_page
    chosen = items[start : start + per_page]

    def link(number: int) -> str:
        return f"{ctx.base_url}{ctx.path}?page={number}&per_page={per_page}"

    meta = {
        "count": len(chosen),
        "total": len(items),
        "current_page": page,
        "per_page": per_page,
        "next_page_link": link(page + 1) if start + per_page < len(items) else None,
        "previous_page_link": link(page - 1) if page > 1 else None,
    }
    return ok({"templates": chosen, "meta": meta})
