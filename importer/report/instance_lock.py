"""One sending run per WAWP instance at a time, whoever starts it (two terminals, a cron job,
the web page, a script calling `run_import`).

Two runs sending to one instance add their rates up: two terminals at the default 20
requests/s hit the number with 40. So every run that sends takes the instance's lock first;
a second one waits for the first to finish (or, with `no_wait`, stops at once), and the
instance's rate is never doubled.

The lock is an exclusive kernel lock (the technique of `RunLock`) on a file named after a
hash of the instance ID and the normalized base URL (scheme and host lower-cased, default
port and trailing slash dropped), so no token or address shows in the name. The file holds
the holder's process ID and start time, to name it to whoever waits. It lives in one
folder per user in the system's temporary folder, the same for every way of running an
import, with or without a ledger: a lock kept beside a ledger would be another file for a
run with another ledger, or none, and both runs would send.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InstanceBusy, OutputError, StoppedWaiting
from ..options import base_url_key
from .lock import HeldLock, release_lock, take_lock, write_holder

#: How often a waiting run tries the lock again (and notices a stop).
POLL_INTERVAL = 0.2


@dataclass(frozen=True, slots=True)
class LockHolder:
    """The run holding an instance's lock: its process ID and when it took the lock (epoch
    seconds); None where the lock file does not say (it was being written)."""

    pid: int | None = None
    started: float | None = None

    def describe(self) -> str:
        """"pid 4242, started 08:50" (local time), or "" when nothing is known."""
        parts = []
        if self.pid is not None:
            parts.append(f"pid {self.pid}")
        if self.started is not None:
            parts.append(f"started {time.strftime('%H:%M', time.localtime(self.started))}")
        return ", ".join(parts)


#: What a run hears while it waits: the holder when the wait starts, None when it is over.
WaitHook = Callable[[LockHolder | None], None]


def instance_key(instance_id: str, base_url: str) -> str:
    """The instance as one text: its ID and its base URL as `options.base_url_key` spells it
    (scheme and host lower-cased, the default port and the trailing slash dropped)."""
    return f"{instance_id}\n{base_url_key(base_url)}"


def default_lock_folder() -> Path:
    """The folder of this user's instance locks, in the system's temporary folder."""
    user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"wawp-importer-{user}" / "locks"


def instance_lock_path(folder: Path, instance_id: str, base_url: str) -> Path:
    """The lock file of an instance in `folder`: named by a hash, no token or address."""
    digest = hashlib.blake2b(instance_key(instance_id, base_url).encode("utf-8"),
                             digest_size=12).hexdigest()
    return folder / f"instance-{digest}.lock"


def read_holder(path: Path) -> LockHolder:
    """Who the lock file says holds it (empty when it cannot say)."""
    try:
        data = json.loads(path.read_text(encoding="ascii", errors="replace"))
    except (OSError, ValueError):
        return LockHolder()
    if not isinstance(data, dict):
        return LockHolder()
    pid, started = data.get("pid"), data.get("started")
    return LockHolder(pid if isinstance(pid, int) else None,
                      float(started) if isinstance(started, (int, float)) else None)


class InstanceLock(HeldLock):
    """The lock of the run sending to one instance; a context manager.

    `acquire` waits for the run holding it, polling every POLL_INTERVAL seconds through
    `pause`; `on_wait` hears the holder when the wait starts and None when it ends; the wait
    ends with StoppedWaiting once `stopped()` says so (Ctrl-C, the page's stop). With
    `no_wait` a held lock raises InstanceBusy at once.
    """

    def __init__(self, instance_id: str, base_url: str, *, folder: Path | None = None,
                 no_wait: bool = False, on_wait: WaitHook | None = None,
                 stopped: Callable[[], bool] = lambda: False,
                 pause: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.instance_id = instance_id
        self.folder = folder if folder is not None else default_lock_folder()
        self.path = instance_lock_path(self.folder, instance_id, base_url)
        self.no_wait = no_wait
        self.on_wait = on_wait
        self.stopped = stopped
        self.pause = pause
        self.clock = clock
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting for the run that holds it (see the class)."""
        _make_folder(self.folder)
        fd = take_lock(self.path)
        if fd is None:
            holder = read_holder(self.path)
            if self.no_wait:
                who = holder.describe()
                raise InstanceBusy(
                    f"another wawp-import is sending to instance {self.instance_id}"
                    + (f" ({who})" if who else "") + ": nothing was sent (--no-wait); run "
                    "again once it has finished, or without --no-wait to wait for it")
            if self.on_wait is not None:
                self.on_wait(holder)
            while fd is None:
                if self.stopped():
                    raise StoppedWaiting(f"stopped while waiting for the other run sending "
                                         f"to instance {self.instance_id}: nothing was sent")
                self.pause(POLL_INTERVAL)
                fd = take_lock(self.path)
            if self.on_wait is not None:
                self.on_wait(None)
        try:
            write_holder(fd, json.dumps({"pid": os.getpid(), "started": self.clock()}) + "\n")
        except OSError as exc:
            release_lock(fd, self.path)
            raise OutputError(f"cannot write the lock {self.path}: {exc.strerror}") from None
        self._fd = fd



def _make_folder(folder: Path) -> None:
    """Create the lock folder, private to this user; refuse one another user owns (they
    could hold or remove our locks)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
            raise OutputError(f"the lock folder {folder} belongs to another user: remove it, "
                              "or set TMPDIR to a folder of your own")
    except OSError as exc:
        raise OutputError(f"cannot create the lock folder {folder}: {exc.strerror}") from None


__all__ = ["POLL_INTERVAL", "InstanceLock", "LockHolder", "WaitHook", "default_lock_folder",
           "instance_key", "instance_lock_path", "read_holder"]
