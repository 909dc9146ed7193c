"""vCard files (.vcf), the contacts phones and Google/iCloud/Outlook export: one row per card.

Each card is parsed with vobject (versions 2.1, 3.0 and 4.0; folded lines; CHARSET and
QUOTED-PRINTABLE values, which vobject only joins across soft line breaks with
`allowQP=True`). The file is cut into cards first and each card parsed on its own, so a
damaged card is one invalid row rather than a failed file. A card's row is its position
in the file (1 = the first card).

The table's columns are the card's fields: FN, N, the given and family names taken from N,
TEL (every number, mobiles first, joined with " ::: " as Google Contacts joins values), TEL
TYPE (their types, in the same order), EMAIL and ORG.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputFileError
from ..models import SourceRow
from ..notes import Note, NoteCode, note
from ..problems import Code, problem
from .limits import make_row
from .table import Table, TableInfo

log = logging.getLogger(__name__)

HEADERS = ["FN", "N", "Given Name", "Family Name", "TEL", "TEL TYPE", "EMAIL", "ORG"]
#: Joins several values of one field in a cell (Google Contacts' own joiner).
JOINER = " ::: "
#: A contacts file bigger than this is refused: it is read whole (photos make cards large).
MAX_VCARD_BYTES = 256 * 1024 * 1024
_BEGIN = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)
#: TEL types that mean a mobile, in vCard 2.1 (CELL), 3.0/4.0 (TYPE=cell) and iOS (iPhone).
_MOBILE_TYPES = {"cell", "mobile", "iphone", "x-mobile"}


def is_vcard(head: bytes) -> bool:
    """Whether the first bytes of a file are a vCard."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[2:].replace(b"\x00", b"").lstrip()
    return text[:11].upper() == b"BEGIN:VCARD"


def open_vcard(path: Path, *, max_rows: int | None = None,
               notes: list[Note] | None = None) -> Table:
    """Open a vCard file as a table of one row per card."""
    if path.stat().st_size > MAX_VCARD_BYTES:
        raise InputFileError(f"{path.name} is larger than {MAX_VCARD_BYTES:,} bytes, more than "
                             "a contacts file holds")
    text, encoding = _decode(path.read_bytes())
    cards = _split_cards(text)
    if not cards:
        raise InputFileError(f"{path.name} holds no vCard (no BEGIN:VCARD … END:VCARD)")
    if max_rows is not None and len(cards) > max_rows:
        raise InputFileError(note=note(NoteCode.TOO_MANY_ROWS, file=path.name, limit=max_rows,
                                       rows=len(cards), contacts=True))
    info = TableInfo(kind="vcard", encoding=encoding, encoding_detected=True, header_row=0,
                     rows=len(cards), notes=list(notes or []))
    return Table(headers=list(HEADERS), rows=_rows(cards), info=info)


def _decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-16 and UTF-8 (with or without BOM), else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # older phones write 8-bit text in their own code page; cp1252 decodes any byte
        return data.decode("cp1252"), "cp1252"


def _split_cards(text: str) -> list[str]:
    """The cards of the file, each from its BEGIN:VCARD to its END:VCARD line."""
    cards: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if current is None:
            if _BEGIN.match(line):
                current = [line]
            continue
        current.append(line)
        if _END.match(line):
            cards.append("\r\n".join(current) + "\r\n")
            current = None
    if current is not None:  # the last card was cut short: still a row, reported invalid
        cards.append("\r\n".join(current) + "\r\n")
    return cards


def _rows(cards: list[str]) -> Iterator[SourceRow]:
    import vobject  # only vCard files pay for it (and for dateutil, which it brings)

    for number, card in enumerate(cards, start=1):
        try:
            component = vobject.readOne(card, allowQP=True)
            values = _fields(component)
        except Exception as exc:  # vobject raises many kinds for a damaged card
            log.debug("card %d cannot be read", number, exc_info=exc)
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            yield SourceRow(number, ("",) * len(HEADERS),
                            (problem(Code.CARD_UNREADABLE, card=number, reason=reason),))
            continue
        yield make_row(number, values, HEADERS)


def _fields(card: Any) -> list[str]:
    fn = _text(card, "fn")
    n_line = card.contents.get("n", [None])[0]
    given = family = n_text = ""
    if n_line is not None:
        name = n_line.value
        given = _joined(getattr(name, "given", ""), " ")
        family = _joined(getattr(name, "family", ""), " ")
        parts = [family, given, _joined(getattr(name, "additional", ""), " "),
                 _joined(getattr(name, "prefix", ""), " "),
                 _joined(getattr(name, "suffix", ""), " ")]
        n_text = ";".join(parts).rstrip(";")
    tels = []
    for position, line in enumerate(card.contents.get("tel", [])):
        number = str(line.value or "").strip()
        if not number:
            continue
        number = re.sub(r"^tel:", "", number, flags=re.IGNORECASE)
        types = _types(line)
        mobile = bool(types & _MOBILE_TYPES)
        tels.append((not mobile, "pref" not in types, position, number, ",".join(sorted(types))))
    tels.sort()
    emails = [str(line.value).strip() for line in card.contents.get("email", [])
              if str(line.value or "").strip()]
    org_line = card.contents.get("org", [None])[0]
    org = _joined(org_line.value, ", ") if org_line is not None else ""
    return [fn, n_text, given, family, JOINER.join(t[3] for t in tels),
            JOINER.join(t[4] for t in tels), JOINER.join(emails), org]


def _types(line: Any) -> set[str]:
    """A TEL's types in lower case: TYPE=CELL,VOICE (3.0), TYPE="voice,cell" (4.0), CELL (2.1)."""
    found: set[str] = set()
    for value in [*line.params.get("TYPE", []), *line.singletonparams]:
        found.update(t.strip().strip('"').lower() for t in str(value).split(",") if t.strip())
    if line.params.get("PREF"):
        found.add("pref")
    return found


def _text(card: Any, name: str) -> str:
    line = card.contents.get(name, [None])[0]
    return _joined(line.value, " ") if line is not None else ""


def _joined(value: Any, sep: str) -> str:
    if isinstance(value, (list, tuple)):
        return sep.join(str(v).strip() for v in value if str(v).strip())
    return str(value or "").strip()
