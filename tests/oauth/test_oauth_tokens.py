"""OAuth tokens at the HTTP edge: who each accepted token is, and every way a token is refused.

Every refusal is checked to send nothing to Aircall (the sandbox saw no request) and to be audited.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import pytest

from tests.oauth.conftest import BOT_TOOLS, PERSON_TOOLS, TEAM_TOOLS, OAuthHarness, StartOAuth

PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
ACCEPT = "application/json, text/event-stream"


async def tool_names(oauth: OAuthHarness, token: str, mode: str = "legacy") -> set[str]:
    async with oauth.http.connect(token, mode=mode) as client:
        return {tool.name for tool in (await client.list_tools()).tools}


async def post(oauth: OAuthHarness, token: str, body: dict[str, Any] = PING) -> Any:
    async with oauth.http.http(token, accept=ACCEPT) as http:
        return await http.post("/mcp", json=body)


def refusals(oauth: OAuthHarness) -> list[dict[str, Any]]:
    return [line for line in oauth.http.audit_lines() if line.get("rule") == "oauth"]


async def assert_refused(oauth: OAuthHarness, token: str, status: int, words: str) -> dict[str, Any]:
    """The token gets `status`, says `words`, reaches nothing upstream, and leaves one audit line (no token)."""
    before = len(refusals(oauth))
    response = await post(oauth, token, LIST)
    assert response.status_code == status, response.text
    assert words in response.json()["error_description"]
    assert (
        f'resource_metadata="{oauth.http.base_url}/.well-known/oauth-protected-resource/mcp"'
        in (response.headers["www-authenticate"])
    )
    assert oauth.sent_to_aircall() == 0
    lines = refusals(oauth)
    assert len(lines) == before + 1
    assert lines[-1]["decision"] == "denied"
    assert token not in oauth.http.audit_text()
    return lines[-1]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_machine_clients_token_is_served_with_the_grant_that_lists_its_client_id(
    oauth: OAuthHarness, mode: str
) -> None:
    token = oauth.token(subject="svc-7", client_id="reporting-bot")
    assert await tool_names(oauth, token, mode) == BOT_TOOLS


async def test_a_persons_delegated_token_is_served_with_the_grant_that_lists_its_subject(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-42", client_id="claude-desktop")
    assert await tool_names(oauth, token) == PERSON_TOOLS


async def test_a_token_is_served_with_the_grant_that_lists_one_of_its_groups(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-9", client_id="claude-desktop", groups=["staff", "support-leads"])
    assert await tool_names(oauth, token) == TEAM_TOOLS


async def test_an_es256_token_from_the_issuers_second_key_is_accepted(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="svc-7", client_id="reporting-bot", key=oauth.issuer.keys[1])
    assert await tool_names(oauth, token) == BOT_TOOLS


async def test_the_audit_records_the_issuer_subject_and_client_of_an_oauth_call_never_the_token(
    oauth: OAuthHarness,
) -> None:
    token = oauth.token(subject="svc-7", client_id="reporting-bot")
    async with oauth.http.connect(token) as client:
        result = await client.call_tool("get_company", {})
    assert not result.is_error

    line = [entry for entry in oauth.http.audit_lines() if entry["tool"] == "get_company"][-1]
    assert line["agent"] == "bot"
    assert line["principal"] == {"issuer": oauth.issuer.issuer, "subject": "svc-7", "client": "reporting-bot"}
    assert token not in oauth.http.audit_text()


async def test_static_tokens_keep_working_beside_oauth(oauth: OAuthHarness) -> None:
    assert await tool_names(oauth, oauth.http.tokens["beta"]) == PERSON_TOOLS


async def test_security_a_token_from_another_issuer_is_refused(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-42", issuer="https://evil.example")
    await assert_refused(oauth, token, 401, "not issued by")


async def test_security_a_token_minted_for_another_resource_is_refused(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-42", audience="https://other-mcp.example/mcp")
    await assert_refused(oauth, token, 401, "not issued for this resource")


async def test_a_token_whose_audience_list_includes_this_resource_is_accepted(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-42", audience=["https://other.example", oauth.resource])
    assert await tool_names(oauth, token) == PERSON_TOOLS


async def test_security_an_expired_token_is_refused(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-42", expires_in=-120)
    line = await assert_refused(oauth, token, 401, "expired")
    assert line["agent"] == "(unknown)"


async def test_a_token_expired_within_the_leeway_is_still_accepted(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-42", expires_in=-5)
    assert await tool_names(oauth, token) == PERSON_TOOLS


async def test_security_a_token_not_yet_valid_is_refused(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-42", not_before_in=600)
    await assert_refused(oauth, token, 401, "not valid yet")


async def test_security_alg_none_is_refused(oauth: OAuthHarness) -> None:
    claims = {"iss": oauth.issuer.issuer, "aud": oauth.resource, "sub": "user-42", "exp": 4_000_000_000}
    await assert_refused(oauth, oauth.issuer.unsigned(claims), 401, "'none' are not accepted")


async def test_security_hs256_signed_with_the_issuers_public_key_is_refused(oauth: OAuthHarness) -> None:
    claims = {"iss": oauth.issuer.issuer, "aud": oauth.resource, "sub": "user-42", "exp": 4_000_000_000}
    await assert_refused(oauth, oauth.issuer.hmac_with_public_key(claims), 401, "'HS256' are not accepted")


async def test_security_a_token_with_a_forged_signature_is_refused(oauth: OAuthHarness) -> None:
    header, payload, _ = oauth.token(subject="someone-else").split(".")
    _, _, signature = oauth.token(subject="user-42").split(".")
    await assert_refused(oauth, f"{header}.{payload}.{signature}", 401, "signature does not verify")


async def test_security_a_token_matching_two_grants_is_refused_and_logged_never_resolved_by_order(
    oauth: OAuthHarness, caplog: pytest.LogCaptureFixture
) -> None:
    token = oauth.token(subject="user-42", client_id="reporting-bot")
    with caplog.at_level(logging.ERROR, logger="aircall_mcp.oauth"):
        line = await assert_refused(oauth, token, 403, "more than one agent")
    assert "bot" not in line["reason"]
    assert "person" not in line["reason"]
    assert any("configuration error" in record.message and "bot, person" in record.message for record in caplog.records)


async def test_security_a_valid_token_that_is_no_agent_gets_403_naming_no_grant(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="stranger", client_id="unknown-app", groups=["marketing"])
    line = await assert_refused(oauth, token, 403, "not granted to any agent")
    assert line["principal"] == {"issuer": oauth.issuer.issuer, "subject": "stranger", "client": "unknown-app"}


async def test_security_a_token_without_the_required_scope_gets_403_insufficient_scope(
    start_oauth: StartOAuth,
) -> None:
    async with start_oauth(required_scopes=("aircall:tools",)) as oauth:
        response = await post(oauth, oauth.token(subject="user-42", scope="openid profile"), LIST)
        assert response.status_code == 403
        assert response.json()["error"] == "insufficient_scope"
        assert 'scope="aircall:tools"' in response.headers["www-authenticate"]
        assert refusals(oauth)[-1]["agent"] == "person"
        assert oauth.sent_to_aircall() == 0

        assert await tool_names(oauth, oauth.token(subject="user-42", scope="openid aircall:tools")) == PERSON_TOOLS
        # Static tokens are not OAuth tokens: the required scope does not lock them out.
        assert await tool_names(oauth, oauth.http.tokens["beta"]) == PERSON_TOOLS


async def test_a_grant_edit_applies_to_the_next_request_of_an_already_verified_token(oauth: OAuthHarness) -> None:
    token = oauth.token(subject="user-42")
    assert await tool_names(oauth, token) == PERSON_TOOLS
    # The safe edit: write a copy, then rename it over the file (dated a minute back: a finished edit).
    path = oauth.http.grants_dir / "person.yaml"
    draft = path.with_suffix(".yaml.new")
    draft.write_text("areas: {tags: read}\noauth: {subjects: [user-43]}\n", encoding="utf-8")
    past = time.time() - 60
    os.utime(draft, (past, past))
    draft.replace(path)

    await assert_refused(oauth, token, 403, "not granted to any agent")


async def test_each_token_is_looked_up_once_per_request_the_gate_hands_its_answer_to_the_verifier(
    oauth: OAuthHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: the gate in front of the MCP app and the SDK's token verifier behind it used to look a static
    token up twice per request (and an OAuth token once as a static one, for nothing)."""
    from aircall_mcp.grants import GrantStore

    lookups: list[str] = []
    real = GrantStore.agent_for_token

    async def counting(store: GrantStore, token: str) -> str | None:
        lookups.append(token)
        return await real(store, token)

    monkeypatch.setattr(GrantStore, "agent_for_token", counting)
    static = oauth.http.tokens["beta"]
    # Past authentication either way (a ping outside a session is the MCP app's 400, not the edge's 401/403).
    assert (await post(oauth, static)).status_code not in (401, 403)
    assert lookups == [static]
    lookups.clear()
    token = oauth.token(subject="svc-7", client_id="reporting-bot")
    assert (await post(oauth, token)).status_code not in (401, 403)
    assert lookups == [token]  # the gate's own check that it is not a static token; the verifier asks nothing
