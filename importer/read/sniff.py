"""What a file really is, from its first bytes rather than its name, and whether a zip is safe.

CRMs export HTML tables or CSV under an .xls name, and people rename files; the extension
is only used to say that it lied.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from ..errors import InputFileError
from ..notes import Note, NoteCode, note
from .limits import MAX_PACK_RATIO, MAX_UNPACKED_BYTES, RATIO_CHECK_MIN_BYTES
from .vcard import is_vcard

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: More parts than this is not a workbook; checked before zipfile builds one object per part.
MAX_ZIP_MEMBERS = 10_000
#: An HTML export bigger than this is not searched for a table (nor read).
MAX_HTML_BYTES = 64 * 1024 * 1024
#: Extensions whose content is delimited text.
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".psv", ".dat", ""}
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def detect_kind(path: Path) -> tuple[str, list[Note]]:
    """The kind of `path` by content: csv, vcard, html, xlsx, xlsm, xlsb, xls or ods; plus
    notes for the plan.

    Raises InputFileError for content no reader can take (XML, PDF, images, HTML without a
    table…).
    """
    try:
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from None
    if not head:
        raise InputFileError(f"{path.name} is empty")
    if head.startswith(ZIP_MAGIC):
        kind = _zip_kind(path)
    elif head.startswith(OLE2_MAGIC):
        kind = "xls"
    elif is_vcard(head):
        kind = "vcard"
    elif _is_html_table(path, head):
        kind = "html"
    else:
        _refuse_non_tabular_text(path, head)
        kind = "csv"
    return kind, _naming_notes(path, kind)


def _is_html_table(path: Path, head: bytes) -> bool:
    """An HTML page with a table: what web CRMs' "Export to Excel" writes under .xls.

    The table may come after a long <head> of styles, so the file is searched for it (an
    HTML export is small: the reader holds it whole anyway).
    """
    text = _text_head(head)
    if not text.startswith(b"<") or b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return False
    if not any(tag in text[:4096] for tag in (b"<html", b"<table", b"<!doctype html", b"<body",
                                               b"<meta")):
        return False
    if b"<table" in text:
        return True
    with path.open("rb") as f:
        data = f.read(MAX_HTML_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.replace(b"\x00", b"")
    return b"<table" in data.lower()


def _text_head(head: bytes) -> bytes:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[2:].replace(b"\x00", b"").lstrip().lower()
    return head.lstrip(b"\xef\xbb\xbf").lstrip().lower()


def _naming_notes(path: Path, kind: str) -> list[Note]:
    suffix = path.suffix.lower()
    if kind == "html":
        return [note(NoteCode.HTML_FILE, file=path.name)]
    if (kind == "vcard" and suffix in (".vcf", ".vcard")) or (
            kind == "csv" and suffix in TEXT_SUFFIXES) or (
            suffix == f".{kind}" or {suffix, f".{kind}"} == {".xlsx", ".xlsm"}):
        return []
    return [note(NoteCode.FILE_NAMED_AS, file=path.name, suffix=suffix, kind=kind)]


def _refuse_non_tabular_text(path: Path, head: bytes) -> None:
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise InputFileError(f"{path.name} is {what}, not a spreadsheet")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[2:].replace(b"\x00", b"").lstrip().lower()
    if text.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
            raise InputFileError(
                f"{path.name} is an Excel 2003 XML spreadsheet, which cannot be read: open it in "
                "Excel and save it as .xlsx or CSV")
        if any(tag in text[:4096] for tag in (b"<html", b"<table", b"<!doctype html", b"<body")):
            raise InputFileError(
                f"{path.name} is a web page (HTML), not a spreadsheet, although some programs "
                "export HTML tables under an .xls name: open it in Excel and save it as .xlsx "
                "or CSV")
        if text.startswith(b"<?xml"):
            raise InputFileError(f"{path.name} is an XML document, not a spreadsheet")
    if _looks_binary(head):
        raise InputFileError(f"{path.name} is not a spreadsheet: it holds binary data")


def _looks_binary(head: bytes) -> bool:
    """True for bytes that no text encoding we read would produce."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even, odd = head[0::2], head[1::2]
        nul_even, nul_odd = even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)
        return not (max(nul_even, nul_odd) > 0.3 and min(nul_even, nul_odd) < 0.05)
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 26))
    return controls > len(head) // 20


def _zip_kind(path: Path) -> str:
    names = check_zip(path)
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "xl/workbook.xml" in names:
        with zipfile.ZipFile(path) as zf:
            types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        return "xlsm" if b"macroEnabled" in types else "xlsx"
    if "mimetype" in names:
        with zipfile.ZipFile(path) as zf:
            if zf.read("mimetype").strip() == _ODS_MIMETYPE:
                return "ods"
    if "word/document.xml" in names:
        raise InputFileError(f"{path.name} is a Word document, not a spreadsheet")
    raise InputFileError(f"{path.name} is a zip archive, not a spreadsheet")


def check_zip(path: Path) -> set[str]:
    """The member names of a zip, after refusing one that would inflate beyond the limits.

    Declared sizes are checked first, then every member is inflated once in a stream and
    counted, because a crafted zip can declare small sizes and still inflate to gigabytes;
    zipfile stops at the declared size and fails the CRC check of a member that lied.
    """
    _check_member_count(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNPACKED_BYTES:
                raise InputFileError(
                    f"{path.name} would unpack to {total:,} bytes, more than the "
                    f"{MAX_UNPACKED_BYTES:,} allowed; it may be a zip bomb (a workbook that "
                    "big can be saved as CSV, which is read in a stream)")
            for info in infos:
                if (info.file_size > RATIO_CHECK_MIN_BYTES
                        and info.file_size > max(info.compress_size, 1) * MAX_PACK_RATIO):
                    raise InputFileError(
                        f"{path.name}: part {info.filename} packs {info.file_size:,} bytes into "
                        f"{info.compress_size:,}, a ratio above {MAX_PACK_RATIO}; it may be a "
                        "zip bomb")
            for info in infos:
                with zf.open(info) as member:
                    while member.read(1024 * 1024):
                        pass
            return {i.filename for i in infos}
    except InputFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            OSError, RuntimeError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
        raise InputFileError(f"{path.name} is a damaged or unsupported zip file ({exc})") from None


def _check_member_count(path: Path) -> None:
    """Refuse a zip whose directory lists too many parts, before zipfile reads them all."""
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 65_557))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return  # no end record: zipfile reports the damage itself
    (count,) = struct.unpack("<H", tail[at + 10:at + 12])
    if count > MAX_ZIP_MEMBERS:
        raise InputFileError(f"{path.name} is a zip of {count:,} parts, more than a workbook has "
                             f"(limit {MAX_ZIP_MEMBERS:,})")
