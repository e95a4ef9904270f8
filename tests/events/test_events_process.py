"""`serve --transport http --sandbox` as a real process: the sandbox's webhooks reach the server's receiver."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from aircall_mcp.grants import mint_token
from tests.http.test_http_process import START_POLLS, free_port


def start_server(argv: list[str], port: int) -> subprocess.Popen[bytes]:
    """Start the server process and return once /healthz answers (bounded polling, as the HTTP process tests do)."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with httpx2.Client(base_url=f"http://127.0.0.1:{port}") as http:
        for _ in range(START_POLLS):
            try:
                if http.get("/healthz").status_code == 200:
                    return process
            except httpx2.TransportError:
                pass
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start: " + process.communicate(timeout=5)[1].decode())


async def test_a_write_through_mcp_comes_back_as_a_live_event_from_the_sandbox(tmp_path: Path) -> None:
    token, line = mint_token()
    grant = f'areas: {{calls: write}}\ntokens: ["{line}"]\n'
    (tmp_path / "alpha.yaml").write_text(grant, encoding="utf-8")
    port = free_port()
    argv = [
        sys.executable,
        *("-c", "import sys; from aircall_mcp.cli import main; sys.exit(main())"),
        *("serve", "--transport", "http", "--sandbox", "--port", str(port), "--grants", str(tmp_path)),
        *("--audit-log", str(tmp_path / "audit.jsonl")),
    ]
    process = start_server(argv, port)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx2.AsyncClient(base_url=base) as http:
            forged = await http.post("/aircall/webhooks", json={"token": "nope", "event": "call.ended"})
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as client_http,
            Client(streamable_http_client(f"{base}/mcp", http_client=client_http)) as client,
        ):
            calls = await client.call_tool("list_calls", {"per_page": 1})
            call_id = calls.structured_content["calls"][0]["id"]
            commented = await client.call_tool("comment_call", {"call_id": call_id, "content": "Call back Monday"})
            assert not commented.is_error, commented.content
            # A real process delivers in real time: wait (bounded) for the event rather than sleeping.
            seen = await client.call_tool("wait_for_events", {"types": ["call.commented"], "wait_seconds": 20})
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.communicate(timeout=5)[1].decode()

    assert forged.status_code == 401
    events = seen.structured_content["events"]
    assert [(e["event"], e["data"]["id"]) for e in events] == [("call.commented", call_id)], stderr
    assert events[0]["data"]["comments"][-1]["content"] == "Call back Monday"
    assert "Traceback" not in stderr
