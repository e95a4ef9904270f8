"""Every tool on the sandbox's own answers: one walk that shapes and masks (`grants.shaped_for`, what the server
calls) gives what shaping, then filtering and masking gave, for every grant below.

Each case of `tool_cases.CASES` is called through the real path (MCP client -> server -> sandbox over loopback);
the server's own call of `shaped_for` is recorded (a pass-through wrapper), and its inputs (Aircall's parsed
answer, or the pages collected for max_items) are then shaped for each grant both ways.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from aircall_mcp import server
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Endpoint
from aircall_mcp.grants import Grant, filter_and_redact, parse_grant, shaped_for
from aircall_mcp.results import compact_json, shape_result
from tests.server.tool_cases import CASES, ToolCase

if TYPE_CHECKING:
    from pydantic import BaseModel

    from tests.server.conftest import Harness

TESTER = "tester"  # every tool, no confirmation, no masks: the recorded inputs are Aircall's answers as sent

GRANTS = {
    "phones+emails": "redact: [phone_numbers, emails]",
    "phones+emails FR": "redact: [phone_numbers, emails]\nphone_region: FR",
    "media": "redact: [recordings, voicemails]",
    "everything": "redact: [phone_numbers, emails, recordings, voicemails]",
    "none": "areas: {calls: read}",
}
# Tools whose seeded answers hold phone numbers or emails: there the comparison must be of masked results.
PERSONAL_TOOLS = frozenset({"list_calls", "get_call", "list_contacts", "get_contact", "list_users", "get_user"})


@dataclass(frozen=True)
class Shaping:
    """One call of `shaped_for` by the server: its inputs, as given."""

    endpoint: Endpoint
    args: BaseModel
    data: Any
    paging: dict[str, Any]


def _scoped(case_grants: dict[str, Grant], data: Any) -> dict[str, Grant]:
    """The grants plus one scoped to the first number seen in the answer (so scope keeps some and drops some)."""
    found = _first_number_id(data)
    if found is None:
        return case_grants
    text = f"redact: [phone_numbers, emails, recordings, voicemails]\nscope: {{numbers: [{found}]}}"
    return {**case_grants, "everything, scoped": parse_grant(text, agent="reader", catalogue=CATALOGUE)}


def _first_number_id(value: Any) -> int | None:
    if isinstance(value, dict):
        number = value.get("number")
        if isinstance(number, dict) and isinstance(number.get("id"), int):
            return int(number["id"])
        values: Any = value.values()
    elif isinstance(value, list):
        values = value
    else:
        return None
    return next((found for item in values if (found := _first_number_id(item)) is not None), None)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
async def test_security_every_tool_is_shaped_and_masked_in_one_walk_as_in_two(
    harness: Harness, case: ToolCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded: list[Shaping] = []

    def recording(grant: Grant, endpoint: Endpoint, args: BaseModel, data: Any, **paging: Any) -> Any:
        recorded.append(Shaping(endpoint, args, copy.deepcopy(data), paging))
        return shaped_for(grant, endpoint, args, data, **paging)

    monkeypatch.setattr(server, "shaped_for", recording)
    args = case.arguments(harness.sandbox.sandbox.state)
    async with harness.connect(TESTER) as client:
        result = await client.call_tool(case.tool, args)
    assert result.is_error is False, result.content
    assert recorded, f"{case.tool} answered without shaping"

    grants = {label: parse_grant(text, agent="reader", catalogue=CATALOGUE) for label, text in GRANTS.items()}
    for shaping in recorded:
        for label, grant in _scoped(grants, shaping.data).items():
            one = shaped_for(grant, shaping.endpoint, shaping.args, copy.deepcopy(shaping.data), **shaping.paging)
            shaped = shape_result(shaping.endpoint, shaping.args, copy.deepcopy(shaping.data), **shaping.paging)
            two = filter_and_redact(grant, shaping.endpoint, shaped)
            assert one == two, f"{case.id} for a grant masking {label}"
            assert compact_json(one[0]) == compact_json(two[0]), f"{case.id} for {label}: same text"
        if case.tool in PERSONAL_TOOLS:
            masked = shaped_for(grants["everything"], shaping.endpoint, shaping.args, copy.deepcopy(shaping.data))
            plain = shape_result(shaping.endpoint, shaping.args, copy.deepcopy(shaping.data))
            assert masked[0] != plain, f"{case.id}: the seeded answer should hold something masked"
