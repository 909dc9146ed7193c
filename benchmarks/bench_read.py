"""Reading big inputs: dry-run throughput and peak memory, and XLSX reading against openpyxl.

Generates a 1,000,000-row CSV and a 200,000-row XLSX in a temporary folder (deleted after),
runs the real CLI's dry run on each in a child process (rows/s, peak RSS from wait4), and
times reading the XLSX with importer.read against pandas.read_excel(engine="openpyxl").

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
import time
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


def dry_run(path: Path, rows: int, results: Path) -> tuple[float, float]:
    """(rows per second, peak RSS in MB) of the real CLI's dry run on `path`."""
    command = [*cli(), str(path), "--dry-run", "--default-region", "EG", "--no-progress",
               "--results", str(results)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAWP_")}
    # Output goes to files, not pipes: nobody reads a pipe while wait4 waits.
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out_file, stderr=err_file,
                                 stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
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
    return rows / elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


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
        csv_rate, csv_rss = dry_run(csv_path, args.csv_rows, folder / "csv.results.csv")
        log("dry run of the XLSX")
        xlsx_rate, xlsx_rss = dry_run(xlsx_path, args.xlsx_rows, folder / "xlsx.results.csv")
        log("reading the XLSX with importer.read")
        ours, ours_rows = read_ours(xlsx_path)
        theirs = theirs_rows = None
        if not args.skip_pandas:
            log('reading the XLSX with pandas.read_excel(engine="openpyxl")')
            theirs, theirs_rows = read_openpyxl(xlsx_path)

    print(f"{'dry run':<28}{'rows':>11}{'file MB':>9}{'rows/s':>9}{'peak RSS MB':>13}")
    print(f"{'CSV':<28}{args.csv_rows:>11,}{sizes[csv_path]:>9.0f}{csv_rate:>9,.0f}"
          f"{csv_rss:>13.0f}")
    print(f"{'XLSX':<28}{args.xlsx_rows:>11,}{sizes[xlsx_path]:>9.0f}{xlsx_rate:>9,.0f}"
          f"{xlsx_rss:>13.0f}")
    print()
    print(f"XLSX read, importer.read (calamine):  {ours:6.2f} s  ({ours_rows:,} rows)")
    ok = csv_rss < CSV_RSS_TARGET_MB
    if theirs is not None:
        speedup = theirs / ours
        print(f'XLSX read, pandas engine="openpyxl":  {theirs:6.2f} s  ({theirs_rows:,} rows)'
              f"  → {speedup:.1f}× faster (target ≥ {XLSX_SPEEDUP_TARGET:g}×)")
        ok = ok and speedup >= XLSX_SPEEDUP_TARGET
    print(f"CSV dry run peak RSS {csv_rss:.0f} MB (target < {CSV_RSS_TARGET_MB} MB)")
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
