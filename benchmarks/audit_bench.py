"""What the audit trail costs per tool call.

Prints microseconds per recorded line for fsync=never and fsync=line, from one thread and from four, the
async path, the case where another writer shares the file (the chain head is read back from disk each
time), and the line size. Each case stops at its count or after a few seconds, so the run stays short.

    .venv/bin/python benchmarks/audit_bench.py [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from aircall_mcp.audit import AuditEvent, AuditLog, FsyncPolicy, summarize
from aircall_mcp.audit.scrub import Scrubber

CASE_SECONDS = 3.0
# Lines per case; fsync=line is bounded by the disk, so it gets fewer.
POLICIES: tuple[tuple[FsyncPolicy, int], ...] = (("never", 20_000), ("line", 2_000))

EVENT = AuditEvent(
    agent="support-agent",
    transport="stdio",
    session_id="0b6f7c1e-6d5e-4a39-9f0c-6c1f0d1e2a3b",
    tool="tag_call",
    area="calls",
    access="write",
    arguments={"call_id": 1234, "tags": [56, 57]},
    action="tag call 1234 with tags [56, 57]",
    decision="allowed",
    rule="areas.calls=write",
    upstream_method="POST",
    upstream_path="/v1/calls/1234/tags",
    http_status=201,
    duration_ms=180.4,
    result_bytes=512,
)


def timed(threads: int, count: int, record: Callable[[], object]) -> tuple[float, int]:
    """(µs per line over all threads, lines written)."""
    deadline = time.perf_counter() + CASE_SECONDS
    written = [0] * threads

    def work(slot: int) -> None:
        for _ in range(count):
            record()
            written[slot] += 1
            if time.perf_counter() > deadline:
                return

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    total = sum(written)
    return elapsed / total * 1e6, total


def report(label: str, result: tuple[float, int]) -> None:
    per_line, total = result
    print(f"  {label:<46} {per_line:9.1f} µs/line  ({total} lines)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: a temporary directory)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="audit-bench-", dir=args.dir))
    try:
        run(base)
    finally:
        shutil.rmtree(base)


def run(base: Path) -> None:
    scrubber = Scrubber(["sandbox-api-token-0123456789abcdef"])
    print(f"audit cost per call (files in {base})")
    report(
        "summary + scrub only (no I/O)",
        timed(1, 20_000, lambda: scrubber.clean_fields({**EVENT.fields(), "summary": summarize(EVENT)})),
    )

    for fsync, count in POLICIES:
        for threads in (1, 4):
            path = base / f"{fsync}-{threads}.jsonl"
            with AuditLog(path, fsync=fsync, secrets=["sandbox-api-token-0123456789abcdef"]) as log:
                result = timed(threads, count // threads, functools.partial(log.record, EVENT))
            report(f"record, fsync={fsync}, {threads} thread{'s' if threads > 1 else ''}", result)

    path = base / "shared.jsonl"
    first, second = AuditLog(path), AuditLog(path)
    flip = [first, second]

    def alternate() -> None:
        flip.reverse()
        flip[0].record(EVENT)

    report("record, fsync=never, two writers sharing the file", timed(1, 20_000, alternate))
    first.close()
    second.close()

    for fsync, count in POLICIES:
        path = base / f"async-{fsync}.jsonl"
        with AuditLog(path, fsync=fsync) as log:

            async def burst(log: AuditLog = log, count: int = count) -> tuple[float, int]:
                deadline = time.perf_counter() + CASE_SECONDS
                start = time.perf_counter()
                done = 0
                while done < count and time.perf_counter() < deadline:
                    await log.arecord(EVENT)
                    done += 1
                return (time.perf_counter() - start) / done * 1e6, done

            report(f"arecord from asyncio, fsync={fsync}", asyncio.run(burst()))

    size = len((base / "never-1.jsonl").read_bytes().splitlines()[0]) + 1
    print(f"  line size: {size} bytes (this event; arguments and error text add to it)")


if __name__ == "__main__":
    main()
