"""Saved settings (`--config FILE`): a TOML file of long option names, the flags win, no token."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.config import load_config, options_kwargs
from importer.errors import ConfigError
from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

ROWS = [["Kunde", "Mobil", "Stadt"],
        ["John Doe", "0100 123 4567", "Cairo"],
        ["Jane Doe", "07911 123456", "London"]]


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "weekly.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "contacts.csv", ROWS)


def test_keys_take_dashes_or_underscores(tmp_path: Path) -> None:
    path = _config(tmp_path, 'default-region = "EG"\nphone_column = "Mobil"\nconcurrency = 4\n')
    assert load_config(path) == {"default_region": "EG", "phone_column": "Mobil",
                                 "concurrency": 4}


@pytest.mark.parametrize("key", ["access-token", "access_token", "token", "WAWP_ACCESS_TOKEN"])
def test_a_token_in_the_config_is_refused(tmp_path: Path, key: str) -> None:
    path = _config(tmp_path, f'{key} = "s3cret-token-value"\n')
    with pytest.raises(ConfigError, match="must not hold the access token") as caught:
        load_config(path)
    assert "s3cret-token-value" not in str(caught.value)


@pytest.mark.parametrize(("text", "message"), [
    ('default-region = "EG"\ndefault_region = "GB"\n', "given twice"),
    ("[columns]\nphone = 'Mobil'\n", "is a table"),
    ("region = EG\n", "not valid TOML"),
])
def test_unusable_config_files_are_refused_clearly(tmp_path: Path, text: str,
                                                   message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_config(tmp_path, text))


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_config_settings_become_options_with_their_types(tmp_path: Path) -> None:
    path = _config(tmp_path, 'results = "out/r.csv"\nrate = 5\nsheet = 2\nverify = true\n'
                             'no-progress = true\n')
    kwargs = options_kwargs(path)  # the command's own settings are checked, then left out
    assert kwargs == {"results": tmp_path / "out" / "r.csv", "rate": 5.0, "sheet": "2",
                      "verify": True}


@pytest.mark.parametrize(("text", "message"), [
    ("rate = 'fast'\n", "rate must be a number"),
    ("concurrency = 2.5\n", "concurrency must be a whole number"),
    ("dry-run = 'yes'\n", "dry_run must be true or false"),
    ("colour = 'red'\nregion = 'EG'\n", "unknown settings colour, region"),
])
def test_wrong_values_and_unknown_keys_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        options_kwargs(path)


def test_cli_runs_the_saved_import(sandbox: SandboxProcess, tmp_path: Path,
                                   source: Path) -> None:
    config = _config(tmp_path, 'phone-column = "Mobil"\nname-column = "Kunde"\n'
                               'default-region = "EG"\nrate = 0\n')
    done = run_cli([source, "--config", config], env=sandbox.env())
    results = read_results(tmp_path / "contacts.results.csv")
    assert [(r["status"], r["chat_id"]) for r in results] == [
        ("ok", "201001234567@c.us"), ("invalid", "")]
    assert done.returncode == 1, done.stderr
    assert sandbox.state()["contacts"] == {"201001234567@c.us": {"firstName": "John",
                                                                 "lastName": "Doe"}}


def test_cli_flags_override_the_config(tmp_path: Path, source: Path) -> None:
    config = _config(tmp_path, 'phone-column = "Mobil"\nname-column = "Kunde"\n'
                               'default-region = "EG"\ndry-run = true\n')
    done = run_cli([source, "--config", config, "--default-region", "GB"])
    assert done.returncode == 1, done.stderr
    results = read_results(tmp_path / "contacts.dry-run.csv")
    assert [(r["status"], r["chat_id"]) for r in results] == [
        ("invalid", ""), ("ready", "447911123456@c.us")]


def test_relative_paths_in_a_config_are_beside_it(tmp_path: Path, source: Path) -> None:
    (tmp_path / "conf").mkdir()
    config = tmp_path / "conf" / "weekly.toml"
    config.write_text('phone-column = "Mobil"\ndefault-region = "EG"\nresults = "week.csv"\n'
                      "dry-run = true\n", encoding="utf-8")
    done = run_cli([source, "--config", config], cwd=tmp_path)
    assert (tmp_path / "conf" / "week.csv").exists(), done.stderr


@pytest.mark.parametrize(("text", "message"), [
    ('access-token = "s3cret-token-value"\n', "must not hold the access token"),
    ('colour = "red"\nphone-column = "Mobil"\n', "unknown setting colour"),
    ('concurrency = "many"\n', "concurrency must be a whole number"),
    ('input = "other.csv"\n', "unknown setting input"),
])
def test_cli_refuses_a_bad_config_with_exit_2(tmp_path: Path, source: Path, text: str,
                                              message: str) -> None:
    done = run_cli([source, "--config", _config(tmp_path, text), "--dry-run"])
    assert done.returncode == 2
    assert message in done.stderr
    assert "s3cret-token-value" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
