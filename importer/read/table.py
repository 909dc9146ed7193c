"""The shape every reader returns: headers, a stream of rows, and what the reader decided."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..models import SourceRow
from ..notes import Note

#: How the plan names each kind of file.
KIND_LABELS = {
    "csv": "delimited text",
    "xlsx": "Excel workbook (.xlsx)",
    "xlsm": "Excel macro workbook (.xlsm)",
    "xlsb": "Excel binary workbook (.xlsb)",
    "xls": "Excel 97-2003 workbook (.xls)",
    "ods": "OpenDocument spreadsheet (.ods)",
    "vcard": "vCard contacts (.vcf)",
    "html": "web page table (HTML, as web CRMs export \"Excel\")",
}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space"}


@dataclass(slots=True)
class TableInfo:
    """What the reader decided, for the paragraph the CLI prints before work starts.

    The `*_detected` flags say whether a value was worked out from the file (True) or given
    by the caller (False), so the plan can say which.
    """

    kind: str
    encoding: str | None = None
    encoding_detected: bool = False
    delimiter: str | None = None
    delimiter_detected: bool = False
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    #: why that sheet (or table): "as given", "a 'Phone' column, 120 rows"
    sheet_reason: str = ""
    header_row: int = 1
    header_detected: bool = False
    rows: int | None = None
    #: What else the reader has to say of the file, as data (each surface words it).
    notes: list[Note] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The kind of file in words, e.g. "Excel workbook (.xlsx)"."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def delimiter_name(self) -> str:
        """The delimiter in words ("semicolon"), or its character when it has no name."""
        if self.delimiter is None:
            return ""
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


@dataclass(slots=True)
class Table:
    """An opened spreadsheet: `rows` streams its data rows once, numbered as the sheet shows."""

    headers: list[str]
    rows: Iterator[SourceRow]
    info: TableInfo
