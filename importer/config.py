"""Saved settings: a TOML file holding what a command line can say, except the access token.

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

import dataclasses
import tomllib
import types
import typing
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError

#: Settings that only mean something to the command (the Python API ignores them).
CLI_ONLY_SETTINGS = frozenset({"no_progress", "verbose", "summary_json", "token_file"})
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


def check_known(settings: Mapping[str, Any], known: Collection[str], *, path: Path) -> None:
    """Refuse keys that are not settings, naming them all at once."""
    unknown = sorted(k for k in settings if k not in known)
    if unknown:
        listed = ", ".join(unknown)
        raise ConfigError(f"config file {path}: unknown setting{'s' if len(unknown) > 1 else ''} "
                          f"{listed}; use the long option names, e.g. default-region = \"EG\"")


def coerce(name: str, value: Any, kind: str, *, path: Path) -> Any:
    """`value` as the type an option of annotation `kind` holds ("int", "Path | None"…)."""
    allowed = {part.strip() for part in kind.split("|")}
    if value is None:
        return None
    if "bool" in allowed:
        if not isinstance(value, bool):
            raise ConfigError(f"config file {path}: {name} must be true or false, got {value!r}")
        return value
    if isinstance(value, bool):
        raise ConfigError(f"config file {path}: {name} must not be true/false, got {value!r}")
    if "int" in allowed:
        if not isinstance(value, int):
            raise ConfigError(f"config file {path}: {name} must be a whole number, got {value!r}")
        return value
    if "float" in allowed:
        if not isinstance(value, (int, float)):
            raise ConfigError(f"config file {path}: {name} must be a number, got {value!r}")
        return float(value)
    if "Path" in allowed:
        if not isinstance(value, str):
            raise ConfigError(f"config file {path}: {name} must be a file name, got {value!r}")
        # A relative path in a shared config means "next to the config file".
        found = Path(value).expanduser()
        return found if found.is_absolute() else path.parent / found
    if "str" in allowed:
        if isinstance(value, (int, float)):
            return str(value)  # `sheet = 2`, `phone-column = 3`
        if not isinstance(value, str):
            raise ConfigError(f"config file {path}: {name} must be text, got {value!r}")
        return value
    return value


def options_kwargs(settings: Mapping[str, Any], *, path: Path, ignore: Collection[str] = (),
                   ) -> dict[str, Any]:
    """Config settings as `ImportOptions` keyword arguments (for the Python API).

    Settings in `ignore` (command-line-only ones such as `no-progress`) are dropped; any other
    key that is not an option is refused.
    """
    from .options import ImportOptions

    hints = _field_types(ImportOptions)
    hints.pop("access_token", None)
    hints.pop("input", None)
    wanted = {k: v for k, v in settings.items() if k not in ignore}
    check_known(wanted, hints, path=path)
    if isinstance(wanted.get("max_age"), str):
        wanted = dict(wanted)  # "30d": parsed by run_import, as on the command line
        return {name: value if name == "max_age" else coerce(name, value, hints[name], path=path)
                for name, value in wanted.items()}
    return {name: coerce(name, value, hints[name], path=path) for name, value in wanted.items()}


def _field_types(cls: type) -> dict[str, str]:
    """Each dataclass field's annotation as text ("Path | None"), for `coerce`."""
    return {f.name: f.type if isinstance(f.type, str) else _type_text(f.type)
            for f in dataclasses.fields(cls)}


def _type_text(tp: Any) -> str:
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        return " | ".join(_type_text(t) for t in typing.get_args(tp))
    return getattr(tp, "__name__", str(tp))
