"""Sending settings that cannot work are refused before anything is read or sent (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer import ImportOptions
from importer.errors import ConfigError
from importer.pipeline import plan_import
from tests.support.cli import run_cli, write_csv


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("concurrency", 0, "--concurrency must be at least 1"),
    ("rate", -1.0, "--rate must be 0 (no limit) or more"),
    ("rate", float("nan"), "--rate must be 0"),
    ("max_attempts", 0, "--max-attempts must be at least 1"),
    ("timeout", 0.0, "--timeout must be more than 0"),
])
def test_impossible_sending_settings_are_refused(tmp_path: Path, setting: str, value: object,
                                                 message: str) -> None:
    source = write_csv(tmp_path / "in.csv", [["Name", "Phone"], ["A", "+201001234567"]])
    options = ImportOptions(input=source, base_url="https://wawp.example", instance_id="i",
                            access_token="token-1234", **{setting: value})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_import(options)


def test_the_cli_says_so_with_exit_2(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [["Name", "Phone"], ["A", "+201001234567"]])
    done = run_cli([source, "--concurrency", "0"], env={
        "WAWP_BASE_URL": "http://127.0.0.1:9", "WAWP_INSTANCE_ID": "i",
        "WAWP_ACCESS_TOKEN": "token-1234"})
    assert done.returncode == 2
    assert "--concurrency must be at least 1" in done.stderr


@pytest.mark.parametrize(("flags", "message"), [
    (["--rate", "-1"], "--rate must be 0 (no limit) or more"),
    (["--concurrency", "0"], "--concurrency must be at least 1"),
    (["--base-url", "http://127.0.0.1:99999"], "the port must be a number from 1 to 65535"),
])
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_dry_run_refuses_what_the_real_run_would(tmp_path: Path, flags: list[str],
                                                   message: str, dry_run: bool) -> None:
    # a dry run that passes must not be refused when run for real
    source = write_csv(tmp_path / "in.csv", [["Name", "Phone"], ["A", "+201001234567"]])
    done = run_cli([source, "--default-region", "EG", *flags,
                    *(["--dry-run"] if dry_run else [])],
                   env={"WAWP_INSTANCE_ID": "i", "WAWP_ACCESS_TOKEN": "token-1234"})
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "in.results.csv").exists()
