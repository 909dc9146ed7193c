"""Reading a TOML file of settings (`--config`): what a command line can say, except the token.

The settings themselves, their types and checks are the schema's (options.py: `ImportOptions`
and `CommandSettings`, each field saying whether a config file may hold it); this module only
reads the file, names its keys as fields and keeps the token out of it. The command and
`run_import(config=…)` read a file the same way (`read_config`).

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
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .options import CommandSettings, ImportOptions, field_kinds, typed_values

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


def read_config(path: Path, *,
                schemas: tuple[type, ...] = (ImportOptions, CommandSettings)) -> dict[str, Any]:
    """The settings of a TOML file, typed by the schema: `ImportOptions` fields and the
    command's own (`CommandSettings`); relative paths are beside the file. ConfigError names
    what cannot be used (an unknown key, a wrong value, the token)."""
    return typed_values(load_config(path), source=f"config file {path}",
                        relative_to=path.parent, hint=UNKNOWN_HINT, schemas=schemas,
                        config=True)


def options_kwargs(path: Path) -> dict[str, Any]:
    """A config file's settings as `ImportOptions` keyword arguments: the command's own
    (`no-progress`, `token-file`…) are read and checked, then left out."""
    run = field_kinds(ImportOptions)
    return {k: v for k, v in read_config(path).items() if k in run}


#: The end of the message that refuses an unknown key of a config file.
UNKNOWN_HINT = "; use the long option names, e.g. default-region = \"EG\""
