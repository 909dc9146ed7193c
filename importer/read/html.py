"""HTML tables saved as .xls: what many web CRMs' "Export to Excel" buttons produce.

Parsed with lxml.html (libxml2's HTML parser: maintained, fast, and forgiving of the
unclosed tags and Office-specific markup these exports hold). Such files are small and
read whole. The first table with a phone-like column is used: by its header, else by
cells that read as phone numbers; nested layout tables are skipped. Rows are numbered as
the table shows them (1 = its first row).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputFileError
from ..models import SourceRow
from .columns import phone_rank
from .header import find_header
from .limits import HEADER_SEARCH_ROWS, MAX_COLUMNS, is_blank, make_row, numbered_headers
from .scoring import looks_like_phone
from .sniff import MAX_HTML_BYTES
from .table import Table, TableInfo

Rows = list[tuple[int, list[str]]]
_BREAK = "\ue000"  # a private-use character stands for <br> while whitespace is collapsed
_SPACES = re.compile(r"[ \t\r\n\f\xa0]+")


def open_html(path: Path, *, header_row: int | None = None, max_rows: int | None = None,
              no_header: bool = False, notes: list[str] | None = None) -> Table:
    """Open the first table of an HTML file that has a phone column."""
    from lxml import etree  # only HTML files pay for it

    data = path.read_bytes()[:MAX_HTML_BYTES]
    try:
        document = _parse(data)
    except (etree.ParserError, ValueError) as exc:
        raise InputFileError(f"{path.name} is a web page that cannot be read: {exc}") from None
    tables = [t for t in document.iter("table") if not _has_table_ancestor(t)]
    for position, table in enumerate(tables, start=1):
        rows = _table_rows(table)
        if not rows:
            continue
        chosen = _header_of(rows, header_row, no_header)
        if chosen is None:
            continue
        header_number, headers = chosen
        body = [(n, cells) for n, cells in rows if n > header_number and not is_blank(cells)]
        if max_rows is not None and len(body) > max_rows:
            raise InputFileError(f"{path.name} has {len(body):,} data rows, more than "
                                 f"--max-rows {max_rows:,}; nothing was sent")
        info_notes = list(notes or [])
        if len(tables) > 1:
            info_notes.append(f"Table {position} of the {len(tables)} in the page was read.")
        info = TableInfo(kind="html", header_row=header_number,
                         header_detected=header_row is None and not no_header,
                         rows=len(body), notes=info_notes)
        return Table(headers=headers, rows=_source_rows(body, headers), info=info)
    raise InputFileError(
        f"{path.name} is a web page (HTML) without a table of phone numbers, although some "
        "programs export HTML tables under an .xls name: open it in Excel and save it as "
        ".xlsx or CSV")


def _parse(data: bytes) -> Any:
    import lxml.html

    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return lxml.html.document_fromstring(data.decode("utf-16"))
    if data.startswith(codecs.BOM_UTF8):
        return lxml.html.document_fromstring(data[3:].decode("utf-8", errors="replace"))
    # lxml reads the <meta charset> itself; without one, UTF-8 is the likely encoding
    parser = lxml.html.HTMLParser(encoding=None if b"charset" in data[:4096].lower()
                                  else "utf-8")
    return lxml.html.document_fromstring(data, parser=parser)


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
