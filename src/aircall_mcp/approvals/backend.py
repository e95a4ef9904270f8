"""Where approvals are kept: a file (default) or Redis. Both offer one operation, a locked read-modify-write.

Every change to the queue runs as `transact(change)`: the backend holds its lock (a file lock across processes,
a Redis lock across replicas), hands `change` every record, and saves what it changed before releasing. Records
are few (pending for an hour, kept a day after), so reading them all is cheaper than being clever.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import anyio

from aircall_mcp.approvals.record import PendingApproval

T = TypeVar("T")
Records = dict[str, PendingApproval]
# A finished record is kept this long after its expiry, for `approvals list` and `show`; then it is dropped.
KEEP_SECONDS = 86_400.0


class ApprovalsUnavailable(Exception):
    """The approval store cannot be read or written; the queue then fails closed (nothing is executed)."""


class Backend(Protocol):
    description: str

    async def transact(self, change: Callable[[Records], T]) -> T:
        """Run `change` on every record under the store's lock; what it leaves in the dict is saved."""
        ...

    async def aclose(self) -> None: ...


def prune(records: Records, now: float) -> None:
    for key in [k for k, r in records.items() if r.expires_at + KEEP_SECONDS < now]:
        del records[key]


class FileBackend:
    """All approvals in one JSON file, replaced atomically (write, fsync, rename) under an exclusive file lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "approvals.json"
        self.description = str(self.path)

    async def transact(self, change: Callable[[Records], T]) -> T:
        return await anyio.to_thread.run_sync(self._transact, change)

    async def aclose(self) -> None:
        return None

    def _transact(self, change: Callable[[Records], T]) -> T:
        import portalocker  # noqa: PLC0415 - the platform's lock module is imported on use, as in audit/sink.py

        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            with open(self.directory / ".lock", "a+b") as lock:
                portalocker.lock(lock, portalocker.LockFlags.EXCLUSIVE)
                try:
                    before = self._read()
                    records = dict(before)
                    result = change(records)
                    if records != before:
                        self._write(records)
                    return result
                finally:
                    portalocker.unlock(lock)
        except (OSError, ValueError, portalocker.LockException) as exc:
            raise ApprovalsUnavailable(f"cannot use the approvals file {self.path}: {exc}") from None

    def _read(self) -> Records:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        data = json.loads(text) if text.strip() else []
        records = (PendingApproval.from_json(item) for item in data)
        return {record.id: record for record in records}

    def _write(self, records: Records) -> None:
        body = json.dumps([r.to_json() for r in records.values()], indent=1, sort_keys=True)
        fd, temporary = tempfile.mkstemp(prefix=".approvals-", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisBackend:
    """All approvals in one Redis hash under `aircall-mcp:approvals:`, expiring a day after the last change.

    A short Redis lock (SET NX PX, released only by its holder) makes each change atomic across replicas.
    Redis lost is ApprovalsUnavailable: the queue then fails closed.
    """

    LOCK_MS = 5_000
    EXPIRY_SECONDS = int(KEEP_SECONDS)

    def __init__(self, url: str, *, prefix: str = "aircall-mcp:approvals:", timeout_seconds: float = 2.0) -> None:
        import redis.asyncio as redis  # noqa: PLC0415 - only needed when Redis is configured

        from aircall_mcp.shared.redis_store import redacted_url  # noqa: PLC0415 - imports redis: same reason

        self.description = f"Redis at {redacted_url(url)}"
        self._key = prefix + "records"
        self._lock = prefix + "lock"
        try:
            self._redis: Any = redis.from_url(
                url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
            )
        except ValueError as exc:
            raise ApprovalsUnavailable(f"cannot use {self.description}: {exc}") from None
        self._unlock = self._redis.register_script(_UNLOCK)

    async def transact(self, change: Callable[[Records], T]) -> T:
        from redis.exceptions import RedisError  # noqa: PLC0415

        token = secrets.token_hex(16)
        try:
            # Another holder keeps the lock a few milliseconds; one that died loses it after LOCK_MS.
            for _ in range(self.LOCK_MS // 10):
                if await self._redis.set(self._lock, token, nx=True, px=self.LOCK_MS):
                    break
                await anyio.sleep(0.01)
            else:
                raise TimeoutError("the approvals lock was not released")
            try:
                raw = await self._redis.hgetall(self._key)
                before = {k.decode(): PendingApproval.from_json(json.loads(v)) for k, v in raw.items()}
                records = dict(before)
                result = change(records)
                gone = [key for key in before if key not in records]
                changed = {k: json.dumps(r.to_json()) for k, r in records.items() if before.get(k) != r}
                async with self._redis.pipeline(transaction=True) as pipe:
                    if gone:
                        pipe.hdel(self._key, *gone)
                    if changed:
                        pipe.hset(self._key, mapping=changed)
                    pipe.expire(self._key, self.EXPIRY_SECONDS)
                    await pipe.execute()
                return result
            finally:
                await self._unlock(keys=[self._lock], args=[token])
        except (RedisError, OSError, TimeoutError) as exc:
            raise ApprovalsUnavailable(f"{self.description} is unavailable: {type(exc).__name__}") from None

    async def aclose(self) -> None:
        await self._redis.aclose()
