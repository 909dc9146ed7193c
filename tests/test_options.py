"""The settings schema: ImportOptions types plain values by its annotations and validates itself."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from importer.errors import ConfigError
from importer.options import (
    DUPLICATE_POLICIES,
    MISSING_NAME_POLICIES,
    ImportOptions,
    check_base_url,
    dry_run_results_path,
    field_kinds,
    parse_age,
    typed_values,
)
from importer.web.settings import Settings

CONF = Path("/srv/conf")


def test_values_are_typed_by_the_field_annotations() -> None:
    options = ImportOptions.from_mapping(
        {"rate": 5, "concurrency": 4, "verify": True, "sheet": 2, "phone_column": 3,
         "results": "out/r.csv", "verify_cache": "/abs/cache.json",
         "phone_columns": ["Mobile", 2], "max_age": "2h", "default_region": "EG"},
        source="config file weekly.toml", relative_to=CONF, input=Path("in.csv"))
    assert options.rate == 5.0 and isinstance(options.rate, float)
    assert options.concurrency == 4
    assert options.verify is True
    assert (options.sheet, options.phone_column) == ("2", "3")  # numbers as their digits
    assert options.results == CONF / "out" / "r.csv"            # beside the config file
    assert options.verify_cache == Path("/abs/cache.json")
    assert options.phone_columns == ("Mobile", "2")
    assert options.max_age == 7200.0
    assert options.input == Path("in.csv")


@pytest.mark.parametrize(("value", "expected"), [
    ("Mobile", {"phone_column": "Mobile"}),
    (["Mobile"], {"phone_column": "Mobile"}),
    (["Mobile", "Phone", 3], {"phone_column": "Mobile", "phone_columns": ("Mobile", "Phone", "3")}),
])
def test_phone_column_is_one_column_or_the_order_to_try(value: Any, expected: dict) -> None:
    """`phone-column = ["Mobile", "Phone"]` in a config file: the column and its fallbacks,
    as the repeated --phone-column gives them; one column alone has no fallback."""
    assert typed_values({"phone_column": value}) == expected


def test_without_a_folder_paths_stay_as_given() -> None:
    assert typed_values({"results": "out.csv", "ledger": Path("l.sqlite")}) == {
        "results": Path("out.csv"), "ledger": Path("l.sqlite")}


def test_none_stays_none() -> None:
    assert typed_values({"header_row": None, "results": None}) == {"header_row": None,
                                                                  "results": None}


@pytest.mark.parametrize(("values", "message"), [
    ({"rate": "fast"}, "config file w.toml: rate must be a number, got 'fast'"),
    ({"concurrency": 2.5}, "config file w.toml: concurrency must be a whole number"),
    ({"dry_run": "yes"}, "config file w.toml: dry_run must be true or false"),
    ({"concurrency": True}, "config file w.toml: concurrency must not be true/false"),
    ({"results": 3}, "config file w.toml: results must be a file name"),
    ({"phone_column": [["a"]]}, "config file w.toml: phone_column must be a list of columns"),
    ({"phone_columns": "Mobile"}, "config file w.toml: phone_columns must be a list of columns"),
    ({"max_age": "soon"}, "config file w.toml: max_age: not an age: 'soon'"),
])
def test_wrong_values_are_named(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        typed_values(values, source="config file w.toml")
    assert str(caught.value).startswith(message)


def test_unknown_keys_are_all_named_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        ImportOptions.from_mapping({"region": "EG", "colour": "red", "rate": 1},
                                   input=Path("x.csv"))
    assert str(caught.value) == ("unknown settings colour, region; "
                                 "the settings are ImportOptions fields")
    with pytest.raises(ConfigError, match="^config file w.toml: unknown setting input$"):
        typed_values({"input": "other.csv"}, source="config file w.toml", hint="")


def test_every_field_has_a_kind_the_schema_types() -> None:
    handled = ("bool", "int", "float", "Path", "str", "tuple[str, ...]")
    for name, kind in field_kinds().items():
        assert any(part.strip() in handled for part in kind.split("|")), (name, kind)


def _sending(**changes: Any) -> ImportOptions:
    values: dict[str, Any] = {"input": Path("in.csv"), "instance_id": "i", "access_token": "t"}
    return ImportOptions(**(values | changes))


def test_good_options_pass() -> None:
    _sending().validate()
    _sending(rate=0, changed_only=True, max_age=0).validate()


@pytest.mark.parametrize(("changes", "message"), [
    ({"concurrency": 0}, "--concurrency must be at least 1, got 0"),
    ({"rate": -1.0}, "--rate must be 0 (no limit) or more, got -1"),
    ({"rate": float("nan")}, "--rate must be 0 (no limit) or more, got nan"),
    ({"max_attempts": 0}, "--max-attempts must be at least 1, got 0"),
    ({"timeout": 0.0}, "--timeout must be more than 0 seconds, got 0"),
    ({"max_age": -1.0, "changed_only": True}, "--max-age must be 0 or more, got -1"),
    ({"base_url": "ftp://x"}, "invalid base URL 'ftp://x': expected https://host"),
    ({"base_url": "http://api.example"},
     "refusing to send the access token in clear text to api.example"),
    ({"access_token": ""}, "no WAWP instance ID or access token"),
    ({"instance_id": ""}, "no WAWP instance ID or access token"),
    ({"missing_name": "skip"}, "--missing-name must be one of invalid, phone, not 'skip'"),
    ({"duplicates": "best"}, "--duplicates must be one of first, last, not 'best'"),
])
def test_each_check_names_the_setting(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _sending(**changes).validate()
    assert str(caught.value).startswith(message)


def test_a_dry_run_checks_what_the_real_run_would() -> None:
    """A dry run that passes is not refused when run for real (pacing, base URL); only the
    credentials are left to the runs that talk to the API."""
    with pytest.raises(ConfigError, match="--concurrency"):
        ImportOptions(input=Path("in.csv"), dry_run=True, concurrency=0).validate()
    with pytest.raises(ConfigError, match="invalid base URL"):
        ImportOptions(input=Path("in.csv"), dry_run=True, base_url="nonsense").validate()
    ImportOptions(input=Path("in.csv"), dry_run=True).validate()  # no credentials needed
    with pytest.raises(ConfigError, match="no WAWP instance ID"):  # --verify asks the API
        ImportOptions(input=Path("in.csv"), dry_run=True, verify=True).validate()


def test_clear_text_is_allowed_when_asked_or_on_this_machine() -> None:
    _sending(base_url="http://api.example", allow_insecure_http=True).validate()
    _sending(base_url="http://127.0.0.1:8000").validate()
    assert check_base_url("https://api.wawp.net/") == "https://api.wawp.net"


def test_the_token_stays_out_of_messages_and_repr() -> None:
    options = _sending(access_token="s3cret", concurrency=0)
    assert "s3cret" not in repr(options)
    with pytest.raises(ConfigError) as caught:
        options.validate()
    assert "s3cret" not in str(caught.value)


def test_ages() -> None:
    assert [parse_age(t) for t in ("30d", "12h", "90m", "45s", "3600", "0")] == [
        30 * 86400, 12 * 3600, 90 * 60, 45, 3600, 0]


def test_the_page_settings_are_a_subset_of_the_schema() -> None:
    """The page re-declares only which fields it may set: names, types and defaults are the
    schema's."""
    schema = {f.name: f for f in dataclasses.fields(ImportOptions)}
    for f in dataclasses.fields(Settings):
        assert f.name in schema
        assert str(f.type) == str(schema[f.name].type), f.name
        assert f.default == schema[f.name].default, f.name
    assert Settings().duplicates in DUPLICATE_POLICIES
    assert Settings().missing_name in MISSING_NAME_POLICIES


def test_the_page_types_through_the_schema() -> None:
    settings = Settings.from_json({"header_row": "3", "phone_columns": [" Mobile ", "", "Home"],
                                   "title_case": True, "sheet": "  ", "duplicates": ""})
    assert (settings.header_row, settings.phone_columns, settings.title_case) == (
        3, ("Mobile", "Home"), True)
    assert settings.sheet is None and settings.duplicates == "first"
    with pytest.raises(ConfigError, match="title_case must be true or false"):
        Settings.from_json({"title_case": "yes"})
    options = settings.options(ImportOptions(input=Path("t.csv")), input=Path("job.csv"))
    assert options.phone_columns == ("Mobile", "Home") and options.phone_column == "Mobile"
    assert options.input == Path("job.csv")


@pytest.mark.parametrize(("options", "expected"), [
    (ImportOptions(input=Path("book.xlsx"), dry_run=True), "book.dry-run.csv"),
    (ImportOptions(input=Path("book.results.csv"), retry_failed=True, dry_run=True),
     "book.retry1.dry-run.csv"),
    (ImportOptions(input=Path("book.xlsx")), "book.results.csv"),
])
def test_a_dry_runs_results_never_take_a_real_runs_name(options: ImportOptions,
                                                        expected: str) -> None:
    assert options.results_path() == Path(expected)


@pytest.mark.parametrize(("results", "expected"), [
    ("book.results.csv", "book.dry-run.csv"),
    ("book.retry2.results.xlsx", "book.retry2.dry-run.xlsx"), ("week.csv", "week.dry-run.csv")])
def test_the_dry_run_name_of_a_results_file(results: str, expected: str) -> None:
    assert dry_run_results_path(Path(results)) == Path(expected)
