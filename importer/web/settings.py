"""What the page may change of a run: `Settings`, the fields of `ImportOptions` marked `page`.

The page sends these as JSON; they are typed and checked by the options' own schema
(`importer.options`), and `Settings.options` fills them into the server's `ImportOptions`.
A value that cannot be used raises `SettingError`, which names its field so the page can
say so beside it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ..options import ImportOptions, coerce, settings_fields, spec_of
from .region import valid_region


class SettingError(ConfigError):
    """One setting cannot be used; `field` names it, so the page can say so beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# -- settings ------------------------------------------------------------------------------------

#: Settings the page had once and takes no more: accepted and ignored.
RETIRED = frozenset({"changed_only"})


def page_fields(schema: type = ImportOptions) -> list[dataclasses.Field[Any]]:
    """The settings the page may set (`Spec.page`), as the schema defines them."""
    return [f for f, spec in settings_fields(schema) if spec.page]


def page_view(schema: type = ImportOptions) -> list[dict[str, Any]]:
    """What the page needs to know of its settings, for `/api/info`: each one's name, kind
    of box, words, choices and default, and whether it is about reading the file (a retry
    of the results leaves those out, and changing one lets the columns be found again)."""
    view = []
    for f in page_fields(schema):
        spec, kinds = spec_of(f), {part.strip() for part in str(f.type).split("|")}
        kind = "bool" if "bool" in kinds else "int" if "int" in kinds else "text"
        view.append({"name": f.name, "kind": kind, "label": spec.label,
                     "placeholder": spec.placeholder, "default": f.default,
                     "choices": [[k, v] for k, v in spec.choices.items()] if spec.choices
                     else None, "reading": spec.repeat != "always"})
    return view


class _PageSettings:
    """What `Settings` does; its fields are the schema's page settings (`page_fields`)."""

    __slots__ = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Settings:
        """Settings from the page's JSON; ConfigError names a value that cannot be used."""
        if not isinstance(data, Mapping):
            raise ConfigError("settings must be a JSON object")
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        # The "send only what changed" box is gone (the ledger decides for every import; the
        # "Send again anyway" action sends anyway): its value in a job saved before is ignored.
        data = {k: v for k, v in data.items() if k not in RETIRED}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ConfigError(f"unknown setting {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            kind, default = str(fields[name].type), fields[name].default
            value = coerce(name, _from_page(name, value, kind), kind)
            if value is None and isinstance(default, str):
                value = default  # a choice between policies always has one
            if name == "default_region" and value is not None:
                value = value.upper()
                if not valid_region(value):
                    raise SettingError(name, f"{value!r} is not a region: give the "
                                       "two-letter code of a country, such as EG, SA or US")
            values[name] = value
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)  # type: ignore[call-overload]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    def for_retry(self) -> Settings:
        """These settings for a retry of this job's results: the options about reading the
        original spreadsheet are left out, as the CLI's retry command leaves them out."""
        return dataclasses.replace(self, **{  # type: ignore[type-var]
            f.name: f.default for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if spec_of(f).repeat != "always"})

    def options(self, template: ImportOptions, **run: Any) -> ImportOptions:
        """The server's options with these settings (and the run's own fields) filled in;
        a setting the page leaves empty (None) is the server's."""
        values = {k: v for k, v in self.to_json().items() if v is not None}
        for f, spec in settings_fields(ImportOptions):
            if spec.many and values.get(spec.many):
                # The first phone column is the one the normalizer reads; the others are its
                # fallbacks, tried in this order by a row whose earlier ones are empty or
                # invalid.
                values[f.name] = values[spec.many][0]
            if spec.many in values:
                values[spec.many] = tuple(values[spec.many])
        return dataclasses.replace(template, **values, **run)


#: The subset of the settings (ImportOptions, options.py) that the page may change: the
#: fields whose Spec says `page`, named, typed and defaulted as there. What is the page's
#: own is the forms its boxes send (`_from_page`: an empty box, a row number as text, a list
#: of phone columns). Typing is the schema's (`options.coerce`), and so is validation: the
#: page's options go through `plan_import`, which validates them like any run's. The region
#: code is checked here already, to name the field beside which the page shows the message.
#: None means "as the CLI would decide": detected, guessed, or the server's default region.
def settings_class(schema: type = ImportOptions) -> type:
    """The page's settings of `schema`: a frozen dataclass of its fields marked `page`."""
    made = dataclasses.make_dataclass(
        "Settings", [(f.name, f.type, dataclasses.field(default=f.default, metadata=f.metadata))
                     for f in page_fields(schema)],
        bases=(_PageSettings,), frozen=True, slots=True)
    made.__module__ = __name__
    return made


Settings = settings_class()


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


__all__ = ["SettingError", "Settings", "page_view", "settings_class"]
