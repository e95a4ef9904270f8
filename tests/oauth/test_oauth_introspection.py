"""Opaque tokens: introspected at the issuer (RFC 7662) when the server is configured for it."""

from __future__ import annotations

import time

from tests.oauth.conftest import PERSON_TOOLS, StartOAuth
from tests.oauth.test_oauth_tokens import assert_refused, tool_names


async def test_an_active_opaque_token_is_introspected_and_served_with_its_subjects_grant(
    start_oauth: StartOAuth,
) -> None:
    async with start_oauth(introspection=True) as oauth:
        token = oauth.issuer.opaque_token(
            {"iss": oauth.issuer.issuer, "aud": oauth.resource, "sub": "user-42", "exp": int(time.time()) + 300}
        )
        assert await tool_names(oauth, token) == PERSON_TOOLS


async def test_security_an_inactive_or_foreign_opaque_token_is_refused(start_oauth: StartOAuth) -> None:
    async with start_oauth(introspection=True) as oauth:
        await assert_refused(oauth, "never-issued", 401, "not active")
        other = oauth.issuer.opaque_token({"aud": "https://other.example/mcp", "sub": "user-42"})
        await assert_refused(oauth, other, 401, "not issued for this resource")
        expired = oauth.issuer.opaque_token({"aud": oauth.resource, "sub": "user-42", "exp": int(time.time()) - 600})
        await assert_refused(oauth, expired, 401, "expired")
