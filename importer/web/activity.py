"""The activity log: who did what to which job, when, from where (JSON Lines in the data folder).

Every upload, check, import (its start, and its end with the counts), stop, retry, resend,
"send the remaining", delete and download is one line of ``<data dir>/activity.jsonl``, and
so is each of these the server refused (`refused`, its detail "import: HTTP 409": which
action and the status, never the refusal's message, which may quote a cell or a header):

    {"time": "2026-12-05T13:01:04.123Z", "action": "import", "job": "20261205-130104-a1b2c3",
     "file": "crm-weekly.csv", "number": "instance-1", "counts": null,
     "client": "127.0.0.1", "user": "amira", "detail": ""}

A line holds no phone number, no contact's name and never the token: only the job's id and
file name, the instance, status counts, the client's address and the user's name; `detail`
is one of this module's own words (a download's file name, why an import stopped), never a
message that could quote a cell.

Each line is one ``write`` on a file opened with O_APPEND (0600), so lines never interleave
and a crash leaves at most the line being written cut short (skipped on reading; the next line
starts on a line of its own). The log is
bounded: once the file passes `max_bytes` it becomes ``activity.1.jsonl`` (replacing the one
before) and a new file starts, so the log keeps between `max_bytes` and twice that of the
most recent lines.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..result_format import safe_cell

if TYPE_CHECKING:
    from starlette.requests import Request

    from .job import Job

log = logging.getLogger(__name__)

LOG_FILE = "activity.jsonl"
OLD_LOG_FILE = "activity.1.jsonl"
#: Size at which the log is rotated (one older file is kept): ~20,000 lines each.
DEFAULT_MAX_BYTES = 5 * 2**20
#: Where the security guard leaves the signed-in user's name in the request's scope.
USER_KEY = "wawp.user"
#: Entries /api/activity returns at most.
DEFAULT_LIMIT = 500

#: What can be recorded, in the order the page's filter offers them.
ACTIONS = ("upload", "settings", "fix", "forget_mapping", "check", "import", "resend",
           "import_end", "stop", "retry", "remaining", "delete", "download", "refused",
           "login", "login_failed", "logout")
#: The columns of an entry, in the order of the CSV download.
FIELDS = ("time", "action", "job", "file", "number", "counts", "client", "user", "detail")


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ActivityLog:
    """The append-only log of `folder` (see the module); safe to use from any thread."""

    def __init__(self, folder: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 clock: Callable[[], datetime] = _now) -> None:
        self.path = Path(folder) / LOG_FILE
        self.old_path = Path(folder) / OLD_LOG_FILE
        self.max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, action: str, *, job: str | None = None, file: str | None = None,
               number: str | None = None, counts: Mapping[str, int] | None = None,
               client: str | None = None, user: str | None = None,
               detail: str = "") -> dict[str, Any]:
        """Append one entry and return it."""
        if action not in ACTIONS:
            raise ValueError(f"unknown activity {action!r}")
        entry = {"time": _iso(self._clock()), "action": action, "job": job, "file": file,
                 "number": number,
                 "counts": {str(k): int(v) for k, v in counts.items()} if counts else None,
                 "client": client, "user": user, "detail": detail}
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line  # after a line a crash cut short: not glued to it
                os.write(fd, line)
                size += len(line)
            finally:
                os.close(fd)
            if size >= self.max_bytes:
                os.replace(self.path, self.old_path)
        return entry

    def entries(self, *, number: str | None = None, action: str | None = None,
                job: str | None = None, limit: int | None = DEFAULT_LIMIT
                ) -> list[dict[str, Any]]:
        """The entries, newest first, those of `number`, `action` and `job` only when given."""
        with self._lock:
            lines = [*_read_lines(self.old_path), *_read_lines(self.path)]
        found: list[dict[str, Any]] = []
        for line in reversed(lines):
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line a crash cut short
            if not isinstance(entry, dict):
                continue
            if ((number and entry.get("number") != number)
                    or (action and entry.get("action") != action)
                    or (job and entry.get("job") != job)):
                continue
            found.append(entry)
            if limit is not None and len(found) >= limit:
                break
        return found

    def numbers(self) -> list[str]:
        """The numbers (instances) the log names, for the page's filter."""
        return sorted({e["number"] for e in self.entries(limit=None) if e.get("number")})


class ActivityRecorder:
    """What the web app records: an HTTP request's action (`request`) and the end of a run
    (`job_event`, the JobStore's hook), each with the job's file, number and counts.

    A run's end names the client and user whose request started it (remembered per job
    while the server runs; after a restart, none)."""

    def __init__(self, log: ActivityLog, *, number: Callable[[Job], str | None]) -> None:
        self.log = log
        self._number = number
        self._by: dict[str, tuple[str | None, str | None]] = {}
        self._lock = threading.Lock()

    def request(self, request: Request, action: str, job: Job | None = None, *,
                detail: str = "", counts: Mapping[str, int] | None = None,
                started: Job | None = None, user: str | None = None) -> None:
        """Record `action` done by `request` on `job` (a Job, or None); `started` is the job
        the request set going (a retry's new job), when it is another; `user` is who signs
        in or out (else the request's signed-in user)."""
        client = request.client.host if request.client else None
        user = user or request.scope.get(USER_KEY)
        if job is not None:
            with self._lock:
                self._by[job.id] = (client, user)
                if started is not None:
                    self._by[started.id] = (client, user)
        self._record(action, job, client=client, user=user, detail=detail, counts=counts)

    def refused(self, request: Request, status: int, job: Job | None) -> None:
        """Record `request` refused with HTTP `status`, when it is an action (see
        `refused_action`); `job` is the job it names, when there is one."""
        found = refused_action(request.method, request.url.path)
        if found is None:
            return
        action, _ = found
        client = request.client.host if request.client else None
        self._record("refused", job, client=client, user=request.scope.get(USER_KEY),
                     detail=f"{action}: HTTP {status}", counts=None)

    def job_event(self, job: Job, event: str) -> None:
        """The JobStore's hook: a check or an import ended, or an import started by itself."""
        try:
            self._job_event(job, event)
        except Exception as exc:  # a bug here must not end the job's thread: logged instead
            log.error("activity log: cannot record %s of job %s", event, job.id, exc_info=exc)

    def _job_event(self, job: Job, event: str) -> None:
        with self._lock:
            # a retry job's own check can end before the request that made it is recorded:
            # the request of its parent job is the same person's
            client, user = self._by.get(job.id) or self._by.get(
                job.state.parent or "", (None, None))
        state = job.state
        if event == "check":
            counts = (state.preview or {}).get("counts") if state.phase == "checked" else None
            detail = str(state.phase)
        elif event == "import_end":
            counts = (state.summary or {}).get("counts")
            detail = {"checked": "stopped before it started: nothing was sent"}.get(
                state.phase, str(state.phase))
            if state.stopped:
                detail += f": {state.stopped}"
        else:
            counts, detail = None, "started by itself after its check"
        self._record(event, job, client=client, user=user, detail=detail, counts=counts)

    def _record(self, action: str, job: Job | None, **fields: Any) -> None:
        try:
            if job is None:
                self.log.record(action, **fields)
            else:
                self.log.record(action, job=job.id, file=job.state.name,
                                number=self._number(job), **fields)
        except OSError as exc:
            # the action is done: a log that cannot be written must not make it look failed
            log.error("activity log: cannot record %s of job %s (%s)", action,
                      getattr(job, "id", None), exc)


#: The last part of a job's action path → the action it is (POST /api/jobs/<id>/<part>).
_JOB_ACTIONS = {"settings": "settings", "fixes": "fix", "forget-mapping": "forget_mapping",
                "import": "import", "resend": "resend", "stop": "stop", "retry": "retry",
                "remaining": "remaining"}


def refused_action(method: str, path: str) -> tuple[str, str | None] | None:
    """(action, job id or None) of a request the log records when it is refused: one that
    would have been recorded had it gone through. None for the rest (reading a job, the
    activity itself): a refused read changes nothing."""
    parts = [part for part in path.split("/") if part]
    if method == "GET":
        # /jobs/<id>/download/<file>
        if len(parts) == 4 and parts[0] == "jobs" and parts[2] == "download":
            return "download", parts[1]
        return None
    if parts[:2] != ["api", "jobs"]:
        return None
    if len(parts) == 2:
        return {"POST": ("upload", None), "DELETE": ("delete", None)}.get(method)
    if len(parts) == 3 and method == "DELETE":
        return "delete", parts[2]
    if len(parts) == 4 and method == "POST" and parts[3] in _JOB_ACTIONS:
        return _JOB_ACTIONS[parts[3]], parts[2]
    return None


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []


def counts_text(counts: Mapping[str, int] | None) -> str:
    """"ok 12, failed 1": an entry's counts in one cell."""
    return ", ".join(f"{status} {n}" for status, n in (counts or {}).items())


def activity_csv(entries: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The entries as CSV text, a header first; cells Excel would run as formulas are
    escaped as the results file escapes them (a file or user name may start with "=")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for entry in entries:
        cells = [counts_text(entry.get("counts")) if name == "counts"
                 else str(entry.get(name) or "") for name in FIELDS]
        writer.writerow([safe_cell(cell) for cell in cells])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


__all__ = ["ACTIONS", "DEFAULT_MAX_BYTES", "FIELDS", "LOG_FILE", "USER_KEY", "ActivityLog",
           "ActivityRecorder",
           "activity_csv", "counts_text", "refused_action"]
