"""The tool schemas are built once, at build time, into a file shipped with the package (cold start, issue 16).

The server reads that file instead of running pydantic's schema generation for ~87 tools on every start; these
tests keep the file equal to a live build and prove the served tools come from it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest

from aircall_mcp import catalogue
from aircall_mcp.catalogue import CATALOGUE, SCHEMA_CACHE, by_name, live_schemas, to_mcp_tool
from aircall_mcp.server import ToolShelf
from aircall_mcp.toolschemas import main


@pytest.fixture(autouse=True)
def fresh_schema_caches() -> Iterator[None]:
    catalogue._schemas.cache_clear()
    catalogue._cached_schemas.cache_clear()
    yield
    catalogue._schemas.cache_clear()
    catalogue._cached_schemas.cache_clear()


def _wire(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _no_schema_generation(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []

    def record(model: Any) -> dict[str, Any]:
        built.append(model.__name__)
        raise AssertionError(f"schema of {model.__name__} generated live")

    monkeypatch.setattr(catalogue, "tool_schema", record)
    return built


def test_shipped_schema_cache_equals_a_live_build_of_every_tool() -> None:
    cached = json.loads(SCHEMA_CACHE.read_text(encoding="utf-8"))
    assert list(cached) == [endpoint.name for endpoint in CATALOGUE]
    for endpoint in CATALOGUE:
        assert cached[endpoint.name] == _wire(list(live_schemas(endpoint))), endpoint.name
    assert main(["--check"]) == 0


def test_catalogue_tools_are_built_from_the_cache_without_generating_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    live = {endpoint.name: to_mcp_tool(endpoint) for endpoint in CATALOGUE}
    catalogue._schemas.cache_clear()
    built = _no_schema_generation(monkeypatch)
    for endpoint in CATALOGUE:
        assert to_mcp_tool(endpoint) == live[endpoint.name]
    assert built == []


def test_an_endpoint_that_is_not_the_catalogues_own_is_built_live(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = by_name("list_tags")
    assert endpoint is not None
    impostor = dataclasses.replace(endpoint, description="same name, another endpoint")
    built = _no_schema_generation(monkeypatch)
    with pytest.raises(AssertionError, match="generated live"):
        to_mcp_tool(impostor)
    assert built


def test_reliability_a_damaged_schema_cache_falls_back_to_a_live_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    endpoint = by_name("list_calls")
    assert endpoint is not None
    expected = to_mcp_tool(endpoint)
    catalogue._schemas.cache_clear()
    catalogue._cached_schemas.cache_clear()
    damaged = tmp_path / "tool_schemas.json"
    damaged.write_text('{"list_calls": [', encoding="utf-8")
    monkeypatch.setattr(catalogue, "SCHEMA_CACHE", damaged)
    assert to_mcp_tool(endpoint) == expected
    assert catalogue._cached_schemas() == {}
    monkeypatch.setattr(catalogue, "SCHEMA_CACHE", tmp_path / "missing.json")
    catalogue._schemas.cache_clear()
    catalogue._cached_schemas.cache_clear()
    assert to_mcp_tool(endpoint) == expected


def test_tool_shelf_builds_a_definition_only_when_it_is_first_asked_for() -> None:
    shelf = ToolShelf({endpoint.name: endpoint for endpoint in CATALOGUE})
    assert shelf.built() == frozenset()
    assert len(shelf) == len(CATALOGUE)
    assert list(shelf) == [endpoint.name for endpoint in CATALOGUE]
    tool = shelf["list_tags"]
    assert shelf.built() == {"list_tags"}
    assert shelf["list_tags"] is tool
    assert shelf.get("no_such_tool") is None
    assert shelf.built() == {"list_tags"}
