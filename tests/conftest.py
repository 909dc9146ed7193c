"""Shared fixtures: the real sandbox over loopback, and running the real CLI."""

from __future__ import annotations

import atexit
import csv
import functools
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.support.sandbox import SandboxProcess

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxProcess]:
    """One sandbox for the whole session; tests get it reset (see `sandbox`)."""
    with SandboxProcess() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxProcess) -> SandboxProcess:
    """The session's sandbox with an empty address book and no faults."""
    if not sandbox_server.running:
        sandbox_server.start()
    sandbox_server.reset()
    return sandbox_server


#: Where the CLI keeps its ledger in tests (never the user's own ~/.local/share).
_DATA_HOME = tempfile.mkdtemp(prefix="wawp-test-data-")
atexit.register(shutil.rmtree, _DATA_HOME, ignore_errors=True)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without WAWP_* settings, plus `extra`; the ledger (in
    $XDG_DATA_HOME) goes to a temporary folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAWP_")}
    env["XDG_DATA_HOME"] = _DATA_HOME
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


# -- what kind of test is this: `pytest -m "not e2e and not browser and not slow"` is the quick
# subset a developer runs while working; `make test` (and CI) runs everything ----------------

#: Calls that start the real command, the sandbox or the web server.
E2E_CALLS = ("run_cli(", "Cli(", "ServeProcess(", "SandboxProcess(", "subprocess.", "AppServer(")


def _source(function: object) -> str:
    try:
        return inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


@functools.cache
def _starts_processes(function: object, depth: int = 2) -> bool:
    """Whether `function`, or a helper of its own module that it calls, starts one."""
    source = _source(function)
    if any(call in source for call in E2E_CALLS):
        return True
    module = inspect.getmodule(function)
    if depth == 0 or module is None:
        return False
    return any(f"{name}(" in source and _starts_processes(helper, depth - 1)
               for name, helper in vars(module).items()
               if inspect.isfunction(helper) and helper.__module__ == module.__name__
               and helper is not function)


def _is_end_to_end(item: pytest.Item) -> bool:
    fixtures = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    functions = [getattr(item, "function", None)]
    functions += [d.func for defs in fixtures.values() for d in defs]
    return any(f is not None and _starts_processes(f) for f in functions)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark end-to-end tests by what they do, so a new one cannot be left out of `e2e`;
    `browser` and `slow` are marked where the tests are written."""
    for item in items:
        if item.get_closest_marker("e2e") is None and (
                item.get_closest_marker("browser") is not None or _is_end_to_end(item)):
            item.add_marker(pytest.mark.e2e)
