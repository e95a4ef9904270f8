"""File reads, syncs and locks the audit needs, on every platform.

`os.pread` and `O_DIRECTORY` are POSIX-only: Windows reads at an offset with a seek, and its directories cannot be
opened to be synced (NTFS makes a rename durable on its own). Locks are whole-file and exclusive: `flock` on POSIX,
portalocker's LockFileEx/msvcrt elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

# Descriptors are not inherited by child processes anyway (PEP 446); O_CLOEXEC says so where it exists.
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", None)


def read_at(fd: int, size: int, offset: int) -> bytes:
    """Up to `size` bytes at `offset` (pread where it exists; the callers hold the audit's lock otherwise)."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable, where the platform lets a directory be synced."""
    if _DIRECTORY is None:
        return
    fd = os.open(directory, os.O_RDONLY | _DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Every line takes and releases the lock. On POSIX portalocker's lock is this same `flock` behind flag
# validation (about 8 us a line), so it is called directly: processes locking through either agree.


def lock_exclusive(fd: int) -> None:
    """Wait for the cross-process lock on `fd`."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    import portalocker  # noqa: PLC0415 - imports the platform's lock module (msvcrt) on use

    portalocker.lock(fd, portalocker.LockFlags.EXCLUSIVE)


def try_lock_exclusive(fd: int) -> bool:
    """Take the cross-process lock on `fd` if it is free right now; False when someone holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    import portalocker  # noqa: PLC0415 - see lock_exclusive

    try:
        portalocker.lock(fd, portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING)
    except portalocker.AlreadyLocked:
        return False
    return True


def unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return
    import portalocker  # noqa: PLC0415 - see lock_exclusive

    portalocker.unlock(fd)
