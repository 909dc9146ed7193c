"""Helpers for tests that drive the real command: files in, the CLI run, results out."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without WAWP_* settings, plus `extra`. The test's own
    HOME and XDG folders come with it (tests/conftest.py `own_home`): the ledger and the
    check cache of the command are the test's, never the user's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAWP_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


def run_cli(args: Sequence[str | Path], *, env: dict[str, str] | None = None,
            timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m importer ARGS` as a user would; output captured as text."""
    return subprocess.run([sys.executable, "-m", "importer", *map(str, args)],
                          env=clean_env(env), capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, stdin=subprocess.DEVNULL)


def read_results(path: Path) -> list[dict[str, str]]:
    """The results file as dicts (the fixed columns come first, so names are unique)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def journal_of(source: Path) -> Path:
    """The journal of a run on `source` with the default results name."""
    return source.with_name(f"{source.stem}.results.csv.journal.jsonl")


def journal_rows(journal: Path) -> list[dict[str, object]]:
    """The row lines of a journal (a torn last line is left out, as resume does)."""
    rows = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if "row" in data:
            rows.append(data)
    return rows


class Cli:
    """The CLI running in the background, its output going to files (no pipe to fill)."""

    def __init__(self, args: list[object], env: dict[str, str], folder: Path,
                 name: str = "cli") -> None:
        self.out = (folder / f"{name}.out").open("w+", encoding="utf-8")
        self.err = (folder / f"{name}.err").open("w+", encoding="utf-8")
        self.process = subprocess.Popen([sys.executable, "-m", "importer", *map(str, args)],
                                        env=clean_env(env), stdin=subprocess.DEVNULL,
                                        stdout=self.out, stderr=self.err)

    def wait_for_lines(self, journal: Path, lines: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while line_count(journal) < lines:
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, f"{journal} did not grow"
            time.sleep(0.01)

    def wait(self, timeout: float = 120) -> int:
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        self.out.seek(0)
        self.err.seek(0)
        return self.out.read() + self.err.read()

    def stdout(self) -> str:
        self.out.seek(0)
        return self.out.read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.out.close()
        self.err.close()
