"""`-` reads the spreadsheet from standard input, and a pipe (`<(…)`, a named pipe) is read
once: the run reads its input several times, so the bytes are kept in a private copy."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl

from importer.cli import main
from tests.support.cli import REPO, clean_env, read_results
from tests.support.sandbox import SandboxProcess

CSV = b"Name,Phone\nAli,01001234567\nBo,01001234568\n"
ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0"]


def test_a_dash_reads_standard_input_and_sends_it(sandbox: SandboxProcess,
                                                   tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "importer", "-", *ARGS],
                          env=clean_env(sandbox.env()), input=CSV, capture_output=True,
                          cwd=tmp_path, timeout=60)
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert "Reading stdin:" in err
    results = read_results(tmp_path / "stdin.results.csv")
    assert [(r["row"], r["status"], r["chat_id"]) for r in results] == [
        ("2", "ok", "201001234567@c.us"), ("3", "ok", "201001234568@c.us")]
    assert {"201001234567@c.us", "201001234568@c.us"} <= set(sandbox.state()["contacts"])
    assert os.listdir(tmp_path) == ["stdin.results.csv"]  # the copy went with the run


def test_a_workbook_on_standard_input_is_read_by_its_content(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Name", "Mobile"])
    book.active.append(["Ali", "01001234567"])
    data = io.BytesIO()
    book.save(data)
    results = tmp_path / "out.csv"
    code = main(["-", "--dry-run", *ARGS, "--results", str(results)], env={},
                out=io.StringIO(), err=io.StringIO(), stdin=io.BytesIO(data.getvalue()))
    assert code == 0
    assert [r["chat_id"] for r in read_results(results)] == ["201001234567@c.us"]


def test_a_named_pipe_is_read_once(tmp_path: Path) -> None:
    pipe = tmp_path / "export.csv"
    os.mkfifo(pipe)
    writer = threading.Thread(target=pipe.write_bytes, args=(CSV,))
    writer.start()
    done = subprocess.run([sys.executable, "-m", "importer", str(pipe), "--dry-run", *ARGS],
                          env=clean_env(), capture_output=True, cwd=tmp_path, timeout=60)
    writer.join(timeout=10)
    assert done.returncode == 0, done.stderr.decode()
    results = read_results(tmp_path / "export.results.csv")
    assert [r["status"] for r in results] == ["ready", "ready"]


def test_process_substitution_is_read_once(tmp_path: Path) -> None:
    script = (f"{sys.executable} -m importer <(printf 'Name,Phone\\nAli,01001234567\\n') "
              "--dry-run " + " ".join(ARGS))
    done = subprocess.run(["bash", "-c", script], env=clean_env({"PYTHONPATH": str(REPO)}),
                          capture_output=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    [results] = tmp_path.glob("*.results.csv")
    assert [r["chat_id"] for r in read_results(results)] == ["201001234567@c.us"]
