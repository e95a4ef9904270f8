"""Host and Origin checks (DNS-rebinding protection), widened only on purpose, and the request body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.errors import ConfigurationError
from aircall_mcp.grants import GrantStore
from aircall_mcp.http import build_http_app
from aircall_mcp.server import Runtime, build_server
from aircall_mcp.settings import HttpSettings

PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
ACCEPT = "application/json, text/event-stream"


async def test_a_foreign_origin_is_refused_with_403(served: Any) -> None:
    async with served.http(served.tokens["alpha"], accept=ACCEPT, origin="http://evil.example") as http:
        response = await http.post("/mcp", json=PING)

    assert response.status_code == 403
    assert "Origin" in response.text


async def test_a_loopback_origin_is_accepted(served: Any) -> None:
    origin = served.base_url  # http://127.0.0.1:PORT, as a browser page on this machine would send
    async with served.http(served.tokens["alpha"], accept=ACCEPT, origin=origin) as http:
        response = await http.post("/mcp", json=PING)

    assert response.status_code != 403


async def test_a_foreign_host_is_refused_with_421(served: Any) -> None:
    async with served.http(served.tokens["alpha"], accept=ACCEPT, host="evil.example") as http:
        response = await http.post("/mcp", json=PING)

    assert response.status_code == 421
    assert "Host" in response.text


async def test_allowed_host_and_origin_admit_a_reverse_proxy(start_http: Any) -> None:
    proxy = {"host": "mcp.example.com", "origin": "https://app.example.com", "accept": ACCEPT}
    async with start_http(allowed_hosts=("mcp.example.com",), allowed_origins=("https://app.example.com",)) as harness:
        async with harness.http(harness.tokens["alpha"], **proxy) as http:
            admitted = await http.post("/mcp", json=PING)
        async with harness.http(harness.tokens["alpha"], **{**proxy, "origin": "https://evil.example"}) as http:
            wrong_origin = await http.post("/mcp", json=PING)
        async with harness.http(harness.tokens["alpha"], **{**proxy, "host": "other.example.com"}) as http:
            wrong_host = await http.post("/mcp", json=PING)

    assert admitted.status_code not in (403, 421)
    assert wrong_origin.status_code == 403
    assert wrong_host.status_code == 421


async def test_a_body_over_the_limit_is_refused_with_413(start_http: Any) -> None:
    oversized = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"padding": "x" * 4096}}
    async with start_http(max_body_bytes=2048) as harness, harness.http(harness.tokens["alpha"], accept=ACCEPT) as http:
        declared = await http.post("/mcp", json=oversized)
        small = await http.post("/mcp", json=PING)

    assert declared.status_code == 413
    assert small.status_code != 413


async def test_a_chunked_body_over_the_limit_is_refused_with_413(start_http: Any) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"padding": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'"}}'

    async with start_http(max_body_bytes=2048) as harness, harness.http(harness.tokens["alpha"], accept=ACCEPT) as http:
        response = await http.post("/mcp", content=chunks(), headers={"content-type": "application/json"})

    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413


def bare_app(tmp_path: Any, settings: HttpSettings) -> Any:
    store = GrantStore(tmp_path, CATALOGUE)
    runtime = Runtime(client=None, grants=store, audit=None)  # type: ignore[arg-type]  # never called
    return build_http_app(build_server(runtime), store, settings)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_a_non_loopback_host_without_allowed_hosts_is_refused_naming_allowed_host(tmp_path: Any, host: str) -> None:
    with pytest.raises(ConfigurationError, match="--allowed-host"):
        bare_app(tmp_path, HttpSettings(host=host))


def test_a_non_loopback_host_with_allowed_hosts_builds(tmp_path: Any) -> None:
    assert bare_app(tmp_path, HttpSettings(host="0.0.0.0", allowed_hosts=("mcp.example.com",))) is not None
