"""/v1/users/{user_id}/dialer_campaign: a user's power-dialer list."""

from __future__ import annotations

from typing import Any

from aircall_mcp.sandbox import render
from aircall_mcp.sandbox.context import Ctx, Reply, created, no_content, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.handlers.users import find_user
from aircall_mcp.sandbox.state import CampaignNumber, DialerCampaign
from aircall_mcp.sandbox.validate import body_object, e164


def _phone_numbers(ctx: Ctx) -> list[str]:
    raw: Any = body_object(ctx.body).get("phone_numbers")
    if not isinstance(raw, list) or not raw:
        raise ApiError.bad_request("phone_numbers must be a non-empty array of E.164 phone numbers")
    return [e164(v, f"phone_numbers[{i}]") for i, v in enumerate(raw)]


def _campaign(ctx: Ctx) -> DialerCampaign:
    user = find_user(ctx)
    campaign = ctx.ws.campaigns.get(user.id)
    if campaign is None:
        raise ApiError.not_found(f"User {user.id} has no dialer campaign")
    return campaign


def get_campaign(ctx: Ctx) -> Reply:
    return ok({"dialer_campaign": render.campaign(_campaign(ctx))})


def create_campaign(ctx: Ctx) -> Reply:
    """Creates the user's campaign, or appends to the one they have (Aircall's POST behaves as an upsert)."""
    user = find_user(ctx)
    values = _phone_numbers(ctx)
    campaign = ctx.ws.campaigns.get(user.id)
    if campaign is None:
        campaign = DialerCampaign(ctx.ws.next_id("campaign"), user.default_number_id, ctx.now)
        ctx.ws.campaigns[user.id] = campaign
    _append(ctx, campaign, values)
    return created()


def delete_campaign(ctx: Ctx) -> Reply:
    campaign = _campaign(ctx)
    ctx.ws.campaigns = {uid: c for uid, c in ctx.ws.campaigns.items() if c is not campaign}
    return no_content()


def list_numbers(ctx: Ctx) -> Reply:
    campaign = _campaign(ctx)
    numbers = [{"id": n.id, "number": n.number, "called": n.called, "created_at": render.iso(n.created_at)}
               for n in campaign.numbers]  # fmt: skip
    return ok({"numbers": numbers})


def add_numbers(ctx: Ctx) -> Reply:
    campaign = _campaign(ctx)
    _append(ctx, campaign, _phone_numbers(ctx))
    return created()


def _append(ctx: Ctx, campaign: DialerCampaign, values: list[str]) -> None:
    """Add numbers to a campaign; the only refusal is a number already imported and not yet called (422)."""
    pending = {n.number for n in campaign.numbers if not n.called}
    duplicates = [v for v in values if v in pending]
    if duplicates:
        messages = [f"{v} has already been imported, but not called yet" for v in duplicates]
        raise ApiError.unprocessable("; ".join(messages), success=False, errors={"dialer_campaign": messages})
    campaign.numbers.extend(CampaignNumber(ctx.ws.next_id("campaign_number"), v, False, ctx.now) for v in values)


def remove_number(ctx: Ctx) -> Reply:
    campaign = _campaign(ctx)
    number_id = ctx.int_param("phone_number_id")
    found = next((n for n in campaign.numbers if n.id == number_id), None)
    if found is None:
        raise ApiError.not_found(f"Phone number {number_id} not found in the dialer campaign")
    campaign.numbers.remove(found)
    return no_content()
