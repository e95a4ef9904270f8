"""/v1/numbers: the company's phone lines."""

from __future__ import annotations

from typing import Any

from aircall_mcp.sandbox import listing, render
from aircall_mcp.sandbox.context import Ctx, Reply, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.seed import MESSAGE_KINDS
from aircall_mcp.sandbox.validate import body_object, https_url, text


def list_numbers(ctx: Ctx) -> Reply:
    params = listing.list_params(ctx)
    selected = listing.window(list(ctx.ws.numbers.values()), params, lambda n: n.created_at)
    return ok(listing.page(ctx, "numbers", selected, params, lambda n: render.number(ctx.ws, n)))


def get_number(ctx: Ctx) -> Reply:
    return ok({"number": render.number(ctx.ws, ctx.ws.number(ctx.int_param("number_id")))})


def _messages(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ApiError.bad_request("messages must be an object of audio URLs")
    unknown = sorted(set(raw) - set(MESSAGE_KINDS))
    if unknown:
        raise ApiError.bad_request(f"messages has unknown keys: {', '.join(unknown)}")
    return {k: https_url(v, f"messages.{k}") for k, v in raw.items()}


def update_number(ctx: Ctx) -> Reply:
    number = ctx.ws.number(ctx.int_param("number_id"))
    body = body_object(ctx.body)
    name = text(body, "name", required=True) if "name" in body else None
    priority = body.get("priority")
    if "priority" in body and (isinstance(priority, bool) or priority not in (None, 0, 1)):
        raise ApiError.bad_request("priority must be null, 0 or 1")
    messages = _messages(body["messages"]) if "messages" in body else {}
    if name is not None:
        number.name = name
    if "priority" in body:
        number.priority = priority
    number.messages.update(messages)
    return ok({"number": render.number(ctx.ws, number)})


def registration_status(ctx: Ctx) -> Reply:
    number = ctx.ws.number(ctx.int_param("number_id"))
    status = {"number_id": number.id, "country": number.country, "status": number.registration_status}
    return ok({"registration_status": status})
