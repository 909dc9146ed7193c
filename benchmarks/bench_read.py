"""Reading big inputs: dry-run throughput and peak memory, and XLSX reading against openpyxl.

Generates a 1,000,000-row CSV and a 200,000-row XLSX in a temporary folder (deleted after),
runs the real CLI's dry run on each in a child process, and times reading the XLSX with
importer.read against pandas.read_excel(engine="openpyxl").

Memory of a dry run: a long input is normalized in forked worker processes too, so the
figure is the whole process tree's, sampled from /proc every 50 ms: the sum of the RSS of
the CLI and its workers (pages the workers share with the CLI counted once per process, so
an upper bound), and the sum of their PSS (shared pages split between the processes that
share them: what the tree really costs). The CLI alone (peak RSS from wait4) is shown too.

Targets (issue #3): the CSV dry run peaks under 400 MB; our XLSX reading is at least 3×
faster than the openpyxl path. Exits 1 when a target is missed.

    .venv/bin/python benchmarks/bench_read.py [--csv-rows N] [--xlsx-rows N] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CSV_RSS_TARGET_MB = 400
XLSX_SPEEDUP_TARGET = 3.0


def log(text: str) -> None:
    print(f"  … {text}", file=sys.stderr, flush=True)


def phone(i: int) -> str:
    """Valid Egyptian mobiles written the ways people write them."""
    local = f"10{i % 100_000_000:08d}"
    return (f"+20 {local[:2]} {local[2:6]} {local[6:]}", f"0{local}", f"20{local}")[i % 3]


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("First Name,Last Name,Mobile Phone,Email,Notes\n")
        for i in range(rows):
            f.write(f'Name{i},Family{i % 977},{phone(i)},user{i}@example.com,"note, {i}"\n')


def write_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    sheet.append(["First Name", "Last Name", "Mobile Phone", "Email", "City"])
    for i in range(rows):
        # Half the phones are numbers, as Excel stores a typed phone.
        cell: object = int(phone(i)[-12:].replace(" ", "")) if i % 2 else phone(i)
        sheet.append([f"Name{i}", f"Family{i % 977}", cell, f"user{i}@example.com", "Cairo"])
    book.save(path)


def cli() -> list[str]:
    script = Path(sys.executable).with_name("wawp-import")
    return [str(script)] if script.exists() else [sys.executable, "-m", "importer"]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB, (0, 0) once it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


@dataclass
class TreeMemory:
    """Peaks of the summed RSS and PSS of a process and its descendants, and how many
    processes the tree had at most."""

    rss_mb: float = 0.0
    pss_mb: float = 0.0
    processes: int = 0


def _sample_tree(pid: int, done: threading.Event, peaks: TreeMemory) -> None:
    while not done.is_set():
        pids = _tree(pid)
        rss = pss = 0
        for one in pids:
            r, p = _memory_kib(one)
            rss, pss = rss + r, pss + p
        peaks.rss_mb = max(peaks.rss_mb, rss / 1024)
        peaks.pss_mb = max(peaks.pss_mb, pss / 1024)
        peaks.processes = max(peaks.processes, len(pids))
        done.wait(0.05)


def dry_run(path: Path, rows: int, results: Path) -> tuple[float, float, TreeMemory]:
    """(rows per second, the CLI's own peak RSS in MB, its process tree's peaks) of the
    real CLI's dry run on `path`."""
    command = [*cli(), str(path), "--dry-run", "--default-region", "EG", "--no-progress",
               "--results", str(results)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAWP_")}
    # Output goes to files, not pipes: nobody reads a pipe while wait4 waits.
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out_file, stderr=err_file,
                                 stdin=subprocess.DEVNULL)
        tree, stop = TreeMemory(), threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(child.pid, stop, tree),
                                   daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        stop.set()
        sampler.join()
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read().decode(), err_file.read().decode()
    code = child.returncode
    if code not in (0, 1):
        raise SystemExit(f"dry run of {path.name} failed ({code}):\n{err}{out}")
    for line in err.splitlines()[:2]:
        log(line.removeprefix("wawp-import: "))
    return rows / elapsed, usage.ru_maxrss / 1024, tree  # ru_maxrss is in KiB on Linux


def read_ours(path: Path) -> tuple[float, int]:
    from importer.read import open_table

    started = time.perf_counter()
    table = open_table(path)
    count = sum(1 for _ in table.rows)
    return time.perf_counter() - started, count


def read_openpyxl(path: Path) -> tuple[float, int]:
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_excel(path, engine="openpyxl", dtype=str)
    return time.perf_counter() - started, len(frame)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--skip-pandas", action="store_true",
                        help="do not time pandas/openpyxl (it is the slow part)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp:
        folder = Path(tmp)
        csv_path, xlsx_path = folder / "contacts.csv", folder / "contacts.xlsx"
        log(f"writing {args.csv_rows:,}-row CSV")
        write_csv(csv_path, args.csv_rows)
        log(f"writing {args.xlsx_rows:,}-row XLSX with openpyxl")
        write_xlsx(xlsx_path, args.xlsx_rows)
        sizes = {p: p.stat().st_size / 1e6 for p in (csv_path, xlsx_path)}

        log("dry run of the CSV")
        csv_rate, csv_main, csv_tree = dry_run(csv_path, args.csv_rows,
                                               folder / "csv.results.csv")
        log("dry run of the XLSX")
        xlsx_rate, xlsx_main, xlsx_tree = dry_run(xlsx_path, args.xlsx_rows,
                                                  folder / "xlsx.results.csv")
        log("reading the XLSX with importer.read")
        ours, ours_rows = read_ours(xlsx_path)
        theirs = theirs_rows = None
        if not args.skip_pandas:
            log('reading the XLSX with pandas.read_excel(engine="openpyxl")')
            theirs, theirs_rows = read_openpyxl(xlsx_path)

    print(f"{'dry run':<12}{'rows':>11}{'file MB':>9}{'rows/s':>9}{'processes':>11}"
          f"{'CLI RSS MB':>12}{'all RSS MB':>12}{'all PSS MB':>12}")
    for name, rows, path, rate, main_rss, tree in (
            ("CSV", args.csv_rows, csv_path, csv_rate, csv_main, csv_tree),
            ("XLSX", args.xlsx_rows, xlsx_path, xlsx_rate, xlsx_main, xlsx_tree)):
        print(f"{name:<12}{rows:>11,}{sizes[path]:>9.0f}{rate:>9,.0f}{tree.processes:>11}"
              f"{main_rss:>12.0f}{tree.rss_mb:>12.0f}{tree.pss_mb:>12.0f}")
    # the target holds for the whole tree, counted the pessimistic way
    csv_rss = max(csv_main, csv_tree.rss_mb)
    print()
    print(f"XLSX read, importer.read (calamine):  {ours:6.2f} s  ({ours_rows:,} rows)")
    ok = csv_rss < CSV_RSS_TARGET_MB
    if theirs is not None:
        speedup = theirs / ours
        print(f'XLSX read, pandas engine="openpyxl":  {theirs:6.2f} s  ({theirs_rows:,} rows)'
              f"  → {speedup:.1f}× faster (target ≥ {XLSX_SPEEDUP_TARGET:g}×)")
        ok = ok and speedup >= XLSX_SPEEDUP_TARGET
    print(f"CSV dry run peak RSS, CLI and workers summed, {csv_rss:.0f} MB "
          f"(target < {CSV_RSS_TARGET_MB} MB)")
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
