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
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from aircall_mcp.audit import AuditEvent, AuditLog, FsyncPolicy, summarize, tail
from aircall_mcp.audit.chain import GENESIS, SCHEMA_VERSION, seal
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
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1")
    parser.add_argument("--scale-only", action="store_true", help="only the 100k / 1M line figures")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="audit-bench-", dir=args.dir))
    try:
        if not args.scale_only:
            run(base)
        run_scale(base, (100_000,) if args.quick else (100_000, 1_000_000))
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


# -- at scale ---------------------------------------------------------------------------------------------

# One line in this many is from a rarely seen agent, one in RARE_DENIED a denial: what filtered tails look for.
RARE_AGENT = 1_000
RARE_DENIED = 100


def write_trail(path: Path, lines: int) -> None:
    """A valid chain of ``lines`` realistic lines, written directly (the sink's cost is measured above)."""
    scrubber = Scrubber([])
    bodies = {}
    for agent, decision in (("support-agent", "allowed"), ("support-agent", "denied"), ("auditor", "allowed")):
        sample = AuditEvent(**{**EVENT.fields(), "agent": agent, "decision": decision})
        bodies[agent, decision] = scrubber.clean_fields({**sample.fields(), "summary": summarize(sample)})
    prev = GENESIS
    with path.open("wb", buffering=1 << 20) as stream:
        for seq in range(1, lines + 1):
            agent = "auditor" if seq % RARE_AGENT == 0 else "support-agent"
            decision = "denied" if seq % RARE_DENIED == 0 and agent != "auditor" else "allowed"
            body = {
                **bodies[agent, decision],
                "event_id": f"e{seq}",
                "v": SCHEMA_VERSION,
                "ts": "2025-03-14T09:26:53.592Z",
                "seq": seq,
                "prev": prev,
            }
            line, prev = seal(body)
            stream.write(line)


def cli(*args: str) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of `aircall-mcp ARGS`, output discarded; raises on a failure."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "aircall_mcp", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"aircall-mcp {' '.join(args)} exited {process.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, process.returncode


def run_scale(base: Path, sizes: tuple[int, ...]) -> None:
    print("\naudit trail at scale: in-process time, and `aircall-mcp audit ...` run as a subprocess (wall, peak RSS)")
    print(f"  {'lines':>9}  {'case':<44} {'in-process':>12} {'CLI wall s':>10} {'CLI MiB':>8}")
    wall, peak, _ = cli("--version")
    print(f"  {'':>9}  {'aircall-mcp --version (start-up alone)':<44} {'':>12} {wall:>10.2f} {peak:>8.0f}")
    for lines in sizes:
        path = base / f"trail-{lines}.jsonl"
        started = time.perf_counter()
        write_trail(path, lines)
        print(
            f"  {lines:>9,}  {f'({path.stat().st_size / 2**20:.0f} MiB, written directly)':<44} "
            f"{time.perf_counter() - started:>10.1f} s"
        )
        with AuditLog(path) as log:
            started = time.perf_counter()
            log.record(EVENT)  # the first append reads the chain head back from the end of the file
            first = time.perf_counter() - started
            per_line, count = timed(1, 2_000, functools.partial(log.record, EVENT))
        print(f"  {lines:>9,}  {'append: first line (head read from the end)':<44} {first * 1e6:>9.0f} µs")
        print(f"  {lines:>9,}  {f'append: {count} more lines':<44} {per_line:>9.1f} µs  per line")
        tails: tuple[tuple[str, dict[str, str]], ...] = (
            ("tail -n 20", {}),
            (f"tail -n 20 --decision denied (1 line in {RARE_DENIED})", {"decision": "denied"}),
            (f"tail -n 20 --agent auditor (1 line in {RARE_AGENT:,})", {"agent": "auditor"}),
        )
        for label, filters in tails:
            started = time.perf_counter()
            tail(path, lines=20, out=io.StringIO(), **filters)
            in_process = time.perf_counter() - started
            flags = [item for key, value in filters.items() for item in (f"--{key}", value)]
            wall, peak, _ = cli("audit", "tail", "-n", "20", *flags, str(path))
            print(f"  {lines:>9,}  {label:<44} {in_process * 1000:>9.1f} ms {wall:>10.2f} {peak:>8.0f}")
        wall, peak, _ = cli("audit", "verify", str(path))
        print(f"  {lines:>9,}  {'verify (the whole chain)':<44} {'':>12} {wall:>10.2f} {peak:>8.0f}")
        path.unlink()


if __name__ == "__main__":
    main()
