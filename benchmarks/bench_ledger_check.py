"""The check every open of the ledger makes (report/ledger.py `check_ledger`), on a big one.

    .venv/bin/python benchmarks/bench_ledger_check.py                  # 1,000,000 entries
    .venv/bin/python benchmarks/bench_ledger_check.py --entries 100000

A ledger of N entries is filled as imports would leave it; then `check_ledger` (first bytes,
schema, version, `PRAGMA quick_check(1)`) is timed, with the file in the page cache (as it
is when the previous run just wrote it) and, where the machine lets us drop it
(`posix_fadvise(DONTNEED)` on the files), read from disk again. For comparison: a full
`PRAGMA integrity_check(1)`, and `wawp-import ledger show`'s per-instance count. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from importer.models import Contact
from importer.report.ledger import Ledger, LedgerFile, check_ledger


def best_of(runs: int, work, before=lambda: None) -> float:
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def drop_cache(path: Path) -> None:
    for name in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(OSError), open(name, "rb") as f:
            os.fsync(f.fileno())
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def integrity(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA integrity_check(1)").fetchall()


def holdings(path: Path) -> None:
    with LedgerFile(path) as ledger:
        ledger.holdings()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.sqlite"
        started = time.perf_counter()
        with Ledger(path, instance_id="123456789", base_url="https://api.wawp.net") as ledger:
            ledger.add_many(Contact(f"2010{i:08d}@c.us", f"Name{i}", f"Family{i % 977}")
                            for i in range(args.entries))
        print(f"filled {args.entries:,} entries in {time.perf_counter() - started:.1f} s: "
              f"{path.stat().st_size / 1e6:.0f} MB")

        def check() -> None:
            check_ledger(path)

        print(f"check_ledger, file cached:       {best_of(5, check):.3f} s")
        can_drop = hasattr(os, "posix_fadvise")
        if can_drop:
            cold = best_of(3, check, before=lambda: drop_cache(path))
            print(f"check_ledger, file read again:   {cold:.3f} s")
        print(f"integrity_check(1), cached:      {best_of(3, lambda: integrity(path)):.3f} s")
        print(f"ledger show (count per instance): {best_of(3, lambda: holdings(path)):.3f} s")


if __name__ == "__main__":
    main()
