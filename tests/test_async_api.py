"""run_import inside a running event loop (a notebook cell) and await import_async,
against the sandbox."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from importer import ApiRejected, Summary, import_async, run_import
from tests.support.cli import REPO
from tests.support.sandbox import SandboxProcess

pd = pytest.importorskip("pandas")


def _connection(sandbox: SandboxProcess, token: str | None = None) -> dict[str, object]:
    return {"base_url": sandbox.base_url, "instance_id": sandbox.instance_id,
            "access_token": token or sandbox.token, "default_region": "EG", "rate": 0,
            "ledger": None}


def _frame() -> object:
    return pd.DataFrame({"Name": ["Ahmed Hassan", "Mona Ali"],
                         "Phone": ["201001234567", "not a phone"]})


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text("Name,Phone\nAhmed Hassan,201001234567\nMona Ali,not a phone\n",
                    encoding="utf-8")
    return path


def _in_loop(call: object) -> Summary:
    async def cell() -> Summary:
        return call()  # type: ignore[operator,no-any-return]
    return asyncio.run(cell())


@pytest.mark.parametrize("kind", ["frame", "path"])
def test_run_import_inside_a_running_loop_sends(sandbox: SandboxProcess, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.chdir(tmp_path)
    source = _frame() if kind == "frame" else _csv(tmp_path)
    summary = _in_loop(lambda: run_import(source, **_connection(sandbox)))
    assert summary.counts == {"ok": 1, "invalid": 1}
    assert list(sandbox.state()["contacts"]) == ["201001234567@c.us"]


@pytest.mark.parametrize("kind", ["frame", "path"])
def test_await_import_async_sends(sandbox: SandboxProcess, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.chdir(tmp_path)
    source = _frame() if kind == "frame" else _csv(tmp_path)
    summary = asyncio.run(import_async(source, **_connection(sandbox)))
    assert summary.counts == {"ok": 1, "invalid": 1}
    assert list(sandbox.state()["contacts"]) == ["201001234567@c.us"]


def test_a_dry_run_both_ways_sends_nothing(sandbox: SandboxProcess, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    in_loop = _in_loop(lambda: run_import(_frame(), default_region="EG", dry_run=True))
    awaited = asyncio.run(import_async(_csv(tmp_path), default_region="EG", dry_run=True))
    assert in_loop.counts == awaited.counts == {"ready": 1, "invalid": 1}
    assert sandbox.state()["contacts"] == {}


def test_a_rejected_token_raises_both_ways(sandbox: SandboxProcess, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    wrong = _connection(sandbox, token="wrong-token")
    with pytest.raises(ApiRejected):
        _in_loop(lambda: run_import(_csv(tmp_path), **wrong))
    with pytest.raises(ApiRejected):
        asyncio.run(import_async(_frame(), **wrong))
    assert sandbox.state()["contacts"] == {}


def test_the_readme_notebook_example_runs_in_a_running_loop(
        sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's pandas example as written, inside a running loop as in a Jupyter cell."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### From a notebook, with pandas", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    query = 'crm = pd.read_sql("SELECT name, mobile, company FROM customers", engine)'
    assert query in snippet
    snippet = snippet.replace(query, 'crm = pd.DataFrame({"name": ["Ahmed Hassan", "Mona"], '
                              '"mobile": [201001234567, None], "company": ["Acme", "Beta"]})')
    snippet = snippet.replace('default_region="EG",',
                              f'default_region="EG", base_url="{sandbox.base_url}",')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WAWP_ACCESS_TOKEN", sandbox.token)
    monkeypatch.setenv("WAWP_INSTANCE_ID", sandbox.instance_id)
    namespace: dict[str, object] = {}

    async def cell() -> None:
        asyncio.get_running_loop()  # a loop runs here, as in every notebook cell
        exec(compile(snippet, "README", "exec"), namespace)  # noqa: S102

    asyncio.run(cell())
    results = namespace["results"]
    assert results["status"].tolist() == ["ok", "invalid"]  # type: ignore[index]
    assert namespace["last_week"]["row"].tolist() == [2, 3]  # type: ignore[index]


def test_cancelling_import_async_stops_the_run_and_writes_every_row(
        sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "many.csv"
    source.write_text("Name,Phone\n" + "".join(f"Name {i},0100{i:07d}\n" for i in range(30)),
                      encoding="utf-8")
    settings = {**_connection(sandbox), "rate": 1, "concurrency": 1}

    async def caller() -> None:
        loop = asyncio.get_running_loop()
        first = asyncio.Event()
        task = asyncio.create_task(import_async(
            source, on_result=lambda _: loop.call_soon_threadsafe(first.set), **settings))
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(caller())
    rows = (tmp_path / "many.results.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == 30  # every row has its result, the ones not sent say why
    assert any("cancelled by the caller" in row for row in rows)
    assert len(sandbox.state()["contacts"]) < 30


def test_the_readme_await_example_runs_in_a_running_loop(
        sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `await import_async(crm, ...)` cell, with top-level await as in Jupyter."""
    import ast

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### From a notebook, with pandas", 1)[1].split("\n## ", 1)[0]
    snippet = section.split("```python\n")[2].split("```", 1)[0]
    assert "await import_async(crm," in snippet
    snippet = snippet.replace('default_region="EG",',
                              f'default_region="EG", base_url="{sandbox.base_url}",')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WAWP_ACCESS_TOKEN", sandbox.token)
    monkeypatch.setenv("WAWP_INSTANCE_ID", sandbox.instance_id)
    namespace: dict[str, object] = {
        "os": __import__("os"), "crm": pd.DataFrame({"name": ["Ahmed Hassan"],
                                                     "mobile": [201001234567]})}
    code = compile(snippet, "README", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    async def cell() -> None:
        await eval(code, namespace)  # noqa: S307

    asyncio.run(cell())
    assert namespace["summary"].counts == {"ok": 1}  # type: ignore[attr-defined]
    assert list(sandbox.state()["contacts"]) == ["201001234567@c.us"]


def test_await_import_async_sends_on_the_caller_s_loop_while_its_other_tasks_run(
        sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The async core runs in the caller's loop: its hooks are called on the loop's thread
    (no worker thread runs the send), and another task of that loop goes on meanwhile."""
    import threading

    monkeypatch.chdir(tmp_path)
    source = tmp_path / "many.csv"
    source.write_text("Name,Phone\n" + "".join(f"Name {i},0100{i:07d}\n" for i in range(8)),
                      encoding="utf-8")

    async def caller() -> tuple[list[int], set[int], int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        threads: set[int] = set()
        seen: list[int] = []

        def on_sent(_: object) -> None:
            threads.add(threading.get_ident())
            seen.append(ticks)

        task = asyncio.create_task(ticker())
        summary = await import_async(source, on_sent=on_sent, concurrency=1,
                                     **_connection(sandbox))
        task.cancel()
        assert summary.counts == {"ok": 8}
        return seen, threads, threading.get_ident()

    seen, threads, loop_thread = asyncio.run(caller())
    assert threads == {loop_thread}
    assert len(seen) == 8
    assert all(a < b for a, b in zip(seen, seen[1:], strict=False))  # ticked between sends
    assert len(sandbox.state()["contacts"]) == 8


def test_plan_import_asks_the_instance_s_region_inside_a_running_loop(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    """The sync fronts all work in a notebook cell, planning included (it asks the API)."""
    from importer import ImportOptions
    from importer.pipeline import plan_import, run_plan

    options = ImportOptions(input=_csv(tmp_path), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            rate=0)

    async def cell() -> Summary:
        plan = plan_import(options)
        assert plan.region_source.startswith("the instance's number")
        return run_plan(plan)

    assert asyncio.run(cell()).counts == {"ok": 1, "invalid": 1}


def test_the_async_core_step_by_step_runs_a_dry_run_on_the_caller_s_loop(
        tmp_path: Path) -> None:
    """plan_import_async then run_plan_async: the rows' hooks are called on the loop's
    thread; nothing is sent, nothing needs the API."""
    import threading

    from importer import ImportOptions, plan_import_async, run_plan_async

    options = ImportOptions(input=_csv(tmp_path), default_region="EG", dry_run=True,
                            ledger=None)

    async def caller() -> tuple[Summary, set[int], int]:
        threads: set[int] = set()
        plan = await plan_import_async(options)
        summary = await run_plan_async(
            plan, on_result=lambda _: threads.add(threading.get_ident()))
        return summary, threads, threading.get_ident()

    summary, threads, loop_thread = asyncio.run(caller())
    assert summary.counts == {"ready": 1, "invalid": 1}
    assert threads == {loop_thread}
    assert (tmp_path / "contacts.dry-run.csv").is_file()
