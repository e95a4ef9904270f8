"""/v1/tags: company-wide call tags."""

from __future__ import annotations

from aircall_mcp.sandbox import listing, render
from aircall_mcp.sandbox.context import Ctx, Reply, created, no_content, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.state import Tag
from aircall_mcp.sandbox.validate import body_object, hex_colour, strip_emojis, text


def list_tags(ctx: Ctx) -> Reply:
    params = listing.list_params(ctx)
    tags = sorted(ctx.ws.tags.values(), key=lambda t: t.id, reverse=params.descending)
    return ok(listing.page(ctx, "tags", tags, params, render.tag))


def get_tag(ctx: Ctx) -> Reply:
    return ok({"tag": render.tag(ctx.ws.tag(ctx.int_param("tag_id")))})


def _unique_name(ctx: Ctx, raw: str, tag_id: int | None = None) -> str:
    name = strip_emojis(raw).strip()
    if not name:
        raise ApiError.bad_request("name can't be blank")
    if any(t.name.casefold() == name.casefold() and t.id != tag_id for t in ctx.ws.tags.values()):
        raise ApiError.bad_request(f"name {name!r} has already been taken")
    return name


def create_tag(ctx: Ctx) -> Reply:
    body = body_object(ctx.body)
    name = _unique_name(ctx, text(body, "name", required=True) or "")
    color = hex_colour(body.get("color"))
    tag = Tag(ctx.ws.next_id("tag"), name, color, text(body, "description"))
    ctx.ws.tags[tag.id] = tag
    return created({"tag": render.tag(tag)})


def update_tag(ctx: Ctx) -> Reply:
    tag = ctx.ws.tag(ctx.int_param("tag_id"))
    body = body_object(ctx.body)
    name = _unique_name(ctx, text(body, "name", required=True) or "", tag.id) if "name" in body else None
    color = hex_colour(body["color"]) if "color" in body else None
    if name is not None:
        tag.name = name
    if color is not None:
        tag.color = color
    if "description" in body:
        tag.description = text(body, "description")
    return ok({"tag": render.tag(tag)})


def delete_tag(ctx: Ctx) -> Reply:
    tag = ctx.ws.tag(ctx.int_param("tag_id"))
    del ctx.ws.tags[tag.id]
    for call in ctx.ws.calls.values():
        if call.tags:
            call.tags = [t for t in call.tags if t.tag_id != tag.id]
    return no_content()
