"""Remembered mappings: how a file with these headers was imported to this number last time.

Kept per instance (keyed as the ledger keys one: `options.base_url_key` + instance ID) and
per header signature (the header row as the reader finds it by itself, normalized, with the
sheet's name): the columns used (phone columns in order, first/last/full name), the sheet,
the header row, and the settings the page may change (region, name formats, duplicates…),
with the name of the file they came from and when. A small SQLite file beside the ledger
(`mappings_path`), shared by the command and the web page, so a weekly command and the page
agree. Written when an import (not a dry run) has gone through a file on that number.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, ImporterError
from .options import ImportOptions, base_url_key, settings_fields

if TYPE_CHECKING:
    from .pipeline import Plan

MAPPINGS_NAME = "mappings.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS mappings (
    instance TEXT NOT NULL,
    signature TEXT NOT NULL,
    file TEXT NOT NULL,
    saved_at REAL NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (instance, signature)
)
"""


def mappings_path(ledger: Path) -> Path:
    """Where the remembered mappings are kept: beside the ledger."""
    return ledger.with_name(MAPPINGS_NAME)


def instance_key(base_url: str, instance_id: str) -> str:
    """The number a mapping belongs to, as the ledger knows an instance."""
    return f"{base_url_key(base_url)}|{instance_id}"


def header_signature(headers: list[str], sheet: str | None) -> str:
    """The identity of a file's layout: its headers (case, spacing and order as seen by a
    person: case and runs of spaces ignored) and its sheet's name."""
    normal = [_normal(h) for h in headers]
    text = json.dumps([(sheet or "").casefold(), normal], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _normal(header: str) -> str:
    return " ".join(header.split()).casefold()


@dataclass(frozen=True, slots=True)
class Layout:
    """A file's headers and sheet as the reader finds them by itself, and their signature."""

    headers: tuple[str, ...]
    sheet: str | None
    signature: str


def layout_of(options: ImportOptions) -> Layout:
    """The layout of `options.input` as the reader decides by itself (sheet, header row,
    encoding and delimiter guessed): the same file gives the same layout whatever the
    settings of its last import. Raises what reading the file raises."""
    from .read import open_table  # the readers are loaded only for a command that reads

    table = open_table(options.input, max_rows=options.max_rows, no_header=options.no_header)
    close = getattr(table.rows, "close", None)
    if close is not None:
        close()
    return Layout(tuple(table.headers), table.info.sheet,
                  header_signature(table.headers, table.info.sheet))


@dataclass(frozen=True, slots=True)
class Mapping:
    """One remembered mapping: the columns used (0-based, in `headers`, the header row of
    the file it was saved from), the reading choices and settings, and where they came
    from."""

    file: str
    saved_at: float
    #: The layout's headers when it was saved: a column is found again by its header.
    headers: tuple[str, ...] = ()
    sheet: str | None = None
    header_row: int | None = None
    phone_columns: tuple[int, ...] = ()
    name_column: int | None = None
    first_name_column: int | None = None
    last_name_column: int | None = None
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def day(self) -> str:
        """The day it was saved, as "3 Dec" (with the year when not this year's)."""
        saved = datetime.fromtimestamp(self.saved_at, UTC)
        text = f"{saved.day} {saved:%b}"
        return text if saved.year == datetime.now(UTC).year else f"{text} {saved.year}"

    def describe(self) -> str:
        return f"as for {self.file} on {self.day}"

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["phone_columns"] = list(self.phone_columns)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mapping:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["phone_columns"] = tuple(values.get("phone_columns") or ())
        values["headers"] = tuple(values.get("headers") or ())
        return cls(**values)

    def values(self) -> dict[str, Any]:
        """This mapping as ImportOptions values: each column by its header (the reader finds
        it in the file to import as it finds a `--phone-column`), or by its number when its
        header was blank."""

        def name(index: int | None) -> str | None:
            if index is None:
                return None
            header = self.headers[index] if index < len(self.headers) else ""
            return header if header.strip() else str(index + 1)

        phones = tuple(n for n in (name(i) for i in self.phone_columns) if n)
        values: dict[str, Any] = {
            "sheet": self.sheet, "header_row": self.header_row,
            "phone_column": phones[0] if phones else None,
            "phone_columns": phones if len(phones) > 1 else None,
            "name_column": name(self.name_column),
            "first_name_column": name(self.first_name_column),
            "last_name_column": name(self.last_name_column)}
        values.update({k: v for k, v in self.settings.items() if k in REMEMBERED_SETTINGS})
        return values


#: The settings a mapping carries besides its layout (sheet, header row, columns: fields of
#: its own): every other setting the page may change (options.py, `page=True`), so a new one
#: is remembered too.
REMEMBERED_SETTINGS = tuple(
    f.name for f, spec in settings_fields(ImportOptions)
    if spec.page and f.name not in {m.name for m in dataclasses.fields(Mapping)}
    and spec.many is None)  # phone_column: remembered as phone_columns


def mapping_of(plan: Plan, file: str, *, clock: Callable[[], float] = time.time) -> Mapping:
    """What `plan` used: its columns, reading choices and settings, from the file `file`."""
    options, columns, info = plan.options, plan.columns, plan.table.info
    settings = {name: getattr(options, name) for name in REMEMBERED_SETTINGS}
    settings["default_region"] = plan.region or options.default_region
    return Mapping(file=file, saved_at=clock(), headers=tuple(plan.table.headers),
                   sheet=info.sheet,
                   header_row=info.header_row or None,
                   phone_columns=(columns.phone, *columns.phone_alternatives),
                   name_column=columns.name, first_name_column=columns.first_name,
                   last_name_column=columns.last_name, settings=settings)


def with_mapping(options: ImportOptions, mapping: Mapping) -> ImportOptions:
    """`options` with the remembered values filled in where `options` has its default:
    a setting given (a flag, a config, the environment) wins over the remembered one."""
    defaults = {f.name: f.default for f in dataclasses.fields(ImportOptions)}
    explicit_phones = options.phone_column is not None or options.phone_columns is not None
    changes = {}
    for name, value in mapping.values().items():
        if name in ("phone_column", "phone_columns") and explicit_phones:
            continue
        if getattr(options, name) == defaults[name]:
            changes[name] = value
    return dataclasses.replace(options, **changes)


class MappingStore:
    """The remembered mappings in the SQLite file `path` (created on the first write)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextlib.contextmanager
    def _db(self, *, write: bool) -> Iterator[sqlite3.Connection | None]:
        if not write and not self.path.exists():
            yield None
            return
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the remembered mappings {self.path}: {exc}") from None
        try:
            with db:
                db.execute(_SCHEMA)
                yield db
        except sqlite3.Error as exc:
            raise ConfigError(f"the remembered mappings {self.path} cannot be used: {exc}"
                              ) from None
        finally:
            db.close()
        if write:
            with contextlib.suppress(OSError):
                self.path.chmod(0o600)

    def find(self, instance: str, signature: str) -> Mapping | None:
        """The mapping remembered on `instance` for files of this layout, if any."""
        with self._db(write=False) as db:
            if db is None:
                return None
            found = db.execute("SELECT data FROM mappings WHERE instance = ? AND signature = ?",
                               (instance, signature)).fetchone()
        return Mapping.from_json(json.loads(found[0])) if found else None

    def by_file(self, instance: str, file: Path) -> tuple[str, Mapping] | None:
        """(signature, mapping) last remembered on `instance` for a file of that name, or for
        the spreadsheet a results file of that name was written for (crm.results.csv →
        crm.csv, crm.xlsx…); None when there is none."""
        stem = file.name
        for ending in (".dry-run.", ".results."):
            if ending in stem:
                stem = stem.partition(ending)[0]
        stem = stem.rpartition(".retry")[0] if ".retry" in stem else Path(stem).stem
        with self._db(write=False) as db:
            if db is None:
                return None
            rows = db.execute("SELECT signature, file, data FROM mappings WHERE instance = ? "
                              "ORDER BY saved_at DESC", (instance,)).fetchall()
        for signature, name, data in rows:
            if name == file.name:
                return signature, Mapping.from_json(json.loads(data))
        for signature, name, data in rows:
            if Path(name).stem == stem:
                return signature, Mapping.from_json(json.loads(data))
        return None

    def files(self, instance: str) -> list[str]:
        """The files mappings are remembered from on `instance`, newest first."""
        with self._db(write=False) as db:
            if db is None:
                return []
            return [name for (name,) in db.execute(
                "SELECT file FROM mappings WHERE instance = ? ORDER BY saved_at DESC",
                (instance,))]

    def remember(self, instance: str, signature: str, mapping: Mapping) -> None:
        """Keep `mapping` for files of this layout on `instance` (replacing the last one)."""
        with self._db(write=True) as db:
            assert db is not None
            db.execute("INSERT OR REPLACE INTO mappings (instance, signature, file, saved_at, "
                       "data) VALUES (?, ?, ?, ?, ?)",
                       (instance, signature, mapping.file, mapping.saved_at,
                        json.dumps(mapping.to_json(), ensure_ascii=False)))

    def forget(self, instance: str, signature: str) -> bool:
        """Forget the mapping of this layout on `instance`; whether there was one."""
        with self._db(write=False) as db:
            if db is None:
                return False
            return db.execute("DELETE FROM mappings WHERE instance = ? AND signature = ?",
                              (instance, signature)).rowcount > 0


@dataclass(slots=True)
class Remembered:
    """A run's remembered mapping: the one it uses (if any), and where to remember its own."""

    store: MappingStore
    instance: str
    #: The input's layout (its signature is the key), read when first needed.
    layout: Layout | None = None
    #: The mapping the run uses, and whether it was asked for by file name (--mapping-from).
    used: Mapping | None = None
    asked: bool = False

    def remember(self, plan: Plan, file: str, *,
                 clock: Callable[[], float] = time.time) -> Mapping:
        """Keep what `plan` used for files of this input's layout on this instance."""
        layout = self.layout or layout_of(plan.options)
        mapping = mapping_of(plan, file, clock=clock)
        self.store.remember(self.instance, layout.signature, mapping)
        return mapping


def remembered_for(options: ImportOptions, *, mapping_from: Path | None = None,
                   fresh: bool = False) -> tuple[ImportOptions, Remembered | None]:
    """`options` with the mapping remembered on their instance filled in (see `with_mapping`):
    the one of the file `mapping_from` names, else the one of files with the input's
    layout, unless `fresh`. None for a run that remembers nothing: one without a ledger
    (the store lives beside it), and a retry (its input is a results file).

    ConfigError when `mapping_from` names a file nothing is remembered for.
    """
    if options.ledger is None or options.retrying:
        if mapping_from is not None:
            raise ConfigError("--mapping-from needs the ledger (the mappings are kept beside "
                              "it), and does not apply to --retry-failed/--retry-invalid")
        return options, None
    remembered = Remembered(MappingStore(mappings_path(options.ledger)),
                            instance_key(options.base_url, options.instance_id))
    if mapping_from is not None:
        found = remembered.store.by_file(remembered.instance, mapping_from)
        if found is None:
            files = remembered.store.files(remembered.instance)
            known = (f"; remembered here: {', '.join(files[:10])}" if files
                     else "; nothing is remembered for this number yet")
            raise ConfigError(f"--mapping-from {mapping_from.name}: no mapping is remembered "
                              f"for that file on instance {options.instance_id or '(none)'}"
                              f"{known}")
        remembered.used, remembered.asked = found[1], True
    elif not fresh:
        try:
            remembered.layout = layout_of(options)
        except ImporterError:
            return options, remembered  # the import's own reading says what is wrong
        remembered.used = remembered.store.find(remembered.instance,
                                                remembered.layout.signature)
    if remembered.used is not None:
        options = with_mapping(options, remembered.used)
    return options, remembered


__all__ = ["MAPPINGS_NAME", "Layout", "Mapping", "MappingStore", "Remembered",
           "header_signature", "instance_key", "layout_of", "mapping_of", "mappings_path",
           "remembered_for", "with_mapping"]
