"""Shared fixtures (the real sandbox over loopback) and the marking of end-to-end tests.

Helpers that tests import live in tests/support."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.cli import Cli
from tests.support.sandbox import SandboxProcess

# CI tries the same generated cases every run: a red CI is then a change's fault, never the
# luck of the draw (a developer's run keeps exploring new cases and saves the failing ones).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")
@pytest.fixture(autouse=True)
def own_home(tmp_path_factory: pytest.TempPathFactory,
             monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test has a home of its own: no test writes the user's ledger or check cache,
    and no two tests share a ledger (many send the same numbers to the same sandbox, and
    the ledger would call the second `unchanged`). Subprocesses of the command inherit it."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("WAWP_LEDGER", raising=False)
    return home


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


@pytest.fixture(scope="session")
def other_sandbox_server() -> Iterator[SandboxProcess]:
    """A second WAWP instance for tests of a server with several numbers; its own number is
    Egyptian (the first sandbox's is a US one)."""
    with SandboxProcess("--me-phone", "201001234567") as server:
        yield server


@pytest.fixture
def other_sandbox(other_sandbox_server: SandboxProcess) -> SandboxProcess:
    """The second sandbox with an empty address book and no faults."""
    other_sandbox_server.reset()
    return other_sandbox_server


@pytest.fixture
def background() -> Iterator[list[Cli]]:
    """Commands started in the background (`background.append(Cli(...))`), ended after."""
    started: list[Cli] = []
    yield started
    for cli in started:
        cli.close()


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
