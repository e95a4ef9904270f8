"""/v1/teams and team membership."""

from __future__ import annotations

from aircall_mcp.sandbox import listing, render
from aircall_mcp.sandbox.context import Ctx, Reply, created, no_content, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.state import Team
from aircall_mcp.sandbox.validate import body_object, text

MAX_NAME = 64


def list_teams(ctx: Ctx) -> Reply:
    params = listing.list_params(ctx)
    # Teams take `order` but no from/to window.
    teams = sorted(ctx.ws.teams.values(), key=lambda t: (t.created_at, t.id), reverse=params.descending)
    return ok(listing.page(ctx, "teams", teams, params, lambda t: render.team(ctx.ws, t)))


def get_team(ctx: Ctx) -> Reply:
    return ok({"team": render.team(ctx.ws, ctx.ws.team(ctx.int_param("team_id")))})


def create_team(ctx: Ctx) -> Reply:
    name = (text(body_object(ctx.body), "name", required=True, max_length=MAX_NAME) or "").strip()
    if any(t.name.casefold() == name.casefold() for t in ctx.ws.teams.values()):
        raise ApiError.bad_request(f"name {name!r} has already been taken")
    team = Team(ctx.ws.next_id("team"), name, ctx.now)
    ctx.ws.teams[team.id] = team
    return created({"team": render.team(ctx.ws, team)})


def delete_team(ctx: Ctx) -> Reply:
    team = ctx.ws.team(ctx.int_param("team_id"))
    del ctx.ws.teams[team.id]
    return no_content()


def add_member(ctx: Ctx) -> Reply:
    team = ctx.ws.team(ctx.int_param("team_id"))
    user = ctx.ws.user(ctx.int_param("user_id"))
    if user.id in team.user_ids:
        raise ApiError.unprocessable(f"User {user.id} is already a member of team {team.id}")
    team.user_ids.append(user.id)
    return created({"team": render.team(ctx.ws, team)})


def remove_member(ctx: Ctx) -> Reply:
    team = ctx.ws.team(ctx.int_param("team_id"))
    user = ctx.ws.user(ctx.int_param("user_id"))
    if user.id not in team.user_ids:
        raise ApiError.unprocessable(f"User {user.id} is not a member of team {team.id}")
    team.user_ids.remove(user.id)
    return ok({"team": render.team(ctx.ws, team)})
