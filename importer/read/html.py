"""HTML tables saved as .xls: what many web CRMs' "Export to Excel" buttons produce.

Parsed with lxml.html (libxml2's HTML parser: maintained, fast, and forgiving of the
unclosed tags and Office-specific markup these exports hold). Such files are small and
read whole. Of the tables with a phone-like column, the one with a phone header and
phone-like cells is used, then one with either (the first in the page on ties); nested
layout tables are skipped. Rows are numbered as the table shows them (1 = its first row).

Script, style, noscript and comment text is never cell text. libxml2 stops building the
tree 256 elements deep unless told otherwise (the rows after that point vanish without an
error); it is told to go to 2,048, and a page deeper than that is refused by name.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputFileError
from ..models import SourceRow
from ..notes import Note, NoteCode, note
from .columns import phone_rank
from .header import find_header
from .limits import HEADER_SEARCH_ROWS, MAX_COLUMNS, is_blank, make_row, numbered_headers
from .scoring import looks_like_phone
from .sniff import MAX_HTML_BYTES
from .table import Table, TableInfo

Rows = list[tuple[int, list[str]]]
_BREAK = "\ue000"  # a private-use character stands for <br> while whitespace is collapsed
_SPACES = re.compile(r"[ \t\r\n\f\xa0]+")
#: How deep libxml2 builds the tree with huge_tree (XML_PARSE_HUGE); 256 without it.
MAX_HTML_DEPTH = 2_048


def open_html(path: Path, *, header_row: int | None = None, max_rows: int | None = None,
              no_header: bool = False, notes: list[Note] | None = None) -> Table:
    """Open the table of an HTML file that shows most phone evidence (a phone header, then
    phone-like cells; the first on ties)."""
    from lxml import etree  # only HTML files pay for it

    data = path.read_bytes()[:MAX_HTML_BYTES]
    try:
        document = _parse(data)
    except (etree.ParserError, ValueError) as exc:
        raise InputFileError(f"{path.name} is a web page that cannot be read: {exc}") from None
    tables = [t for t in document.iter("table") if not _has_table_ancestor(t)]
    found: list[tuple[int, int, Rows, tuple[int, list[str]]]] = []  # (tier, position, …)
    for position, table in enumerate(tables, start=1):
        rows = _table_rows(table)
        if not rows:
            continue
        chosen = _header_of(rows, header_row, no_header)
        if chosen is not None:
            found.append((_tier(rows, *chosen), position, rows, chosen))
    if not found:
        raise InputFileError(
            f"{path.name} is a web page (HTML) without a table of phone numbers, although some "
            "programs export HTML tables under an .xls name: open it in Excel and save it as "
            ".xlsx or CSV")
    # the table that shows most phone evidence; the first in the page on ties
    tier, position, rows, (header_number, headers) = max(found, key=lambda f: (f[0], -f[1]))
    body = [(n, cells) for n, cells in rows if n > header_number and not is_blank(cells)]
    if max_rows is not None and len(body) > max_rows:
        raise InputFileError(note=note(NoteCode.TOO_MANY_ROWS, file=path.name, limit=max_rows,
                                       rows=len(body)))
    info_notes = list(notes or [])
    if len(tables) > 1:
        info_notes.append(note(NoteCode.HTML_TABLE_CHOSEN, position=position, count=len(tables),
                               evidence=_evidence(headers, tier)))
        rivals = [str(p) for t, p, _, _ in found if p != position and t == tier]
        if rivals:
            info_notes.append(note(NoteCode.HTML_RIVAL_TABLES, tables=tuple(rivals)))
    info = TableInfo(kind="html", header_row=header_number,
                     header_detected=header_row is None and not no_header,
                     rows=len(body), notes=info_notes)
    return Table(headers=headers, rows=_source_rows(body, headers), info=info)


def _evidence(headers: list[str], tier: int) -> str:
    named = next((h for h in headers if phone_rank(h) is not None), None)
    if named is None:
        return "cells that look like phone numbers"
    return f"a {named!r} column" + (", with phone-like cells" if tier & 1 else "")


def _tier(rows: Rows, header_number: int, headers: list[str]) -> int:
    """2 for a phone header, plus 1 for a column of phone-like cells (as in sheets.py)."""
    below = [c for n, c in rows if n > header_number and not is_blank(c)]
    named = any(phone_rank(h) is not None for h in headers)
    return 2 * named + _phone_content(below)


def _parse(data: bytes) -> Any:
    import lxml.html
    from lxml import etree

    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text: str | None = data.decode("utf-16")
    elif data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
    else:
        text = None
    # lxml reads the <meta charset> itself; without one, UTF-8 is the likely encoding
    encoding = None if text is not None or b"charset" in data[:4096].lower() else "utf-8"
    parser = lxml.html.HTMLParser(encoding=encoding, huge_tree=True)
    document = lxml.html.document_fromstring(text if text is not None else data, parser=parser)
    if any("excessive depth" in e.message.lower() for e in parser.error_log):
        raise ValueError(f"its elements are nested more than {MAX_HTML_DEPTH:,} deep, and the "
                         "rows after that point cannot be read")
    etree.strip_elements(document, "script", "style", "noscript", "template", etree.Comment,
                         etree.ProcessingInstruction, with_tail=False)
    return document


def _has_table_ancestor(table: Any) -> bool:
    return any(a.tag == "table" for a in table.iterancestors())


def _table_rows(table: Any) -> Rows:
    """(row number, cell texts) for every row of the table itself (not of nested tables)."""
    for br in table.iter("br"):  # a line break inside a cell is a new line of its text
        br.tail = _BREAK + (br.tail or "")
    rows: Rows = []
    for number, tr in enumerate(table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"),
                                start=1):
        cells = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            # the source's own line breaks and indentation are not the cell's text
            lines = _SPACES.sub(" ", cell.text_content()).split(_BREAK)
            cells.append("\n".join(line.strip() for line in lines).strip())
            span = cell.get("colspan", "1")
            if span.isdigit() and 1 < int(span) <= MAX_COLUMNS:
                cells.extend([""] * (int(span) - 1))
        rows.append((number, cells[:MAX_COLUMNS]))
    return rows


def _header_of(rows: Rows, header_row: int | None,
               no_header: bool) -> tuple[int, list[str]] | None:
    """(header row number, headers) when this table has a phone-like column, else None."""
    if no_header:
        width = max(len(cells) for _, cells in rows)
        body = [cells for _, cells in rows]
        return (0, numbered_headers(width)) if _phone_content(body) else None
    sample = [(n, cells) for n, cells in rows if not is_blank(cells)][:HEADER_SEARCH_ROWS]
    if not sample:
        return None
    if header_row is not None:
        found = [(n, cells) for n, cells in rows if n == header_row]
        if not found:
            return None
        number, cells = found[0]
    else:
        number, cells = sample[find_header(sample)]
    headers = _trimmed(cells)
    below = [c for n, c in rows if n > number and not is_blank(c)]
    if not below:
        return None
    if any(phone_rank(h) is not None for h in headers) or _phone_content(below):
        return number, headers
    return None


def _phone_content(rows: Sequence[Sequence[str]]) -> bool:
    """Whether some column's filled cells are mostly phone numbers."""
    width = max((len(r) for r in rows), default=0)
    for index in range(width):
        cells = [r[index] for r in rows[:HEADER_SEARCH_ROWS * 10]
                 if index < len(r) and r[index].strip()]
        if cells and sum(looks_like_phone(c) for c in cells) * 2 >= len(cells):
            return True
    return False


def _trimmed(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _source_rows(body: Rows, headers: list[str]) -> Iterator[SourceRow]:
    for number, cells in body:
        yield make_row(number, cells, headers)
