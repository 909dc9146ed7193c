"""One run at a time per results file: an exclusive OS lock on `<results>.lock`.

Two runs writing the same results (two terminals, a cron job overlapping a manual run)
would send every row twice and splice each other's files. The lock is the kernel's
(`fcntl.flock` on POSIX, `msvcrt.locking` on Windows), so it goes with the process that
holds it however that process ends: a run killed with `kill -9` never blocks `--resume`.
The file holds the holder's process ID, to name it in the refusal.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Self

from ..errors import OutputError, UsageError

LOCK_SUFFIX = ".lock"
#: Windows locks byte ranges, and a locked range cannot be read by others: lock a byte far
#: past the process ID written at the start, so a refused run can still read who holds it.
_WINDOWS_LOCK_OFFSET = 1 << 30


def lock_path(results: Path) -> Path:
    """Where the lock of a run writing `results` lives."""
    return results.with_name(results.name + LOCK_SUFFIX)


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on `fd` without waiting; False when another process holds it."""
    if os.name == "nt":  # pragma: no cover - CI runs on Linux
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def take_lock(path: Path) -> int | None:
    """The file descriptor of `path`, exclusively locked; None when another process holds
    the lock. Raises OutputError when the file cannot be created."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise OutputError(f"cannot create the lock {path}: {exc.strerror}") from None
        if not _try_lock(fd):
            os.close(fd)
            return None
        # A run that was releasing may have unlinked the file we opened: then our lock is
        # on a file nobody else will see, so take it again on the one at the path.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            same = False
        if same:
            return fd
        os.close(fd)


def write_holder(fd: int, text: str) -> None:
    """Say who holds the lock of `fd`, for a refused or waiting run to name it."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, text.encode("ascii"))


def release_lock(fd: int, path: Path) -> None:
    """Remove the lock file `path` and let go of its lock `fd`."""
    if os.name == "nt":  # pragma: no cover - an open file cannot be removed there
        os.close(fd)
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # another run took it meanwhile
        return
    try:
        path.unlink(missing_ok=True)  # while still holding it: see take_lock()
    except OSError:
        pass  # a lock file left behind is harmless: the next run takes it over
    os.close(fd)


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


class HeldLock:
    """A kernel lock held on `path` through `_fd` while `acquire`d; a context manager.
    Subclasses say how it is taken (`acquire`) and who holds it."""

    path: Path
    _fd: int | None

    def acquire(self) -> None:
        raise NotImplementedError

    def release(self) -> None:
        """Remove the lock file and let go of the lock."""
        fd, self._fd = self._fd, None
        if fd is not None:
            release_lock(fd, self.path)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class RunLock(HeldLock):
    """The exclusive lock of the run writing `results`; a context manager."""

    def __init__(self, results: Path) -> None:
        self.results = results
        self.path = lock_path(results)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise UsageError naming the run that holds it."""
        fd = take_lock(self.path)
        if fd is None:
            pid = _holder(self.path)
            raise UsageError(f"another wawp-import is running on {self.results.name}"
                             + (f" (pid {pid})" if pid else "")
                             + f"; wait for it to finish (lock: {self.path})")
        write_holder(fd, f"{os.getpid()}\n")
        self._fd = fd



__all__ = ["LOCK_SUFFIX", "RunLock", "lock_path", "release_lock", "take_lock", "write_holder"]
