"""Find the phone and name columns among the headers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import ColumnError

PHONE_NAMES = ("whatsapp", "whatsapp number", "mobile", "mobile phone", "cell", "cell phone",
               "phone", "phone number", "telephone", "tel", "number", "msisdn")
NAME_NAMES = ("name", "full name", "fullname", "contact name", "contact", "display name")
FIRST_NAMES = ("first name", "firstname", "given name", "first")
LAST_NAMES = ("last name", "lastname", "surname", "family name", "last")


def header_key(text: str) -> str:
    """A header folded for matching: accents, case, punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", stripped.casefold()).split())


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """0-based indexes of the columns the importer uses."""

    phone: int
    name: int | None = None
    first_name: int | None = None
    last_name: int | None = None

    def describe(self, headers: list[str]) -> str:
        parts = [f"phone={headers[self.phone]!r}"]
        for label, index in (("name", self.name), ("first name", self.first_name),
                             ("last name", self.last_name)):
            if index is not None:
                parts.append(f"{label}={headers[index]!r}")
        return ", ".join(parts)


def resolve_column(headers: list[str], spec: str, *, what: str) -> int:
    """A column given by exact header, folded header or 1-based number."""
    if spec in headers:
        return headers.index(spec)
    keys = [header_key(h) for h in headers]
    if header_key(spec) in keys:
        return keys.index(header_key(spec))
    if spec.isdigit() and 1 <= int(spec) <= len(headers):
        return int(spec) - 1
    raise ColumnError(f"{what} column {spec!r} not found; the columns are: {_listing(headers)}")


def _find(keys: list[str], candidates: tuple[str, ...]) -> int | None:
    for candidate in candidates:
        if candidate in keys:
            return keys.index(candidate)
    return None


def map_columns(headers: list[str], *, phone: str | None = None, name: str | None = None,
                first_name: str | None = None, last_name: str | None = None) -> ColumnMap:
    """Map headers to the phone and name columns; explicit names win over guesses."""
    keys = [header_key(h) for h in headers]
    phone_i = resolve_column(headers, phone, what="phone") if phone else _find(keys, PHONE_NAMES)
    if phone_i is None:
        raise ColumnError(f"no phone column found; the columns are: {_listing(headers)}. "
                          "Name it with --phone-column")
    first_i = (resolve_column(headers, first_name, what="first name") if first_name
               else _find(keys, FIRST_NAMES))
    last_i = (resolve_column(headers, last_name, what="last name") if last_name
              else _find(keys, LAST_NAMES))
    name_i = resolve_column(headers, name, what="name") if name else _find(keys, NAME_NAMES)
    return ColumnMap(phone=phone_i, name=name_i, first_name=first_i, last_name=last_i)


def _listing(headers: list[str]) -> str:
    return ", ".join(repr(h) for h in headers) or "(none)"
