"""/v1/company and /v1/ping."""

from __future__ import annotations

from aircall_mcp.sandbox.context import Ctx, Reply, ok


def get_company(ctx: Ctx) -> Reply:
    ws = ctx.ws
    return ok({"company": {"name": ws.company_name, "users_count": len(ws.users), "numbers_count": len(ws.numbers)}})


def ping(ctx: Ctx) -> Reply:
    return ok({"ping": "pong"})
