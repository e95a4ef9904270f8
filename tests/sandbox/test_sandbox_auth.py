"""Authentication as Aircall's edge does it: 401 without credentials, 403 with wrong ones."""

import httpx2

from aircall_mcp.sandbox import SandboxHandle


async def test_request_without_authorization_is_401_unauthorized(sandbox: SandboxHandle) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as client:
        r = await client.get("/v1/ping")
    assert r.status_code == 401
    assert r.json() == {"message": "Unauthorized"}


async def test_wrong_basic_credentials_are_403_forbidden(sandbox: SandboxHandle) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as client:
        wrong_token = await client.get("/v1/ping", auth=(sandbox.config.api_id, "nope"))
        wrong_id = await client.get("/v1/ping", auth=("nope", sandbox.config.api_token))
        garbage = await client.get("/v1/ping", headers={"Authorization": "Basic !!not-base64!!"})
        other_scheme = await client.get("/v1/ping", headers={"Authorization": "Token abc"})
    for r in (wrong_token, wrong_id, garbage, other_scheme):
        assert r.status_code == 403
        assert r.json() == {"message": "Forbidden"}


async def test_bearer_access_token_is_accepted_and_a_wrong_one_is_403(sandbox: SandboxHandle) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as client:
        ok = await client.get("/v1/ping", headers={"Authorization": f"Bearer {sandbox.config.access_token}"})
        wrong = await client.get("/v1/ping", headers={"Authorization": "Bearer not-the-token"})
    assert ok.status_code == 200
    assert ok.json() == {"ping": "pong"}
    assert wrong.status_code == 403


async def test_basic_credentials_give_access(sandbox_http: httpx2.AsyncClient) -> None:
    r = await sandbox_http.get("/v1/company")
    assert r.status_code == 200
    company = r.json()["company"]
    assert company["users_count"] == 20
    assert company["numbers_count"] == 5


async def test_request_log_never_records_the_authorization_header(
    sandbox: SandboxHandle, sandbox_http: httpx2.AsyncClient
) -> None:
    await sandbox_http.post("/v1/tags", json={"name": "Logged", "color": "#123456"}, params={"x": "1"})
    recorded = sandbox.sandbox.requests[-1]
    assert (recorded.method, recorded.path, recorded.status) == ("POST", "/v1/tags", 201)
    assert recorded.query == {"x": ["1"]}
    assert recorded.body == {"name": "Logged", "color": "#123456"}
    assert sandbox.config.api_token not in repr(sandbox.sandbox.requests)
    sandbox.sandbox.clear_requests()
    assert sandbox.sandbox.requests == []
