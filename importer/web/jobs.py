"""Jobs of the web app: one upload, its settings, its check, its import and its results.

This is the only module of the web app that runs the pipeline (plan_import, run_plan,
recover_results), so
the pages and the HTTP layer never depend on its details. Its neighbours hold the rest:
job.py a job and its files on disk, instance_queue.py the turns imports take per instance,
views.py what the page shows of a check or an import, files.py permissions, names and sizes.

settings.py is what the page may change of a run.

Work happens on threads: a check is the CLI's dry run; an import is the CLI's run, reporting
progress through run_plan's `on_sent` and `on_result` hooks. Imports to one WAWP instance
take turns (`InstanceQueue`): a second one waits, and its state says for which job.

The record decides what is sent: the ledger (what each address book holds) is read by the
check, which says how many rows are already there and since when, and by the import as it
goes, so a row another job sent meanwhile is not sent twice; "Send again anyway" (`resend`)
is the one way past it. An import the server was killed during is, at the next start,
rebuilt from its journal: the job shows what was really sent and offers the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ApiUnreachable, ImporterError, StoppedWaiting
from ..models import RowResult, Status, Summary
from ..options import ImportOptions
from ..pipeline import open_input, open_ledger, plan_import, run_files, run_plan
from ..recover import recover_results, results_summary
from ..redact import Redactor
from ..report.summary import format_rate
from ..report.xlsx import rows_path
from ..send.control import RunControl
from .files import DEFAULT_MAX_UPLOAD_BYTES, private, private_tree, safe_file_name, too_large
from .instance_queue import Cancelled, InstanceQueue
from .job import (
    BUSY_PHASES,
    CHECKED,
    CHECKING,
    DONE,
    FAILED,
    IMPORTING,
    INTERRUPTED,
    INVALID,
    JOB_ID,
    RECOVERING,
    WAITING,
    Job,
    JobBusy,
    JobError,
    JobNotFound,
    JobState,
    UploadTooLarge,
    new_job_id,
)
from .region import InstanceNumber, describe_region_fit, instance_number
from .settings import SettingError, Settings
from .views import (
    AlreadySent,
    ColumnSamples,
    ExampleRows,
    Lookup,
    Progress,
    summary_view,
    table_view,
)
from .words import error_in_page_words, in_page_words

log = logging.getLogger(__name__)

#: How long shutdown waits for running imports to write their results after the stop.
SHUTDOWN_WAIT = 15.0
#: How long the first upload waits for the instance's own number (its region is the default).
INSTANCE_WAIT = 10.0
#: Why an import stopped, in the words rows not sent carry ("not sent: …").
STOPPED_FROM_PAGE = "stopped from the page"
SERVER_STOPPED = "the server stopped"
SERVER_KILLED = "the server stopped without finishing the import (it was killed or crashed)"
#: The ledger's file in the data folder, when the server is given none.
LEDGER_FILE = "ledger.sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def remove_old_temporary_files(folder: Path) -> None:
    """Remove the workbook rows that servers before this one streamed through `folder`
    (then their process's temporary folder), and the folder itself once empty."""
    for leftover in folder.glob("openpyxl.*"):
        leftover.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


#: What the page says while another sending run outside this server holds the instance.
WAITING_FOR_OTHER_RUN = ("Waiting for a command-line import on this number to finish; "
                         "this import starts after it.")


class JobStore:
    """Every job in `data_dir`, and the threads that check and import them.

    `template` holds the server's sending options (instance, token, pacing, default region);
    each job's options are `template` with the job's settings, input and results filled in.
    """

    def __init__(self, data_dir: Path, template: ImportOptions, *,
                 max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
                 run_kwargs: Mapping[str, Any] | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.jobs_dir = self.data_dir / "jobs"
        # The ledger is the record of what each address book holds: every import reads it
        # (rows already there are not sent again) and adds what it sent. Without one given,
        # the page keeps its own in the data folder.
        ledger = template.ledger or self.data_dir / LEDGER_FILE
        self.template = dataclasses.replace(template, ledger=ledger, dry_run=False, verify=False,
                                            verify_cache=None, resume=False, force=False,
                                            retry_failed=False, retry_invalid=False)
        self.max_upload_bytes = max_upload_bytes
        #: Extra keywords for run_plan (tests pass a transport or a clock).
        self.run_kwargs = dict(run_kwargs or {})
        self.redact = Redactor([template.access_token])
        self.queue = InstanceQueue()
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._closing = False
        #: The instance's own number, asked once at start (its region is the default one).
        self.instance: InstanceNumber | None = None
        self._instance_known = threading.Event()
        self._instance_asked = False

    def find_instance_number(self) -> None:
        """Ask the API for the instance's number (on a thread: the server starts meanwhile)."""
        try:
            if not self.template.default_region:
                self.instance = instance_number(self.template, **{
                    k: v for k, v in self.run_kwargs.items() if k == "transport"})
        finally:
            self._instance_known.set()

    def default_region(self, *, wait: float = 0.0) -> str | None:
        """The region a new job starts with: the server's setting, else the instance's."""
        if self.template.default_region:
            return self.template.default_region
        self._instance_known.wait(wait)
        return self.instance.region if self.instance else None

    def region_source(self) -> str:
        """Where default_region() comes from, in words for the page."""
        if self.template.default_region:
            return "the server's setting"
        if self.instance and self.instance.region:
            return f"the instance's own number, +{self.instance.chat_id.split('@')[0]}"
        return ""

    @property
    def instance_key(self) -> str:
        return f"{self.template.base_url}|{self.template.instance_id}"

    # -- life cycle --

    def load(self) -> None:
        """Find the jobs of an earlier server in the data folder.

        An import that was running when that server was killed has its results rebuilt
        from its journal (on a thread: the job is `recovering` meanwhile), then shows what
        was sent and offers the rest; an unfinished check runs again.
        """
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        private(self.data_dir)
        private(self.jobs_dir)
        remove_old_temporary_files(self.data_dir / "tmp")
        self._instance_asked = True
        threading.Thread(target=self.find_instance_number, name="instance-number",
                         daemon=True).start()
        for folder in sorted(self.jobs_dir.iterdir()):
            if not JOB_ID.match(folder.name) or not (folder / "state.json").is_file():
                continue
            try:
                state = JobState.from_json(json.loads((folder / "state.json").read_text("utf-8")))
                settings_file = folder / "settings.json"
                settings = (Settings.from_json(json.loads(settings_file.read_text("utf-8")))
                            if settings_file.is_file() else Settings())
            except (OSError, ValueError, TypeError, ImporterError) as exc:
                # a damaged job is left alone on disk rather than served
                log.warning("job folder %s skipped: it cannot be read (%s: %s)", folder,
                            type(exc).__name__, exc)
                continue
            job = Job(folder, state, settings)
            self._jobs[job.id] = job
            rows_path(job.results_xlsx).unlink(missing_ok=True)  # a killed import's
            private_tree(folder)
            if state.phase in (WAITING, IMPORTING, RECOVERING) and (
                    job.unfinished() or (state.phase != WAITING and job.results_csv.exists())):
                # killed while an import ran (or waited to resume one): what was really sent
                # is in the journal, or in the complete results of a run that had finished
                self._start_recovery(job)
            elif state.phase in (WAITING, IMPORTING, RECOVERING):
                # killed before the first row went out: nothing was sent
                job.update(phase=CHECKED, waiting_for=None, progress=None,
                           message="the server stopped before this import started: "
                                   "nothing was sent")
            elif state.phase == CHECKING:
                self._start_check(job)
            elif state.remaining is None and state.phase in (DONE, FAILED, INTERRUPTED):
                # a job from before rows left were counted: count them now
                counts = (state.summary or {}).get("counts", {})
                job.update(remaining=(counts.get(Status.FAILED.value, 0)
                                      + counts.get(Status.NOT_ATTEMPTED.value, 0))
                           if state.phase == DONE else self._remaining_after_failure(job))

    def _start_recovery(self, job: Job) -> None:
        job.update(phase=RECOVERING, waiting_for=None, waiting_for_name=None,
                   message="the server stopped during this import: finding out from its "
                           "journal what was sent…")
        job.thread = threading.Thread(target=self._recover, args=(job,),
                                      name=f"recover-{job.id}", daemon=True)
        job.thread.start()

    def _recover(self, job: Job) -> None:
        """The job of an import the server did not see to its end, as it really stands: its
        results rebuilt from the journal (or read back, when the run had finished), the rows
        sent counted from there, and the remaining ones offered (resumed from the journal)."""
        examples = ExampleRows()
        already = AlreadySent(None)
        # What the import set out to send: the check's count (and, sending again anyway,
        # those found in the address book); the journal says how many of them went out.
        progress = Progress(job.to_send + (job.already if job.state.resend else 0))
        saved = job.state.progress or {}
        options = dataclasses.replace(self._job_options(job, dry_run=False),
                                      skip_preflight=True)  # nothing is sent
        try:
            with self._ledger_lookup(options) as lookup:
                already.lookup = lookup
                on_result = _both(examples.add, already.add)
                if job.unfinished():
                    summary = recover_results(plan_import(options, workers=0),
                                              reason=SERVER_KILLED, on_result=on_result,
                                              on_sent=progress.add)
                    phase, stopped = ((INTERRUPTED, SERVER_KILLED) if summary.interrupted
                                      else (DONE, ""))
                else:  # killed once its results were complete, before its state was saved
                    summary = results_summary(job.results_csv, on_result=on_result,
                                              on_sent=progress.add)
                    phase, stopped = DONE, ""
                already.flush()
        except ImporterError as exc:
            job.update(phase=INTERRUPTED, stopped=SERVER_KILLED,
                       remaining=self._remaining_after_failure(job),
                       message="the results could not be rebuilt from the journal: "
                               + in_page_words(self.redact(str(exc))))
            return
        except Exception as exc:  # a bug: one line on the page, the traceback in the log
            log.error("job %s: internal error", job.id, exc_info=exc)
            job.update(phase=INTERRUPTED, stopped=SERVER_KILLED,
                       remaining=self._remaining_after_failure(job), message=self.redact(
                           f"internal error: {type(exc).__name__}: {exc} (please report this)"))
            return
        finally:
            private_tree(job.folder)
        if phase == DONE:
            progress.total = progress.done  # it did all it had to (see _import)
        view = self._final_progress(progress)
        # How long it ran is what its state last said (saved every second or so): the rate
        # of the rows the journal has, over that time, is the best figure there is.
        elapsed = float(saved.get("elapsed") or 0.0)
        view.update(elapsed=elapsed, rate_text=format_rate(progress.done, elapsed),
                    rate=round(progress.done / elapsed, 1) if elapsed > 0 else 0.0)
        summary.elapsed = elapsed
        result = summary_view(summary, examples, progress.done)
        result["already"] = already.view(progress.done, imported=True)
        job.update(phase=phase, stopped=stopped, summary=result, progress=view, message="",
                   remaining=_remaining(summary))

    def shutdown(self, timeout: float = SHUTDOWN_WAIT) -> None:
        """Stop every import (rows not sent become not_attempted) and wait for the results."""
        self._closing = True
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            if job.control is not None:
                job.control.interrupt(SERVER_STOPPED)
        deadline = time.monotonic() + timeout
        for job in jobs:
            thread = job.thread
            if thread is not None and thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    # -- finding jobs --

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id) if JOB_ID.match(job_id) else None
        if job is None:
            raise JobNotFound(f"no job {job_id}: it may have been deleted")
        return job

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            jobs = list(self._jobs.values())
        # newest first; the id breaks ties within a millisecond
        return sorted((job.listing() for job in jobs), key=lambda j: (j["created"], j["id"]),
                      reverse=True)

    # -- creating and deleting --

    async def create(self, name: str, chunks: AsyncIterator[bytes], *,
                     length: int | None = None) -> Job:
        """A new job from an uploaded file (streamed to disk); its check starts at once."""
        limit = self.max_upload_bytes
        if length is not None and length > limit:
            raise UploadTooLarge(too_large(name, length, limit))
        if self._instance_asked and not self._instance_known.is_set():
            await asyncio.to_thread(self._instance_known.wait, INSTANCE_WAIT)
        job = self._new_job(name, safe_file_name(name))
        # The region is a value the job starts with (shown, saved, changeable), never an
        # unseen default: the server's, or that of the instance's own number.
        job.settings = Settings(default_region=self.default_region())
        size = 0
        try:
            with os.fdopen(os.open(job.upload, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                           "wb") as f:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise UploadTooLarge(too_large(name, None, limit))
                    f.write(chunk)
        except BaseException:  # an upload cut short (even by shutdown): no half job, re-raise
            self._forget(job)
            raise
        self._start_check(job)
        return job

    def _new_job(self, name: str, file: str, **state: Any) -> Job:
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

    def _forget(self, job: Job) -> None:
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
            self._forget(job)

    def delete_unreadable(self) -> list[str]:
        """Delete every job whose file could not be used (phase invalid); their ids."""
        with self._lock:
            # a check the API did not answer is no sign of a bad file: those stay
            jobs = [job for job in self._jobs.values()
                    if job.state.phase == INVALID and not job.state.problem]
        deleted = []
        for job in jobs:
            try:
                self.delete(job.id)
            except JobError:
                continue  # it changed meanwhile (its settings were changed: a check runs)
            deleted.append(job.id)
        return deleted

    # -- checking --

    def change_settings(self, job_id: str, data: Mapping[str, Any]) -> Job:
        """Apply the page's settings and check the file again with them."""
        job = self.get(job_id)
        settings = Settings.from_json(data)
        with job.lock:
            if job.state.phase in (WAITING, IMPORTING):
                raise JobBusy("the import is running: its settings cannot change now")
            if job.state.phase in (DONE, FAILED, INTERRUPTED, RECOVERING) or (
                    job.state.kind != "import"):
                raise JobBusy("this job was imported: upload the file again to change settings")
            job.settings = settings
            self._start_check(job)
        return job

    def _start_check(self, job: Job) -> None:
        with job.lock:
            job.check_generation += 1
            generation = job.check_generation
            job.update(phase=CHECKING, message="", problem="", field=None)
        thread = threading.Thread(target=self._check, args=(job, generation),
                                  name=f"check-{job.id}", daemon=True)
        thread.start()

    def _check(self, job: Job, generation: int) -> None:
        """The CLI's dry run of the job's file with its settings; the page's preview."""
        with job.check_lock:
            if generation != job.check_generation:
                return  # a newer change of settings will check
            try:
                result = self._dry_run(job)
            except ApiUnreachable as exc:
                # the file may be fine: the check asked the API for the instance's region
                result = self._unusable(job, self.redact(error_in_page_words(exc)) + (
                    " Or choose the region under Numbers and names: the check then needs no "
                    "answer from the API."))
                result.update(problem="api_unreachable", field=None)
            except ImporterError as exc:
                result = self._unusable(job, self.redact(error_in_page_words(exc)))
                result["field"] = getattr(exc, "option", None)
            except Exception as exc:  # a bug: one line on the page, the traceback in the log
                log.error("job %s: internal error while checking", job.id, exc_info=exc)
                result = {"phase": INVALID, "message": self.redact(
                    f"internal error: {type(exc).__name__}: {exc} (please report this)")}
            with job.lock:
                if generation != job.check_generation:
                    return
                autostart = job.state.autostart and result["phase"] == CHECKED
                job.update(**result, autostart=False)
                private_tree(job.folder)  # the preview holds numbers and names too
                if autostart:
                    # in the same breath: nobody sees it "checked" and stops watching it
                    try:
                        self.start_import(job.id)
                    except JobError as exc:  # the server is stopping
                        job.update(message=str(exc))

    def _job_options(self, job: Job, *, dry_run: bool) -> ImportOptions:
        settings = job.settings
        return settings.options(
            self.template, input=job.upload, dry_run=dry_run,
            results=job.preview_csv if dry_run else job.results_csv,
            # the import's lines also go to a workbook: both downloads hold the same lines
            results_copy=None if dry_run else job.results_xlsx,
            retry_failed=job.state.kind == "retry",
            resume=not dry_run and job.unfinished(),
            # The ledger decides what is already in the address book, unless the user chose
            # to send again anyway. (changed_only: the ledger's check before it was the default.)
            changed_only=not job.state.resend, resend=job.state.resend)

    @contextlib.contextmanager
    def _ledger_lookup(self, options: ImportOptions) -> Iterator[Lookup | None]:
        """The ledger's lookup, read-only, to say since when rows are in the address book;
        None while there is no ledger yet."""
        ledger = open_ledger(dataclasses.replace(options, dry_run=True, changed_only=True,
                                                 resend=False, forget_ledger=False))
        try:
            yield None if ledger is None else ledger.lookup
        finally:
            if ledger is not None:
                ledger.close()

    def _dry_run(self, job: Job) -> dict[str, Any]:
        # Normalize in this process: forking worker processes from a threaded server
        # can deadlock on a lock another thread held at the fork.
        plan = plan_import(self._job_options(job, dry_run=True), workers=0)
        table, columns = table_view(plan.table), plan.columns
        examples = ExampleRows()
        judged = job.state.kind == "import"  # a retry's results file: no region to judge
        samples = ColumnSamples(len(plan.table.headers))
        already = AlreadySent(None)

        def on_result(result: RowResult) -> None:
            examples.add(result)
            samples.add(result.values)
            already.add(result)

        with self._ledger_lookup(plan.options) as lookup:
            already.lookup = lookup
            summary = run_plan(plan, on_result=on_result, **self.run_kwargs)
            preview = summary_view(summary, examples)
            preview["already"] = already.view(preview["to_send"])
        # the plan's own judgment, in the region its numbers were read in (given, the
        # instance's, or the one they are plainly written in: pipeline.resolve_region)
        warning = describe_region_fit(plan.region_fit) if judged else None
        table["samples"] = samples.view()
        return {"phase": CHECKED, "message": "", "problem": "", "field": None, "table": table,
                "region_warning": warning,
                "region": {"code": plan.region, "source": plan.region_source},
                "columns": {"phone": columns.phone, "name": columns.name,
                            "first_name": columns.first_name, "last_name": columns.last_name,
                            "phone_reason": columns.phone_reason,
                            "phone_alternatives": list(columns.phone_alternatives),
                            "describe": columns.describe(plan.table.headers)},
                "preview": preview}

    def _unusable(self, job: Job, message: str) -> dict[str, Any]:
        """The state of a job whose check failed: the message, and the headers if the file
        could be read at all, so the page can offer the columns to pick from."""
        options = self._job_options(job, dry_run=True)
        # As the settings say, else as the reader decides by itself (an unknown sheet or a
        # header row past the end should still leave the sheets and headers to pick from).
        for attempt in (options, dataclasses.replace(options, sheet=None, header_row=None,
                                                      encoding=None, delimiter=None)):
            try:
                opened = open_input(attempt)
            except ImporterError:
                continue  # the next attempt reads the file with the reader's own guesses
            samples = ColumnSamples(len(opened.headers))
            try:
                for _, row in zip(range(50), opened.rows, strict=False):
                    samples.add(row.values)
            except ImporterError:
                pass  # the samples are a help; the message already says what is wrong
            close = getattr(opened.rows, "close", None)
            if close is not None:
                close()
            view = table_view(opened)
            view["samples"] = samples.view()
            return {"phase": INVALID, "message": message, "problem": "", "field": None,
                    "table": view, "columns": None, "preview": None, "region_warning": None,
                    "region": None}
        return {"phase": INVALID, "message": message, "problem": "", "field": None,
                "table": None, "columns": None, "preview": None, "region_warning": None,
                "region": None}

    # -- importing --

    def start_import(self, job_id: str, *, resend: bool = False) -> Job:
        """Start the job's import on a thread; it waits while another import holds the instance.

        Rows the ledger has as already in the address book are not sent (the ledger is read
        as the import goes, so rows another import sent meanwhile are not sent twice);
        `resend` sends them anyway ("Send again anyway"). A job an earlier import left
        unfinished is resumed: the rows its journal has as sent are skipped, and only the
        remaining ones go out."""
        job = self.get(job_id)
        with job.lock:
            can = job.view()["can"]
            if resend and not can["resend"]:
                raise JobBusy("nothing of this job is in the address book to send again"
                              if can["import"] or can["resume"] else
                              f"this job cannot be imported now (it is {job.state.phase})")
            if not (can["import"] or can["resume"] or resend):
                if job.state.retries:
                    raise JobBusy(f"the rows left by this import are sent by job "
                                  f"{job.state.retries[-1]}")
                raise JobBusy(f"this job cannot be imported now (it is {job.state.phase})")
            if self._closing:
                raise JobBusy("the server is stopping")
            if can["resume"]:  # as the import it resumes did, or sending anyway now
                job.state.resend = job.state.resend or resend
                total = job.state.remaining
            else:
                job.state.resend = resend
                total = job.to_send + (job.already if resend else 0)
            job.control = RunControl()
            job.update(phase=WAITING, message="", waiting_for=None, summary=None, stopped="",
                       problem="", progress=Progress(total, before=_before(job, total)).view())
            job.thread = threading.Thread(target=self._import, args=(job, job.control, total),
                                          name=f"import-{job.id}", daemon=True)
            job.thread.start()
        return job

    def _name_of(self, job_id: str) -> str | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job.state.name if job is not None else None

    def send_remaining(self, job_id: str) -> Job:
        """The one way to send what an import left: resume it, or retry its failures in a new
        job (which then holds those rows). Returns the job that sends them."""
        job = self.get(job_id)
        with job.lock:
            step = job.next_step()
        if step == "resume":
            return self.start_import(job_id)
        if step == "retry":
            return self.retry(job_id)
        raise JobBusy("nothing is left to send for this job")

    def stop(self, job_id: str) -> Job:
        """Stop the import: no new row is sent; rows not sent become not_attempted."""
        job = self.get(job_id)
        with job.lock:
            if job.control is None or job.state.phase not in (WAITING, IMPORTING):
                raise JobBusy("this job is not importing")
            job.control.interrupt(STOPPED_FROM_PAGE)
            job.update(message="stopping: waiting for the requests in flight")
        return job

    def _import(self, job: Job, control: RunControl, total: int | None) -> None:
        try:
            with self.queue.turn(self.instance_key, job.id,
                                 on_wait=lambda holder: job.update(
                                     phase=WAITING, waiting_for=holder,
                                     waiting_for_name=self._name_of(holder)),
                                 cancelled=lambda: control.stopped):
                job.update(phase=IMPORTING, waiting_for=None, waiting_for_name=None)
                summary, examples, progress, already = self._run(job, control, total)
            if not control.stopped:
                # Rows found in the address book as the import went (another import sent
                # them meanwhile) were not to send after all: the import did all it had to.
                progress.total = progress.done
            result = summary_view(summary, examples, progress.done)
            result["already"] = already.view(progress.done, imported=True)
            job.update(phase=DONE, summary=result, message="",
                       progress=self._final_progress(progress),
                       stopped=control.stop_reason if control.stopped else "",
                       remaining=_remaining(summary))
        except (Cancelled, StoppedWaiting):
            job.update(phase=CHECKED, waiting_for=None, progress=None,
                       message="the import was stopped before it started: nothing was sent")
        except ImporterError as exc:
            job.update(phase=FAILED, waiting_for=None,
                       message=self.redact(error_in_page_words(exc)),
                       problem="api_unreachable" if isinstance(exc, ApiUnreachable) else "",
                       remaining=self._remaining_after_failure(job))
        except Exception as exc:  # a bug: one line on the page, the traceback in the log
            log.error("job %s: internal error while importing", job.id, exc_info=exc)
            job.update(phase=FAILED, waiting_for=None, message=self.redact(
                f"internal error: {type(exc).__name__}: {exc} (please report this)"),
                remaining=self._remaining_after_failure(job))
        finally:
            job.control = None
            private_tree(job.folder)

    @staticmethod
    def _remaining_after_failure(job: Job) -> int | None:
        """Rows left after an import that failed: those its journal does not have as sent."""
        if not job.unfinished():
            return None  # nothing went out (refused at the door): import it again
        try:
            sent_ok = run_files(job.results_csv).rows_sent()
        except (OSError, ImporterError):
            sent_ok = 0
        return max(0, job.to_send - sent_ok)

    def _run(self, job: Job, control: RunControl,
             total: int | None) -> tuple[Summary, ExampleRows, Progress, AlreadySent]:
        plan = plan_import(self._job_options(job, dry_run=False), workers=0)
        progress = Progress(total, before=_before(job, total))
        examples = ExampleRows()
        already = AlreadySent(None)

        def on_result(result: RowResult) -> None:
            examples.add(result)
            already.add(result)
            with job.lock:
                job.state.progress = progress.view()
                job.save_now_and_then()

        def on_wait(holder: object) -> None:
            # a run outside this server (the command line, another server) is sending to
            # the instance: the pipeline waits for it
            job.update(phase=WAITING if holder else IMPORTING,
                       message=WAITING_FOR_OTHER_RUN if holder else "")

        with self._ledger_lookup(plan.options) as lookup:
            already.lookup = lookup
            # on_sent hears a row this run sent just before on_result hears it
            summary = run_plan(plan, on_result=on_result, on_sent=progress.add,
                               control=control, on_wait=on_wait, **self.run_kwargs)
            already.flush()
        return summary, examples, progress, already

    @staticmethod
    def _final_progress(progress: Progress) -> dict[str, Any]:
        view = progress.view()
        view.update(eta=None, eta_text="")
        return view

    # -- retrying --

    def retry(self, job_id: str) -> Job:
        """A new job that sends again the failed and not attempted rows of `job_id`'s results
        (the CLI's --retry-failed), checked then imported at once. From then on the new job
        holds those rows: this one offers nothing more to send."""
        parent = self.get(job_id)
        with parent.lock:
            if parent.next_step() != "retry":
                raise JobBusy("this job has no failed rows to retry" if not parent.state.retries
                              else f"job {parent.state.retries[-1]} already sends the rows "
                                   "left by this import")
            stem = Path(parent.state.file).stem.removesuffix(".results")
            child = self._new_job(parent.state.name, f"{stem}.results.csv", kind="retry",
                                  parent=parent.id, autostart=True)
            with parent.results_csv.open("rb") as source, os.fdopen(os.open(
                    child.upload, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as copy:
                shutil.copyfileobj(source, copy)  # owner-only from its first byte
            child.settings = parent.settings.for_retry()
            parent.update(retries=[*parent.state.retries, child.id])
        self._start_check(child)
        return child


def _before(job: Job, total: int | None) -> int:
    """Rows of the job its earlier runs answered, when this run (of `total` rows) resumes
    it: the job's rows less those left to send. 0 for a first run."""
    if total is None:
        return 0
    whole = job.to_send + (job.already if job.state.resend else 0)
    return max(0, whole - total)


def _remaining(summary: Summary) -> int:
    """Rows an import left to send: failed, or not attempted."""
    return summary.count(Status.FAILED) + summary.count(Status.NOT_ATTEMPTED)


def _both(*hooks: Callable[[RowResult], None]) -> Callable[[RowResult], None]:
    def hear(result: RowResult) -> None:
        for hook in hooks:
            hook(result)

    return hear


__all__ = ["JobStore", "SettingError", "Settings"]
