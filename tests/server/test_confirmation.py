"""Confirmations: a person's approval is bound to one call, expires, and is used once; an unanswered ask declines."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import anyio
import mcp_types as types
import pytest

from aircall_mcp.confirmation import Confirmations
from tests.server.conftest import Harness

APPROVED = types.ElicitResult(action="accept", content={"approve": True})


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _modern_ctx() -> Any:
    """The parts of a 2026-07-28 request context Confirmations reads: elicitation declared, no back channel."""
    capabilities = types.ClientCapabilities(elicitation=types.ElicitationCapability())
    return SimpleNamespace(session=SimpleNamespace(client_capabilities=capabilities, can_send_request=False))


def _params(arguments: dict[str, Any], state: str | None = None, reply: types.ElicitResult | None = None) -> Any:
    responses = {"confirm": reply} if reply is not None else None
    return types.CallToolRequestParams(
        name="delete_contact", arguments=arguments, request_state=state, input_responses=responses
    )


async def _sealed_state(confirmations: Confirmations, arguments: dict[str, Any]) -> str:
    first = await confirmations.ask(_modern_ctx(), _params(arguments), "admin", "Allow?")
    assert isinstance(first, types.InputRequiredResult)
    assert first.request_state is not None
    return first.request_state


async def test_an_approval_is_accepted_once_and_a_replay_is_refused() -> None:
    confirmations = Confirmations()
    state = await _sealed_state(confirmations, {"contact_id": 5})
    assert await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}, state, APPROVED), "admin", "?") is True
    assert await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}, state, APPROVED), "admin", "?") is False


async def test_an_approval_does_not_carry_over_to_other_arguments_or_agents() -> None:
    confirmations = Confirmations()
    state = await _sealed_state(confirmations, {"contact_id": 5})
    assert await confirmations.ask(_modern_ctx(), _params({"contact_id": 6}, state, APPROVED), "admin", "?") is False
    assert await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}, state, APPROVED), "other", "?") is False


async def test_an_approval_expires() -> None:
    clock = _Clock()
    confirmations = Confirmations(timeout_seconds=60, clock=clock)
    state = await _sealed_state(confirmations, {"contact_id": 5})
    clock.now += 61
    assert await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}, state, APPROVED), "admin", "?") is False


async def test_a_forged_request_state_is_refused() -> None:
    confirmations = Confirmations()
    for forged in ["", "abc", "a.b.c", "00.9999999999.00"]:
        assert await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}, forged, APPROVED), "a", "?") is False


async def test_a_declined_or_unapproved_answer_is_not_an_approval() -> None:
    confirmations = Confirmations()
    for reply in [
        types.ElicitResult(action="decline"),
        types.ElicitResult(action="cancel"),
        types.ElicitResult(action="accept", content={"approve": False}),
        types.ElicitResult(action="accept", content={"approve": "yes"}),
    ]:
        state = await _sealed_state(confirmations, {"contact_id": 5})
        assert await confirmations.ask(_modern_ctx(), _params({"contact_id": 5}, state, reply), "admin", "?") is False


async def test_a_person_who_never_answers_declines_the_call_and_nothing_is_sent(harness: Harness) -> None:
    """Handshake era: the elicitation request is bounded; silence is a refusal, not a hang."""
    harness.write_grant("careful", "areas: {contacts: full}\ntools: {confirm: [delete_contact]}\n")
    contact_id = next(iter(harness.sandbox.sandbox.state.contacts))
    never = anyio.Event()

    async def silent(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        await never.wait()
        raise AssertionError("unreachable")

    async with harness.connect("careful", mode="legacy", elicitation_callback=silent) as client:
        harness.runtimes[-1].confirmations.timeout_seconds = 0.05
        result = await client.call_tool("delete_contact", {"contact_id": contact_id})
    assert result.is_error
    assert "declined" in result.content[0].text  # type: ignore[union-attr]
    assert harness.requests == []
    assert contact_id in harness.sandbox.sandbox.state.contacts
    assert [line["decision"] for line in harness.audit_lines()] == ["declined"]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_scoped_get_call_fetches_the_call_once(harness: Harness, mode: str) -> None:
    """The scope check's fetch is the answer when it is the very request the tool would send."""
    call = next(iter(harness.sandbox.sandbox.state.calls.values()))
    harness.write_grant("scoped", f"areas: {{calls: read}}\nscope: {{numbers: [{call.number_id}]}}\n")
    async with harness.connect("scoped", mode=mode) as client:
        result = await client.call_tool("get_call", {"call_id": call.id})
    assert not result.is_error
    assert result.structured_content["call"]["id"] == call.id
    assert [(r.method, r.path) for r in harness.requests] == [("GET", f"/v1/calls/{call.id}")]
