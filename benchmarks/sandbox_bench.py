"""How long the sandbox takes to seed its default company (3,000 calls), the cost of every `serve --sandbox` start.

Run: .venv/bin/python benchmarks/sandbox_bench.py
"""

from __future__ import annotations

import statistics
import time

from aircall_mcp.sandbox import SandboxConfig
from aircall_mcp.sandbox.seed import build_workspace

RUNS = 10


def main() -> None:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        workspace = build_workspace(SandboxConfig())
        timings.append(time.perf_counter() - started)
    print(f"seed of the default sandbox ({len(workspace.calls)} calls), {RUNS} runs:")
    print(f"  median {statistics.median(timings) * 1000:.0f} ms, min {min(timings) * 1000:.0f} ms, "
          f"max {max(timings) * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
