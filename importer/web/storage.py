"""Where the web app's jobs are kept: one folder per job under ``<data dir>/jobs/``.

`JobFolders` makes, finds, lists and deletes them, streams an upload into its folder and
reads back, at start, the jobs an earlier server left. It runs nothing: what a job does
(checks, imports, retries, recovery) is runner.py's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ImporterError
from ..report.xlsx import rows_path
from .files import private, private_tree, too_large
from .job import (
    BUSY_PHASES,
    INVALID,
    JOB_ID,
    Job,
    JobBusy,
    JobError,
    JobNotFound,
    JobState,
    UploadTooLarge,
    new_job_id,
)
from .settings import Settings

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def remove_old_temporary_files(folder: Path) -> None:
    """Remove the workbook rows that servers before this one streamed through `folder`
    (then their process's temporary folder), and the folder itself once empty."""
    for leftover in folder.glob("openpyxl.*"):
        leftover.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


class JobFolders:
    """Every job in `data_dir`: its folder on disk and its `Job` in memory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.jobs_dir = self.data_dir / "jobs"
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def read_all(self) -> list[Job]:
        """The jobs an earlier server left in the data folder, as their files say.

        A damaged job is left alone on disk rather than served; what a job was doing when
        that server stopped is for the runner to settle.
        """
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        private(self.data_dir)
        private(self.jobs_dir)
        remove_old_temporary_files(self.data_dir / "tmp")
        found = []
        for folder in sorted(self.jobs_dir.iterdir()):
            if not JOB_ID.match(folder.name) or not (folder / "state.json").is_file():
                continue
            try:
                state = JobState.from_json(json.loads((folder / "state.json").read_text("utf-8")))
                settings_file = folder / "settings.json"
                settings = (Settings.from_json(json.loads(settings_file.read_text("utf-8")))
                            if settings_file.is_file() else Settings())
            except (OSError, ValueError, TypeError, ImporterError) as exc:
                log.warning("job folder %s skipped: it cannot be read (%s: %s)", folder,
                            type(exc).__name__, exc)
                continue
            job = Job(folder, state, settings)
            with self._lock:
                self._jobs[job.id] = job
            rows_path(job.results_xlsx).unlink(missing_ok=True)  # a killed import's
            private_tree(folder)
            found.append(job)
        return found

    # -- finding jobs --

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id) if JOB_ID.match(job_id) else None
        if job is None:
            raise JobNotFound(f"no job {job_id}: it may have been deleted")
        return job

    def all(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def name_of(self, job_id: str) -> str | None:
        """The file name of job `job_id`, for the page ("waiting for crm.csv"); None if gone."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job.state.name if job is not None else None

    def listing(self) -> list[dict[str, Any]]:
        # newest first; the id breaks ties within a millisecond
        return sorted((job.listing() for job in self.all()),
                      key=lambda j: (j["created"], j["id"]), reverse=True)

    # -- creating and deleting --

    def new_job(self, name: str, file: str, **state: Any) -> Job:
        """A new job's folder (owner-only) and its `Job`, under a fresh id."""
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        while True:
            job_id = new_job_id()
            folder = self.jobs_dir / job_id
            try:
                folder.mkdir(mode=0o700)
                break
            except FileExistsError:
                continue  # another job drew the same id: draw again
        (folder / "upload").mkdir(mode=0o700)
        private(folder)  # mkdir's mode is cut by the umask; chmod's is not
        private(folder / "upload")
        job = Job(folder, JobState(id=job_id, name=name[:200], file=file, created=_now(),
                                   **state), Settings())
        with self._lock:
            self._jobs[job_id] = job
        return job

    async def receive(self, job: Job, chunks: AsyncIterator[bytes], *, limit: int) -> None:
        """Stream an upload into the job's folder; an upload cut short (too large, the client
        gone, the server stopping) leaves no half job behind."""
        size = 0
        try:
            with os.fdopen(os.open(job.upload, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                           "wb") as f:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise UploadTooLarge(too_large(job.state.name, None, limit))
                    f.write(chunk)
        except BaseException:  # an upload cut short (even by shutdown): no half job, re-raise
            self.forget(job)
            raise

    def copy_upload(self, source: Path, job: Job) -> None:
        """Make `source` the job's upload (owner-only from its first byte)."""
        with source.open("rb") as data, os.fdopen(os.open(
                job.upload, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as copy:
            shutil.copyfileobj(data, copy)

    def forget(self, job: Job) -> None:
        with self._lock:
            self._jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)

    def delete(self, job_id: str) -> None:
        """Delete a job and its folder (upload, results and all)."""
        job = self.get(job_id)
        with job.lock:
            if job.state.phase in BUSY_PHASES:
                raise JobBusy("this job is still working: stop it before deleting it")
            # the folder is ours by construction (a checked id under jobs/): no path from the client
            if job.folder.parent != self.jobs_dir:
                raise JobError("refusing to delete a folder outside the data folder")
            self.forget(job)

    def delete_unreadable(self) -> list[str]:
        """Delete every job whose file could not be used (phase invalid); their ids."""
        # a check the API did not answer is no sign of a bad file: those stay
        jobs = [job for job in self.all() if job.state.phase == INVALID and not job.state.problem]
        deleted = []
        for job in jobs:
            try:
                self.delete(job.id)
            except JobError:
                continue  # it changed meanwhile (its settings were changed: a check runs)
            deleted.append(job.id)
        return deleted


__all__ = ["JobFolders", "remove_old_temporary_files"]
