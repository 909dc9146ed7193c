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
