"""Reading a TOML file of settings (`--config`): what a command line can say, except the token.

The settings themselves, their types and checks are the schema's (`ImportOptions`, options.py);
this module only reads the file, names its keys as fields and keeps the token out of it.

    # weekly.toml — the same import, the same way, every week
    phone-column = "Mobile"
    name-column = "Customer"
    default-region = "EG"
    concurrency = 4
    rate = 10

Keys are the long option names, with `-` or `_` (`default-region` or `default_region`); the
command line overrides the file. The file never holds the token: a key such as
`access-token` is refused, so a config can be shared and committed without leaking it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .options import typed_values

#: Settings that only mean something to the command (the Python API ignores them).
CLI_ONLY_SETTINGS = frozenset({"no_progress", "verbose", "log_file", "summary_json",
                               "token_file", "mapping_from", "no_remembered_mapping"})
#: Keys that would put the token in the file.
SECRET_KEYS = frozenset({"access_token", "token", "wawp_access_token", "api_key", "apikey",
                         "secret", "password"})


def key_name(key: str) -> str:
    """A config key as an option's attribute name: `default-region` → `default_region`."""
    return key.strip().lstrip("-").replace("-", "_").lower()


def load_config(path: Path) -> dict[str, Any]:
    """The settings of a TOML file, keys as attribute names; ConfigError if it cannot be used."""
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"no such config file: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        name = key_name(key)
        if name in SECRET_KEYS:
            raise ConfigError(f"config file {path} must not hold the access token (key {key!r}): "
                              "remove it and use WAWP_ACCESS_TOKEN or --token-file")
        if isinstance(value, dict):
            raise ConfigError(f"config file {path}: {key!r} is a table; write every setting as "
                              "a plain `key = value` at the top of the file")
        if name in settings:
            raise ConfigError(f"config file {path}: {key!r} is given twice")
        settings[name] = value
    return settings


def options_kwargs(settings: Mapping[str, Any], *, path: Path, ignore: Collection[str] = (),
                   ) -> dict[str, Any]:
    """Config settings as `ImportOptions` keyword arguments, typed by the schema (options.py).

    Settings in `ignore` (command-line-only ones such as `no-progress`) are dropped; any other
    key that is not an option is refused; relative paths are beside the config file.
    """
    wanted = {k: v for k, v in settings.items() if k not in ignore}
    return typed_values(wanted, source=f"config file {path}", relative_to=path.parent,
                        hint=UNKNOWN_HINT)


#: The end of the message that refuses an unknown key of a config file.
UNKNOWN_HINT = "; use the long option names, e.g. default-region = \"EG\""
