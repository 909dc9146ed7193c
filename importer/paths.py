"""Where the importer keeps what outlives a run: the ledger and the check-exists answers.

Each in the place its operating system keeps an application's data (platformdirs): the
ledger in `user_data_path`, the check cache in `user_cache_path`.

- Linux: `$XDG_DATA_HOME/wawp-importer/ledger.sqlite` (~/.local/share),
  `$XDG_CACHE_HOME/wawp-importer/` (~/.cache)
- macOS: `~/Library/Application Support/wawp-importer/ledger.sqlite`,
  `~/Library/Caches/wawp-importer/`
- Windows: `%LOCALAPPDATA%\\wawp-importer\\ledger.sqlite`,
  `%LOCALAPPDATA%\\wawp-importer\\Cache\\`

platformdirs reads the XDG variables of this process; the `WAWP_LEDGER` setting is read
only from the mapping a caller passes (the command passes its environment).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "wawp-importer"
#: The environment setting that names the ledger file (the command's; `--ledger` wins).
LEDGER_ENV = "WAWP_LEDGER"
LEDGER_NAME = "ledger.sqlite"


def default_ledger(env: Mapping[str, str] | None = None) -> Path:
    """The user's ledger: `WAWP_LEDGER` in `env` when set, else the OS's data folder."""
    named = (env or {}).get(LEDGER_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / LEDGER_NAME


def default_verify_cache(instance_id: str) -> Path:
    """Where the check-exists answers of `instance_id` are kept: the OS's cache folder."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in instance_id)
    return (platformdirs.user_cache_path(APP_NAME, appauthor=False)
            / (safe.lstrip(".") or "default") / "check-exists.json")
