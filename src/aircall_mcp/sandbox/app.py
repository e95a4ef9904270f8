"""The sandbox as an ASGI app: authenticate, rate-limit, inject faults, route, record.

Every request passes through `Sandbox._respond` once, in that order. Handlers are plain functions over
the in-memory workspace (see routes.py); they run to completion inside one event-loop step, so no
locking is needed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from http import HTTPStatus
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from aircall_mcp.sandbox.config import SandboxConfig
from aircall_mcp.sandbox.context import Ctx, Query, Reply
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.faults import FaultKind, Faults
from aircall_mcp.sandbox.ratelimit import RateWindow
from aircall_mcp.sandbox.recorder import RecordedRequest
from aircall_mcp.sandbox.routes import resolve
from aircall_mcp.sandbox.seed import build_workspace
from aircall_mcp.sandbox.webhook_delivery import WebhookSender

logger = logging.getLogger(__name__)

AsgiApp = Callable[[Scope, Receive, Send], Awaitable[object]]


class _Auth(Enum):
    OK = "ok"
    MISSING = "missing"
    WRONG = "wrong"


class Dropped:
    """Returned to uvicorn instead of None: uvicorn then closes the transport without writing a response.

    (Raising would make uvicorn answer 500, which is not what a lost connection looks like.)
    """

    def __repr__(self) -> str:
        return "<connection dropped by sandbox fault injection>"


DROPPED = Dropped()
_MALFORMED = object()


class Sandbox:
    """A local Aircall company: seeded state, an ASGI app serving it, and the test controls."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config if config is not None else SandboxConfig()
        cfg = self.config
        self.state = build_workspace(cfg)
        self.requests: list[RecordedRequest] = []
        self.faults = Faults(seed=cfg.seed)
        self.rate = RateWindow(
            cfg.rate_limit,
            cfg.rate_window_seconds,
            cfg.clock,
            cfg.reset_header_decimals,
            reset_in_milliseconds=cfg.reset_header_milliseconds,
            headers_only_on_429=cfg.rate_headers_only_on_429,
        )
        self.webhooks = WebhookSender(
            self.state,
            seed=cfg.seed,
            clock=cfg.clock,
            duplicate_rate=cfg.webhook_duplicate_rate,
            reorder_rate=cfg.webhook_reorder_rate,
        )
        self._basic = f"{cfg.api_id}:{cfg.api_token}".encode()
        self._bearer = cfg.access_token.encode()
        self.app: AsgiApp = self._asgi

    def __repr__(self) -> str:
        return f"Sandbox(seed={self.config.seed}, calls={len(self.state.calls)})"

    def clear_requests(self) -> None:
        self.requests.clear()

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> object:
        if scope["type"] != "http":
            return None
        request = Request(scope, receive)
        raw = await request.body()
        body = _parse(raw)
        query = Query(tuple(request.query_params.multi_items()))
        reply = await self._respond(request, query, body)
        recorded_body = raw.decode("utf-8", "replace") if body is _MALFORMED else body
        status = None if isinstance(reply, Dropped) else reply.status
        self.requests.append(RecordedRequest(request.method, request.url.path, query.as_dict(), recorded_body, status))
        if isinstance(reply, Dropped):
            return reply
        response: Response
        if reply.body is None:
            response = Response(status_code=reply.status, headers=reply.headers)
        else:
            response = JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)
        await response(scope, receive, send)
        return None

    async def _respond(self, request: Request, query: Query, body: Any) -> Reply | Dropped:
        auth = self._authenticate(request.headers.get("authorization"))
        if auth is _Auth.MISSING:
            return Reply(401, {"message": "Unauthorized"})
        if auth is _Auth.WRONG:
            return Reply(403, {"message": "Forbidden"})
        rate = self.rate.hit()
        if not rate.allowed:
            window = f"{self.rate.limit} requests per {self.rate.window_seconds:g} seconds"
            troubleshoot = f"Rate limit of {window} reached; retry after X-AircallApi-Reset."
            return Reply(429, {"error": "Too Many Requests", "troubleshoot": troubleshoot}, rate.headers)
        fault = self.faults.draw()
        if self.faults.latency_seconds > 0:
            await anyio.sleep(self.faults.latency_seconds)
        if fault.kind is FaultKind.ERROR:
            error = ApiError(fault.status, "The sandbox injected this failure; the request was not applied.")
            return Reply(error.status, error.body, rate.headers)
        if fault.kind is FaultKind.DROP and not fault.after_apply:
            return DROPPED
        reply = self._dispatch(request, query, body)
        if 200 <= reply.status < 300 and request.method != "GET":
            self.webhooks.after_write(request.method, request.url.path, reply.body)  # as Aircall would notify it
        if fault.kind is FaultKind.DROP:
            return DROPPED
        return Reply(reply.status, reply.body, {**reply.headers, **rate.headers})

    def _authenticate(self, header: str | None) -> _Auth:
        if not header:
            return _Auth.MISSING
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(value.strip(), validate=True)
            except (binascii.Error, ValueError):
                return _Auth.WRONG
            return _Auth.OK if hmac.compare_digest(given, self._basic) else _Auth.WRONG
        if scheme.lower() == "bearer":
            return _Auth.OK if hmac.compare_digest(value.strip().encode(), self._bearer) else _Auth.WRONG
        return _Auth.WRONG

    def _dispatch(self, request: Request, query: Query, body: Any) -> Reply:
        resolved = resolve(request.method, request.url.path)
        if resolved is None:
            return Reply(404, {"message": "Not Found"})
        if body is _MALFORMED:
            return Reply(400, ApiError.bad_request("The request body is not valid JSON").body)
        handler, params = resolved
        ctx = Ctx(
            ws=self.state,
            path=request.url.path,
            params=params,
            query=query,
            body=body,
            base_url=f"{request.url.scheme}://{request.url.netloc}",
            now=int(self.config.clock()),
            pagination_cap=self.config.pagination_cap,
            accept_comma_joined_tags=self.config.accept_comma_joined_tags,
        )
        try:
            reply = handler(ctx)
            if reply.status == HTTPStatus.CREATED:
                return Reply(self.config.created_status, reply.body, reply.headers)
            return reply
        except ApiError as exc:
            return Reply(exc.status, exc.body)
        except Exception:
            # A sandbox bug: answer like Aircall would and keep serving, with the traceback in the log.
            logger.exception("sandbox handler failed for %s %s", request.method, request.url.path)
            status = HTTPStatus.INTERNAL_SERVER_ERROR
            return Reply(status, {"error": status.phrase, "troubleshoot": "Sandbox handler error"})


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _MALFORMED
