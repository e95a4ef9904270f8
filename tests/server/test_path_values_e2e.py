"""Security regression (issue 11 §2): nothing reaches a path the tool does not name.

`get_user {"user_id": "someone@x.example/numbers"}` reached `/v2/users/{email}/numbers`, and a PUT decoded to
`/v2/users/a@b.c/../../v1/webhooks`. Every fuzzed shape of every path value is sent to every path-parameter tool
through the MCP server to the sandbox; the sandbox's request log (percent-decoded paths, as a decoding upstream
reads them) must hold only the tool's own method and path template, one segment per placeholder.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Endpoint
from tests.server.tool_cases import CASES

if TYPE_CHECKING:
    from tests.server.conftest import Harness

TESTER = "tester"

# Shapes an attacker or a confused model sends for an id or an email: other paths, dot segments, encodings that a
# decoding upstream turns back into separators, query and fragment starts, control characters, URLs, lookalike
# digits, and JSON types that are not what the schema says.
HOSTILE_VALUES: tuple[Any, ...] = (
    "someone@x.example/numbers",
    "a@b.c/../../v1/webhooks",
    "ada@lumen-co.example/../../v1/webhooks",
    "../company",
    "..",
    ".",
    "",
    "/",
    "//evil.example/x",
    "1/../2",
    "1/numbers",
    "%2e%2e",
    "a%2F@lumen-co.example",
    "ada@lumen-co.example%2F..",
    "ada@lumen-co.example?x=1",
    "ada@lumen-co.example#frag",
    "ada\\@lumen-co.example",
    "ada@lumen-co.example\n",
    "ada@lumen-co.example\r\nX-Injected: 1",
    "ada\x00@lumen-co.example",
    "ada @lumen-co.example",
    "https://evil.example/ada@lumen-co.example",
    "mailto:ada@lumen-co.example",
    "ａda@lumen-co.example",
    "１２",
    "12",
    " 12",
    "0x10",
    True,
    False,
    0,
    -1,
    1.5,
    None,
    [12],
    {"id": 12},
)

# Odd but valid shapes: they are sent, and must still arrive as exactly one segment of the tool's own template.
ODD_VALID_INT = 2**63 - 1
ODD_VALID_EMAIL = "o'brien+x&y=z{1}|~^!$*`@lumen-co.example"
ODD_VALID_WEBHOOK_ID = "0B6A7C4E-1f0e-4a56-9a53-1c2f2b7d9e11"
ODD_VALID_AGENT_ID = "A-_9z"


def _template(endpoint: Endpoint) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(endpoint.path))
    return re.compile(f"^{pattern}$")


def _path_tools() -> list[tuple[Endpoint, str]]:
    return [(endpoint, field) for endpoint in CATALOGUE for field in endpoint.path_fields]


def _base_arguments(harness: Harness, tool: str) -> dict[str, Any]:
    case = next(case for case in CASES if case.tool == tool)
    return case.arguments(harness.sandbox.sandbox.state)


def _odd_valid_values(endpoint: Endpoint, field: str) -> list[Any]:
    # Issue 15 brought path fields that are strings only (an AI Voice Agent id, an export UUID): each branch of the
    # field's schema gets the odd value of its own shape.
    schema = endpoint.input_model.model_json_schema()["properties"][field]
    values: list[Any] = []
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "integer":
            values.append(ODD_VALID_INT)
        elif branch.get("type") == "string":
            preferred = ODD_VALID_WEBHOOK_ID if endpoint.area.value == "webhooks" else ODD_VALID_EMAIL
            pattern = branch.get("pattern")
            candidates = (preferred, ODD_VALID_WEBHOOK_ID, ODD_VALID_AGENT_ID)
            values.append(next(c for c in candidates if pattern is None or re.search(pattern, c)))
    return values


def test_every_path_field_of_the_catalogue_is_fuzzed() -> None:
    tools = {endpoint.name for endpoint, _ in _path_tools()}
    assert len(tools) >= 40
    assert {"get_user", "update_user", "list_user_numbers", "get_webhook", "update_webhook"} <= tools


async def test_security_no_fuzzed_path_value_reaches_another_path(harness: Harness) -> None:
    """Security regression: hostile path values are refused before sending; valid ones stay one segment."""
    sent_odd = 0
    async with harness.connect(TESTER) as client:
        for endpoint, field in _path_tools():
            base = _base_arguments(harness, endpoint.name)
            template = _template(endpoint)
            for value in HOSTILE_VALUES:
                harness.sandbox.sandbox.clear_requests()
                result = await client.call_tool(endpoint.name, {**base, field: value})
                assert result.is_error is True, (endpoint.name, field, value)
                assert harness.requests == [], (endpoint.name, field, value, harness.requests)
            for value in _odd_valid_values(endpoint, field):
                harness.sandbox.sandbox.clear_requests()
                await client.call_tool(endpoint.name, {**base, field: value})
                seen = harness.requests
                assert seen, (endpoint.name, field, value)
                sent_odd += 1
                for request in seen:
                    assert request.method == endpoint.method, (endpoint.name, request)
                    assert template.match(request.path), (endpoint.name, field, value, request.path)
                    assert request.path.count("/") == endpoint.path.count("/"), request.path
    assert sent_odd >= len(_path_tools())


@pytest.mark.parametrize("value", ["someone@x.example/numbers", "a@b.c/../../v1/webhooks"])
async def test_security_the_two_reported_smuggled_paths_are_refused_naming_user_id(
    harness: Harness, value: str
) -> None:
    """Security regression: the two values of the report are refused before anything is sent."""
    async with harness.connect(TESTER) as client:
        harness.sandbox.sandbox.clear_requests()
        read = await client.call_tool("get_user", {"user_id": value})
        write = await client.call_tool("update_user", {"user_id": value, "first_name": "Mallory"})
    for result in (read, write):
        assert result.is_error is True
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        assert "user_id" in text, text
    assert harness.requests == []
