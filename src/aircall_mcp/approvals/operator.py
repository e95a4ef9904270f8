"""What approvers do, whichever way they come: the CLI (`aircall-mcp approvals`) and the operator HTTP route.

Both read the same queue as the server and record every decision in the audit chain, with who took it.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from typing import Any, TextIO

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aircall_mcp.approvals.gate import record_decision
from aircall_mcp.approvals.notify import utc
from aircall_mcp.approvals.queue import ApprovalError, ApprovalQueue
from aircall_mcp.approvals.record import PendingApproval
from aircall_mcp.audit import AuditLog, AuditUnavailable, Transport

OPERATOR_PATH = "/operator/approvals"


def public_view(approval: PendingApproval) -> dict[str, Any]:
    """An approval as approvers see it: masked arguments; the binding hash and bookkeeping are left out."""
    view = {k: v for k, v in approval.to_json().items() if k not in ("told", "arguments_hash")}
    view["created"] = utc(approval.created_at)
    view["expires"] = utc(approval.expires_at)
    return view


async def decide_and_record(
    queue: ApprovalQueue,
    audit: AuditLog,
    approval_id: str,
    *,
    approve: bool,
    by: str,
    reason: str | None,
    transport: Transport,
) -> PendingApproval:
    """Decide, then write the decision's audit line. Raises ApprovalError or AuditUnavailable.

    The log is opened first: a decision that could not be recorded is not taken.
    """
    await audit.ensure_open()
    decided = await queue.decide(approval_id, approve=approve, by=by, reason=reason)
    await record_decision(audit, decided, transport=transport)
    return decided


# -- the command line --------------------------------------------------------------------------------------------


async def approvals_command(
    queue: ApprovalQueue,
    audit: AuditLog,
    command: str,
    *,
    approval_id: str | None,
    by: str,
    reason: str | None,
    as_json: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    """`approvals list | show ID | approve ID | deny ID`; 0 on success, 1 when the approval cannot be acted on."""
    try:
        if command == "list":
            approvals = await queue.list()
            if as_json:
                out.write(json.dumps([public_view(a) for a in approvals], indent=1) + "\n")
            else:
                _print_table(approvals, out)
            return 0
        assert approval_id is not None
        if command == "show":
            approval = await queue.get(approval_id)
            if approval is None:
                raise ApprovalError(f"no approval {approval_id!r}; `aircall-mcp approvals list` shows them")
            out.write(json.dumps(public_view(approval), indent=1) + "\n")
            return 0
        decided = await decide_and_record(
            queue, audit, approval_id, approve=command == "approve", by=by, reason=reason, transport="cli"
        )
        may = "may now" if decided.state == "approved" else "may not"
        out.write(f"{decided.id} {decided.state} by {by}: {decided.agent} {may} {decided.action} ({decided.tool})\n")
        return 0
    except ApprovalError as exc:
        err.write(f"aircall-mcp: {exc}\n")
        return 1
    except AuditUnavailable as exc:
        err.write(f"aircall-mcp: the audit log cannot be written, so nothing was decided: {exc}\n")
        return 1


def _print_table(approvals: Sequence[PendingApproval], out: TextIO) -> None:
    if not approvals:
        out.write("no approvals\n")
        return
    for a in approvals:
        decided = f" by {a.decided_by}" if a.decided_by else ""
        out.write(f"{a.id}  {a.state}{decided}  {a.agent}  {a.tool}  {a.action}  (expires {utc(a.expires_at)})\n")


# -- the operator HTTP route ---------------------------------------------------------------------------------------


def operator_routes(  # noqa: C901 - the handlers are closures over the token; their branches count here
    queue: ApprovalQueue, audit: AuditLog, token: SecretStr
) -> list[Route]:
    """GET {path}, GET {path}/ID, POST {path}/ID/approve|deny ({"by": ..., "reason": ...}), behind its own token."""
    expected = f"Bearer {token.get_secret_value()}".encode()

    def allowed(request: Request) -> bool:
        given = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(given, expected)

    def refused() -> JSONResponse:
        return JSONResponse(
            {"error": "operator token required (AIRCALL_MCP_OPERATOR_TOKEN); agent tokens are not accepted"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="aircall-mcp-operator"'},
        )

    async def listing(request: Request) -> JSONResponse:
        if not allowed(request):
            return refused()
        return JSONResponse({"approvals": [public_view(a) for a in await queue.list()]})

    async def one(request: Request) -> JSONResponse:
        if not allowed(request):
            return refused()
        approval = await queue.get(request.path_params["approval_id"])
        if approval is None:
            return JSONResponse({"error": "no such approval"}, status_code=404)
        return JSONResponse(public_view(approval))

    async def decide(request: Request) -> JSONResponse:
        if not allowed(request):
            return refused()
        try:
            body = await request.json() if await request.body() else {}
        except ValueError:
            return JSONResponse({"error": 'the body must be JSON: {"by": "name", "reason": "..."}'}, 400)
        by, reason = (
            body.get("by") if isinstance(body, dict) else None,
            body.get("reason") if isinstance(body, dict) else None,
        )
        if not isinstance(by, str) or not by.strip() or (reason is not None and not isinstance(reason, str)):
            return JSONResponse({"error": "'by' (who decides, text) is required; 'reason' is optional text"}, 400)
        try:
            decided = await decide_and_record(
                queue,
                audit,
                request.path_params["approval_id"],
                approve=request.path_params["verb"] == "approve",
                by=by.strip(),
                reason=reason,
                transport="http",
            )
        except ApprovalError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        except AuditUnavailable:
            return JSONResponse({"error": "decision stored, but its audit line could not be written"}, 503)
        return JSONResponse(public_view(decided))

    return [
        Route(OPERATOR_PATH, listing, methods=["GET"]),
        Route(OPERATOR_PATH + "/{approval_id}", one, methods=["GET"]),
        Route(OPERATOR_PATH + "/{approval_id}/{verb:str}", decide, methods=["POST"]),
    ]
