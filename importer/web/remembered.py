"""Remembered mappings on the page: an upload whose headers match a file imported before to
this number starts from that import's columns and settings ("Mapping as for crm-weekly.csv
on 3 Dec"), until the user forgets it. The store is the library's (importer/mappings.py),
the one the command line uses, so a weekly command and the page agree."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from ..errors import ImporterError
from ..mappings import Mapping, MappingStore, Remembered, layout_of
from ..options import ImportOptions
from ..pipeline import Plan
from .settings import Settings

log = logging.getLogger(__name__)


def settings_of(mapping: Mapping, *, default_region: str | None) -> Settings:
    """The page's settings of a remembered mapping (its region, else `default_region`)."""
    values = mapping.values()
    names = {f.name for f in dataclasses.fields(Settings)}
    kept: dict[str, Any] = {k: v for k, v in values.items() if k in names and v is not None}
    phones = values.get("phone_columns") or (
        (values["phone_column"],) if values.get("phone_column") else None)
    kept["phone_columns"] = tuple(phones) if phones else None
    if kept.get("header_row") is not None:
        kept["header_row"] = int(kept["header_row"])
    kept.setdefault("default_region", default_region)
    return Settings(**kept)


def propose(store: MappingStore, instance: str, options: ImportOptions,
            ) -> tuple[Mapping, str] | None:
    """(mapping, signature) remembered on `instance` for the layout of `options.input`;
    None when there is none or the file cannot be read (its check will say why)."""
    try:
        layout = layout_of(options)
        mapping = store.find(instance, layout.signature)
    except ImporterError:
        return None
    return (mapping, layout.signature) if mapping is not None else None


def view(mapping: Mapping, signature: str) -> dict[str, Any]:
    """What the job keeps and the page shows of the mapping it started from."""
    return {"file": mapping.file, "day": mapping.day, "signature": signature,
            "text": f"Mapping {mapping.describe()}"}


def remember(store: MappingStore, instance: str, plan: Plan, file: str) -> None:
    """Keep the mapping of an import that went through; a store that cannot be written is
    logged, never the import's failure."""
    try:
        Remembered(store, instance).remember(plan, Path(file).name)
    except (ImporterError, OSError) as exc:
        log.warning("the mapping of %s was not remembered: %s", file, exc)


__all__ = ["propose", "remember", "settings_of", "view"]
