"""Running the web app's jobs: checks, imports, retries, stops and recovery, on threads.

This is the only module of the web app that runs the pipeline (plan_import, run_plan,
recover_results), so the pages and the HTTP layer never depend on its details. Where jobs
are kept is storage.py's (`JobFolders`); what the page shows of a check or an import is
views.py's; the turns imports take per instance, instance_queue.py's.

A check is the CLI's dry run; an import is the CLI's run, reporting progress through
run_plan's `on_sent` and `on_result` hooks. Imports to one WAWP instance take turns
(`InstanceQueue`): a second one waits, and its state says for which job.

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
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ApiUnreachable, ImporterError, StoppedWaiting
from ..fixes import RowFixes, fixed_headers
from ..mappings import MappingStore
from ..models import RowResult, Status, Summary
from ..options import ImportOptions
from ..pipeline import open_input, open_ledger, plan_import, run_files, run_plan
from ..recover import recover_results, results_summary
from ..redact import Redactor
from ..report.ledger import Ledger
from ..report.summary import format_rate
from ..send.control import RunControl
from . import remembered
from .files import private_tree
from .instance_queue import Cancelled, InstanceQueue
from .instances import Instance, Instances, NumberNotConfigured
from .job import (
    CHECKED,
    CHECKING,
    DONE,
    FAILED,
    IMPORTING,
    INTERRUPTED,
    INVALID,
    RECOVERING,
    WAITING,
    Job,
    JobBusy,
    JobError,
)
from .region import describe_region_fit
from .row_fixes import (
    FixableRows,
    column_for,
    outcome,
    outcome_view,
    parse_fix,
)
from .settings import Settings
from .storage import JobFolders
from .views import (
    AlreadySent,
    ColumnSamples,
    ExampleRows,
    Lookup,
    Progress,
    summary_view,
    table_view,
)
from .words import PAGE_PIN_HINT, error_in_page_words, message_in_page_words

log = logging.getLogger(__name__)

#: How long shutdown waits for running imports to write their results after the stop.
SHUTDOWN_WAIT = 15.0
#: How long the first upload waits for the instance's own number (its region is the default).
INSTANCE_WAIT = 10.0
#: Why an import stopped, in the words rows not sent carry ("not sent: …").
STOPPED_FROM_PAGE = "stopped from the page"
SERVER_STOPPED = "the server stopped"
SERVER_KILLED = "the server stopped without finishing the import (it was killed or crashed)"


#: What the page says while another sending run outside this server holds the instance.
WAITING_FOR_OTHER_RUN = ("Waiting for a command-line import on this number to finish; "
                         "this import starts after it.")


class JobRunner:
    """What jobs do, on threads: check, import, stop, retry, and settle after a restart.

    Each job sends to its own number (`instances.of_job`): its options are that number's
    (instance, token, pacing, default region) with the job's settings, input and results.
    """

    def __init__(self, folders: JobFolders, instances: Instances, *,
                 run_kwargs: Mapping[str, Any] | None = None,
                 on_event: Callable[[Job, str], None] | None = None,
                 mappings: MappingStore | None = None) -> None:
        self.folders = folders
        self.instances = instances
        #: Extra keywords for run_plan (tests pass a transport or a clock).
        self.run_kwargs = dict(run_kwargs or {})
        #: Told when a run ends ("check", "import_end") or an import starts by itself
        #: ("import"): the activity log records it (web/activity.py).
        self.on_event = on_event or (lambda job, event: None)
        self.redact = Redactor(instances.tokens())
        self.queue = InstanceQueue()
        self.closing = False
        #: The mappings remembered per number (None: none are proposed nor remembered).
        self.mappings = mappings

    # -- life cycle --

    def ask_instance_numbers(self) -> None:
        """Ask each instance's own number on a thread (the server starts meanwhile): its
        region is the default one of jobs on it."""
        self.instances.ask_numbers(self.run_kwargs.get("transport"))

    @staticmethod
    async def wait_for_instance_number(instance: Instance) -> None:
        """Wait (INSTANCE_WAIT at most) for the instance's number, while it is being asked."""
        if instance.asked and not instance.known.is_set():
            await asyncio.to_thread(instance.known.wait, INSTANCE_WAIT)

    def _instance(self, job: Job) -> Instance:
        """The number the job sends to; NumberNotConfigured when the server has it no more."""
        instance = self.instances.of_job(job)
        if instance is None:
            raise NumberNotConfigured(self.instances.why_not(job))
        return instance

    def _template(self, job: Job) -> ImportOptions:
        """The options of the job's number; for a number the server has no more, the default
        number's with no instance or token: the job can be checked and recovered, never sent."""
        instance = self.instances.of_job(job)
        if instance is not None:
            return instance.options
        return dataclasses.replace(self.instances.default.options, instance_id="",
                                   access_token="")

    def settle(self, job: Job) -> None:
        """Carry on with a job an earlier server left, as far as it got.

        An import that was running when that server was killed has its results rebuilt
        from its journal (on a thread: the job is `recovering` meanwhile), then shows what
        was sent and offers the rest; an unfinished check runs again.
        """
        state = job.state
        number = self.instances.of_job(job)
        if number is None:
            job.unavailable = self.instances.why_not(job)
        elif state.instance is not None and number.name != state.instance:
            job.update(instance=number.name)  # its number, renamed since: shown as it is now
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
            self.start_check(job)
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
                               + self.redact(message_in_page_words(exc)))
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
        self.on_event(job, "import_end")

    def shutdown(self, timeout: float = SHUTDOWN_WAIT) -> None:
        """Stop every import (rows not sent become not_attempted) and wait for the results."""
        self.closing = True
        jobs = self.folders.all()
        for job in jobs:
            if job.control is not None:
                job.control.interrupt(SERVER_STOPPED)
        deadline = time.monotonic() + timeout
        for job in jobs:
            thread = job.thread
            if thread is not None and thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    # -- checking --

    def change_settings(self, job_id: str, data: Mapping[str, Any]) -> Job:
        """Apply the page's settings and check the file again with them."""
        job = self.folders.get(job_id)
        settings = Settings.from_json(data)
        with job.lock:
            if job.state.phase in (WAITING, IMPORTING):
                raise JobBusy("the import is running: its settings cannot change now")
            if job.state.phase in (DONE, FAILED, INTERRUPTED, RECOVERING) or (
                    job.state.kind != "import"):
                raise JobBusy("this job was imported: upload the file again to change settings")
            job.settings = settings
            self.start_check(job)
        return job

    def start_check(self, job: Job) -> None:
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
                self.on_event(job, "check")
                if autostart:
                    # in the same breath: nobody sees it "checked" and stops watching it
                    try:
                        self.start_import(job.id)
                    except JobError as exc:  # the server is stopping
                        job.update(message=str(exc))
                    else:
                        self.on_event(job, "import")

    def _job_options(self, job: Job, *, dry_run: bool) -> ImportOptions:
        settings = job.settings
        return settings.options(
            self._template(job), input=job.upload, dry_run=dry_run,
            results=job.preview_csv if dry_run else job.results_csv,
            # the import's lines also go to a workbook: both downloads hold the same lines
            results_copy=None if dry_run else job.results_xlsx,
            retry_failed=job.state.kind == "retry",
            fixes=job.fixes_json if job.fixes_json.is_file() else None,
            resume=not dry_run and job.unfinished(),
            # The ledger decides what is already in the address book, unless the user chose
            # to send again anyway. (changed_only: the ledger's check before it was the default.)
            changed_only=not job.state.resend, resend=job.state.resend)

    @contextlib.contextmanager
    def _ledger_lookup(self, options: ImportOptions) -> Iterator[Lookup | None]:
        """The ledger's lookup, read-only, to say since when rows are in the address book;
        None while there is no ledger yet."""
        with self._open_ledger(options) as ledger:
            yield None if ledger is None else ledger.lookup

    @contextlib.contextmanager
    def _open_ledger(self, options: ImportOptions) -> Iterator[Ledger | None]:
        """The ledger, read-only; None while there is none yet."""
        ledger = open_ledger(dataclasses.replace(options, dry_run=True, changed_only=True,
                                                 resend=False, forget_ledger=False))
        try:
            yield ledger
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
        fixable = FixableRows(columns, plan.table.headers, plan.fixes)

        def on_result(result: RowResult) -> None:
            fixable.add(result)
            examples.add(result)
            samples.add(result.values)
            already.add(result)

        with self._ledger_lookup(plan.options) as lookup:
            already.lookup = lookup
            summary = run_plan(plan, on_result=on_result, **self.run_kwargs)
            preview = summary_view(summary, examples)
            preview["already"] = already.view(preview["to_send"])
            preview["fix_rows"] = fixable.view()
        # the plan's own judgment, in the region its numbers were read in (given, the
        # instance's, or the one they are plainly written in: pipeline.resolve_region)
        warning = describe_region_fit(plan.region_fit) if judged else None
        table["samples"] = samples.view()
        return {"phase": CHECKED, "message": "", "problem": "", "field": None, "table": table,
                "region_warning": warning,
                "region": {"code": plan.region, "source": plan.region_source},
                "columns": {"phone": columns.phone, "name": columns.name,
                            "first_name": columns.first_name, "last_name": columns.last_name,
                            "phone_reason": columns.phone_why(PAGE_PIN_HINT),
                            "phone_alternatives": list(columns.phone_alternatives),
                            "describe": columns.describe(plan.table.headers,
                                                         pin_hint=PAGE_PIN_HINT)},
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

    # -- remembered mappings --

    def mapping_key(self, job: Job) -> str | None:
        """The number the job's mapping is remembered for, keyed as the ledger keys it: the
        base URL and instance of the job's own number (None for a job whose number the
        server has no more: nothing is proposed nor remembered for it)."""
        number = self.instances.of_job(job)
        return number.key if number is not None and number.options.instance_id else None

    def propose_mapping(self, job: Job) -> None:
        """Start a new job from the mapping remembered on its number for files with its
        headers, if any."""
        key = self.mapping_key(job)
        if self.mappings is None or key is None:
            return
        found = remembered.propose(self.mappings, key, self._job_options(job, dry_run=True))
        if found is not None:
            mapping, signature = found
            job.settings = remembered.settings_of(mapping,
                                                  default_region=job.settings.default_region)
            job.update(remembered=remembered.view(mapping, signature))

    def forget_mapping(self, job_id: str) -> Job:
        """Forget the mapping the job started from, and check it again with a fresh guess."""
        job = self.folders.get(job_id)
        with job.lock:
            _refuse_unless_editable(job, "its mapping cannot change now")
            key = self.mapping_key(job)
            if job.state.remembered and self.mappings is not None and key is not None:
                self.mappings.forget(key, job.state.remembered["signature"])
            job.state.remembered = None
            number = self.instances.of_job(job)
            job.settings = Settings(
                default_region=number.default_region() if number is not None else None)
            self.start_check(job)
        return job

    # -- fixing rows --

    def fix_row(self, job_id: str, data: object) -> tuple[Job, dict[str, Any]]:
        """Fix (or undo the fix of) a cell of a row: the job, and what the row becomes. The
        job is checked again so the counts follow. The upload is never changed: the fixes
        are kept in the job's fixes file, which its check and import apply as they read the
        rows (the source stage)."""
        job = self.folders.get(job_id)
        undo_all = isinstance(data, dict) and data.get("undo_all") is True
        try:
            row, field, value = (0, "", None) if undo_all else parse_fix(data)
        except ValueError as exc:
            raise JobError(str(exc)) from None
        with job.lock:
            _refuse_unless_editable(job, "upload the file again to fix rows")
            if undo_all:
                _save_fixes(job, RowFixes())
                self.start_check(job)
                return job, {"row": None, "job": job.view()}
            if value is None and not field:
                # undoing a whole row needs nothing of the file: it works even when the
                # fixes themselves stop the check (a header row changed since)
                _save_fixes(job, RowFixes.load(job.fixes_json).without(row))
            try:
                plan = plan_import(self._job_options(job, dry_run=True), workers=0)
            except ImporterError:
                self.start_check(job)  # the job says why, as its check finds it now
                raise
            fixes = plan.fixes
            try:
                if value is None:
                    fixes = fixes.without(row, column_for(plan, field) if field else None)
                else:
                    fixes = fixes.with_cell(row, column_for(plan, field), value)
                plan.fixes = fixes
                with self._open_ledger(plan.options) as ledger:
                    result = outcome(plan, row, checked=job.preview_csv, ledger=ledger)
            except ValueError as exc:
                raise JobError(str(exc)) from None
            _save_fixes(job, fixes)
            self.start_check(job)
            fixed = fixed_headers(plan.table.headers, fixes.rows.get(row, {}))
            return job, {"row": outcome_view(result, fixed), "job": job.view()}

    # -- importing --

    def start_import(self, job_id: str, *, resend: bool = False) -> Job:
        """Start the job's import on a thread; it waits while another import holds the instance.

        Rows the ledger has as already in the address book are not sent (the ledger is read
        as the import goes, so rows another import sent meanwhile are not sent twice);
        `resend` sends them anyway ("Send again anyway"). A job an earlier import left
        unfinished is resumed: the rows its journal has as sent are skipped, and only the
        remaining ones go out."""
        job = self.folders.get(job_id)
        instance = self._instance(job)
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
            if self.closing:
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
            job.thread = threading.Thread(target=self._import,
                                          args=(job, instance, job.control, total),
                                          name=f"import-{job.id}", daemon=True)
            job.thread.start()
        return job

    def send_remaining(self, job_id: str) -> Job:
        """The one way to send what an import left: resume it, or retry its failures in a new
        job (which then holds those rows). Returns the job that sends them."""
        job = self.folders.get(job_id)
        with job.lock:
            step = job.next_step()
        if step == "resume":
            return self.start_import(job_id)
        if step == "retry":
            return self.retry(job_id)
        raise JobBusy("nothing is left to send for this job")

    def stop(self, job_id: str) -> Job:
        """Stop the import: no new row is sent; rows not sent become not_attempted."""
        job = self.folders.get(job_id)
        with job.lock:
            if job.control is None or job.state.phase not in (WAITING, IMPORTING):
                raise JobBusy("this job is not importing")
            job.control.interrupt(STOPPED_FROM_PAGE)
            job.update(message="stopping: waiting for the requests in flight")
        return job

    def _import(self, job: Job, instance: Instance, control: RunControl,
                total: int | None) -> None:
        try:
            with self.queue.turn(instance.key, job.id,
                                 on_wait=lambda holder: job.update(
                                     phase=WAITING, waiting_for=holder,
                                     waiting_for_name=self.folders.name_of(holder)),
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
            self.on_event(job, "import_end")

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
        key = self.mapping_key(job)
        if (job.state.kind == "import" and not control.stopped and not summary.aborted
                and self.mappings is not None and key is not None):
            # went through: the next file with these headers on this number starts from
            # this mapping
            remembered.remember(self.mappings, key, plan, job.state.name)
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
        parent = self.folders.get(job_id)
        self._instance(parent)
        with parent.lock:
            if parent.next_step() != "retry":
                raise JobBusy("this job has no failed rows to retry" if not parent.state.retries
                              else f"job {parent.state.retries[-1]} already sends the rows "
                                   "left by this import")
            stem = Path(parent.state.file).stem.removesuffix(".results")
            child = self.folders.new_job(parent.state.name, f"{stem}.results.csv",
                                         kind="retry", parent=parent.id, autostart=True,
                                         instance=parent.state.instance,
                                         instance_key=parent.state.instance_key)
            self.folders.copy_upload(parent.results_csv, child)
            if parent.fixes_json.is_file():
                # the retry reads the rows as the file has them: the same fixes apply again
                shutil.copyfile(parent.fixes_json, child.fixes_json)
            child.settings = parent.settings.for_retry()
            parent.update(retries=[*parent.state.retries, child.id])
        self.start_check(child)
        return child


def _refuse_unless_editable(job: Job, then: str) -> None:
    """JobBusy ("this job was imported: `then`") unless the page may still change the job's
    rows or mapping: while it is checked, invalid or being checked."""
    if not job.view()["can"]["edit"] and job.state.phase != CHECKING:
        raise JobBusy(f"this job was imported: {then}")


def _save_fixes(job: Job, fixes: RowFixes) -> None:
    if fixes:
        fixes.save(job.fixes_json)
    else:
        job.fixes_json.unlink(missing_ok=True)


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


__all__ = ["INSTANCE_WAIT", "SHUTDOWN_WAIT", "JobRunner"]
