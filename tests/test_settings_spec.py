"""One definition per setting (options.py): the flags, the config keys, the page's fields and
their checks all come from it, and the code that only carries settings names none of them."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from importer.cli import build_parser, options_from_args
from importer.config import read_config
from importer.entry import settings_from_args
from importer.errors import ConfigError
from importer.options import CommandSettings, ImportOptions, flag_of, setting, settings_fields
from importer.web.settings import page_view, settings_class

PACKAGE = Path(__file__).resolve().parents[1] / "importer"


@dataclasses.dataclass(kw_only=True)
class WithGreeting(ImportOptions):
    """The run's settings with one more: what a new setting takes, and nothing else."""

    greeting: str = setting("hello", help="how each contact's note begins",
                            group="normalizing", page=True, label="Greeting",
                            choices={"hello": "Hello …", "dear": "Dear …"})


def test_a_new_setting_is_one_field_and_gets_a_flag_a_config_key_and_a_page_field(
        tmp_path: Path) -> None:
    fields = list(settings_fields(WithGreeting, CommandSettings))
    parser = build_parser(fields)
    assert "--greeting {hello,dear}" in parser.format_help()
    args = parser.parse_args(["in.csv", "--greeting", "dear"])
    assert settings_from_args(args, {}, settings_fields(WithGreeting))["greeting"] == "dear"
    assert parser.parse_args(["in.csv"]).greeting == "hello"

    config = tmp_path / "weekly.toml"
    config.write_text('greeting = "dear"\nno-progress = true\n', encoding="utf-8")
    assert read_config(config, schemas=(WithGreeting, CommandSettings)) == {
        "greeting": "dear", "no_progress": True}
    config.write_text('greeting = "hi"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="greeting must be one of hello, dear, got 'hi'"):
        read_config(config, schemas=(WithGreeting,))

    page = settings_class(WithGreeting)
    assert page.from_json({"greeting": "dear"}).greeting == "dear"
    template = WithGreeting(input=Path())
    assert page.from_json({"greeting": "dear"}).options(template, input=Path("job.csv")) \
        .greeting == "dear"
    (box,) = [s for s in page_view(WithGreeting) if s["name"] == "greeting"]
    assert box == {"name": "greeting", "kind": "text", "label": "Greeting", "placeholder": "",
                   "default": "hello", "choices": [["hello", "Hello …"], ["dear", "Dear …"]],
                   "reading": False}


def test_the_command_fills_every_setting_that_has_a_flag() -> None:
    """options_from_args names no field: a flag given is a field set."""
    args = build_parser().parse_args(
        ["in.csv", "--title-case", "--duplicates", "last", "--max-age", "12h",
         "--phone-column", "Mobile", "--phone-column", "Home", "--verify-rate", "0.5"])
    options = options_from_args(args, {"WAWP_DEFAULT_REGION": "EG"}, "token")
    assert (options.title_case, options.duplicates, options.max_age) == (True, "last", 43200.0)
    assert (options.phone_column, options.phone_columns) == ("Mobile", ("Mobile", "Home"))
    assert (options.verify_rate, options.default_region, options.access_token) == (
        0.5, "EG", "token")


# -- where settings are named ---------------------------------------------------------------------

#: The code that only carries settings from one form to another: the command's flags and
#: options, the config file, the server's flags, the page's settings and the page itself. A
#: setting is named in its definition and, at most, in one of these.
SURFACES = ("cli.py", "config.py", "entry.py", "web/serve.py", "web/settings.py", "web/app.py",
            "web/static/app.js", "web/static/index.html")
#: Names held in settings-carrying variables (`options.title_case`, `args.ledger`…), and the
#: calls that take settings as keywords.
HOLDERS = frozenset({"args", "options", "settings", "template"})
CALLS = frozenset({"ImportOptions", "CommandSettings", "Settings", "replace"})
#: Where the name is the behaviour itself, or another thing with the setting's name.
ALLOWED = {
    "access_token": "the token: read (entry.read_token), kept out of config files (config) "
                    "and of the page (serve, app)",
    "base_url": "the server says where imports go (serve's log line, the page's header)",
    "instance_id": "the command's messages and cache folder; the page's header",
    "default_region": "the page's region box and its check (settings.py), its pre-fill (app)",
    "ledger": "each command fills in the user's ledger when none is given",
    "verbose": "both commands turn logging on",
    "log_file": "both commands turn logging on",
    "header_row": "the page's own box (the row the reader found); its text form",
    "delimiter": "the page's own box (a tab, a space); its text form",
    "sheet": "the page's own list of the workbook's sheets",
    "encoding": "the page's own list of encodings; cli: a console's encoding",
    "phone_columns": "the page's column table; its list form",
    "input": "the command's positional input, the server's template; app.js: an HTML tag",
    "resend": "the page's 'Send again anyway' action, not a setting's box",
    "limit": "web/app.py: the activity log's own ?limit= (how many entries), not --limit",
    "token_file": "serve refuses --token-file beside --instances (each number has its own)",
}


def _names() -> dict[str, set[str]]:
    return {f.name: {f.name, flag_of(f.name)} for f, _ in settings_fields()}


def _last(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _named_in_python(path: Path, names: dict[str, set[str]]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in names and _last(node.value) in HOLDERS:
            found.add(node.attr)
        elif isinstance(node, ast.Call) and _last(node.func) in CALLS:
            found |= {k.arg for k in node.keywords if k.arg in names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= {name for name, forms in names.items() if node.value in forms}
    return found


def _named_in_page(path: Path, names: dict[str, set[str]]) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found = set()
    for name in names:
        dashed = name.replace("_", "-")
        if re.search(rf"[\"'`]({name}|{dashed})[\"'`]|\.{name}\b|\b{name}:", text):
            found.add(name)
    return found


def places_naming_settings() -> dict[str, list[str]]:
    names = _names()
    places: dict[str, list[str]] = {name: ["options.py"] for name in names}
    for surface in SURFACES:
        path = PACKAGE / surface
        named = (_named_in_python if path.suffix == ".py" else _named_in_page)(path, names)
        for name in named:
            places[name].append(surface)
    return places


def test_no_setting_is_named_in_more_than_two_places() -> None:
    too_many = {name: where for name, where in places_naming_settings().items()
                if len(where) > 2 and name not in ALLOWED}
    assert too_many == {}


def test_the_scan_sees_a_setting_written_by_hand(tmp_path: Path) -> None:
    """The check above can fail: the page's boxes as they were written by hand (in
    index.html, and again in app.js) named each setting twice besides its definition."""
    names = _names()
    page = tmp_path / "index.html"
    page.write_text('<input id="title-case" name="title_case" type="checkbox">'
                    '<select id="duplicates" name="duplicates">', encoding="utf-8")
    assert {"title_case", "duplicates"} <= _named_in_page(page, names)
    module = tmp_path / "cli.py"
    module.write_text("x = options.title_case\nImportOptions(input=x, dry_run=True)\n",
                      encoding="utf-8")
    assert _named_in_python(module, names) == {"title_case", "input", "dry_run"}


def test_the_allow_list_is_still_needed() -> None:
    """An allowed setting that no longer needs it is taken off the list."""
    places = places_naming_settings()
    assert {name for name in ALLOWED if len(places[name]) <= 2} == set()
