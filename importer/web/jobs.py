"""Jobs of the web app: one upload, its settings, its check, its import and its results.

`JobStore` is what the HTTP layer (app.py) talks to. It joins two halves with small
interfaces: storage.py keeps the jobs (`JobFolders`: folders, state files, listing,
deleting, reading back an earlier server's jobs), runner.py runs them (`JobRunner`:
checks, imports, retries, stops and recovery, on threads). instances.py holds the numbers
the server imports to (each job sends to the one it was uploaded for); job.py is one job and
its files; settings.py what the page may change of a run.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..mappings import MappingStore, mappings_path
from ..options import ImportOptions
from .files import DEFAULT_MAX_UPLOAD_BYTES, safe_file_name, too_large
from .instances import Instance, Instances
from .job import Job, UploadTooLarge
from .runner import SHUTDOWN_WAIT, JobRunner
from .settings import SettingError, Settings
from .storage import JobFolders

#: The ledger's file in the data folder, when the server is given none.
LEDGER_FILE = "ledger.sqlite"


class JobStore:
    """Every job in `data_dir`, and the threads that check and import them.

    `template` holds the server's sending options (instance, token, pacing, default region);
    `instances`, when given, are the numbers the server imports to (each with its own
    options: `instances.read_instances`), else `template`'s instance is the one number. Each
    job's options are its number's with the job's settings, input and results filled in.
    """

    def __init__(self, data_dir: Path, template: ImportOptions, *,
                 instances: Sequence[Instance] | None = None,
                 max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
                 run_kwargs: Mapping[str, Any] | None = None,
                 on_event: Callable[[Job, str], None] | None = None) -> None:
        self.folders = JobFolders(data_dir)
        self.data_dir = self.folders.data_dir
        # The ledger is the record of what each address book holds: every import reads it
        # (rows already there are not sent again) and adds what it sent. Without one given,
        # the page keeps its own in the data folder.
        ledger = template.ledger or self.data_dir / LEDGER_FILE
        self.template = _for_jobs(template, ledger)
        # Every number records in the one ledger, each under its own base URL and instance.
        self.instances = Instances(
            [Instance(i.name, _for_jobs(i.options, ledger)) for i in instances] if instances
            # one number from the environment, named by its instance: a job on it then
            # cannot send after a restart with another instance
            else [Instance(template.instance_id, self.template)])
        self.max_upload_bytes = max_upload_bytes
        # The mappings remembered per number live beside the ledger: the command's store too.
        self.runner = JobRunner(self.folders, self.instances, run_kwargs=run_kwargs,
                                on_event=on_event,
                                mappings=MappingStore(mappings_path(ledger)))

    def default_region(self) -> str | None:
        """The region a new job on the default number starts with: the server's setting, else
        the region of the instance's own number."""
        return self.instances.default.default_region()

    def region_source(self) -> str:
        """Where default_region() comes from, in words for the page."""
        return self.instances.default.region_source()

    # -- life cycle --

    def load(self) -> None:
        """Find the jobs of an earlier server in the data folder and carry on with them."""
        self.runner.ask_instance_numbers()
        for job in self.folders.read_all():
            self.runner.settle(job)

    def shutdown(self, timeout: float = SHUTDOWN_WAIT) -> None:
        """Stop every import (rows not sent become not_attempted) and wait for the results."""
        self.runner.shutdown(timeout)

    # -- the jobs --

    def get(self, job_id: str) -> Job:
        return self.folders.get(job_id)

    def listing(self) -> list[dict[str, Any]]:
        return self.folders.listing()

    async def create(self, name: str, chunks: AsyncIterator[bytes], *,
                     length: int | None = None, instance: str | None = None,
                     before_check: Callable[[Job], None] | None = None) -> Job:
        """A new job from an uploaded file (streamed to disk) for the number called
        `instance` (with one number, that one); its check starts at once, after
        `before_check(job)` (the activity log records the upload before its check ends)."""
        limit = self.max_upload_bytes
        if length is not None and length > limit:
            raise UploadTooLarge(too_large(name, length, limit))
        number = self.instances.for_upload(instance)
        await self.runner.wait_for_instance_number(number)
        # (no instance at all: the job only checks, and goes to whichever number comes)
        job = self.folders.new_job(name, safe_file_name(name), instance=number.name or None,
                                   instance_key=number.key if number.can_import else None)
        # The region is a value the job starts with (shown, saved, changeable), never an
        # unseen default: the number's setting, or that of its own WhatsApp number.
        job.settings = Settings(default_region=number.default_region())
        await self.folders.receive(job, chunks, limit=limit)
        # a file with the headers of one imported to this number before starts from the
        # columns and settings of that import
        await asyncio.to_thread(self.runner.propose_mapping, job)
        if before_check is not None:
            before_check(job)
        self.runner.start_check(job)
        return job

    def delete(self, job_id: str) -> None:
        """Delete a job and its folder (upload, results and all)."""
        self.folders.delete(job_id)

    def delete_unreadable(self) -> list[str]:
        """Delete every job whose file could not be used (phase invalid); their ids."""
        return self.folders.delete_unreadable()

    # -- what jobs do --

    def change_settings(self, job_id: str, data: Mapping[str, Any]) -> Job:
        """Apply the page's settings and check the file again with them."""
        return self.runner.change_settings(job_id, data)

    def fix_row(self, job_id: str, data: object) -> tuple[Job, dict[str, Any]]:
        """Fix (or undo the fix of) a cell of a row: the job and the row's new outcome."""
        return self.runner.fix_row(job_id, data)

    def forget_mapping(self, job_id: str) -> Job:
        """Forget the mapping the job started from, and check it again with a fresh guess."""
        return self.runner.forget_mapping(job_id)

    def start_import(self, job_id: str, *, resend: bool = False) -> Job:
        return self.runner.start_import(job_id, resend=resend)

    def send_remaining(self, job_id: str) -> Job:
        return self.runner.send_remaining(job_id)

    def stop(self, job_id: str) -> Job:
        return self.runner.stop(job_id)

    def retry(self, job_id: str) -> Job:
        return self.runner.retry(job_id)


def _for_jobs(options: ImportOptions, ledger: Path) -> ImportOptions:
    """A number's options as every job starts from them: the server's ledger, a real run
    (a job's check asks for its dry run itself), none of the command's one-off modes."""
    return dataclasses.replace(options, ledger=ledger, dry_run=False, verify=False,
                               verify_cache=None, resume=False, force=False,
                               retry_failed=False, retry_invalid=False)


__all__ = ["LEDGER_FILE", "JobStore", "SettingError", "Settings", "safe_file_name"]
