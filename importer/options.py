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


@dataclass(kw_only=True)
class ImportOptions:
    """The settings of one import run. The access token is kept out of repr()."""

    input: Path
    results: Path | None = None

    # reading
    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    max_rows: int | None = None

    # columns: a header name or a 1-based column number
    phone_column: str | None = None
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

    def results_path(self) -> Path:
        """Where the results go: `--results`, else `<input stem>.results.csv` beside the input."""
        if self.results is not None:
            return self.results
        return self.input.with_name(f"{self.input.stem}.results.csv")
