"""OAuth settings at start-up: refused with a message that names the setting, before anything serves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from aircall_mcp.cli import main
from aircall_mcp.oauth.issuer import discovery_urls
from aircall_mcp.oauth.settings import OAuthConfigurationError, OAuthSettings


def serve(tmp_path: Path, *extra: str) -> list[str]:
    (tmp_path / "alpha.yaml").write_text("areas: {tags: read}\n", encoding="utf-8")
    return ["serve", "--transport", "http", "--sandbox", "--grants", str(tmp_path), "--audit-log",
            str(tmp_path / "audit.jsonl"), "--port", "0", *extra]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--oauth-issuer", "https://idp.example"], "--resource-url"),
        (["--resource-url", "https://mcp.example/mcp"], "--oauth-issuer"),
        (["--oauth-issuer", "http://idp.example", "--resource-url", "https://mcp.example/mcp"], "https"),
        (["--oauth-issuer", "https://idp.example", "--resource-url", "https://mcp.example/mcp?x=1"], "query"),
        (
            [
                "--oauth-issuer",
                "https://idp.example",
                "--resource-url",
                "https://m.example/mcp",
                "--oauth-introspection",
            ],
            "AIRCALL_MCP_OAUTH_CLIENT_SECRET",
        ),
    ],
    ids=["no-resource", "no-issuer", "plain-http", "query", "introspection-without-credentials"],
)
def test_serve_refuses_oauth_settings_that_cannot_work_and_names_the_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], named: str
) -> None:
    code = main(serve(tmp_path, *extra), env={})

    assert code == 2
    assert named in capsys.readouterr().err
    assert not (tmp_path / "audit.jsonl").exists()


def test_oauth_is_refused_over_stdio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "alpha.yaml").write_text("areas: {tags: read}\n", encoding="utf-8")
    argv = ["serve", "--sandbox", "--agent", "alpha", "--grants", str(tmp_path), "--audit-log",
            str(tmp_path / "audit.jsonl"), "--oauth-issuer", "https://idp.example", "--resource-url",
            "https://mcp.example/mcp"]  # fmt: skip
    assert main(argv, env={}) == 2
    assert "--transport http" in capsys.readouterr().err


@pytest.fixture
def wrong_issuer_metadata() -> Iterator[str]:
    """An issuer whose metadata names another issuer: no token from it could ever verify."""
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"issuer": "https://someone-else.example", "jwks_uri": "https://someone-else.example/jwks"}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_serve_refuses_an_issuer_whose_metadata_names_another_issuer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wrong_issuer_metadata: str
) -> None:
    extra = ["--oauth-issuer", wrong_issuer_metadata, "--resource-url", "http://127.0.0.1:9/mcp"]
    assert main(serve(tmp_path, *extra), env={}) == 2
    err = capsys.readouterr().err
    assert "someone-else.example" in err
    assert "must match exactly" in err


def test_security_oauth_settings_accept_only_asymmetric_algorithms() -> None:
    settings = OAuthSettings(issuer="https://idp.example", resource_url="https://m.example/mcp", algorithms=("HS256",))
    with pytest.raises(OAuthConfigurationError, match="HS256 not accepted"):
        settings.check()


def test_issuer_metadata_is_looked_for_by_oidc_discovery_then_rfc_8414() -> None:
    assert discovery_urls("https://idp.example/realms/acme") == [
        "https://idp.example/realms/acme/.well-known/openid-configuration",
        "https://idp.example/.well-known/oauth-authorization-server/realms/acme",
        "https://idp.example/realms/acme/.well-known/oauth-authorization-server",
    ]
