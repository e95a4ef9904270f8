"""Security regression: credentials never reach the audit file, whatever the caller passes."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from aircall_mcp.audit import AuditLog, Scrubber, scrub
from aircall_mcp.grants import hash_token
from tests.audit.audit_helpers import event

API_TOKEN = "sandbox-api-token-0123456789abcdef"
ACCESS_TOKEN = "sandbox-oauth-token-fedcba9876543210"
AGENT_BEARER = "agent-bearer-3f9a1c2b7d4e5f60718293a4b5c6d7e8"


def test_registered_secrets_never_appear_in_the_file(log_path: Path) -> None:
    """API token, OAuth token and a bearer token added later are masked in arguments, errors and summary."""
    log = AuditLog(log_path, secrets=[API_TOKEN, ACCESS_TOKEN])
    log.add_secret(AGENT_BEARER)
    log.record(
        event(
            arguments={"note": f"my token is {API_TOKEN}", "nested": [{"text": ACCESS_TOKEN}], AGENT_BEARER: 1},
            action=f"comment {API_TOKEN}",
            reason=f"header was {AGENT_BEARER}",
            aircall_error=f"Forbidden for {ACCESS_TOKEN}",
            error_kind="CredentialsRejected",
            http_status=403,
            upstream_path=f"/v1/calls?token={API_TOKEN}",
        )
    )
    log.close()
    text = log_path.read_text(encoding="utf-8")
    for secret in (API_TOKEN, ACCESS_TOKEN, AGENT_BEARER):
        assert secret not in text
    assert "[secret]" in text


def test_security_texts_as_short_as_the_shortest_secret_are_still_scanned() -> None:
    """Security regression guard: texts shorter than every secret skip the scan (issue 16), so the boundary must
    hold: a value that is exactly a secret, or holds the shortest one, is masked, also after a shorter one is added."""
    scrubber = Scrubber([API_TOKEN])
    assert scrubber.text(API_TOKEN) == "[secret]"
    assert scrubber.text(API_TOKEN[:-1]) == API_TOKEN[:-1]  # shorter than any secret: cannot hold one
    scrubber.add_secret("k3y-0f-9")
    assert scrubber.text("k3y-0f-9") == "[secret]"
    assert scrubber.clean_fields({"agent": "k3y-0f-9", "tool": "x"}) == {"agent": "[secret]", "tool": "x"}


def test_values_under_credential_like_keys_are_masked(log_path: Path) -> None:
    """A grant that forgot to redact api_token or Authorization still leaves nothing to steal."""
    with AuditLog(log_path) as log:
        log.record(
            event(
                arguments={
                    "api_token": "abc",
                    "Authorization": "whatever",
                    "deep": {"password": "hunter2", "client_secret": "s3"},
                    "call_id": 9,
                }
            )
        )
    text = log_path.read_text(encoding="utf-8")
    for leaked in ("abc", "whatever", "hunter2", '"s3"'):
        assert leaked not in text
    assert '"call_id":9' in text


def test_bearer_basic_and_url_credentials_in_free_text_are_masked() -> None:
    """Unregistered credentials in recognisable shapes are masked too."""
    basic = base64.b64encode(b"api-id:api-token-value").decode()
    scrubber = Scrubber()
    cleaned = scrubber.text(f"Authorization: Bearer {AGENT_BEARER}; Basic {basic}; https://id:tok@api.aircall.io/v1")
    assert AGENT_BEARER not in cleaned
    assert basic not in cleaned
    assert "id:tok@" not in cleaned
    assert scrubber.text("basic information for the bearer of this call") == (
        "basic information for the bearer of this call"
    )


def test_secret_that_needs_json_escaping_is_masked(log_path: Path) -> None:
    """Masking happens on values, before serialization, so escaped forms cannot slip through."""
    odd = 'tok"en\\with/escapes-0123456789'
    with AuditLog(log_path, secrets=[odd]) as log:
        log.record(event(arguments={"note": odd}))
    text = log_path.read_text(encoding="utf-8")
    assert "escapes-0123456789" not in text


def test_long_strings_are_capped_and_odd_values_survive(log_path: Path) -> None:
    """A huge comment or a non-JSON value cannot break or bloat the line."""
    with AuditLog(log_path) as log:
        log.record(event(arguments={"note": "y" * 50_000, "ratio": float("nan"), "when": object(), "ids": {3}}))
    text = log_path.read_text(encoding="utf-8")
    assert len(text) < 5_000
    assert "[+49000 chars]" in text
    assert '"ratio":"nan"' in text


def test_every_agents_token_hash_is_masked_with_a_thousand_agents(log_path: Path) -> None:
    """Token hashes of every agent are masked; a hash-shaped value that is no registered secret is data."""
    hashes = [hash_token(f"token-{i}") for i in range(1000)]
    unregistered = hash_token("not a registered token")
    with AuditLog(log_path, secrets=[API_TOKEN, *hashes]) as log:
        log.record(
            event(
                arguments={"first": hashes[0], "last": f"prefix{hashes[-1]}suffix", "other": unregistered},
                reason=f"{API_TOKEN} and {hashes[500]}",
            )
        )
    text = log_path.read_text(encoding="utf-8")
    for secret in (API_TOKEN, hashes[0], hashes[500], hashes[-1]):
        assert secret not in text
    assert "prefix[secret]suffix" in text
    assert unregistered in text


def test_the_scrubber_is_built_in_one_pass_for_all_its_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reliability regression: one pattern compiled per secret added made start-up with 1,000 agents take 54 s."""
    builds = 0
    real = scrub._pattern

    def counting(*args: Any) -> Any:
        nonlocal builds
        builds += 1
        return real(*args)

    monkeypatch.setattr(scrub, "_pattern", counting)
    scrubber = Scrubber([API_TOKEN, ACCESS_TOKEN, *(hash_token(f"token-{i}") for i in range(1000))])
    assert builds == 1
    scrubber.add_secrets([AGENT_BEARER, hash_token("one more")])
    assert builds == 2
    assert scrubber.text(f"{AGENT_BEARER} {hash_token('one more')} {API_TOKEN}") == "[secret] [secret] [secret]"
