"""What the ledger costs: a re-import of 1,000,000 unchanged rows, and a first import.

    .venv/bin/python benchmarks/bench_changed_only.py                # ~3 min
    .venv/bin/python benchmarks/bench_changed_only.py --rows 100000
    .venv/bin/python benchmarks/bench_changed_only.py --code /tmp/old  # another checkout

1. Re-import, unchanged: the ledger holds every row of the file (written a day ago), and
   the real command runs the same file again against the sandbox (50 ms per request,
   --rate 0, --concurrency 32). Nothing is sent; the figure is reading, normalizing, the
   ledger's lookups and writing the results of every row. Target: at most 20 s for
   1,000,000 rows.
2. Re-import, 1 % changed: the same with 1 row in 100 renamed; "the upserts alone" sends
   only those rows, as a file of their own with no ledger to read, and the difference is
   what the other 99 % cost.
3. First import, the ledger's share: `--first-rows` new rows through the ledger as a first
   import uses it (looked up on a ledger holding 1,000,000 other contacts, then one entry
   recorded per ok), in this process: its time per row, beside the CPU a sent row costs
   the command (bench_send.py: ~0.7 ms). Target: the run at most 5 % slower than before
   (before: no lookups, one entry per ok).

`--changed-only` is passed to the re-imports so that an older checkout (`--code`, where
the ledger was consulted only with that flag) measures the same work; it does nothing now.
Wall time and peak RSS come from wait4 on the command's process; the sandbox's PUT counter
checks what was sent. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_send import Sandbox, pin

from importer.models import Contact
from importer.report.ledger import Ledger

TARGET_SECONDS = 20.0
RSS_TARGET_MB = 400
#: The CPU a row sent at --concurrency 32 costs the command (bench_send.py, docs/benchmarks.md).
SEND_CPU_PER_ROW = 0.7e-3


def last_name(i: int, changed_every: int) -> str:
    return f"Moved{i}" if changed_every and i % changed_every == 0 else f"Family{i % 977}"


def write_input(path: Path, indexes: range | list[int], changed_every: int) -> Path:
    """First/last name columns (used as they are) and valid Egyptian mobiles."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("First Name,Last Name,Mobile Phone\n")
        for i in indexes:
            f.write(f"Name{i},{last_name(i, changed_every)},010{i:08d}\n")
    return path


def fill_ledger(path: Path, rows: int, sandbox: Sandbox) -> None:
    """The ledger an earlier run of the unchanged file would have left, a day old."""
    with Ledger(path, instance_id=sandbox.instance_id, base_url=sandbox.base_url) as ledger:
        ledger.add_many((Contact(f"2010{i:08d}@c.us", f"Name{i}", f"Family{i % 977}")
                         for i in range(rows)), at=time.time() - 86400)


def run_cli(source: Path, sandbox: Sandbox, folder: Path, ledger: Path, concurrency: int,
            *extra: str, code: Path = REPO) -> dict[str, object]:
    """The real command; its wall time, peak RSS, summary counts and the PUTs it made."""
    sandbox.reset()
    summary = folder / "summary.json"
    command = [sys.executable, "-m", "importer", str(source), "--default-region", "EG",
               "--no-progress", "--rate", "0", "--concurrency", str(concurrency), "--force",
               "--token-file", str(sandbox.token_file), "--ledger", str(ledger),
               "--results", str(folder / "results.csv"), "--summary-json", str(summary),
               *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAWP_")}
    env.update(WAWP_BASE_URL=sandbox.base_url, WAWP_INSTANCE_ID=sandbox.instance_id,
               PYTHONPATH=str(code))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # run from `code`: `python -m` puts the current folder first on the path, so from
        # another checkout it would run that checkout's importer whatever PYTHONPATH says
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL, cwd=code)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        if child.returncode not in (0, 1):
            raise SystemExit(f"the command failed ({child.returncode}):\n{err.read().decode()}")
    counts = json.loads(summary.read_text(encoding="utf-8"))["counts"]
    return {"elapsed": elapsed, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "counts": counts, "puts": sandbox.puts()}


def first_import_share(folder: Path, rows: int, code: Path) -> dict[str, float]:
    """Seconds the ledger takes for `rows` new contacts in a first import, in a child process
    running `code`: the lookups (skipped where the code does not look up without a flag)
    and one entry recorded per ok."""
    script = f"""
import sys, time, json
sys.path.insert(0, {str(code)!r})
from pathlib import Path
from importer.models import Contact, Prepared, RowResult, Status
from importer.options import ImportOptions
from importer.report.ledger import Ledger
from importer import pipeline
path = Path({str(folder / "first.sqlite")!r})
with Ledger(path, instance_id="i", base_url="http://127.0.0.1:1") as ledger:
    ledger.add_many((Contact(f"2010{{i:08d}}@c.us", f"Name{{i}}", "Old") for i in range(1_000_000)),
                    at=time.time() - 86400)
items = [Prepared(i + 2, (), Status.READY, Contact(f"2011{{i:08d}}@c.us", f"Name{{i}}", "New"))
         for i in range({rows})]
options = ImportOptions(input=Path("x.csv"), ledger=path, instance_id="i",
                        base_url="http://127.0.0.1:1")
with Ledger(path, instance_id="i", base_url="http://127.0.0.1:1") as ledger:
    started = time.perf_counter()
    looked = list(pipeline.unchanged_skipped(items, ledger, options))
    lookups = time.perf_counter() - started
    assert all(o.status is Status.READY for o in looked)
    results = [RowResult(o.row, Status.OK, o.contact.chat_id, o.contact.first_name,
                         o.contact.last_name, attempts=1) for o in looked]
    started = time.perf_counter()
    for result in results:
        ledger.record(result)
    ledger.commit()
    records = time.perf_counter() - started
print(json.dumps({{"lookups": lookups, "records": records}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False, cwd=folder)
    if done.returncode != 0:
        raise SystemExit(f"the first-import measure failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--changed-every", type=int, default=100, help="1 row in N changed (1 %%)")
    p.add_argument("--first-rows", type=int, default=1_000_000)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--code", type=Path, default=REPO,
                   help="the checkout whose command is measured (default: this one)")
    p.add_argument("--skip-changed", action="store_true", help="leave out the 1 %% case")
    p.add_argument("--no-pin", action="store_true")
    args = p.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="wawp-bench-changed-"))
    sandbox = Sandbox(args.latency, folder)
    placement = "not pinned" if args.no_pin else pin(sandbox.process.pid)
    print(f"{args.rows:,} rows; code {args.code}; sandbox latency {args.latency * 1000:g} ms, "
          f"--concurrency {args.concurrency}, --rate 0; {os.cpu_count()} CPUs; load average "
          f"{os.getloadavg()[0]:.2f} at start; {placement}", flush=True)
    try:
        started = time.perf_counter()
        same = write_input(folder / "week1.csv", range(args.rows), 0)
        ledger = folder / "ledger.sqlite"
        fill_ledger(ledger, args.rows, sandbox)
        print(f"  set-up (file, ledger of {args.rows:,} entries, "
              f"{ledger.stat().st_size / 1e6:.0f} MB): {time.perf_counter() - started:.1f} s",
              flush=True)
        full = run_cli(same, sandbox, folder, ledger, args.concurrency, "--changed-only",
                       code=args.code)
        print(f"  re-import, {args.rows:,} unchanged rows: {full['elapsed']:.1f} s "
              f"(CPU {full['cpu']:.1f} s) (target <= {TARGET_SECONDS:g} s for 1,000,000), "
              f"peak RSS {full['rss_mb']:.0f} MB, {full['puts']:,} PUTs, "
              f"counts {full['counts']}", flush=True)

        if not args.skip_changed:
            source = write_input(folder / "week2.csv", range(args.rows), args.changed_every)
            changed = [i for i in range(args.rows) if i % args.changed_every == 0]
            only_changed = write_input(folder / "changed.csv", changed, args.changed_every)
            fill_ledger(ledger, args.rows, sandbox)  # as the week before: names unchanged
            full = run_cli(source, sandbox, folder, ledger, args.concurrency,
                           "--changed-only", code=args.code)
            print(f"  re-import, 1 in {args.changed_every} changed: {full['elapsed']:.1f} s "
                  f"(CPU {full['cpu']:.1f} s), peak RSS {full['rss_mb']:.0f} MB, "
                  f"{full['puts']:,} PUTs, counts {full['counts']}", flush=True)
            upserts = run_cli(only_changed, sandbox, folder, folder / "empty-ledger.sqlite",
                              args.concurrency, code=args.code)
            print(f"    the {len(changed):,} changed rows alone (the upserts): "
                  f"{upserts['elapsed']:.1f} s (CPU {upserts['cpu']:.1f} s), "
                  f"{upserts['puts']:,} PUTs", flush=True)
            overhead = float(full["elapsed"]) - float(upserts["elapsed"])  # type: ignore[arg-type]
            print(f"    => the other {args.rows - len(changed):,} rows cost {overhead:.1f} s",
                  flush=True)
            if full["puts"] != len(changed):
                print(f"  warning: {full['puts']} PUTs, expected {len(changed)}")

        share = first_import_share(folder, args.first_rows, args.code)
        per_row = (share["lookups"] + share["records"]) / args.first_rows
        print(f"  first import, the ledger's share for {args.first_rows:,} new rows: lookups "
              f"{share['lookups']:.2f} s + records {share['records']:.2f} s = "
              f"{per_row * 1e6:.1f} µs a row, {per_row / SEND_CPU_PER_ROW:.1%} of the "
              f"~{SEND_CPU_PER_ROW * 1e3:g} ms of CPU a sent row costs", flush=True)
    finally:
        sandbox.close()
    print(f"load average {os.getloadavg()[0]:.2f} at the end (other work on this machine "
          "slows every figure)")


if __name__ == "__main__":
    main()
