"""How long `wawp-import --help` takes before it prints, against a bare Python start.

    .venv/bin/python benchmarks/bench_help.py            # 20 runs of each
    .venv/bin/python benchmarks/bench_help.py --runs 50

Runs `python -c pass`, `python -m importer --help`, the `wawp-import --help` console script
and `wawp-import --version`, each N times one after the other, and prints the median wall
time of each (target: `--help` in at most 100 ms). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def median_ms(command: list[str], runs: int) -> float:
    """The median wall time of `command`, in milliseconds (output discarded)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True, cwd=REPO)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    python = sys.executable
    script = Path(python).with_name("wawp-import")
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "python -m importer --help": [python, "-m", "importer", "--help"],
    }
    if script.exists():
        commands["wawp-import --help"] = [str(script), "--help"]
        commands["wawp-import --version"] = [str(script), "--version"]
    median_ms(commands["python -m importer --help"], 2)  # warm the page cache and .pyc files
    bare = None
    print(f"median of {args.runs} runs, load {os.getloadavg()[0]:.2f}")
    for name, command in commands.items():
        ms = median_ms(command, args.runs)
        bare = bare or ms
        print(f"  {name:<28} {ms:6.1f} ms  ({ms / bare:.1f}x a bare start)")


if __name__ == "__main__":
    main()
