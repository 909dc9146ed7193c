"""The settings schema: one definition per setting, from which everything else is derived.

Each field of `ImportOptions` (the settings of one run) and of `CommandSettings` (the ones
only the command has: the token file, the progress bar, logging, the summary file) is the
one place that names the setting: its type (the annotation), its default, and, in its
`Spec` (`setting(...)`), its help text, the shape of its flag, whether a config file, the
web page or the server may set it, whether the commands printed after a run repeat it, and
the choices it takes. From these:

- cli.py builds the flags (`add_settings` in entry.py) and fills `ImportOptions` from them;
- config.py reads a TOML file of them (`--config`, `run_import(config=…)`): one path;
- the web page's `Settings` (web/settings.py) is the fields with `page=True`, and the page
  reads their choices from `/api/info`;
- `run_import(**settings)` types its keywords by the annotations (`typed_values`);
- `validate` checks the choices (and the limits written there), naming the flag.

A new setting is one more field here (and the code that acts on it).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError
from .notes import NoteCode, note

DEFAULT_BASE_URL = "https://api.wawp.net"
#: A real WhatsApp number is throttled or flagged when it is hammered; see README "Pacing".
DEFAULT_CONCURRENCY = 8
DEFAULT_RATE = 20.0
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_TIMEOUT = 30.0
#: WAWP: "You should not exceed 1 verification per second per instance".
DEFAULT_VERIFY_RATE = 1.0
#: A contact the ledger has as sent longer ago than this is sent again (someone may have
#: changed or deleted it on the phone since): 30 days, in seconds.
DEFAULT_MAX_AGE = 30 * 86400.0
#: What a row without a name becomes (`--missing-name`), and which of equal numbers is sent.
MISSING_NAME_POLICIES = ("invalid", "phone")
DUPLICATE_POLICIES = ("first", "last")

#: The groups of flags, in the order `--help` shows them: key → (title, description).
GROUPS: dict[str, tuple[str | None, str | None]] = {
    "": (None, None),
    "reading": ("reading", None),
    "columns": ("columns (a header name or a 1-based column number)", None),
    "normalizing": ("normalizing", None),
    "sending": ("sending", None),
    "output": ("output", None),
    "retry": ("re-running from a results file (INPUT is then that file)", None),
    "verify": ("checking numbers on WhatsApp", None),
    "summary": ("summary", None),
    "ledger": ("what is already in the address book (the ledger)",
               "A contact sent ok to this instance with the same name within --max-age is not "
               "sent again: its row is reported unchanged, whatever results file, retry or "
               "resume it comes from."),
}


@dataclass(frozen=True, slots=True)
class Spec:
    """How one setting is given; the name, type and default are its field's."""

    #: The flag's help ("" hides the flag from --help).
    help: str = ""
    #: The group of flags it is shown in (a key of GROUPS).
    group: str = ""
    metavar: str | None = None
    #: The values it takes, each with what the page calls it.
    choices: Mapping[str, str] | None = None
    #: A short flag besides the long one (`-v`).
    short: str | None = None
    #: It has a flag (`--` and the name with dashes).
    flag: bool = True
    #: A config file may hold it (None: when it has a flag).
    config: bool | None = None
    #: The web page may set it per job.
    page: bool = False
    #: The page's words for its box; a page setting with a label gets a box made from this
    #: definition (a checkbox, a list of the choices, or a text box), the others have boxes
    #: of their own (the column table, the region, the reading options).
    label: str = ""
    #: An example the page shows in an empty text box.
    placeholder: str = ""
    #: `wawp-import serve` takes the flag too (for every job).
    server: bool = False
    #: Which printed commands repeat it: the retry command and the command that sends after
    #: a dry run ("always"), only the latter ("to_send": the reading options are the original
    #: spreadsheet's, the retry reads a results file), or neither.
    repeat: Literal["always", "to_send", "never"] = "always"
    #: The environment variable the command falls back to when the flag is not given.
    env: str | None = None
    #: The flag's text as a value (`--max-age 30d`); the flag keeps the text as written, so
    #: the printed commands repeat it so.
    text: Callable[[str], Any] | None = None
    #: The flag may be repeated: the first value is this setting, all of them (when more
    #: than one) go to the field named here.
    many: str | None = None

    @property
    def in_config(self) -> bool:
        return self.flag if self.config is None else self.config


def setting(default: Any = None, *, repr: bool = True, required: bool = False,
            **spec: Any) -> Any:
    """A settings field: its default (none when `required`), and how it is given (`Spec`)."""
    return field(default=dataclasses.MISSING if required else default, repr=repr,
                 metadata={"spec": Spec(**spec)})


def spec_of(f: dataclasses.Field[Any]) -> Spec:
    return f.metadata.get("spec") or Spec(flag=False, config=False)


def flag_of(name: str) -> str:
    """A setting's long flag: `default_region` → `--default-region`."""
    return "--" + name.replace("_", "-")



@dataclass(kw_only=True)
class ImportOptions:
    """The settings of one import run. The access token is kept out of repr()."""

    #: The spreadsheet (the command's positional INPUT).
    input: Path = setting(required=True, flag=False, repeat="never")
    results: Path | None = setting(help="results file (default: <input>.results.csv)",
                                   repeat="never")
    #: A second file that gets the same result lines, in the format its extension names
    #: (.xlsx: an Excel workbook), e.g. a workbook beside a CSV the web page offers both of.
    results_copy: Path | None = setting(flag=False, repeat="never")
    dry_run: bool = setting(False, help="do everything but send", repeat="never")

    # reading
    sheet: str | None = setting(help="workbook sheet, by name or 1-based number (default: the "
                                "first sheet with data)", group="reading", page=True,
                                repeat="to_send")
    header_row: int | None = setting(help="row number of the header, as the spreadsheet shows "
                                     "it (default: detected, skipping title rows)",
                                     group="reading", page=True, repeat="to_send")
    #: The file has no header row: every row is data, columns are named 1, 2, 3…
    no_header: bool = setting(False, help="the file has no header row: every row is data and "
                              "the columns are named by number (--phone-column 2 --name-column "
                              "1)", group="reading", repeat="to_send")
    encoding: str | None = setting(help="text encoding of a CSV, e.g. cp1252 (default: "
                                   "detected)", group="reading", page=True, repeat="to_send")
    delimiter: str | None = setting(help="CSV delimiter: one character or 'tab' (default: "
                                    "detected among , ; tab |)", group="reading", page=True,
                                    repeat="to_send")
    max_rows: int | None = setting(help="refuse inputs with more data rows than this",
                                   group="reading", repeat="to_send")
    #: A fixes file (JSON, fixes.py): cells fixed by hand, by row number and column header,
    #: applied as the rows are read (stages/source.py); the input file is never changed. A
    #: retry repeats it: the results file holds the file's cells, not the fixed ones.
    fixes: Path | None = setting(help="cells fixed by hand, applied as the rows are read (the "
                                 "input is not changed): JSON {\"rows\": {\"7\": {\"Mobile\": "
                                 "\"0100 123 4567\"}}}, by row number and column header; the web "
                                 "page keeps one per job", group="reading", metavar="FILE")

    # columns: a header name or a 1-based column number
    phone_column: str | None = setting(
        help="the phone column; repeat it to give the order in which a row falls back to "
        "other phone columns (given once: that column alone)", group="columns",
        metavar="COLUMN", many="phone_columns", page=True)
    #: Phone columns in the order to try them: the first is the phone column, each other one
    #: is used by a row whose earlier ones are empty or invalid (wins over `phone_column`).
    #: Given as the repeated --phone-column (a list in a config file).
    phone_columns: tuple[str, ...] | None = setting(flag=False, page=True)
    name_column: str | None = setting(help="a full-name column, split into first/last",
                                      group="columns", page=True)
    first_name_column: str | None = setting(help="the first-name column", group="columns",
                                            page=True)
    last_name_column: str | None = setting(help="the last-name column", group="columns",
                                           page=True)

    # normalizing
    default_region: str | None = setting(
        help="ISO country code for national numbers, e.g. EG (env WAWP_DEFAULT_REGION; "
        "default: the region of the instance's own number, else the one the numbers fit)",
        group="normalizing", env="WAWP_DEFAULT_REGION", page=True, server=True)
    first_name_format: str | None = setting(
        help="compose the first name from columns, e.g. '{First Name} [{Role}]'",
        group="normalizing", metavar="TEMPLATE", page=True, label="First name format",
        placeholder="{First Name}")
    last_name_format: str | None = setting(
        help="compose the last name from columns, e.g. '{Last Name} - {Company}'; an empty "
        "cell drops the text around it", group="normalizing", metavar="TEMPLATE", page=True,
        label="Last name format", placeholder="{Last Name} - {Company}")
    duplicates: str = setting("first", help="of rows with the same number, send the first "
                              "(default) or the last", group="normalizing", page=True,
                              label="Same number twice",
                              choices=dict(zip(DUPLICATE_POLICIES, (
                                  "send the first row", "send the last row"), strict=True)))
    missing_name: str = setting("invalid", help="a row without a name is invalid (default), "
                                "or uses the number as its first name", group="normalizing",
                                page=True, label="Row without a name",
                                choices=dict(zip(MISSING_NAME_POLICIES, (
                                    "skip it (invalid)", "use the number as its name"),
                                    strict=True)))
    title_case: bool = setting(False, help="write ALL-CAPS and all-lowercase names in name "
                               "case (JOHN DOE -> John Doe)", group="normalizing", page=True,
                               label="JOHN DOE → John Doe")
    all_numbers: bool = setting(False, help="a cell with several numbers makes one contact "
                                "per number (default: the first valid one, the others named "
                                "in the detail)", group="normalizing", page=True,
                                label="one contact per number in a cell")

    # sending
    base_url: str = setting(DEFAULT_BASE_URL, help="WAWP API (env WAWP_BASE_URL, default "
                            f"{DEFAULT_BASE_URL})", group="sending", env="WAWP_BASE_URL",
                            server=True)
    instance_id: str = setting("", help="WAWP instance (env WAWP_INSTANCE_ID)", group="sending",
                               env="WAWP_INSTANCE_ID", server=True)
    #: Hidden: a token on the command line is visible to other users (`read_token` warns).
    access_token: str = setting("", repr=False, group="sending", config=False, repeat="never")
    concurrency: int = setting(DEFAULT_CONCURRENCY, help="requests in flight at once (default "
                               f"{DEFAULT_CONCURRENCY})", group="sending", server=True)
    rate: float = setting(DEFAULT_RATE, help=f"requests per second, 0 for no limit (default "
                          f"{DEFAULT_RATE:g})", group="sending", server=True)
    max_attempts: int = setting(DEFAULT_MAX_ATTEMPTS, help="HTTP attempts per contact (default "
                                f"{DEFAULT_MAX_ATTEMPTS})", group="sending", server=True)
    timeout: float = setting(DEFAULT_TIMEOUT, help="seconds an HTTP attempt may take in all: "
                             "connect, send, wait and read the whole answer (default "
                             f"{DEFAULT_TIMEOUT:g})", group="sending", server=True)
    skip_preflight: bool = setting(False, help="do not check GET /v2/session/info before "
                                   "sending", group="sending", server=True)
    allow_insecure_http: bool = setting(False, help="allow a non-loopback http:// base URL "
                                        "(the token travels in clear text)", group="sending",
                                        server=True)
    #: A canary: send only the first this many contacts; the rest are not_attempted, for
    #: --resume (rows with nothing to send do not count).
    limit: int | None = setting(help="a canary: send only the first N contacts (rows with "
                                "nothing to send do not count); the rest are not_attempted, "
                                "and --resume sends them", group="sending", metavar="N",
                                repeat="to_send")

    # recording
    resume: bool = setting(False, help="continue an unfinished run (killed, interrupted, "
                           "stopped by a 401): rows its journal has as sent ok are not sent "
                           "again", group="sending", repeat="never")
    force: bool = setting(False, help="with --resume: resume even though the input or instance "
                          "changed; without: start over although an unfinished run left a "
                          "journal", group="sending", repeat="never")
    #: Another run sending to the same instance: refuse at once instead of waiting for it.
    no_wait: bool = setting(False, help="when another wawp-import is sending to the same "
                            "instance, stop at once (exit 2) instead of waiting for it to "
                            "finish", group="sending")

    # re-running: `input` is then the results file of an earlier run (read/results_input.py)
    retry_failed: bool = setting(False, help="send again the rows whose status was failed or "
                                 "not_attempted, reading them from the results file; other "
                                 "rows are carried over unchanged", group="retry",
                                 repeat="never")
    retry_invalid: bool = setting(False, help="send again the invalid and not_on_whatsapp "
                                  "rows, after you fixed their input columns in the results "
                                  "file", group="retry", repeat="never")

    # checking numbers on WhatsApp first (send/verify.py)
    verify: bool = setting(False, help="ask WAWP whether each number is on WhatsApp before "
                           "writing it; numbers that are not become not_on_whatsapp (slow: 1 "
                           "per second, answers cached)", group="verify")
    verify_rate: float = setting(DEFAULT_VERIFY_RATE, help="check-exists calls per second "
                                 f"(default {DEFAULT_VERIFY_RATE:g}, WAWP's limit; 0 for no "
                                 "limit)", group="verify", metavar="PER_SECOND")
    #: Where check-exists answers are kept between runs; None keeps them for this run only.
    #: (The command's default is the user's cache folder, per instance.)
    verify_cache: Path | None = setting(help="where check-exists answers are kept (default: "
                                        "the user's cache folder, e.g. "
                                        "~/.cache/wawp-importer/<instance>/check-exists.json)",
                                        group="verify", metavar="FILE")

    # the ledger of what was written, kept between runs (report/ledger.py)
    #: Send every row even when the ledger says it is already in the address book.
    resend: bool = setting(False, help="send every row, even those the ledger has as already "
                           "in the address book (what is sent ok is still recorded)",
                           group="ledger", repeat="to_send")
    #: Ledger entries older than this many seconds count as not sent (0: every entry is
    #: stale); None: an entry never gets too old.
    max_age: float | None = setting(DEFAULT_MAX_AGE, help="send again a contact last sent "
                                    "longer ago than AGE (default 30d; e.g. 12h, 90m, 45s; 0 "
                                    "sends every row)", group="ledger", metavar="AGE",
                                    text=lambda text: parse_age(text))
    #: Accepted for older scripts and configs, and does nothing: the ledger decides by
    #: default what is already in the address book (`resend` sends it anyway).
    changed_only: bool = setting(False, help="does nothing: only what changed is sent by "
                                 "default now (kept so older commands and configs still work)",
                                 group="ledger", repeat="to_send")
    #: Clear this instance's ledger before the run.
    forget_ledger: bool = setting(False, help="clear the ledger of this instance and base URL "
                                  "before the run", group="ledger", repeat="never")
    #: The SQLite file; None keeps no ledger (every `ok` is recorded there otherwise, and a
    #: contact it has as sent, with the same name, within `max_age` is not sent again).
    #: `run_import` and the command fill in the user's ledger (importer/paths.py) unless told
    #: otherwise.
    ledger: Path | None = setting(help="the ledger's SQLite file (default: $WAWP_LEDGER, else "
                                  "the user's data folder: "
                                  "~/.local/share/wawp-importer/ledger.sqlite on Linux, "
                                  "~/Library/Application Support/wawp-importer/ on macOS, "
                                  "%%LOCALAPPDATA%%\\wawp-importer\\ on Windows)",
                                  group="ledger", metavar="FILE")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, source: str | None = None,
                     relative_to: Path | None = None, **fixed: Any) -> Self:
        """Options from plain values (a TOML file's, keyword arguments), each typed by its
        field's annotation (see `typed_values`); `fixed` (e.g. `input=`) is taken as it is.

        Unknown keys are refused, all named at once; nothing is validated yet (`validate`).
        """
        return cls(**typed_values(values, source=source, relative_to=relative_to), **fixed)

    @property
    def retrying(self) -> bool:
        return self.retry_failed or self.retry_invalid

    @property
    def talks_to_api(self) -> bool:
        """Whether this run sends or asks the API anything (a dry run without --verify does
        not)."""
        return not self.dry_run or self.verify

    def validate(self) -> None:
        """Refuse settings that cannot work, before anything is read or sent (ConfigError).

        Not run on construction: the CLI, the web page and `dataclasses.replace` build options
        in steps, and the sending settings only have to work for a run that talks to the API
        (a dry run without --verify never uses them). Checked elsewhere, for layering: the
        region code needs phonenumbers (`normalize.phones.check_region`, when the normalizer
        is built), the paths need the file system (`pipeline.check_paths`), the name formats
        need the file's headers (`NameTemplate`).
        """
        # checked for dry runs too: a dry run that passes must not be refused when it is
        # run for real (a --rate -1 or a base URL with port 99999)
        check_base_url(self.base_url, allow_insecure_http=self.allow_insecure_http)
        self.check_sending()
        if self.talks_to_api and (not self.instance_id or not self.access_token):
            hint = (" (--verify asks the API, even in a dry run)" if self.dry_run
                    else ", or use --dry-run")
            raise ConfigError("no WAWP instance ID or access token: set WAWP_INSTANCE_ID "
                              f"and WAWP_ACCESS_TOKEN (or --token-file){hint}")
        if self.max_age is not None and not self.max_age >= 0:
            raise ConfigError(f"--max-age must be 0 or more, got {self.max_age:g}")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {self.limit}")
        check_policies(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                          if spec_of(f).choices})

    def check_sending(self) -> None:
        """Refuse pacing settings that cannot work (the messages name the CLI's flags)."""
        if self.concurrency < 1:
            raise ConfigError(f"--concurrency must be at least 1, got {self.concurrency}")
        if not self.rate >= 0:  # also refuses NaN
            raise ConfigError(f"--rate must be 0 (no limit) or more, got {self.rate:g}")
        if self.max_attempts < 1:
            raise ConfigError(f"--max-attempts must be at least 1, got {self.max_attempts}")
        if not self.timeout > 0:
            raise ConfigError(f"--timeout must be more than 0 seconds, got {self.timeout:g}")

    def results_path(self) -> Path:
        """Where the results go: `--results`, else `<input stem>.results.csv` beside the input.

        A retry writes beside its input too, numbered so no earlier results are overwritten:
        contacts.results.csv → contacts.retry1.results.csv → contacts.retry2.results.csv.
        A dry run's go to `.dry-run.csv` instead (contacts.dry-run.csv,
        contacts.retry1.dry-run.csv): never over the results of a real run, which a
        --retry-failed reads.
        """
        if self.results is not None:
            return self.results
        if self.retrying:
            path = retry_results_path(self.input)
        else:
            path = self.input.with_name(f"{self.input.stem}.results.csv")
        return dry_run_results_path(path) if self.dry_run else path


@dataclass(kw_only=True)
class CommandSettings:
    """The settings only the command has (`wawp-import`; those marked `server` also
    `wawp-import serve`): a config file may hold them, and `run_import` ignores them there."""

    token_file: Path | None = setting(help="file holding the access token (else env "
                                      "WAWP_ACCESS_TOKEN)", group="sending", server=True)
    config: Path | None = setting(help="TOML file of settings: any long option name without "
                                  "the --, e.g. default-region = \"EG\" (never the token); "
                                  "options given here override it", metavar="FILE",
                                  config=False, repeat="never")
    no_progress: bool = setting(False, help="no progress bar", group="output")
    verbose: bool = setting(False, help="log every HTTP request, and the traceback of an "
                            "internal error, on stderr (the token is masked)", short="-v",
                            group="output", server=True)
    log_file: Path | None = setting(help="write the debug log (HTTP requests, internal errors "
                                    "with their traceback; the token masked) to FILE, readable "
                                    "by you only", metavar="FILE", group="output", server=True)
    summary_json: Path | None = setting(help="also write the summary as JSON to PATH (- for "
                                        "standard output)", metavar="PATH", group="summary",
                                        repeat="never")
    #: Remembered mappings (mappings.py): the command picks the columns and settings before
    #: the plan; the library never looks them up by itself. A retry reads a results file and
    #: takes neither; the command that sends after a dry run repeats them, so it reads the
    #: same columns.
    mapping_from: Path | None = setting(help="use the columns and settings remembered for an "
                                        "earlier file of that name imported to this number (or "
                                        "for the spreadsheet of a results file); by default "
                                        "those of a file with the same headers are used",
                                        group="columns", metavar="FILE", repeat="to_send")
    no_remembered_mapping: bool = setting(False, help="choose the columns afresh, even when a "
                                          "file with these headers was imported to this number "
                                          "before", group="columns", repeat="to_send")


def settings_fields(*schemas: type) -> Iterator[tuple[dataclasses.Field[Any], Spec]]:
    """Every setting of `schemas` (default: the run's and the command's), with its Spec."""
    for schema in schemas or (ImportOptions, CommandSettings):
        for f in dataclasses.fields(schema):
            yield f, spec_of(f)


def dry_run_results_path(results: Path) -> Path:
    """The name a dry run gives the results a real run would write to `results`."""
    stem, dot, suffix = results.name.rpartition(".results.")
    if not dot:
        return results.with_name(f"{results.stem}.dry-run{results.suffix}")
    return results.with_name(f"{stem}.dry-run.{suffix}")


def retry_results_path(previous: Path) -> Path:
    """The default results name of a retry of the results file `previous` (same format)."""
    suffix = ".xlsx" if previous.suffix.lower() == ".xlsx" else ".csv"
    stem = previous.stem.removesuffix(".results")
    base, dot, last = stem.rpartition(".")
    number = 1
    if dot and last.startswith("retry") and last[5:].isdigit():
        stem, number = base, int(last[5:]) + 1
    return previous.with_name(f"{stem}.retry{number}.results{suffix}")


# -- checks of single values (also used where no ImportOptions exists yet) ---------------------

def check_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """The base URL, refused when it would send the token in clear text off this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"invalid base URL {url!r}: expected https://host")
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:
        raise ConfigError(f"invalid base URL {url!r}: the port must be a number from 1 to "
                          "65535") from None
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ConfigError(f"refusing to send the access token in clear text to {parts.hostname}: "
                          "use https, or --allow-insecure-http if you really mean it")
    return url.rstrip("/")


#: The port each scheme has when none is written.
DEFAULT_PORTS = {"http": 80, "https": 443}


def base_url_key(base_url: str) -> str:
    """The base URL as one API is known by, however it is spelled: the ledger's account and
    the per-instance lock are keyed by it.

    Scheme and host lower-cased, the scheme's default port dropped, the path without its
    trailing slash (nor doubled ones), no user, query or fragment:
    `HTTPS://API.Wawp.net:443/` and `https://api.wawp.net` are one API.
    """
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address keeps its brackets
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = "/".join(part for part in parts.path.split("/") if part)
    return urlunsplit((scheme, host, f"/{path}" if path else "", "", ""))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_policies(**values: str) -> None:
    """Refuse a value that is not one of its setting's choices (`--missing-name`,
    `--duplicates`…), naming the flag."""
    specs = {f.name: spec for f, spec in settings_fields(ImportOptions)}
    for name, value in values.items():
        choices = specs[name].choices or {}
        if value not in choices:
            raise ConfigError(note=note(NoteCode.NOT_A_CHOICE, option=name, value=value,
                                        choices=tuple(choices)), option=name)


def parse_age(text: str) -> float:
    """`30d`, `12h`, `90m`, `45s` or plain seconds (`3600`) as seconds; ValueError otherwise."""
    value = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    factor = 1
    if value and value[-1] in units:
        factor = units[value[-1]]
        value = value[:-1].strip()
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"not an age: {text!r} (write e.g. 30d, 12h, 90m, 45s or 0)") from None
    if not number >= 0 or number == float("inf"):
        raise ValueError(f"an age must be 0 or more, got {text!r}")
    return number * factor


# -- typing plain values by the field annotations ----------------------------------------------

def field_kinds(*schemas: type) -> dict[str, str]:
    """Each setting's annotation as text ("Path | None", "tuple[str, ...] | None"), by name
    (of ImportOptions unless `schemas` are named)."""
    # `from __future__ import annotations` keeps every annotation as its source text.
    return {f.name: str(f.type) for f, _ in settings_fields(*(schemas or (ImportOptions,)))}


def _prefix(source: str | None) -> str:
    return f"{source}: " if source else ""


def check_known(names: Collection[str], known: Collection[str], *, source: str | None = None,
                hint: str = "") -> None:
    """Refuse names that are not settings, naming them all at once."""
    unknown = sorted(k for k in names if k not in known)
    if unknown:
        raise ConfigError(f"{_prefix(source)}unknown setting{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(unknown)}{hint}")


def typed_values(values: Mapping[str, Any], *, source: str | None = None,
                 relative_to: Path | None = None, hint: str | None = None,
                 schemas: tuple[type, ...] = (ImportOptions,),
                 config: bool = False) -> dict[str, Any]:
    """`values` as keyword arguments of `schemas`, each typed by its field's annotation.

    Unknown keys are refused, all named, and so are `input` and, with `config`, what a
    config file may not hold (`Spec.in_config`). A setting whose flag takes text
    (`max_age`: "30d") takes the same text here; one whose flag repeats (`phone_column`)
    takes a list, the first item being the setting and all of them its `many` field.
    `source` names where the values come from in the messages ("config file weekly.toml");
    relative paths are taken from `relative_to`.
    """
    fields = {f.name: (str(f.type), spec) for f, spec in settings_fields(*schemas)
              if f.name != "input" and (spec.in_config or not config)}
    if hint is None:
        hint = "; the settings are ImportOptions fields"
    check_known(values, fields, source=source, hint=hint)
    typed: dict[str, Any] = {}
    for name, value in values.items():
        kind, spec = fields[name]
        if spec.many and isinstance(value, (list, tuple)):
            # `phone-column = ["Mobile", "Phone"]`: the phone column and its fallbacks, as
            # the repeated flag gives them; one column alone is that column, no fallback
            items = coerce(name, value, "tuple[str, ...]", source=source)
            typed[name] = items[0] if items else None
            if len(items) > 1:
                typed.setdefault(spec.many, items)
            continue
        if spec.text is not None and isinstance(value, str):
            try:
                value = spec.text(value)
            except ValueError as exc:
                raise ConfigError(f"{_prefix(source)}{name}: {exc}") from None
        typed[name] = coerce(name, value, kind, source=source, relative_to=relative_to)
        if spec.choices is not None and typed[name] not in spec.choices:
            raise ConfigError(f"{_prefix(source)}{name} must be one of "
                              f"{', '.join(spec.choices)}, got {value!r}")
    return typed


def coerce(name: str, value: Any, kind: str, *, source: str | None = None,
           relative_to: Path | None = None) -> Any:
    """`value` as the type a setting of annotation `kind` holds ("int", "Path | None"…).

    bool takes only true/false, int only whole numbers, float any number; text takes a
    number as its digits (`sheet = 2`); a path is relative to `relative_to` when given;
    a tuple of text takes a list of text.
    """
    where = _prefix(source)
    allowed = {part.strip() for part in kind.split("|")}
    if value is None:
        return None
    if "bool" in allowed:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}{name} must be true or false, got {value!r}")
        return value
    if isinstance(value, bool):
        raise ConfigError(f"{where}{name} must not be true/false, got {value!r}")
    if "int" in allowed:
        if not isinstance(value, int):
            raise ConfigError(f"{where}{name} must be a whole number, got {value!r}")
        return value
    if "float" in allowed:
        if not isinstance(value, (int, float)):
            raise ConfigError(f"{where}{name} must be a number, got {value!r}")
        return float(value)
    if "Path" in allowed:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            raise ConfigError(f"{where}{name} must be a file name, got {value!r}")
        if relative_to is None:
            return Path(value)
        # A relative path in a shared config means "next to the config file".
        found = Path(value).expanduser()
        return found if found.is_absolute() else relative_to / found
    if "tuple[str, ...]" in allowed:
        if (not isinstance(value, (list, tuple))
                or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                           for v in value)):
            raise ConfigError(f"{where}{name} must be a list of columns, got {value!r}")
        return tuple(str(v) for v in value)
    if "str" in allowed:
        if isinstance(value, (int, float)):
            return str(value)  # `sheet = 2`, `phone-column = 3`
        if not isinstance(value, str):
            raise ConfigError(f"{where}{name} must be text, got {value!r}")
        return value
    return value
