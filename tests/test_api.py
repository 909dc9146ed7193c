"""The Python API: `run_import` runs the command's pipeline in-process and returns the summary."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import importer
from importer import ConfigError, ImportOptions, RowResult, Status, render_summary, run_import
from tests.support.cli import read_results, write_csv
from tests.support.sandbox import SandboxProcess

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def contacts(tmp_path: Path) -> Path:
    return shutil.copy(FIXTURES / "cockpit.csv", tmp_path / "cockpit.csv")


def _connection(sandbox: SandboxProcess) -> dict[str, str]:
    return {"base_url": sandbox.base_url, "instance_id": sandbox.instance_id,
            "access_token": sandbox.token}


def test_run_import_sends_and_returns_the_summary(sandbox: SandboxProcess, contacts: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[RowResult] = []
    summary = run_import(contacts, default_region="EG", rate=0, on_result=seen.append,
                         **_connection(sandbox))
    assert summary.counts == {"ok": 5, "invalid": 4, "duplicate": 2}
    assert summary.count(Status.OK) == 5 and not summary.all_succeeded
    assert summary.results_path == str(contacts.with_name("cockpit.results.csv"))
    assert len(seen) == 11
    assert len(sandbox.state()["contacts"]) == 5
    assert [(r.status, r.count, r.examples) for r in summary.reasons] == [
        ("duplicate", 2, (6, 12)), ("invalid", 3, (5, 8, 10)), ("invalid", 1, (7,))]
    assert capsys.readouterr() == ("", "")  # the library prints nothing
    text = render_summary(summary)
    assert "ok: 5, duplicate: 2, invalid: 4" in text and sandbox.token not in text


def test_run_import_takes_a_config_file_and_settings_override_it(contacts: Path,
                                                                 tmp_path: Path) -> None:
    config = tmp_path / "weekly.toml"
    config.write_text('default-region = "GB"\ndry-run = true\nno-progress = true\n'
                      'results = "week.results.xlsx"\n', encoding="utf-8")
    summary = run_import(str(contacts), config=config, default_region="EG")
    assert summary.dry_run and summary.counts["ready"] == 5
    assert summary.results_path == str(tmp_path / "week.results.xlsx")
    assert [p.chat_id for p in summary.preview][:2] == ["201001234567@c.us", "201112345678@c.us"]


def test_run_import_accepts_complete_options(contacts: Path) -> None:
    summary = run_import(ImportOptions(input=contacts, default_region="EG", dry_run=True))
    assert summary.counts["ready"] == 5
    with pytest.raises(ConfigError, match="either an ImportOptions or settings"):
        run_import(ImportOptions(input=contacts, dry_run=True), default_region="EG")


def test_unknown_settings_are_named(contacts: Path) -> None:
    with pytest.raises(ConfigError, match="unknown settings colour, region"):
        run_import(contacts, dry_run=True, region="EG", colour="red")


def test_run_import_retries_and_verifies_like_the_command(contacts: Path, tmp_path: Path) -> None:
    with SandboxProcess("--check-exists-interval", "0") as server:
        # every row to send fails once, so a retry has them all to send again
        server.configure(fail_first=5)
        first = run_import(contacts, default_region="EG", max_attempts=1, concurrency=1,
                           rate=0, skip_preflight=True, **_connection(server))
        assert first.counts["failed"] == 5
        summary = run_import(first.results_path, retry_failed=True, default_region="EG",
                             verify=True, verify_rate=0, rate=0,
                             verify_cache=tmp_path / "answers.json", **_connection(server))
        assert summary.retried == 5 and summary.carried == 6
        assert summary.checked == 5
        assert summary.counts == {"ok": 1, "not_on_whatsapp": 4, "invalid": 4, "duplicate": 2}
        results = read_results(Path(summary.results_path))
        assert results[0]["status"] == "ok"
        assert (tmp_path / "answers.json").exists()


def test_the_public_api_is_listed() -> None:
    assert {"run_import", "plan_import", "run_plan", "ImportOptions", "Summary",
            "render_summary", "render_preview", "summary_to_dict"} <= set(importer.__all__)


def test_the_readme_snippet_runs(sandbox: SandboxProcess, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The snippet given for the README, run as written (with the sandbox's address)."""
    write_csv(tmp_path / "contacts.csv", [["Name", "Phone"], ["John Doe", "+20 100 123 4567"]])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WAWP_ACCESS_TOKEN", sandbox.token)
    monkeypatch.setenv("WAWP_INSTANCE_ID", sandbox.instance_id)
    snippet = f"""
import os
from importer import render_summary, run_import

summary = run_import(
    "contacts.csv",
    default_region="EG",
    base_url="{sandbox.base_url}",  # leave out for the real API
    instance_id=os.environ["WAWP_INSTANCE_ID"],
    access_token=os.environ["WAWP_ACCESS_TOKEN"],
)
print(render_summary(summary))
print(summary.counts)
"""
    namespace: dict[str, object] = {}
    exec(compile(snippet, "README", "exec"), namespace)  # noqa: S102
    summary = namespace["summary"]
    assert summary.counts == {"ok": 1}  # type: ignore[attr-defined]
