"""`aircall-mcp serve --transport http` as a real process: SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, cast

import httpx2

from aircall_mcp.grants import mint_token

START_POLLS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sigterm_stops_the_http_server_cleanly_with_exit_code_0(tmp_path: Path) -> None:
    token, line = mint_token()
    (tmp_path / "alpha.yaml").write_text(f'areas: {{company: read}}\ntokens: ["{line}"]\n', encoding="utf-8")
    port = free_port()
    argv = [
        sys.executable,
        "-c",
        "import sys; from aircall_mcp.cli import main; sys.exit(main())",
        "serve",
        "--transport",
        "http",
        "--sandbox",
        "--port",
        str(port),
        "--grants",
        str(tmp_path),
        "--audit-log",
        str(tmp_path / "audit.jsonl"),
    ]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(START_POLLS):  # bounded: the sandbox and the server start in well under a minute
                try:
                    healthy = http.get("/healthz").status_code == 200
                except httpx2.TransportError:
                    healthy = False
                if healthy or process.poll() is not None:
                    break
                time.sleep(0.1)
            assert healthy, (
                cast("IO[bytes]", process.stderr).read().decode() if process.poll() is not None else "never healthy"
            )
            denied = http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.communicate(timeout=5)[1].decode()

    assert denied.status_code == 401
    assert code == 0, stderr
    assert token not in stderr
    assert "Traceback" not in stderr
