"""Asking a person to approve one tool call, in whichever way the client's protocol era allows.

Handshake era (2025-11-25 and before): a server-to-client elicitation request, answered within a bounded time.
2026-07-28: no server-to-client requests exist, so the call returns an input-required result; the client asks the
person and calls again with the answer and our sealed request state. The seal binds the approval to this agent,
tool and exact arguments, expires, and is accepted once. Its key and the record of used seals live in a
`SharedStore` (Redis with several replicas), so the client's retry may land on any replica; when that store
cannot be reached, the confirmation fails closed.
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

from aircall_mcp.shared import MemoryStore, SharedStateUnavailable, SharedStore

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
    # 2026-07-28: the shared store that signs and records approvals cannot be reached (fail closed).
    UNAVAILABLE = "unavailable"


# Names of the confirmations' records in the shared store.
_KEY_NAME = "confirmation-key"
_CLAIM_PREFIX = "confirmation:"


class Confirmations:
    """Asks, and remembers which 2026-07-28 approvals were already used (in `store`: this process by default)."""

    def __init__(
        self,
        *,
        timeout_seconds: float = 300.0,
        clock: Callable[[], float] = time.time,
        store: SharedStore | None = None,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._store: SharedStore = store if store is not None else MemoryStore(clock=clock)

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
        try:
            if params.request_state is None or reply is None:
                return await self._input_request(question, schema, agent, params)
            if not await self.redeem(params.request_state, agent, params.name, params.arguments or {}):
                return Approval.INVALID
        except SharedStateUnavailable:
            return Approval.UNAVAILABLE
        return _approval(reply) if isinstance(reply, types.ElicitResult) else Approval.DECLINED

    async def _input_request(
        self, question: str, schema: types.ElicitRequestedSchema, agent: str, params: types.CallToolRequestParams
    ) -> types.InputRequiredResult:
        return types.InputRequiredResult(
            input_requests={
                QUESTION: types.ElicitRequest(
                    params=types.ElicitRequestFormParams(message=question, requested_schema=schema)
                )
            },
            request_state=await self.seal(agent, params.name, params.arguments or {}),
        )

    async def seal(self, agent: str, tool: str, arguments: Mapping[str, Any]) -> str:
        """The request state that binds a person's answer to this call (raises SharedStateUnavailable)."""
        nonce = secrets.token_hex(16)
        expires = int(self._clock() + self.timeout_seconds)
        key = await self._store.secret(_KEY_NAME)
        return f"{nonce}.{expires}.{_mac(key, agent, tool, arguments, nonce=nonce, expires=expires)}"

    async def redeem(self, state: str, agent: str, tool: str, arguments: Mapping[str, Any]) -> bool:
        """The seal is ours, for this very call, unexpired and unused; redeeming it uses it up."""
        now = self._clock()
        try:
            nonce, expires_text, mac = state.split(".")
            expires = int(expires_text)
        except ValueError:
            return False
        expected = _mac(await self._store.secret(_KEY_NAME), agent, tool, arguments, nonce=nonce, expires=expires)
        if not hmac.compare_digest(mac, expected) or expires < now:
            return False
        # Checked last and atomically: of two replicas redeeming the same seal, exactly one succeeds.
        return await self._store.claim_once(_CLAIM_PREFIX + nonce, expires - now + 1)


def _mac(key: bytes, agent: str, tool: str, arguments: Mapping[str, Any], *, nonce: str, expires: int) -> str:
    payload = json.dumps([agent, tool, arguments, nonce, expires], sort_keys=True, default=str)
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _approval(answer: types.ElicitResult) -> Approval:
    approved = answer.action == "accept" and (answer.content or {}).get(APPROVE) is True
    return Approval.APPROVED if approved else Approval.DECLINED
