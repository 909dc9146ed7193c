"""The text encoding of a delimited file: a BOM, else UTF-8, else a legacy code page.

UTF-8 is tried first because valid UTF-8 is almost never anything else; the CSV reader
reads the whole file once before work starts, and only when that fails is a legacy code
page guessed, with charset-normalizer, from the lines that hold non-ASCII bytes.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import charset_normalizer

from ..errors import ConfigError

#: Order matters: the UTF-32 LE BOM begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Legacy code pages in the order we prefer them when charset-normalizer finds several
#: equally plausible: Windows Excel's own first (cp1252 Western, cp1256 Arabic…).
LEGACY_ENCODINGS = (
    "cp1252", "cp1256", "cp1251", "cp1250", "cp1253", "cp1254", "cp1255", "cp1257", "cp1258",
    "cp874", "iso8859_15", "iso8859_2", "iso8859_6", "iso8859_7", "iso8859_8", "koi8_r",
    "mac_roman", "cp850", "cp437", "cp932", "gb18030", "big5", "cp949", "euc_jp", "euc_kr",
)
#: Multi-byte Asian code pages: a short sample decodes in them by chance, so they are only
#: tried when no single-byte code page fits.
_MULTIBYTE = {"cp932", "gb18030", "big5", "cp949", "euc_jp", "euc_kr"}
#: Bytes of non-ASCII lines handed to charset-normalizer.
SAMPLE_BYTES = 64 * 1024
#: Matches one well-formed UTF-8 sequence of two to four bytes.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_NAMES = {"utf_8": "utf-8", "utf_8_sig": "utf-8 with BOM", "utf_16": "utf-16 with BOM",
          "utf_32": "utf-32 with BOM", "utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be"}


@dataclass(frozen=True, slots=True)
class TextEncoding:
    """How to decode a file: the codec, whether we worked it out, and the error handling."""

    codec: str
    detected: bool = True
    errors: str = "strict"

    @property
    def label(self) -> str:
        """The encoding as the plan names it ("utf-8 with BOM", "cp1252")."""
        name = codecs.lookup(self.codec).name.replace("-", "_")
        return _NAMES.get(name, name.replace("_", "-") if name.startswith("iso") else name)


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte-order mark at the start of `head` names, if any."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    return None


def initial_encoding(head: bytes, given: str | None) -> TextEncoding:
    """The encoding to try first: the given one (a BOM still wins for UTF-8), a BOM's, or UTF-8."""
    bom = bom_encoding(head)
    if given:
        try:
            name = codecs.lookup(given).name
        except LookupError:
            raise ConfigError(f"unknown encoding {given!r}: try utf-8, cp1252, cp1256, "
                              "latin-1 or utf-16") from None
        if name == "utf-8" and bom == "utf-8-sig":
            name = "utf-8-sig"  # the BOM is not part of the first header
        return TextEncoding(name, detected=False)
    if bom:
        return TextEncoding(bom)
    utf16 = _utf16_without_bom(head)
    return TextEncoding(utf16 or "utf-8")


def _utf16_without_bom(head: bytes) -> str | None:
    if b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


def fallback_encoding(path: Path) -> TextEncoding:
    """What to use when the file is not valid UTF-8: UTF-8 with a few bad bytes, or a code page.

    Returns errors="replace" when no code page fits; the caller says so in the plan.
    """
    sample = non_ascii_lines(path)
    good = len(_UTF8_SEQUENCE.findall(sample))
    high = sum(1 for b in sample if b >= 0x80)
    # Mostly well-formed multi-byte sequences: a UTF-8 file with a few damaged bytes.
    if good and good * 2 >= high - good:
        return TextEncoding("utf-8", errors="replace")
    legacy = guess_legacy(sample)
    if legacy is None:
        return TextEncoding("cp1252", errors="replace")
    return TextEncoding(legacy)


def first_undecodable(path: Path, codec: str) -> tuple[int, int] | None:
    """(byte offset, line number) of the first bytes `codec` cannot decode, or None.

    Decoding through a text file reports errors per buffer, far from the bad byte; this
    finds the exact place for the message, reading the file in bounded chunks.
    """
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = line = 0
    with path.open("rb") as f:
        while True:
            chunk = f.read(1024 * 1024)
            pending = decoder.getstate()[0]
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                good = (pending + chunk)[:exc.start]
                tail = codecs.getincrementaldecoder(codec)("replace").decode(good)
                return offset - len(pending) + exc.start, line + tail.count("\n") + 1
            if not chunk:
                return None
            offset += len(chunk)
            line += text.count("\n")


def non_ascii_lines(path: Path, limit: int = SAMPLE_BYTES) -> bytes:
    """Up to `limit` bytes of the lines of `path` that hold a non-ASCII byte."""
    picked: list[bytes] = []
    size = 0
    with path.open("rb") as f:
        for line in _lines(f):
            if size >= limit:
                break
            if max(line, default=0) >= 0x80:
                picked.append(line)
                size += len(line)
    return b"".join(picked)[:limit]


def _lines(f: BinaryIO, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    """Lines of a binary file, each cut to `chunk` bytes so one huge line stays bounded."""
    while True:
        line = f.readline(chunk)
        if not line:
            return
        yield line


def guess_legacy(sample: bytes) -> str | None:
    """The legacy code page charset-normalizer finds most plausible, preferring common ones."""
    if not sample:
        return None
    single = [e for e in LEGACY_ENCODINGS if e not in _MULTIBYTE]
    matches = list(charset_normalizer.from_bytes(sample, cp_isolation=single))
    if not matches or min(m.chaos for m in matches) > 0.2:
        matches = list(charset_normalizer.from_bytes(sample, cp_isolation=list(_MULTIBYTE)))
    if not matches:
        return None
    best_chaos = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= best_chaos + 0.02]
    best_coherence = max(m.coherence for m in close)
    close = [m for m in close if m.coherence >= best_coherence - 0.05]
    order = {name: i for i, name in enumerate(LEGACY_ENCODINGS)}
    # charset-normalizer merges code pages that decode the sample alike into one match.
    names = {name for m in close for name in (m.could_be_from_charset or [m.encoding])}
    return min(names, key=lambda name: (order.get(name, len(order)), name))
