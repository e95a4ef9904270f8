"""Signing keys: picked up on rotation within seconds, never fetched more than once per 10 s by unknown key ids."""

from __future__ import annotations

from tests.oauth.conftest import PERSON_TOOLS, OAuthHarness
from tests.oauth.test_oauth_tokens import assert_refused, tool_names


async def test_a_rotated_key_is_picked_up_on_its_first_token_once_the_refresh_interval_has_passed(
    oauth: OAuthHarness,
) -> None:
    assert await tool_names(oauth, oauth.token(subject="user-42")) == PERSON_TOOLS
    fetched = oauth.issuer.jwks_requests
    oauth.issuer.rotate()
    oauth.clock.now += 10

    assert await tool_names(oauth, oauth.token(subject="user-42")) == PERSON_TOOLS
    assert oauth.issuer.jwks_requests == fetched + 1


async def test_security_a_flood_of_unknown_key_ids_fetches_the_keys_at_most_once_per_interval(
    oauth: OAuthHarness,
) -> None:
    assert await tool_names(oauth, oauth.token(subject="user-42")) == PERSON_TOOLS
    fetched = oauth.issuer.jwks_requests
    oauth.clock.now += 10

    for number in range(20):
        await assert_refused(oauth, oauth.token(subject="user-42", kid=f"bogus-{number}"), 401, "does not publish")
    assert oauth.issuer.jwks_requests == fetched + 1


async def test_security_a_withdrawn_key_stops_verifying_once_the_keys_are_re_read(oauth: OAuthHarness) -> None:
    withdrawn = oauth.issuer.keys[0]
    assert await tool_names(oauth, oauth.token(subject="user-42")) == PERSON_TOOLS
    oauth.issuer.rotate()
    oauth.clock.now += 3600  # the key set is re-read at most an hour after it was fetched

    await assert_refused(oauth, oauth.token(subject="user-42", key=withdrawn), 401, "does not publish")
