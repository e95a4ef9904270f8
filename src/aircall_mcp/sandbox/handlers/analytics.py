"""The AI Voice Agent outbound call (queued, 202) and analytics report exports (asynchronous jobs).

An export is PENDING until EXPORT_SECONDS of the sandbox's clock have passed since it was asked for, then
COMPLETED with a download link that expires DOWNLOAD_SECONDS later; the clock is the sandbox's, so tests move
it instead of waiting.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from aircall_mcp.models.analytics import REPORT_NAMES
from aircall_mcp.sandbox.context import Ctx, Reply, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.messaging import AGENT_IDS, DOWNLOAD_SECONDS, Export, messaging
from aircall_mcp.sandbox.validate import body_object, e164, integer

RELATIVE_RANGES = frozenset({"TODAY", "YESTERDAY", "THIS_WEEK", "LAST_WEEK", "THIS_MONTH", "LAST_MONTH"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# ---------------------------------------------------------------------------------------------- AI Voice Agent


def start_agent_call(ctx: Ctx) -> Reply:
    agent_id = ctx.params["agent_id"]
    if agent_id not in AGENT_IDS:
        raise ApiError.not_found(f"AI Voice Agent {agent_id} not found")
    body = body_object(ctx.body)
    phone = e164(body.get("contact_phone"), "contact_phone")
    key = body.get("idempotency_key")
    if not isinstance(key, str) or not key:
        raise ApiError.bad_request("idempotency_key is required")
    if body.get("expiration_seconds") is not None:
        seconds = integer(body["expiration_seconds"], "expiration_seconds", minimum=60)
        if seconds > 86_400:
            raise ApiError.bad_request("expiration_seconds must be between 60 and 86400")
    if body.get("context") is not None and not isinstance(body["context"], dict):
        raise ApiError.bad_request("context must be an object")
    state = messaging(ctx.ws)
    existing = state.agent_calls.get((agent_id, key))
    if existing is None:
        existing = {
            "id": uuid.UUID(int=len(state.agent_calls) + 1, version=4).hex.upper()[:26],
            "idempotency_key": key,
            "status": "PENDING",
            "virtual_agent_id": agent_id,
        }
        state.agent_calls[(agent_id, key)] = existing
        state.emit("ai_voice_agent.started", {"ai_voice_agent_id": agent_id, "external_caller_number": phone}, ctx.now)
    return Reply(202, dict(existing))


# --------------------------------------------------------------------------------------------------- analytics


def _date_filter(raw: Any) -> None:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ApiError.bad_request("filter.dateFilter must hold exactly one of relative or absoluteRange")
    if "relative" in raw:
        if raw["relative"] not in RELATIVE_RANGES:
            raise ApiError.bad_request(
                f"filter.dateFilter.relative must be one of {', '.join(sorted(RELATIVE_RANGES))}"
            )
        return
    absolute = raw.get("absoluteRange")
    dates = [absolute.get(k) for k in ("fromDate", "toDate")] if isinstance(absolute, dict) else [None]
    if not all(isinstance(d, str) and _DATE.match(d) for d in dates):
        raise ApiError.bad_request("filter.dateFilter.absoluteRange needs fromDate and toDate as YYYY-MM-DD")


def create_export(ctx: Ctx) -> Reply:
    body = body_object(ctx.body).get("input")
    if not isinstance(body, dict):
        raise ApiError.bad_request("input is required")
    report = body.get("reportName")
    if report not in REPORT_NAMES:
        raise ApiError.bad_request(f"input.reportName {report!r} is not a report")
    filters = body.get("filter")
    if not isinstance(filters, dict) or not isinstance(filters.get("timezone"), str):
        raise ApiError.bad_request("input.filter.timezone is required")
    _date_filter(filters.get("dateFilter"))
    raw_options = body.get("exportOptions")
    options: dict[str, Any] = raw_options if isinstance(raw_options, dict) else {}
    state = messaging(ctx.ws)
    export = Export(str(uuid.UUID(int=16 + len(state.exports), version=4)), report, ctx.now, options.get("exportName"))
    state.exports[export.id] = export
    state.emit("analytics.report_created", {"exportID": export.id, "reportName": report}, ctx.now)
    return ok({"exportID": export.id, "createdAt": _iso(export.created_at), "status": "PENDING"})


def get_export(ctx: Ctx) -> Reply:
    export = messaging(ctx.ws).exports.get(ctx.params["export_id"])
    if export is None:
        raise ApiError.not_found(f"Export {ctx.params['export_id']} not found")
    answer: dict[str, Any] = {"exportID": export.id, "createdAt": _iso(export.created_at)}
    if ctx.now < export.ready_at():
        return ok({**answer, "status": "PENDING"})
    # Presigned links expire; a later read mints a fresh one, as Aircall does.
    expires = max(export.ready_at(), ctx.now) + DOWNLOAD_SECONDS
    name = export.export_name or export.report_name.lower().replace("_", "-")
    return ok(
        {
            **answer,
            "status": "COMPLETED",
            "format": "CSV",
            "exportName": name,
            "isZipCompressed": False,
            "downloadUrl": f"https://analytics-exports.sandbox.aircall.example/{export.id}/{name}.csv?expires={expires}",
            "downloadUrlExpiresAt": _iso(expires),
        }
    )
