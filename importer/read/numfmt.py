"""Number formats that change the digits a person sees, sampled from an XLSX without openpyxl.

A phone typed as a number loses its leading zero, so people format the column "00000000000"
or '"+"0' to see it again; calamine gives the bare number. Only such digit templates
(placeholders 0 # ? and literal text) are honoured: they are what phone and ID columns use.
Decimal, thousands, percent, scientific and date formats are left to calamine.

openpyxl would give every cell's format, but loading a workbook with it reads every shared
string first (seconds for 200,000 rows); the styles and the first rows of one sheet are all
this needs, so they are read directly from the zip.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

#: Data rows after the header whose formats are sampled; a column keeps one format.
SAMPLE_ROWS = 200
_CELL_REF = re.compile(r"([A-Z]+)(\d*)")
_CONDITION = re.compile(r"\[(<=|>=|<>|<|>|=)(-?\d+(?:\.\d+)?)\]")
_PLACEHOLDERS = "0#?"
_PLAIN_LITERALS = set(" -()+/:")


@dataclass(frozen=True, slots=True)
class DigitTemplate:
    """A number format made of digit placeholders and literal text, e.g. "0000-000-0000".

    `sections` holds (condition, tokens) per section; a token is a placeholder (0 # ?) or
    literal text marked by a leading '.
    """

    code: str
    sections: tuple[tuple[tuple[str, float] | None, tuple[str, ...]], ...]

    def render(self, value: int) -> str:
        """`value` (not negative) as Excel shows it under this format."""
        tokens = self._section(value)
        slots = [i for i, t in enumerate(tokens) if t in _PLACEHOLDERS]
        out = [t.removeprefix("'") for t in tokens]
        remaining = str(value)
        for position, index in enumerate(reversed(slots)):
            if position == len(slots) - 1:
                # The leftmost placeholder takes every digit left over, as Excel does.
                take, remaining = remaining, ""
            else:
                take, remaining = remaining[-1:], remaining[:-1]
            out[index] = take or {"0": "0", "?": " ", "#": ""}[tokens[index]]
        return "".join(out)

    def _section(self, value: int) -> tuple[str, ...]:
        for condition, tokens in self.sections:
            if condition is not None and _holds(condition, value):
                return tokens
        unconditional = [tokens for condition, tokens in self.sections if condition is None]
        if value < 0 and len(unconditional) > 1:
            return unconditional[1]
        if value == 0 and len(unconditional) > 2:
            return unconditional[2]
        return unconditional[0] if unconditional else self.sections[0][1]


def _holds(condition: tuple[str, float], value: float) -> bool:
    op, limit = condition
    return {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit,
            "=": value == limit, "<>": value != limit}[op]


def digit_template(code: str) -> DigitTemplate | None:
    """The template of a format code, or None when the format is not a pure digit template."""
    sections = []
    for part in _split_sections(code)[:3]:
        parsed = _parse_section(part)
        if parsed is None:
            return None
        sections.append(parsed)
    if not sections or not any(any(t in _PLACEHOLDERS for t in s[1]) for s in sections):
        return None
    template = DigitTemplate(code, tuple(sections))
    # "0" alone (and "#", "General"-like variants) shows what calamine already gives.
    if all(tokens in (("0",), ("#",)) for _, tokens in sections):
        return None
    return template


def _split_sections(code: str) -> list[str]:
    parts, current, quoted, escaped = [], [], False, False
    for char in code:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            quoted = not quoted
            current.append(char)
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _parse_section(part: str) -> tuple[tuple[str, float] | None, tuple[str, ...]] | None:
    condition: tuple[str, float] | None = None
    tokens: list[str] = []
    i = 0
    while i < len(part):
        char = part[i]
        if char == "[":
            end = part.find("]", i)
            if end < 0:
                return None
            inner = part[i:end + 1]
            match = _CONDITION.fullmatch(inner)
            if match:
                condition = (match.group(1), float(match.group(2)))
            elif inner.startswith("[$"):
                symbol = inner[2:-1].split("-", 1)[0]
                if symbol:
                    tokens.append(f"'{symbol}")
            # other brackets are colours: they do not change the text
            i = end + 1
        elif char == '"':
            end = part.find('"', i + 1)
            if end < 0:
                return None
            tokens.append("'" + part[i + 1:end])
            i = end + 1
        elif char == "\\" and i + 1 < len(part):
            tokens.append("'" + part[i + 1])
            i += 2
        elif char == "_" and i + 1 < len(part):
            tokens.append("' ")
            i += 2
        elif char == "*" and i + 1 < len(part):
            i += 2  # a fill character repeats to the cell's width: nothing to reproduce
        elif char in _PLACEHOLDERS:
            tokens.append(char)
            i += 1
        elif char in _PLAIN_LITERALS:
            tokens.append("'" + char)
            i += 1
        else:
            return None  # decimals, thousands, %, E, @, dates: not a digit template
    # Literals keep a leading ' so that a quoted "0" never reads as a placeholder.
    return condition, tuple(tokens)


def column_index(letters: str) -> int:
    """0-based index of a column's letters ("A" → 0, "AA" → 26)."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def sample_digit_templates(path: Path, sheet: str, *, first_row: int,
                           rows: int = SAMPLE_ROWS) -> dict[int, DigitTemplate]:
    """Digit templates of the number cells in rows first_row … first_row+rows-1, per column.

    A column gets a template when most of its sampled number cells carry it. Any problem
    reading the parts gives an empty answer: formats are a nicety, calamine has the data.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            sheet_part = _sheet_part(zf, sheet)
            styles = _cell_formats(zf)
            if sheet_part is None or not styles:
                return {}
            found = _sample(zf, sheet_part, styles, first_row, first_row + rows - 1)
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError):
        return {}
    chosen: dict[int, DigitTemplate] = {}
    for column, (templates, numbers) in found.items():
        (code, count), = templates.most_common(1)
        template = digit_template(code)
        if template is not None and count * 2 > numbers:
            chosen[column] = template
    return chosen


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rel_id = None
    for element in book.iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for element in rels.iter():
        if _local(element.tag) == "Relationship" and element.get("Id") == rel_id:
            target = element.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


def _cell_formats(zf: zipfile.ZipFile) -> list[str]:
    """The format code of each cell style index (custom codes only; built-ins are not templates)."""
    try:
        root = ElementTree.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return []
    codes: dict[str, str] = {}
    formats: list[str] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "numFmt":
            codes[element.get("numFmtId", "")] = element.get("formatCode", "")
        elif name == "cellXfs":
            formats = [codes.get(xf.get("numFmtId", "0"), "") for xf in element
                       if _local(xf.tag) == "xf"]
    return formats


def _sample(zf: zipfile.ZipFile, part: str, styles: list[str], first: int,
            last: int) -> dict[int, tuple[Counter[str], int]]:
    found: dict[int, tuple[Counter[str], int]] = {}
    row_number = 0
    column = -1
    with zf.open(part) as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                if name == "row":
                    row_number = int(element.get("r") or row_number + 1)
                    column = -1
                    if row_number > last:
                        break
                continue
            if name == "c":
                ref = _CELL_REF.match(element.get("r") or "")
                column = column_index(ref.group(1)) if ref else column + 1
                has_value = any(_local(child.tag) == "v" for child in element)
                if first <= row_number and has_value and element.get("t", "n") == "n":
                    style = int(element.get("s") or 0)
                    code = styles[style] if style < len(styles) else ""
                    counter, numbers = found.get(column, (Counter(), 0))
                    if code:
                        counter[code] += 1
                    found[column] = (counter, numbers + 1)
                element.clear()
            elif name == "row":
                element.clear()
    return {col: (c, n) for col, (c, n) in found.items() if c}
