"""Asking a person to approve one tool call, in whichever way the client's protocol era allows.

Handshake era (2025-11-25 and before): a server-to-client elicitation request, answered within a bounded time.
2026-07-28: no server-to-client requests exist, so the call returns an input-required result; the client asks the
person and calls again with the answer and our sealed request state. The seal binds the approval to this agent,
tool and exact arguments, expires, and is accepted once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

import anyio
import mcp_types as types
from mcp.server import ServerRequestContext
from mcp.shared.exceptions import MCPError

APPROVE = "approve"
# Key of our one question inside an input-required round trip.
QUESTION = "confirm"


class Approval(Enum):
    """How asking for a person's approval ended. Only APPROVED lets the call go ahead."""

    APPROVED = "approved"
    # A person said no (declined, cancelled, or an answer that is not a yes).
    DECLINED = "declined"
    # A person could be asked and nobody answered within the timeout.
    UNANSWERED = "unanswered"
    # The client cannot put a question to a person: no elicitation capability, or it failed the request.
    CANNOT_ASK = "cannot_ask"
    # 2026-07-28: the approval sent back is not ours, not for this call, expired or already used.
    INVALID = "invalid"


class Confirmations:
    """Asks, and remembers which 2026-07-28 approvals were already used (this process only)."""

    def __init__(self, *, timeout_seconds: float = 300.0, clock: Callable[[], float] = time.time) -> None:
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._used: dict[str, float] = {}

    async def ask(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams, agent: str, question: str
    ) -> bool | types.InputRequiredResult:
        """True when a person approved; False otherwise (see `consult` for the reason why not)."""
        answer = await self.consult(ctx, params, agent, question)
        return answer if isinstance(answer, types.InputRequiredResult) else answer is Approval.APPROVED

    async def consult(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams, agent: str, question: str
    ) -> Approval | types.InputRequiredResult:
        """Put `question` to a person, or (2026-07-28) return the input request that asks the client to."""
        capabilities = ctx.session.client_capabilities
        if capabilities is None or capabilities.elicitation is None:
            return Approval.CANNOT_ASK
        schema: types.ElicitRequestedSchema = {
            "type": "object",
            "properties": {APPROVE: {"type": "boolean", "title": "Approve", "description": question}},
            "required": [APPROVE],
        }
        if ctx.session.can_send_request:
            with anyio.move_on_after(self.timeout_seconds):
                try:
                    answer = await ctx.session.elicit_form(question, schema, related_request_id=ctx.request_id)
                except MCPError:
                    return Approval.CANNOT_ASK
                return _approval(answer)
            return Approval.UNANSWERED
        reply = (params.input_responses or {}).get(QUESTION)
        if params.request_state is None or reply is None:
            return types.InputRequiredResult(
                input_requests={
                    QUESTION: types.ElicitRequest(
                        params=types.ElicitRequestFormParams(message=question, requested_schema=schema)
                    )
                },
                request_state=self._seal(agent, params.name, params.arguments or {}),
            )
        if not self._redeem(params.request_state, agent, params.name, params.arguments or {}):
            return Approval.INVALID
        return _approval(reply) if isinstance(reply, types.ElicitResult) else Approval.DECLINED

    def _seal(self, agent: str, tool: str, arguments: Mapping[str, Any]) -> str:
        nonce = secrets.token_hex(16)
        expires = int(self._clock() + self.timeout_seconds)
        return f"{nonce}.{expires}.{self._mac(agent, tool, arguments, nonce, expires)}"

    def _redeem(self, state: str, agent: str, tool: str, arguments: Mapping[str, Any]) -> bool:
        """The seal is ours, for this very call, unexpired and unused; redeeming it uses it up."""
        now = self._clock()
        self._used = {nonce: expiry for nonce, expiry in self._used.items() if expiry >= now}
        try:
            nonce, expires_text, mac = state.split(".")
            expires = int(expires_text)
        except ValueError:
            return False
        expected = self._mac(agent, tool, arguments, nonce, expires)
        if not hmac.compare_digest(mac, expected) or expires < now or nonce in self._used:
            return False
        self._used[nonce] = expires
        return True

    def _mac(self, agent: str, tool: str, arguments: Mapping[str, Any], nonce: str, expires: int) -> str:
        payload = json.dumps([agent, tool, arguments, nonce, expires], sort_keys=True, default=str)
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()


def _approval(answer: types.ElicitResult) -> Approval:
    approved = answer.action == "accept" and (answer.content or {}).get(APPROVE) is True
    return Approval.APPROVED if approved else Approval.DECLINED
