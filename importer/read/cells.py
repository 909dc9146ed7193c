"""Turn a cell value into the text a person sees, never passing digits through float."""

from __future__ import annotations

import datetime as dt
import math
import re

#: Excel keeps 15 significant digits; a float with more has already lost some.
EXCEL_DIGITS = 15
#: What Excel shows for a number it cannot hold; an infinity or NaN cell (LibreOffice and
#: generated files can store them) reads as this, so the cell is never silently empty.
NOT_A_NUMBER = "#NUM!"
#: A number written with a three-digit exponent (1.797E+308): no phone number is that long.
_HUGE = re.compile(r"^-?\d(?:\.\d+)?E[+-]\d{3}$")


def cell_text(value: object) -> str:
    """The text of one cell as the user sees it (integral floats lose their `.0`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def float_text(value: float) -> str:
    """Integral floats become their exact digits (201001234567.0 → "201001234567").

    Excel keeps only 15 significant digits, so a larger integral float has been rounded
    already; it is written in scientific form, which the phone parser rejects as lossy.
    """
    if math.isnan(value) or math.isinf(value):
        return NOT_A_NUMBER
    if value.is_integer():
        digits = str(int(value))
        if len(digits.lstrip("-")) > EXCEL_DIGITS:
            return f"{value:.{EXCEL_DIGITS - 1}E}"
        return digits
    return repr(value)


def impossible_number(text: str) -> str | None:
    """Why a cell's text is a number no phone can be (None when it is not one): an
    infinity or NaN, or a float with a three-digit exponent (1.797E+308)."""
    if text == NOT_A_NUMBER:
        return f"shows {NOT_A_NUMBER}, a number the spreadsheet cannot hold"
    if "E" in text and _HUGE.match(text):
        return f"holds the number {text}, far too large to be a phone number"
    return None
