"""Users: v2 CRUD, v1 delete, availability, and placing calls from a user's app."""

from __future__ import annotations

import uuid

from aircall_mcp.sandbox import listing, render
from aircall_mcp.sandbox.context import Ctx, Reply, created, no_content, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.state import AVAILABLE_STATES, Call, User
from aircall_mcp.sandbox.validate import body_object, e164, email, integer, text

UNAVAILABLE = "The user is currently unavailable"


def find_user(ctx: Ctx) -> User:
    """Users may be addressed by numeric id or by email."""
    raw = ctx.params["user_id"]
    if "@" in raw:
        user = ctx.ws.user_by_email(raw)
        if user is None:
            raise ApiError.not_found(f"User {raw} not found")
        return user
    return ctx.ws.user(ctx.int_param("user_id"))


def list_users(ctx: Ctx) -> Reply:
    params = listing.list_params(ctx)
    selected = listing.window(list(ctx.ws.users.values()), params, lambda u: u.created_at)
    return ok(listing.page(ctx, "users", selected, params, render.user_v2))


def get_user(ctx: Ctx) -> Reply:
    return ok({"user": render.user_v2(find_user(ctx))})


def _unique_email(ctx: Ctx, value: str, user_id: int | None = None) -> str:
    existing = ctx.ws.user_by_email(value)
    if existing is not None and existing.id != user_id:
        raise ApiError.bad_request(f"email {value} has already been taken")
    return value


def create_user(ctx: Ctx) -> Reply:
    body = body_object(ctx.body)
    address = _unique_email(ctx, email(body.get("email"), "email"))
    first = text(body, "first_name", required=True) or ""
    last = text(body, "last_name", required=True) or ""
    wrap_up = integer(body["wrap_up_time"], "wrap_up_time", minimum=0) if body.get("wrap_up_time") is not None else 0
    user_id = ctx.ws.next_id("user")
    user = User(
        id=user_id,
        first_name=first,
        last_name=last,
        email=address,
        created_at=ctx.now,
        time_zone=text(body, "time_zone") or "Etc/UTC",
        language=text(body, "language") or "en-US",
        wrap_up_time=wrap_up,
        extension=text(body, "extension") or f"{len(ctx.ws.users) + 1:03d}",
        availability="offline",
        substatus="always_closed",
    )
    ctx.ws.users[user.id] = user
    return created({"user": render.user_v2(user)})


def update_user(ctx: Ctx) -> Reply:
    user = find_user(ctx)
    body = body_object(ctx.body)
    changes: dict[str, object] = {}
    for name in ("first_name", "last_name", "time_zone", "language", "extension"):
        if name in body:
            changes[name] = text(body, name, required=True)
    if "email" in body:
        changes["email"] = _unique_email(ctx, email(body["email"], "email"), user.id)
    if "wrap_up_time" in body:
        changes["wrap_up_time"] = integer(body["wrap_up_time"], "wrap_up_time", minimum=0)
    if body.get("default_number_id") is not None:
        changes["default_number_id"] = ctx.ws.number(integer(body["default_number_id"], "default_number_id")).id
    for name, value in changes.items():
        setattr(user, name, value)
    return ok({"user": render.user_v2(user)})


def delete_user(ctx: Ctx) -> Reply:
    user = find_user(ctx)
    del ctx.ws.users[user.id]
    for members in [t.user_ids for t in ctx.ws.teams.values()] + [n.user_ids for n in ctx.ws.numbers.values()]:
        if user.id in members:
            members.remove(user.id)
    ctx.ws.campaigns.pop(user.id, None)
    return no_content()


def list_user_numbers(ctx: Ctx) -> Reply:
    user = find_user(ctx)
    params = listing.list_params(ctx)
    numbers = [n for n in ctx.ws.numbers.values() if user.id in n.user_ids]
    return ok(listing.page(ctx, "numbers", numbers, params, lambda n: render.number(ctx.ws, n)))


def list_availabilities(ctx: Ctx) -> Reply:
    params = listing.list_params(ctx)
    selected = listing.window(list(ctx.ws.users.values()), params, lambda u: u.created_at)
    return ok(listing.page(ctx, "users", selected, params, lambda u: {"id": u.id, "availability": u.availability}))


def get_availability(ctx: Ctx) -> Reply:
    return ok({"availability": find_user(ctx).availability})


def _available(user: User) -> None:
    if user.availability not in AVAILABLE_STATES:
        raise ApiError.not_allowed(UNAVAILABLE, success=False)


def start_outbound_call(ctx: Ctx) -> Reply:
    user = find_user(ctx)
    body = body_object(ctx.body)
    number = ctx.ws.number(integer(body.get("number_id"), "number_id"))
    to = e164(body.get("to"), "to")
    if user.id not in number.user_ids:
        raise ApiError.bad_request(f"number_id {number.id} is not assigned to user {user.id}")
    _available(user)
    # The call rings the agent's app first, so it starts as an ongoing outbound call.
    call_id = ctx.ws.next_id("call")
    ctx.ws.calls[call_id] = Call(
        id=call_id,
        sid=str(uuid.UUID(int=call_id, version=4)),
        direction="outbound",
        status="initial",
        started_at=ctx.now,
        answered_at=None,
        ended_at=None,
        raw_digits=to,
        missed_call_reason=None,
        number_id=number.id,
        user_id=user.id,
        contact_id=None,
    )
    return no_content()


def prefill_dialer(ctx: Ctx) -> Reply:
    user = find_user(ctx)
    e164(body_object(ctx.body).get("to"), "to")
    _available(user)
    return no_content()
