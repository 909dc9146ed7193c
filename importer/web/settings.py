"""What the page may change of a run: `Settings`, a subset of `ImportOptions`.

The page sends these as JSON; they are typed and checked by the options' own schema
(`importer.options`), and `Settings.options` fills them into the server's `ImportOptions`.
A value that cannot be used raises `SettingError`, which names its field so the page can
say so beside it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..options import ImportOptions, coerce, field_kinds
from .region import valid_region


class SettingError(ConfigError):
    """One setting cannot be used; `field` names it, so the page can say so beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# -- settings ------------------------------------------------------------------------------------

#: Settings the page had once and takes no more: accepted and ignored.
RETIRED = frozenset({"changed_only"})


@dataclass(frozen=True, slots=True)
class Settings:
    """The subset of the settings (ImportOptions, options.py) that the page may change.

    Only what is the page's own is here: which fields it may set (the fields below, named,
    typed and defaulted as in ImportOptions; a test keeps them the same) and the forms its
    boxes send (an empty box, a row number as text, a list of phone columns). Typing is the
    schema's (`options.coerce`), and so is validation: the page's options go through
    `plan_import`, which validates them like any run's. The region code is checked here
    already, to name the field beside which the page shows the message.

    None means "as the CLI would decide": detected, guessed, or the server's default region.
    """

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    phone_column: str | None = None
    name_column: str | None = None
    first_name_column: str | None = None
    last_name_column: str | None = None
    default_region: str | None = None
    first_name_format: str | None = None
    last_name_format: str | None = None
    duplicates: str = "first"
    missing_name: str = "invalid"
    title_case: bool = False
    all_numbers: bool = False
    #: Every phone column, in the order to try them (the first one is `phone_column`).
    phone_columns: tuple[str, ...] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Settings:
        """Settings from the page's JSON; ConfigError names a value that cannot be used."""
        if not isinstance(data, Mapping):
            raise ConfigError("settings must be a JSON object")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        # The "send only what changed" box is gone (the ledger decides for every import; the
        # "Send again anyway" action sends anyway): its value in a job saved before is ignored.
        data = {k: v for k, v in data.items() if k not in RETIRED}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ConfigError(f"unknown setting {', '.join(unknown)}")
        kinds = field_kinds()
        values: dict[str, Any] = {}
        for name, value in data.items():
            value = coerce(name, _from_page(name, value, kinds[name]), kinds[name])
            default = fields[name].default
            if value is None and isinstance(default, str):
                value = default  # a choice between policies always has one
            if name == "default_region" and value is not None:
                value = value.upper()
                if not valid_region(value):
                    raise SettingError("default_region", f"{value!r} is not a region: give the "
                                       "two-letter code of a country, such as EG, SA or US")
            values[name] = value
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        if data["phone_columns"] is not None:
            data["phone_columns"] = list(data["phone_columns"])
        return data

    def for_retry(self) -> Settings:
        """These settings for a retry of this job's results: the options about reading the
        original spreadsheet are left out, as the CLI's retry command leaves them out."""
        return dataclasses.replace(self, sheet=None, header_row=None, encoding=None,
                                   delimiter=None)

    def options(self, template: ImportOptions, **run: Any) -> ImportOptions:
        """The server's options with these settings (and the run's own fields) filled in."""
        values = self.to_json()
        if values["default_region"] is None:
            values["default_region"] = template.default_region
        phones = values.pop("phone_columns")
        if phones:
            # The first phone column is the one the normalizer reads; the others are its
            # fallbacks, tried in this order by a row whose earlier ones are empty or invalid.
            values["phone_column"] = phones[0]
            values["phone_columns"] = tuple(phones)
        return dataclasses.replace(template, **values, **run)


def _from_page(name: str, value: Any, kind: str) -> Any:
    """A value as the page's boxes send it, in the form the schema types (`options.coerce`):
    an empty box is None ("decide for me"), text is stripped (a delimiter may be a space or a
    tab), the header row may come as text, empty phone columns are dropped."""
    if kind == "bool":
        return value  # a checkbox: the schema takes true/false only
    if name == "header_row":
        return _row_number(value)
    if value is None:
        return None
    if name == "phone_columns":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError("phone_columns must be a list of columns")
        return tuple(v.strip() for v in value if v.strip()) or None
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be text")  # the page sends text for every box
    return value if name == "delimiter" and value else (value.strip() or None)


def _row_number(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ConfigError("header row must be a row number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"header row must be a row number, not {value!r}") from None


__all__ = ["SettingError", "Settings"]
