"""/v1/calls: listing, search, and the actions an agent can take on a call."""

from __future__ import annotations

from typing import Any

from aircall_mcp.sandbox import listing, render
from aircall_mcp.sandbox.context import Ctx, Handler, Reply, created, no_content, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.insights import INSIGHT_PATHS
from aircall_mcp.sandbox.state import Call, CallTag, Comment
from aircall_mcp.sandbox.validate import body_object, digits, e164, integer, strip_emojis, text

MAX_COMMENTS = 5
DISPATCH_STRATEGIES = ("simultaneous", "random", "longest_idle")


def _calls_page(ctx: Ctx, calls: list[Call]) -> Reply:
    params = listing.list_params(ctx)
    selected = listing.window(calls, params, lambda c: c.started_at)
    flags = listing.fetch_flags(ctx)
    return ok(listing.page(ctx, "calls", selected, params, lambda c: render.call(ctx.ws, c, flags)))


def list_calls(ctx: Ctx) -> Reply:
    return _calls_page(ctx, list(ctx.ws.calls.values()))


def search_calls(ctx: Ctx) -> Reply:
    q = ctx.query
    calls = list(ctx.ws.calls.values())
    direction = q.get("direction")
    if direction is not None:
        if direction not in ("inbound", "outbound"):
            raise ApiError.bad_request("direction must be inbound or outbound")
        calls = [c for c in calls if c.direction == direction]
    raw_user = q.get("user_id")
    if raw_user is not None:
        user_id = integer(raw_user, "user_id", minimum=1)
        calls = [c for c in calls if c.user_id == user_id]
    phone = q.get("phone_number")
    if phone is not None:
        wanted = digits(phone)
        if not wanted:
            raise ApiError.bad_request("phone_number must contain digits, in E.164 format")
        calls = [c for c in calls if digits(c.raw_digits) == wanted]
    # Both `tags[]=1&tags[]=2` and `tags=1` are accepted; a call must carry every tag asked for. `tags=1,2` is
    # refused when the sandbox answers as the reference reads (an array of ids, never a joined string).
    raw_tags = q.all("tags[]", "tags")
    if not ctx.accept_comma_joined_tags and any("," in raw for raw in raw_tags):
        raise ApiError.bad_request("tags must be an array of tag ids (tags[]=1&tags[]=2), not comma-joined ids")
    tag_ids = {integer(v, "tags", minimum=1) for raw in raw_tags for v in raw.split(",") if v}
    if tag_ids:
        calls = [c for c in calls if tag_ids <= {t.tag_id for t in c.tags}]
    return _calls_page(ctx, calls)


def get_call(ctx: Ctx) -> Reply:
    call = ctx.ws.call(ctx.int_param("call_id"))
    return ok({"call": render.call(ctx.ws, call, listing.fetch_flags(ctx))})


def _ongoing(ctx: Ctx, action: str) -> Call:
    call = ctx.ws.call(ctx.int_param("call_id"))
    if not call.ongoing:
        raise ApiError.bad_request(f"Call {call.id} has already ended: only an ongoing call can {action}")
    return call


def transfer_call(ctx: Ctx) -> Reply:
    call = _ongoing(ctx, "be transferred")
    body = body_object(ctx.body)
    destinations = [k for k in ("user_id", "team_id", "number") if body.get(k) is not None]
    if len(destinations) != 1:
        raise ApiError.bad_request("Only one of user_id, team_id or number must be provided")
    strategy = body.get("dispatching_strategy")
    if strategy is not None:
        if destinations != ["team_id"]:
            raise ApiError.bad_request("dispatching_strategy can only be used with team_id")
        if strategy not in DISPATCH_STRATEGIES:
            raise ApiError.bad_request(f"dispatching_strategy must be one of {', '.join(DISPATCH_STRATEGIES)}")
    transferred_by = call.user_id
    if "user_id" in destinations:
        call.transferred_to = ctx.ws.user(integer(body["user_id"], "user_id")).id
        call.user_id = call.transferred_to
    elif "team_id" in destinations:
        team = ctx.ws.team(integer(body["team_id"], "team_id"))
        call.team_ids = [team.id]
        call.transferred_to = team.user_ids[0] if team.user_ids else None
    else:
        call.external_transferred_to = e164(body["number"], "number")
    call.transferred_by = transferred_by
    return no_content()


def comment_call(ctx: Ctx) -> Reply:
    body = body_object(ctx.body)
    content = strip_emojis(text(body, "content", required=True) or "")
    call = ctx.ws.call(ctx.int_param("call_id"))
    if len(call.comments) >= MAX_COMMENTS:
        raise ApiError.bad_request("Maximum of 5 notes can be added to a Call.")
    call.comments.append(Comment(ctx.ws.next_id("comment"), content, ctx.now, None))
    return created()


def tag_call(ctx: Ctx) -> Reply:
    body = body_object(ctx.body)
    raw = body.get("tags")
    if not isinstance(raw, list) or not raw:
        raise ApiError.bad_request("tags must be a non-empty array of tag ids")
    call = ctx.ws.call(ctx.int_param("call_id"))
    # Resolve every id before changing anything, so a bad id leaves the call as it was.
    tags = [ctx.ws.tag(integer(v, "tags")) for v in raw]
    present = {t.tag_id for t in call.tags}
    for tag in tags:
        if tag.id not in present:
            call.tags.append(CallTag(tag.id, ctx.now, None))
            present.add(tag.id)
    return created()


def _set_archived(ctx: Ctx, archived: bool) -> Reply:
    call = ctx.ws.call(ctx.int_param("call_id"))
    call.archived = archived
    return ok({"call": render.call(ctx.ws, call)})


def archive_call(ctx: Ctx) -> Reply:
    return _set_archived(ctx, True)


def unarchive_call(ctx: Ctx) -> Reply:
    return _set_archived(ctx, False)


def _recording_control(ctx: Ctx, paused: bool) -> Reply:
    call = _ongoing(ctx, "have its recording paused or resumed")
    number = ctx.ws.numbers.get(call.number_id)
    if number is None or not number.live_recording_activated:
        raise ApiError.not_allowed(f"Recording is disabled on number {call.number_id}")
    call.recording_paused = paused
    return no_content()


def pause_recording(ctx: Ctx) -> Reply:
    return _recording_control(ctx, True)


def resume_recording(ctx: Ctx) -> Reply:
    return _recording_control(ctx, False)


def delete_recording(ctx: Ctx) -> Reply:
    call = ctx.ws.call(ctx.int_param("call_id"))
    call.recording = None
    # On AI Assist accounts deleting the recording also deletes the transcription and insights.
    call.insights = {}
    return no_content()


def delete_voicemail(ctx: Ctx) -> Reply:
    ctx.ws.call(ctx.int_param("call_id")).voicemail = None
    return no_content()


def _card_block(block: Any, index: int) -> dict[str, Any]:
    where = f"contents[{index}]"
    if not isinstance(block, dict):
        raise ApiError.bad_request(f"{where} must be an object")
    kind = block.get("type")
    needed = {"title": ("text",), "shortText": ("label", "text")}.get(kind if isinstance(kind, str) else "")
    if needed is None:
        raise ApiError.bad_request(f"{where}.type must be title or shortText")
    for name in needed:
        text(block, name, required=True)
    if block.get("link") is not None:
        text(block, "link")
    return dict(block)


def add_insight_cards(ctx: Ctx) -> Reply:
    body = body_object(ctx.body)
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise ApiError.bad_request("contents must be a non-empty array of blocks")
    blocks = [_card_block(b, i) for i, b in enumerate(contents)]
    call = _ongoing(ctx, "receive insight cards")
    call.insight_cards.append(blocks)
    return created()


def _insight(key: str) -> Handler:
    """A handler serving one conversation-intelligence object under envelope `key`; 404 when absent."""

    def handler(ctx: Ctx) -> Reply:
        call = ctx.ws.call(ctx.int_param("call_id"))
        if key == "transcription":
            mode = ctx.query.get("mode")
            if mode is not None and mode not in ("async", "realtime"):
                raise ApiError.bad_request("mode must be async or realtime")
        if key not in call.insights:
            raise ApiError.not_found(f"No {INSIGHT_PATHS[key].replace('_', ' ')} for call {call.id}")
        return ok({key: call.insights[key]})

    handler.__name__ = f"get_call_{INSIGHT_PATHS[key]}"
    return handler


INSIGHT_HANDLERS = {path: _insight(key) for key, path in INSIGHT_PATHS.items()}
