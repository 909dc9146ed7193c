"""Failures are visible, the token never: the library's log tree, `-v` and `--log-file`."""

from __future__ import annotations

import io
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import importer.cli
import importer.pipeline
from importer.cli import EXIT_INTERNAL, RUN_GC_THRESHOLD, main
from tests.support.cli import clean_env, write_csv

TOKEN = "tok-5ecret-9f8e7d6c5b4a"
URL = "https://api.example/v2/contacts/upsert?instance_id=i1&access_token=other-secret-value"


@pytest.fixture
def crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug inside the run: a log record and an exception that both quote the secrets."""
    def plan_import(options: object) -> None:
        logging.getLogger("importer.pipeline").debug("about to call %s with %s", URL, TOKEN)
        raise RuntimeError(f"boom at {URL} with {TOKEN}")

    monkeypatch.setattr(importer.pipeline, "plan_import", plan_import)


def run(tmp_path: Path, *extra: str) -> tuple[int, str]:
    source = write_csv(tmp_path / "in.csv", [["Name", "Phone"], ["Ahmed", "01001234567"]])
    err = io.StringIO()
    code = main([str(source), "--default-region", "EG", "--dry-run", "--no-progress", *extra],
                env={"WAWP_ACCESS_TOKEN": TOKEN}, out=io.StringIO(), err=err)
    return code, err.getvalue()


def assert_masked(text: str) -> None:
    assert TOKEN not in text and "other-secret-value" not in text
    assert "access_token=***" in text


@pytest.mark.usefixtures("crashing")
def test_an_internal_error_is_one_line_that_points_to_verbose(tmp_path: Path) -> None:
    code, err = run(tmp_path)
    assert code == EXIT_INTERNAL
    lines = [line for line in err.splitlines() if "internal error" in line]
    assert lines == [lines[0]] and lines[0].endswith("(please report this; -v shows more)")
    assert "Traceback" not in err and "about to call" not in err
    assert_masked(err)


@pytest.mark.usefixtures("crashing")
def test_verbose_shows_the_log_and_the_traceback_redacted(tmp_path: Path) -> None:
    code, err = run(tmp_path, "-v")
    assert code == EXIT_INTERNAL
    assert "importer.pipeline DEBUG about to call" in err
    assert "importer.cli ERROR internal error" in err and "Traceback" in err
    assert 'raise RuntimeError(f"boom at {URL} with {TOKEN}")' in err
    assert err.rstrip().splitlines()[-1].endswith("(please report this)")
    assert_masked(err)


@pytest.mark.usefixtures("crashing")
def test_log_file_holds_the_traceback_redacted_and_is_private(tmp_path: Path) -> None:
    log_file = tmp_path / "run.log"
    code, err = run(tmp_path, "--log-file", str(log_file))
    assert code == EXIT_INTERNAL
    assert "Traceback" not in err  # the file has it, stderr stays one line
    text = log_file.read_text(encoding="utf-8")
    assert "about to call" in text and "Traceback" in text and "RuntimeError: boom" in text
    assert_masked(text)
    if os.name == "posix":
        assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


@pytest.mark.usefixtures("crashing")
def test_handlers_are_taken_back_when_the_command_ends(tmp_path: Path) -> None:
    run(tmp_path, "-v", "--log-file", str(tmp_path / "run.log"))
    for name in ("importer", "httpx", "httpcore", "aiohttp"):
        assert not [h for h in logging.getLogger(name).handlers
                    if not isinstance(h, logging.NullHandler)], name


def test_a_log_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    code, err = run(tmp_path, "--log-file", str(tmp_path / "missing" / "run.log"))
    assert code == 2 and "cannot write the log file" in err


GLOBALS_PROBE = """
import csv, gc, logging, socket, sys, tempfile
import phonenumbers.re_util as ru
before = (csv.field_size_limit(), socket.getdefaulttimeout(), sys.getrecursionlimit(),
          tempfile.tempdir, logging.root.handlers[:], logging.root.level, gc.get_freeze_count(),
          gc.isenabled(), ru._COMPILED_PATTERNS)
import signal
handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
import importer, importer.cli, importer.pipeline, importer.read, importer.normalize
import importer.send, importer.report, importer.ledger_cli, importer.web.serve
after = (csv.field_size_limit(), socket.getdefaulttimeout(), sys.getrecursionlimit(),
         tempfile.tempdir, logging.root.handlers[:], logging.root.level, gc.get_freeze_count(),
         gc.isenabled(), ru._COMPILED_PATTERNS)
assert before == after, (before, after)
assert handlers == {s: signal.getsignal(s) for s in handlers}
assert [type(h) for h in logging.getLogger("importer").handlers] == [logging.NullHandler]
print("untouched")
"""


def test_importing_the_package_changes_no_process_wide_setting() -> None:
    done = subprocess.run([sys.executable, "-c", GLOBALS_PROBE], env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "untouched", done.stderr


def test_the_phone_pattern_cache_is_switched_on_by_a_normalizer_not_by_import() -> None:
    probe = ("import importer, phonenumbers.re_util as ru\n"
             "assert ru._COMPILED_PATTERNS is None\n"
             "from importer.normalize.phones import PhoneNormalizer\n"
             "PhoneNormalizer('EG').normalize('0100 123 4567')\n"
             "assert ru._COMPILED_PATTERNS is not None\n"
             "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", probe], env=clean_env(), capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


def test_the_command_leaves_no_frozen_heap_nor_gc_threshold_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    gc.unfreeze()
    thresholds = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    run_plan = importer.pipeline.run_plan

    def watched(*args: Any, **kwargs: Any) -> Any:
        during.append(gc.get_threshold())
        return run_plan(*args, **kwargs)

    monkeypatch.setattr(importer.pipeline, "run_plan", watched)
    source = write_csv(tmp_path / "in.csv", [["Name", "Phone"], ["Ahmed", "01001234567"]])
    code = main([str(source), "--default-region", "EG", "--dry-run", "--no-progress"],
                env={}, out=io.StringIO(), err=io.StringIO())
    assert code == 0 and gc.get_freeze_count() == 0
    # collected less often during the run (a re-import's rows are cheaper), as before after
    assert during == [(RUN_GC_THRESHOLD, *thresholds[1:])]
    assert gc.get_threshold() == thresholds
