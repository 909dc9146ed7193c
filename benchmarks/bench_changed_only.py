"""A weekly re-import with --changed-only: 1,000,000 rows of which 1 % changed.

    .venv/bin/python benchmarks/bench_changed_only.py               # 1,000,000 rows (~3 min)
    .venv/bin/python benchmarks/bench_changed_only.py --rows 100000

The ledger is filled as an earlier run would have left it (every row written a day ago),
then 1 % of the rows get a new last name and the real command runs with --changed-only
against the sandbox (50 ms per request, --rate 0, --concurrency 32). For comparison the
same command sends only the changed rows, as a file of their own with no ledger to read:
that is "the time of the upserts", and the difference is what reading, normalizing, the
ledger lookups and writing results for the rest of the million cost. Target: under 90 s
plus the time of the upserts, peak RSS under 400 MB.

Wall time and peak RSS come from wait4 on the command's process; the sandbox's PUT
counter checks that exactly the changed rows were sent. Figures are printed, never asserted.
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

TARGET_SECONDS = 90.0
RSS_TARGET_MB = 400


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
            *extra: str) -> dict[str, object]:
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
               PYTHONPATH=str(REPO))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        if child.returncode not in (0, 1):
            raise SystemExit(f"the command failed ({child.returncode}):\n{err.read().decode()}")
    counts = json.loads(summary.read_text(encoding="utf-8"))["counts"]
    return {"elapsed": elapsed, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "counts": counts, "puts": sandbox.puts()}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--changed-every", type=int, default=100, help="1 row in N changed (1 %%)")
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--no-pin", action="store_true")
    args = p.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="wawp-bench-changed-"))
    sandbox = Sandbox(args.latency, folder)
    placement = "not pinned" if args.no_pin else pin(sandbox.process.pid)
    print(f"{args.rows:,} rows, 1 in {args.changed_every} changed; sandbox latency "
          f"{args.latency * 1000:g} ms, --concurrency {args.concurrency}, --rate 0; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start; {placement}",
          flush=True)
    try:
        started = time.perf_counter()
        source = write_input(folder / "week2.csv", range(args.rows), args.changed_every)
        ledger = folder / "ledger.sqlite"
        fill_ledger(ledger, args.rows, sandbox)
        changed = [i for i in range(args.rows) if i % args.changed_every == 0]
        only_changed = write_input(folder / "changed.csv", changed, args.changed_every)
        print(f"  set-up (files, ledger of {args.rows:,} entries, "
              f"{ledger.stat().st_size / 1e6:.0f} MB): {time.perf_counter() - started:.1f} s",
              flush=True)

        full = run_cli(source, sandbox, folder, ledger, args.concurrency, "--changed-only")
        print(f"  --changed-only, {args.rows:,} rows: {full['elapsed']:.1f} s "
              f"(CPU {full['cpu']:.1f} s), peak RSS "
              f"{full['rss_mb']:.0f} MB, {full['puts']:,} PUTs, counts {full['counts']}",
              flush=True)
        upserts = run_cli(only_changed, sandbox, folder, folder / "empty-ledger.sqlite",
                          args.concurrency)
        print(f"  the {len(changed):,} changed rows alone (the upserts): "
              f"{upserts['elapsed']:.1f} s (CPU {upserts['cpu']:.1f} s), peak RSS "
              f"{upserts['rss_mb']:.0f} MB, "
              f"{upserts['puts']:,} PUTs", flush=True)
        overhead = float(full["elapsed"]) - float(upserts["elapsed"])  # type: ignore[arg-type]
        cpu = float(full["cpu"]) - float(upserts["cpu"])  # type: ignore[arg-type]
        print(f"=> the other {args.rows - len(changed):,} rows cost {overhead:.1f} s "
              f"(CPU {cpu:.1f} s) "
              f"(target < {TARGET_SECONDS:g} s); peak RSS {full['rss_mb']:.0f} MB "
              f"(target < {RSS_TARGET_MB} MB)")
        if full["puts"] != len(changed):
            print(f"  warning: {full['puts']} PUTs, expected {len(changed)}")
    finally:
        sandbox.close()
    print(f"load average {os.getloadavg()[0]:.2f} at the end (other work on this machine "
          "slows every figure)")


if __name__ == "__main__":
    main()
