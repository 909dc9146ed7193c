"""The settings schema: `ImportOptions` is the settings of one run, and the one place that
says what each setting is, how a value of it is typed and which values are refused.

The same thing has three names in the code, each for one way of filling it in:

- `ImportOptions` (here): the settings of one run, the schema. `from_mapping` types plain
  values (TOML, keyword arguments) by the field annotations; `validate` refuses what cannot
  work. `plan_import` validates every run, however it was filled in.
- `config.py`: reading a TOML file of these settings (`--config`, `run_import(config=…)`).
- the web page's `Settings` (web/jobs.py): the subset of them the page may change.

The CLI fills it from flags (cli.py); `run_import` from keyword arguments and a config file.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError

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


@dataclass(kw_only=True)
class ImportOptions:
    """The settings of one import run. The access token is kept out of repr()."""

    input: Path
    results: Path | None = None
    #: A second file that gets the same result lines, in the format its extension names
    #: (.xlsx: an Excel workbook), e.g. a workbook beside a CSV the web page offers both of.
    results_copy: Path | None = None

    # reading
    sheet: str | None = None
    header_row: int | None = None
    #: The file has no header row: every row is data, columns are named 1, 2, 3…
    no_header: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    max_rows: int | None = None
    #: A fixes file (JSON, fixes.py): cells fixed by hand, by row number and column header,
    #: applied as the rows are read; the input file is never changed.
    fixes: Path | None = None

    # columns: a header name or a 1-based column number
    phone_column: str | None = None
    #: Phone columns in the order to try them: the first is the phone column, each other one
    #: is used by a row whose earlier ones are empty or invalid (wins over `phone_column`).
    phone_columns: tuple[str, ...] | None = None
    name_column: str | None = None
    first_name_column: str | None = None
    last_name_column: str | None = None

    # normalizing
    default_region: str | None = None
    all_numbers: bool = False
    title_case: bool = False
    missing_name: str = "invalid"
    first_name_format: str | None = None
    last_name_format: str | None = None
    duplicates: str = "first"

    # sending
    base_url: str = DEFAULT_BASE_URL
    instance_id: str = ""
    access_token: str = field(default="", repr=False)
    dry_run: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    rate: float = DEFAULT_RATE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    timeout: float = DEFAULT_TIMEOUT
    skip_preflight: bool = False
    allow_insecure_http: bool = False
    #: A canary: send only the first this many contacts; the rest are not_attempted, for
    #: --resume (rows with nothing to send do not count).
    limit: int | None = None

    # recording
    resume: bool = False
    force: bool = False

    # re-running: `input` is then the results file of an earlier run (read/results_input.py)
    retry_failed: bool = False
    retry_invalid: bool = False

    # checking numbers on WhatsApp first (send/verify.py)
    verify: bool = False
    verify_rate: float = DEFAULT_VERIFY_RATE
    #: Where check-exists answers are kept between runs; None keeps them for this run only.
    verify_cache: Path | None = None

    # the ledger of what was written, kept between runs (report/ledger.py)
    #: The SQLite file; None keeps no ledger (every `ok` is recorded there otherwise, and a
    #: contact it has as sent, with the same name, within `max_age` is not sent again).
    #: `run_import` fills in the user's ledger (importer/paths.py) unless told otherwise.
    ledger: Path | None = None
    #: Accepted for older scripts and configs, and does nothing: the ledger decides by
    #: default what is already in the address book (`resend` sends it anyway).
    changed_only: bool = False
    #: Send every row even when the ledger says it is already in the address book.
    resend: bool = False
    #: Another run sending to the same instance: refuse at once instead of waiting for it.
    no_wait: bool = False
    #: Ledger entries older than this many seconds count as not sent (0: every entry is
    #: stale); None: an entry never gets too old.
    max_age: float | None = DEFAULT_MAX_AGE
    #: Clear this instance's ledger before the run.
    forget_ledger: bool = False

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
        check_policies(missing_name=self.missing_name, duplicates=self.duplicates)

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


def check_policies(*, missing_name: str, duplicates: str) -> None:
    """Refuse a `--missing-name` or `--duplicates` that is not one of its choices."""
    if missing_name not in MISSING_NAME_POLICIES:
        raise ConfigError(f"--missing-name must be one of {', '.join(MISSING_NAME_POLICIES)}"
                          f", not {missing_name!r}")
    if duplicates not in DUPLICATE_POLICIES:
        raise ConfigError(f"--duplicates must be one of {', '.join(DUPLICATE_POLICIES)}, "
                          f"not {duplicates!r}")


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

#: Fields no mapping may set: the input is named apart, and the token is never in a file.
NOT_FROM_MAPPING = frozenset({"input"})


def field_kinds() -> dict[str, str]:
    """Each field's annotation as text ("Path | None", "tuple[str, ...] | None"), by name."""
    # `from __future__ import annotations` keeps every annotation as its source text.
    return {f.name: str(f.type) for f in dataclasses.fields(ImportOptions)}


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
                 relative_to: Path | None = None, hint: str | None = None) -> dict[str, Any]:
    """`values` as ImportOptions keyword arguments, each typed by its field's annotation.

    Unknown keys (and `input`) are refused, all named. `max_age` may be an age as text
    ("30d"), as on the command line. `source` names where the values come from in the
    messages ("config file weekly.toml"); relative paths are taken from `relative_to`.
    """
    kinds = field_kinds()
    known = [name for name in kinds if name not in NOT_FROM_MAPPING]
    if hint is None:
        hint = "; the settings are ImportOptions fields"
    check_known(values, known, source=source, hint=hint)
    typed: dict[str, Any] = {}
    for name, value in values.items():
        if name == "phone_column" and isinstance(value, (list, tuple)):
            # `phone-column = ["Mobile", "Phone"]`: the phone column and its fallbacks, as
            # the repeated flag gives them; one column alone is that column, no fallback
            columns = coerce(name, value, "tuple[str, ...]", source=source)
            typed[name] = columns[0] if columns else None
            if len(columns) > 1:
                typed.setdefault("phone_columns", columns)
            continue
        if name == "max_age" and isinstance(value, str):
            try:
                value = parse_age(value)
            except ValueError as exc:
                raise ConfigError(f"max_age: {exc}") from None
        typed[name] = coerce(name, value, kinds[name], source=source, relative_to=relative_to)
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
