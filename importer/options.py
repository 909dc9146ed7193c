"""Everything a run can be told, as one keyword-only value (the CLI and the TOML config fill it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_URL = "https://api.wawp.net"
#: A real WhatsApp number is throttled or flagged when it is hammered; see README "Pacing".
DEFAULT_CONCURRENCY = 8
DEFAULT_RATE = 20.0
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_TIMEOUT = 30.0
#: WAWP: "You should not exceed 1 verification per second per instance".
DEFAULT_VERIFY_RATE = 1.0


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
    #: The SQLite file; None keeps no ledger (every `ok` is recorded there otherwise).
    ledger: Path | None = None
    #: Send only rows whose contact differs from what the ledger says was written.
    changed_only: bool = False
    #: With changed_only: ledger entries older than this many seconds count as changed.
    max_age: float | None = None
    #: Clear this instance's ledger before the run.
    forget_ledger: bool = False

    @property
    def retrying(self) -> bool:
        return self.retry_failed or self.retry_invalid

    def results_path(self) -> Path:
        """Where the results go: `--results`, else `<input stem>.results.csv` beside the input.

        A retry writes beside its input too, numbered so no earlier results are overwritten:
        contacts.results.csv → contacts.retry1.results.csv → contacts.retry2.results.csv.
        """
        if self.results is not None:
            return self.results
        if self.retrying:
            return retry_results_path(self.input)
        return self.input.with_name(f"{self.input.stem}.results.csv")


def retry_results_path(previous: Path) -> Path:
    """The default results name of a retry of the results file `previous` (same format)."""
    suffix = ".xlsx" if previous.suffix.lower() == ".xlsx" else ".csv"
    stem = previous.stem.removesuffix(".results")
    base, dot, last = stem.rpartition(".")
    number = 1
    if dot and last.startswith("retry") and last[5:].isdigit():
        stem, number = base, int(last[5:]) + 1
    return previous.with_name(f"{stem}.retry{number}.results{suffix}")
