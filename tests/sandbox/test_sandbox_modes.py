"""The sandbox answers in each way Aircall is documented or observed to (issue 11 §5): creates as 201 or 200, and
call search that refuses comma-joined tag ids as the reference reads."""

from __future__ import annotations

import httpx2

from tests.conftest import StartSandbox


async def _post_creates(http: httpx2.AsyncClient) -> list[int]:
    return [
        (await http.post("/v1/tags", json={"name": "Mode", "color": "#FF5733"})).status_code,
        (await http.post("/v1/teams", json={"name": "Mode team"})).status_code,
        (
            await http.post("/v1/contacts", json={"phone_numbers": [{"label": "w", "value": "+33612345678"}]})
        ).status_code,
        (await http.post("/v1/webhooks", json={"url": "https://hooks.example.com/mode"})).status_code,
    ]


async def test_creates_answer_201_by_default_and_200_as_recorded_traffic_when_configured(
    start_sandbox: StartSandbox,
) -> None:
    async with (
        start_sandbox() as documented,
        httpx2.AsyncClient(base_url=documented.base_url, auth=documented.auth) as http,
    ):
        assert await _post_creates(http) == [201, 201, 201, 201]
    async with (
        start_sandbox(created_status=200) as recorded,
        httpx2.AsyncClient(base_url=recorded.base_url, auth=recorded.auth) as http,
    ):
        assert await _post_creates(http) == [200, 200, 200, 200]
        # Only creates change: reads and other statuses are untouched.
        assert (await http.get("/v1/tags")).status_code == 200
        assert (await http.post("/v1/tags", json={"name": "Mode", "color": "#FF5733"})).status_code == 400


async def test_comma_joined_tag_ids_are_refused_when_the_sandbox_reads_the_reference_strictly(
    start_sandbox: StartSandbox,
) -> None:
    async with (
        start_sandbox(accept_comma_joined_tags=False) as strict,
        httpx2.AsyncClient(base_url=strict.base_url, auth=strict.auth) as http,
    ):
        a, b = list(strict.sandbox.state.tags)[:2]
        joined = await http.get("/v1/calls/search", params={"tags": f"{a},{b}"})
        array = await http.get("/v1/calls/search", params={"tags[]": [a, b]})
    assert joined.status_code == 400
    assert "tags[]" in joined.json()["troubleshoot"]
    assert array.status_code == 200
    async with start_sandbox() as lenient, httpx2.AsyncClient(base_url=lenient.base_url, auth=lenient.auth) as http:
        assert (await http.get("/v1/calls/search", params={"tags": f"{a},{b}"})).status_code == 200
