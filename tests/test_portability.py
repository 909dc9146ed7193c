"""Windows and macOS paths, forced on Linux: no POSIX signal handlers on the event loop, no
POSIX file modes, no fork. And the progress bar's count of rows sent."""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
import os
import signal
from pathlib import Path

import pytest
from tqdm import tqdm

from importer import cli
from importer.models import RowResult, SourceRow, Status
from importer.normalize import RowNormalizer, parallel
from importer.read import map_columns
from importer.redact import Redactor
from importer.sandbox import server


def test_sandbox_stops_on_a_signal_where_the_loop_has_no_signal_handlers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def not_here(*args: object) -> None:
        raise NotImplementedError  # what a Windows event loop does

    loop = asyncio.new_event_loop()
    monkeypatch.setattr(loop, "add_signal_handler", not_here)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        stop = asyncio.Event()
        remove = server.install_stop_handlers(loop, stop)
        assert signal.getsignal(signal.SIGTERM) is not previous  # signal.signal stood in

        async def wait_for_stop() -> None:
            loop.call_later(0.05, signal.raise_signal, signal.SIGTERM)
            await asyncio.wait_for(stop.wait(), timeout=10)

        loop.run_until_complete(wait_for_stop())
        assert stop.is_set()
        remove()
        assert signal.getsignal(signal.SIGTERM) is previous
    finally:
        signal.signal(signal.SIGTERM, previous)
        loop.close()


def _token_args(path: Path) -> argparse.Namespace:
    return argparse.Namespace(access_token=None, token_file=path)


def test_no_permission_warning_for_a_token_file_on_windows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = tmp_path / "token"
    token.write_text("secret-token\n", encoding="utf-8")
    token.chmod(0o644)
    err = io.StringIO()
    console = cli.Console(io.StringIO(), err, Redactor([]))
    assert cli.read_token(_token_args(token), {}, console) == "secret-token"
    assert "readable by other users" in err.getvalue()  # POSIX: warned

    err.truncate(0)
    monkeypatch.setattr(cli.os, "name", "nt")
    assert cli.read_token(_token_args(token), {}, console) == "secret-token"
    assert err.getvalue() == ""


def test_without_fork_normalizing_stays_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert not parallel.can_fork()
    assert parallel.default_workers() == 0

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker process was started without fork")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    headers = ["Name", "Phone"]
    normalizer = RowNormalizer(map_columns(headers), headers=headers, default_region="EG")
    count = parallel.WARMUP_ROWS + parallel.CHUNK_ROWS + 5
    rows = (SourceRow(i + 2, (f"P {i}", f"0100 {i:07d}")) for i in range(count))
    items = list(parallel.prepare_in_parallel(normalizer, rows, workers=2))
    assert [item.row for item in items] == list(range(2, count + 2))
    assert items[0].status is Status.READY


def _result(row: int, status: Status, attempts: int) -> RowResult:
    return RowResult(row, status, "201001234567@c.us", "A", "B", attempts=attempts)


def test_the_progress_bar_counts_rows_sent_not_rows_skipped() -> None:
    bar = tqdm(total=10, file=io.StringIO(), disable=False)
    tick = cli.ProgressTicker(bar, dry_run=False)
    for row in range(2, 5):  # skipped by --resume: ok, no attempt in this run
        tick(_result(row, Status.OK, 0))
    tick(_result(5, Status.INVALID, 0))
    for sent in (_result(6, Status.OK, 1), _result(7, Status.FAILED, 3)):
        tick.sent(sent)  # run_plan's on_sent, just before on_result
        tick(sent)
    tick(_result(8, Status.NOT_ATTEMPTED, 0))
    tick(_result(9, Status.OK, 2))  # carried over by a retry: an earlier run's attempts
    assert (bar.n, bar.total) == (2, 4)  # 2 sent of the 4 this run had to send
    assert (tick.ok, tick.failed) == (5, 1)
    bar.close()

    dry = tqdm(total=3, file=io.StringIO(), disable=False)
    tick = cli.ProgressTicker(dry, dry_run=True)
    for row, status in ((2, Status.READY), (3, Status.INVALID), (4, Status.DUPLICATE)):
        tick(_result(row, status, 0))
    assert (dry.n, dry.total) == (3, 3)
    dry.close()


def test_run_lock_refuses_while_held_and_ignores_a_stale_file(tmp_path: Path) -> None:
    from importer.errors import UsageError
    from importer.report.lock import RunLock, lock_path

    results = tmp_path / "contacts.results.csv"
    lock_path(results).write_text("999999\n", encoding="ascii")  # left by a killed run
    with RunLock(results):
        assert lock_path(results).read_text(encoding="ascii").strip() == str(os.getpid())
        with pytest.raises(UsageError, match=rf"contacts\.results\.csv \(pid {os.getpid()}\)"):
            RunLock(results).acquire()
    assert not lock_path(results).exists()
    with RunLock(results):  # free again
        pass
