"""One import run: source → normalize → filter → send → sink (importer/stages/).

`plan_import` opens the input and decides the mapping (nothing is sent, so the CLI can
show what was decided); `run_plan` does the work and returns the summary. Both are sync
fronts over an async core (`plan_import_async`, `run_plan_async`): async callers await the
core on their own loop; sync callers work in a script (asyncio.run) and inside a running
loop alike (a private loop in a worker thread, as in a notebook cell).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .config import options_kwargs
from .errors import ConfigError, InputFileError
from .fixes import RowFixes
from .models import Prepared, RowResult, SourceRow, Status, Summary
from .normalize import PhoneNormalizer, RowNormalizer, default_workers
from .normalize.phones import check_region
from .normalize.region_fit import RegionFit, judge_region, resolve_region
from .options import ImportOptions, check_base_url, dry_run_results_path, typed_values
from .paths import default_ledger
from .read import ColumnMap, Table, map_columns
from .read.dataframe import frame_as_csv, is_dataframe
from .read.limits import widened_headers
from .read.results_input import RetryCounts
from .read.scoring import SAMPLE_ROWS
from .report.instance_lock import InstanceLock, WaitHook
from .report.journal import plan_journal
from .report.ledger import check_ledger
from .report.lock import RunLock
from .report.run_files import RunFiles
from .report.targets import check_not_dry_run_results, check_paths
from .send.canary import Canary
from .send.client import WawpClient
from .send.control import RunControl
from .send.pacing import Pacer
from .send.verify import VerifyProgress
from .stages.filter import (
    Filter,
    LedgerUnchanged,
    SentEarlier,
    open_ledger,
    through,
    unchanged_skipped,
    uses_ledger,
)
from .stages.normalize import Fresh, Normalize, Retried, warmed
from .stages.send import ApiSend, DrySend, Send, Verify, preflight, sending_client
from .stages.sink import AnswerLog, ResultFiles, Sink, flushing
from .stages.source import TableSource, open_input, retry_statuses

if TYPE_CHECKING:
    import pandas

ResultHook = Callable[[RowResult], None]
VerifyHook = Callable[[VerifyProgress], None]
T = TypeVar("T")


@dataclass(slots=True)
class Plan:
    """An opened input with its column mapping, ready to run."""

    options: ImportOptions
    table: Table
    columns: ColumnMap
    results_path: Path
    normalizer: RowNormalizer
    #: Set for --retry-failed/--retry-invalid: the input is an earlier run's results.
    retry_counts: RetryCounts | None = None
    #: The answer of GET /v2/session/info when it was asked while planning (to find the
    #: default region); the preflight uses it rather than asking again.
    session_info: dict[str, Any] | None = None
    #: The default region the normalizer uses, and where it came from when no option gave
    #: it ("the instance's number +20…"); empty when it was given or is unknown.
    region: str | None = None
    region_source: str = ""
    #: How the phone cells of the first rows read in `region`, and the region that fits
    #: them better when they look foreign to it; None when there were too few to judge.
    region_fit: RegionFit | None = None
    #: Cells fixed by hand (`fixes`), applied as the rows are read.
    fixes: RowFixes = field(default_factory=RowFixes)

    def source(self) -> TableSource:
        """The first stage: the input's rows, with their cells fixed by hand."""
        return TableSource(self.options, self.table, self.columns, self.fixes)

    def normalize(self) -> Normalize:
        """The second stage: a spreadsheet's rows normalized, or a retry's merged."""
        if self.retry_counts is not None:
            return Retried(self.normalizer, self.options, self.retry_counts)
        return Fresh(self.normalizer)

    def prepared(self) -> Iterator[Prepared]:
        """The input's items, normalized: the first two stages."""
        return self.normalize()(self.source())

    def start_workers(self) -> bool:
        """Fork the normalizing workers now, for a long input: before the run's locks, HTTP
        client, event loop and threads exist (`run_plan` does it first thing; a caller that
        starts a thread of its own before `run_plan` calls it before that). Whether they run:
        not for a short input, a plan without workers, or where forking is not safe here."""
        return self.normalizer.start_workers(self.table.info.rows)

    def checked(self, rows: Iterable[SourceRow]) -> Iterator[SourceRow]:
        """The rows with their cells fixed by hand, and a phone cell that is a number no
        phone can be (1.797E+308) marked."""
        return self.source().checked(rows)

    def reopen(self) -> None:
        """Open the input again for another pass over its rows (--verify reads it twice)."""
        headers = self.table.headers  # as widened by plan_import for ragged rows
        self.table = open_input(self.options)
        self.table.headers = headers
        if self.retry_counts is not None:
            self.retry_counts = RetryCounts()

    def again(self) -> Iterator[Prepared]:
        """The input's items, from a fresh pass over its rows."""
        self.reopen()
        return self.prepared()


def _client(options: ImportOptions, transport: httpx.AsyncBaseTransport | None) -> WawpClient:
    return WawpClient(options.base_url, options.instance_id, options.access_token,
                      transport=transport, timeout=options.timeout,
                      max_attempts=options.max_attempts, max_connections=1)


def fetch_session_info(options: ImportOptions, *,
                       transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Any]:
    """`GET /v2/session/info` of the options' instance: `{name, status, me: {id, pushName}}`.

    Raises ApiRejected when the API refuses the credentials, ConfigError for a base URL
    that would send the token in clear text, ImporterError when the API cannot be asked.
    """
    return run_sync(lambda: fetch_session_info_async(options, transport=transport))


async def fetch_session_info_async(options: ImportOptions, *,
                                   transport: httpx.AsyncBaseTransport | None = None
                                   ) -> dict[str, Any]:
    """`fetch_session_info` for async callers."""
    check_base_url(options.base_url, allow_insecure_http=options.allow_insecure_http)
    async with _client(options, transport) as client:
        return await client.session_info()


def instance_chat_id(info: dict[str, Any]) -> str:
    """The instance's own chat ID from a session info answer (`me.id`), or ""."""
    me = info.get("me")
    return str(me.get("id") or "") if isinstance(me, dict) else ""


def instance_region(info: dict[str, Any]) -> tuple[str | None, str]:
    """The region of the instance's own number, and how to say where it came from
    ("the instance's number +20…"); (None, "") when the answer has no usable number."""
    choice = resolve_region(None, chat_id=instance_chat_id(info))
    return choice.region, choice.source


def asks_instance_region(options: ImportOptions) -> bool:
    """Whether planning asks the API for the instance's number to find the default region:
    no region was given, the run talks to the API (or a dry run has the credentials to),
    and the preflight is not skipped."""
    if options.default_region or options.skip_preflight:
        return False
    return bool(options.instance_id and options.access_token)


def plan_import(options: ImportOptions, *,
                transport: httpx.AsyncBaseTransport | None = None,
                workers: int | None = None) -> Plan:
    """Open the input and map its columns; raises UsageError when it cannot be used.

    Without a default region, a run that can ask the API takes the region of the
    instance's own number (`GET /v2/session/info`, asked once: `run_plan` reuses the answer),
    else the one region the phone column's numbers are plainly written in, if any
    (`normalize.region_fit.resolve_region`, the page's rule too).
    `transport` is the HTTP transport of that question (tests pass one).

    `workers` is how many processes normalize the rows (0: this process only); None lets
    the pipeline choose. A caller with threads of its own (a server) passes 0: forking a
    process while another thread holds a lock can deadlock the child.

    Works in a script and inside a running event loop alike; async callers await
    `plan_import_async`.
    """
    return run_sync(lambda: plan_import_async(options, transport=transport, workers=workers))


async def plan_import_async(options: ImportOptions, *,
                            transport: httpx.AsyncBaseTransport | None = None,
                            workers: int | None = None) -> Plan:
    """`plan_import` for async callers: the files are opened and read in a worker thread
    (a big workbook takes a while), the API is asked on the caller's loop."""
    results_path, table = await asyncio.to_thread(_opened, options)
    session_info: dict[str, Any] | None = None
    if asks_instance_region(options):
        session_info = await fetch_session_info_async(options, transport=transport)
    return await asyncio.to_thread(_mapped, options, table, results_path, session_info,
                                   workers)


def _opened(options: ImportOptions) -> tuple[Path, Table]:
    """The results path and the opened input, once both are known to be usable."""
    results_path = check_paths(options)
    if options.retrying:
        check_not_dry_run_results(options.input)
    options.validate()
    if uses_ledger(options) and options.ledger is not None and os.path.lexists(options.ledger):
        # An empty or damaged ledger stops the run here, before any question to the API
        # (run_plan opens it again; LedgerUnusable).
        check_ledger(options.ledger, writable=not options.dry_run)
    table = open_input(options)
    if table.info.rows == 0 and not options.retrying:
        # an empty export is a failure a weekly job must notice, not a quiet success
        where = f" below its header (row {table.info.header_row})" if table.info.header_row else ""
        raise InputFileError(f"{options.input.name} has no data rows{where}: nothing to import")
    return results_path, table


def _mapped(options: ImportOptions, table: Table, results_path: Path,
            session_info: dict[str, Any] | None, workers: int | None) -> Plan:
    """The plan: the columns mapped on the first rows, the normalizer built."""
    # the region comes before the columns: the phone column is chosen by the numbers that
    # are valid for it
    # the columns are chosen on what the first rows hold, and a row wider than the header
    # names its extra columns "column 7"…; they are read ahead and put back in front of the
    # stream, so reading stays one pass
    head = list(islice(table.rows, SAMPLE_ROWS))
    table.rows = chain(head, table.rows)
    table.headers = widened_headers(table.headers, head)
    sample = [row.values for row in head]
    phones = options.phone_columns or ((options.phone_column,) if options.phone_column else ())

    def columns_for(region: str | None) -> ColumnMap:
        judge = PhoneNormalizer(region)
        return map_columns(table.headers, phone=phones[0] if phones else None,
                           phone_fallbacks=phones[1:], name=options.name_column,
                           first_name=options.first_name_column,
                           last_name=options.last_name_column, sample=sample,
                           judge=judge.classify, bare_lengths=judge.bare_lengths,
                           header_row=table.info.header_row or None)

    chat_id = instance_chat_id(session_info) if session_info else ""
    choice = resolve_region(options.default_region, chat_id=chat_id)
    columns = columns_for(choice.region)
    if choice.region is None:
        # no region given nor the instance's: the one the phone column's numbers are
        # plainly written in, if any (the columns are then chosen again, in it)
        choice = resolve_region(None, cells=phone_cells(head, columns.phone))
        if choice.region is not None:
            columns = columns_for(choice.region)
    region, region_source = choice.region, choice.source
    normalizer = RowNormalizer(columns, headers=table.headers, default_region=region,
                               all_numbers=options.all_numbers, title_case=options.title_case,
                               missing_name=options.missing_name,
                               first_name_format=options.first_name_format,
                               last_name_format=options.last_name_format,
                               duplicates=options.duplicates,
                               workers=default_workers_for(options) if workers is None
                               else workers)
    fixes = RowFixes.load(options.fixes) if options.fixes is not None else RowFixes()
    fixes.columns(table.headers)  # a fix naming a column the file has not stops the run here
    return Plan(options, table, columns, results_path, normalizer,
                RetryCounts() if options.retrying else None, session_info=session_info,
                region=region, region_source=region_source, fixes=fixes,
                region_fit=None if options.retrying else judge_region(
                    phone_cells(head, columns.phone), check_region(region)))


def phone_cells(rows: Iterable[SourceRow], column: int) -> Iterator[str]:
    """The cells of the phone column in `rows` (a short row has none)."""
    return (row.values[column] for row in rows if column < len(row.values))


def default_workers_for(options: ImportOptions) -> int:
    """How many processes normalize the rows of a run when its caller does not say."""
    # A dry run is bound by parsing numbers, and so is a re-import whose rows the ledger
    # finds unchanged: use the other cores. The workers are forked before any thread exists
    # (Plan.start_workers), or not at all. --verify is bound by the API (one question a
    # second) and reads the input twice: one process.
    return 0 if options.verify else default_workers()


def run_files(results: Path) -> RunFiles:
    """The files a run writing `results` keeps beside it (partial results, journal, lock),
    and whether one was left unfinished."""
    return RunFiles.of(results)


def run_plan(plan: Plan, *, transport: httpx.AsyncBaseTransport | None = None,
             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
             on_result: ResultHook | None = None, control: RunControl | None = None,
             clock: Callable[[], float] = time.monotonic,
             on_verify: VerifyHook | None = None,
             wall_clock: Callable[[], float] = time.time,
             on_sent: ResultHook | None = None, on_wait: WaitHook | None = None,
             lock_pause: Callable[[float], None] = time.sleep) -> Summary:
    """Run the import; every input row ends as exactly one result line.

    `on_verify` hears how the --verify check stands: once before the first question (with
    how many there are to ask), then after each one. `wall_clock` dates the ledger's entries.
    `on_sent` hears the result of each row this run sent to the API (not the rows skipped,
    carried over, sent in an earlier run or never sent), in input order, just before
    `on_result` hears it: a progress of the sending counts these.

    A run that sends waits for any other run sending to the same instance (report/
    instance_lock.py): `on_wait` hears that run's holder when the wait starts and None when
    it is over; `lock_pause` sleeps between two tries. With `no_wait` it raises InstanceBusy
    instead; a stop (`control`) while waiting raises StoppedWaiting. Either way nothing is
    sent and no results or journal are written.

    Works in a script and inside a running event loop alike (there, the run has a loop of
    its own in a worker thread, and Ctrl-C stops it through `control`); async callers
    await `run_plan_async`.
    """
    control = control or RunControl()
    return run_sync(lambda: run_plan_async(
        plan, transport=transport, sleep=sleep, on_result=on_result, control=control,
        clock=clock, on_verify=on_verify, wall_clock=wall_clock, on_sent=on_sent,
        on_wait=on_wait, lock_pause=lock_pause), control)


async def run_plan_async(plan: Plan, *, transport: httpx.AsyncBaseTransport | None = None,
                         sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                         on_result: ResultHook | None = None,
                         control: RunControl | None = None,
                         clock: Callable[[], float] = time.monotonic,
                         on_verify: VerifyHook | None = None,
                         wall_clock: Callable[[], float] = time.time,
                         on_sent: ResultHook | None = None, on_wait: WaitHook | None = None,
                         lock_pause: Callable[[float], None] = time.sleep) -> Summary:
    """`run_plan` for async callers, on their loop: the stages of importer/stages/ composed,
    source → normalize → filter → send → sink. A dry run (without --verify) and a sending
    run differ only in their `send` stage."""
    options = plan.options
    started = clock()
    summary = Summary(results_path=str(plan.results_path), dry_run=options.dry_run)
    control = control or RunControl()
    control.bind(asyncio.get_running_loop())
    canary = Canary(options.limit, dry_run=options.dry_run)
    pacer: Pacer | None = None
    # Forked before the locks below are taken (a child holds copies of their descriptors)
    # and before the HTTP client and any worker thread (asyncio.to_thread) start.
    plan.start_workers()
    with contextlib.ExitStack() as files:
        files.callback(plan.normalizer.stop_workers)
        # One run at a time on these results: a second one stops here, having sent nothing.
        files.enter_context(RunLock(plan.results_path))
        # Decided before anything is written or sent: a refused resume leaves no trace.
        journal = None if options.dry_run else plan_journal(
            plan.results_path, options.input, instance_id=options.instance_id,
            base_url=options.base_url, resume=options.resume, force=options.force)
        if not options.dry_run:
            # One sending run per instance: its rate is shared, never doubled. Taken after
            # the refusals above (none of them waits) and before the ledger is read, so the
            # ledger holds what the run waited for; released last, once all is written.
            await _hold(files, InstanceLock(options.instance_id, options.base_url,
                                            no_wait=options.no_wait, on_wait=on_wait,
                                            stopped=lambda: control.stopped,
                                            pause=lock_pause, clock=wall_clock), control)
        ledger = open_ledger(options, clock=wall_clock)
        if ledger is not None:
            files.callback(ledger.close)
        results = ResultFiles(plan.results_path, plan.table.headers, files,
                              copy=options.results_copy)
        sink = Sink(summary, results, ledger=None if options.dry_run else ledger,
                    on_result=on_result, on_sent=on_sent)
        filters: list[Filter] = [LedgerUnchanged(ledger, options), canary]
        if journal is not None:
            filters.insert(0, SentEarlier(journal))
        async with contextlib.AsyncExitStack() as api:
            items: Iterable[Prepared] = plan.prepared()
            send: Send = DrySend()
            if not options.dry_run or options.verify:
                # what was sent is on record before any wait (a Retry-After, the pacer),
                # and a stop cuts every wait short
                pause = control.interruptible(flushing(sleep, ledger))
                pacer = Pacer(options.rate, sleep=pause)
                client = await api.enter_async_context(sending_client(
                    options, transport, pacer=pacer, sleep=pause, control=control))
                if not options.skip_preflight:
                    # asked already while planning when the default region came from the
                    # instance
                    await preflight(client, options, plan.session_info)
                if ledger is not None and options.forget_ledger and not options.dry_run:
                    ledger.forget()  # asked for, and the run is going ahead: nothing refused it
                if options.verify:  # --dry-run --verify: numbers checked, nothing written
                    items = await Verify(client, options, control=control, sleep=pause,
                                         on_verify=on_verify)(items, plan.again, summary)
                if not options.dry_run:
                    send = ApiSend(client, AnswerLog(journal, ledger),
                                   concurrency=options.concurrency, control=control)
                # (a plain dry run is not warmed: it may fork workers to normalize, and no
                # thread must run when it does)
                items = await warmed(items)
            # opened once nothing can stop the run before its first row; an input without a
            # single row still gets its results file
            results.open()
            async with contextlib.aclosing(send(through(items, filters))) as answers:
                async for answer in answers:
                    sink(answer)
    if pacer is not None:
        summary.slowdowns = pacer.slowdowns
    summary.limited = canary.held
    if journal is not None and not control.stopped and not canary.held:
        # every row has its line in the complete results file; a canary's rest waits for
        # --resume
        journal.finished()
    sink.finish()
    if plan.retry_counts is not None:
        summary.retried = plan.retry_counts.retried
        summary.carried = plan.retry_counts.carried
    summary.elapsed = clock() - started
    summary.aborted = control.stop_reason if control.aborted_by_api else ""
    summary.interrupted = control.interrupted
    return summary


async def _hold(stack: contextlib.ExitStack, lock: InstanceLock, control: RunControl) -> None:
    """Take `lock` into `stack`. Its wait sleeps between tries, so it waits in a worker
    thread, the loop free meanwhile; a cancel stops the wait (through `control`) and
    leaves the lock as it found it."""
    taking = asyncio.ensure_future(asyncio.to_thread(lock.__enter__))
    try:
        await asyncio.shield(taking)
    except asyncio.CancelledError:
        control.interrupt()  # the wait looks at control.stopped between tries, and ends
        with contextlib.suppress(Exception):  # StoppedWaiting: it never took the lock
            await taking
            lock.__exit__(None, None, None)
        raise
    stack.push(lock)


#: Keywords of `run_import` that go to `run_plan`; every other one is an ImportOptions field.
RUN_ARGUMENTS = frozenset({"transport", "sleep", "on_result", "on_verify", "control", "clock",
                           "wall_clock", "on_sent", "on_wait", "lock_pause"})


def run_import(source: ImportOptions | str | os.PathLike[str] | pandas.DataFrame, /, *,
               config: str | os.PathLike[str] | None = None, **settings: Any) -> Summary:
    """Run an import from Python, the same pipeline as `wawp-import`, and return its summary.

        import os
        from importer import run_import

        summary = run_import("contacts.xlsx", default_region="EG",
                             base_url="https://api.wawp.net", instance_id="my-instance",
                             access_token=os.environ["WAWP_ACCESS_TOKEN"])
        print(summary.counts, summary.results_path)

    `source` is the spreadsheet (or, with `retry_failed=True`, an earlier results file), a
    pandas DataFrame (columns as headers, values as cells, numbers as their digits; its
    results go to `dataframe.results.csv` in the current folder, a dry run's to
    `dataframe.dry-run.csv`, unless `results` says otherwise, and
    `importer.summary_frame(summary)` reads them back), or a complete `ImportOptions`.
    `settings` are `ImportOptions` fields: the long option names with `_` (`default_region`,
    `dry_run`, `verify`…). `config` is a TOML file as for `--config`; `settings` override
    it. `transport`, `sleep`, `on_result`, `on_verify`, `control`, `clock`, `on_wait` and
    `lock_pause` go to `run_plan`.

    Nothing is printed and the environment is not read: pass the token, and `base_url`
    for any API but https://api.wawp.net (WAWP_BASE_URL and WAWP_LEDGER are the command's,
    not this function's).

    The ledger is the user's own, as for the command (`importer.paths.default_ledger()`:
    ~/.local/share/wawp-importer/ledger.sqlite on Linux): a contact it has as sent ok to
    this instance with the same name within `max_age` (30 days) comes back `unchanged`
    and is not sent. `ledger=PATH` (or `ledger` in the config) names another file,
    `ledger=None` keeps none (every row is sent), `resend=True` sends every row and still
    records it. An `ImportOptions` source is taken as it is (its `ledger` included). Without
    `default_region`, the region of the instance's own number is used, else the one the
    numbers are plainly written in (see `plan_import`).
    Where the command would exit 2, 3 or 4 this raises UsageError, ApiRejected/PreflightError
    or OutputError.

    It works in a script and inside a running event loop (a Jupyter cell) alike; async
    callers can `await import_async(...)` instead.
    """
    if _loop_running():
        # Inside a running loop (a notebook cell) asyncio.run cannot start here, and the
        # cell's loop must not be blocked by a nested one: the run gets its own loop in a
        # worker thread, and this call waits for it, as in a script.
        settings, control = _with_control(settings)
        return run_sync(lambda: _import(source, config, settings), control)
    return run_sync(lambda: _import(source, config, settings))


async def import_async(source: ImportOptions | str | os.PathLike[str] | pandas.DataFrame, /, *,
                       config: str | os.PathLike[str] | None = None, **settings: Any) -> Summary:
    """`run_import` for async callers: `summary = await import_async(df, ...)`.

    The run goes on in the caller's event loop: the requests are sent from it, while
    opening and reading the input (and writing a DataFrame out) go to worker threads, and
    a long dry run hands the loop back every few hundred rows, so the loop keeps serving
    its other tasks. Cancelling the task stops the run (nothing new is sent, the results
    are written) before it re-raises.
    """
    settings, control = _with_control(settings)
    run = asyncio.ensure_future(_import(source, config, settings))
    try:
        return await asyncio.shield(run)
    except asyncio.CancelledError:
        control.interrupt("cancelled by the caller")
        await asyncio.wait([run])
        raise


def run_sync(start: Callable[[], Coroutine[Any, Any, T]],
             control: RunControl | None = None) -> T:
    """The sync front of an async core: `asyncio.run(start())` in a script; inside a running
    loop (a notebook cell), the same on a private loop in a worker thread, this call waiting
    for it. Interrupting the wait (Ctrl-C in the cell) stops the run through `control`:
    nothing new is sent, the results are written, and the interrupt is raised once they are."""
    if not _loop_running():
        return asyncio.run(start())
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(lambda: asyncio.run(start()))
        try:
            return future.result()
        except KeyboardInterrupt:
            # leaving `with` waits for the run to end
            if control is not None:
                control.interrupt()
            raise


def _with_control(settings: dict[str, Any]) -> tuple[dict[str, Any], RunControl]:
    control = settings.get("control") or RunControl()
    return {**settings, "control": control}, control


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _import(source: ImportOptions | str | os.PathLike[str] | pandas.DataFrame,
                  config: str | os.PathLike[str] | None, settings: dict[str, Any]) -> Summary:
    settings = dict(settings)
    run_kwargs = {name: settings.pop(name) for name in list(settings) if name in RUN_ARGUMENTS}
    if is_dataframe(source):
        with contextlib.ExitStack() as stack:
            # the frame is written out (a while, for a long one) off the caller's loop
            path = await asyncio.to_thread(stack.enter_context, frame_as_csv(source))
            # The frame's text is written exactly: nothing to detect when reading it back.
            settings.update(encoding="utf-8", delimiter=",", header_row=1, sheet=None)
            return await _run_import(path, config, settings, run_kwargs,
                                     default_results=Path(FRAME_RESULTS))
    return await _run_import(source, config, settings, run_kwargs)


#: Where the results of a DataFrame go when `results` is not given (the current folder).
FRAME_RESULTS = "dataframe.results.csv"


async def _run_import(source: ImportOptions | str | os.PathLike[str],
                      config: str | os.PathLike[str] | None, settings: dict[str, Any],
                      run_kwargs: dict[str, Any], *,
                      default_results: Path | None = None) -> Summary:
    if isinstance(source, ImportOptions):
        if settings or config is not None:
            raise ConfigError("give run_import either an ImportOptions or settings, not both")
        options = source
    else:
        options = _options(source, config, settings, default_results)
    plan = await plan_import_async(options, transport=run_kwargs.get("transport"))
    return await run_plan_async(plan, **run_kwargs)


def _options(source: str | os.PathLike[str], config: str | os.PathLike[str] | None,
             settings: dict[str, Any], default_results: Path | None) -> ImportOptions:
    values: dict[str, Any] = {}
    if config is not None:
        path = Path(config)
        values = options_kwargs(path)
    # Keyword arguments are typed like a config's values; paths may come as text, as they
    # would on a command line, and stay relative to the current folder.
    values.update(typed_values(settings))
    if "ledger" not in values:  # neither the config nor the caller named one (None is "none")
        values["ledger"] = default_ledger()
    options = ImportOptions(input=Path(source), **values)
    if options.results is None and default_results is not None:
        options.results = (dry_run_results_path(default_results) if options.dry_run
                           else default_results)
    return options


__all__ = ["Plan", "RunFiles", "Status", "check_base_url", "check_paths", "fetch_session_info",
           "fetch_session_info_async", "import_async", "instance_chat_id", "instance_region",
           "open_input", "open_ledger", "plan_import", "plan_import_async", "retry_statuses",
           "run_files", "run_import", "run_plan", "run_plan_async", "run_sync",
           "unchanged_skipped", "uses_ledger"]
