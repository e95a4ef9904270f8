"""File reads and syncs the audit needs, on every platform.

`os.pread` and `O_DIRECTORY` are POSIX-only: Windows reads at an offset with a seek, and its directories cannot be
opened to be synced (NTFS makes a rename durable on its own).
"""

from __future__ import annotations

import os
from pathlib import Path

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
