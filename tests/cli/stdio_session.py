"""A raw MCP session over a process's stdin/stdout that keeps every byte the process wrote to stdout.

The SDK's client skips lines it cannot parse; these tests need to see them, because a stray line on stdout
(make's echo, a print) is exactly the defect they guard against.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROTOCOL_VERSION = "2025-11-25"
TIMEOUT_SECONDS = 60.0


@dataclass
class StdioSession:
    process: subprocess.Popen[str]
    stdout_lines: list[str] = field(default_factory=list)
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _stderr: list[str] = field(default_factory=list)
    _stderr_reader: threading.Thread | None = None

    def __post_init__(self) -> None:
        threading.Thread(target=self._pump, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._collect_stderr, daemon=True)
        self._stderr_reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _collect_stderr(self) -> None:
        assert self.process.stderr is not None
        self._stderr.append(self.process.stderr.read())

    def send(self, message: Mapping[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def response(self, request_id: int) -> dict[str, Any]:
        """Read stdout lines (all kept) until the response to `request_id`; every line must be JSON-RPC."""
        while True:
            try:
                line = self._lines.get(timeout=TIMEOUT_SECONDS)
            except queue.Empty:
                raise AssertionError(f"no response to request {request_id} within {TIMEOUT_SECONDS} s") from None
            if line is None:
                raise AssertionError(f"stdout closed before the response to request {request_id}")
            self.stdout_lines.append(line)
            message = json.loads(line)  # a non-JSON line on stdout fails here, naming the line
            assert message.get("jsonrpc") == "2.0", line
            if message.get("id") == request_id:
                return dict(message)

    def close(self) -> tuple[str, int]:
        """End the session (stdin closed), returning (stderr, exit code); remaining stdout lines are kept."""
        assert self.process.stdin is not None
        assert self._stderr_reader is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        while (line := self._lines.get(timeout=TIMEOUT_SECONDS)) is not None:
            self.stdout_lines.append(line)
        self._stderr_reader.join(timeout=TIMEOUT_SECONDS)
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.process.stdout.close()
        self.process.stderr.close()
        return "".join(self._stderr), self.process.returncode


def start(command: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None) -> StdioSession:
    process = subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=dict(env),
        cwd=cwd,
    )
    return StdioSession(process)


def list_tools(session: StdioSession) -> list[str]:
    """initialize, initialized, tools/list: the names of the tools the server lists."""
    session.send(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "aircall-mcp-tests", "version": "0"},
            },
        }
    )
    assert "result" in session.response(1)
    session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    session.send({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
    listed = session.response(2)
    return sorted(tool["name"] for tool in listed["result"]["tools"])
