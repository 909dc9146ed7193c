"""How people write phone numbers, as text: clean-up before any number is read.

Digits of any script made ASCII, every space a plain space, dashes one dash; the patterns
that split a cell into numbers, find an extension, a float's ".0", Excel's scientific form,
a chat ID already formed; labels before and after a number. What is then a valid number,
and for which region, is phones.py's reading policy.
"""

from __future__ import annotations

import re
import unicodedata

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\ufe58\ufe63\uff0d"
SEPARATOR_MAP = {"\u060c": ",", "\u061b": ";", "\uff0c": ",", "\uff1b": ";", "\u3001": ","}


def ascii_text(text: str) -> str:
    """`text` with every decimal digit in ASCII, every space a plain space, and invisible
    format characters (direction marks, zero-width spaces, BOM) removed."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)  # full-width forms, NBSP, thin space…
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch.isdecimal():
            out.append(str(unicodedata.decimal(ch)))  # Arabic-Indic, Persian, Devanagari…
        elif ch.isspace():
            out.append(" ")
        elif ch in DASHES:
            out.append("-")
        elif ch in SEPARATOR_MAP:
            out.append(SEPARATOR_MAP[ch])
        elif unicodedata.category(ch) != "Cf":
            out.append(ch)
    return "".join(out)


EXCEL_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)  # ="0100…" keeps a leading zero in Excel
RFC3966_EXT = re.compile(r";\s*ext\s*=", re.IGNORECASE)
# ":::" joins the values of one field in Google Contacts exports; و is "and"
SPLIT = re.compile(r"\s*(?:[\n\r;,|]+|:::|\s(?:or|and|&)\s|&|\u0648)\s*", re.IGNORECASE)
EXTENSION = re.compile(
    r"(?:(?<=\d)|(?<=\d[\s.)\-]))\s*(?:ext(?:ension|n)?\.?|x|#|poste|durchwahl|доб\.?)"
    r"\s*[:.=]?\s*(\d{1,7})\s*#?$", re.IGNORECASE)
SCIENTIFIC = re.compile(r"^\+?(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")
THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3}){2,}(?:\.0+)?$")
FLOAT_ZERO = re.compile(r"^(\+?\d{5,})\.0+$")
TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")
CHAT_ID_FORM = re.compile(r"^\+?(\d+)@(?:c\.us|s\.whatsapp\.net)$", re.IGNORECASE)
PUNCTUATION = set(" -.()[]/'\"~_")
# one number and nothing else; not "201001234567.0" (a float's .0 is not a digit)
PLAIN = re.compile(r"^(?!.*\d\.0+$)\(?\+?[\d .()\-]{2,40}$")
NON_DIGITS = re.compile(r"\D+")
LETTER = re.compile(r"[^\W\d_]")


def digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def split_slash(piece: str) -> list[str]:
    """"0100 123 4567 / 0111 222 3333" is two numbers; "030/1234567" is one."""
    if "/" not in piece or "://" in piece:
        return [piece]
    parts = piece.split("/")
    if all(digit_count(p) >= 7 for p in parts):
        return parts
    return [piece]


def strip_label(text: str) -> str:
    """Drop "Mobile:", "Tel.", "tel:", "https://wa.me/" and the like before the number.

    Text glued to the first digit ("O100…", "ABC0100…") is not a label: it stays and
    makes the number invalid.
    """
    for i, ch in enumerate(text):  # noqa: B007 (i, where the loop stopped, is the label's end)
        if ch.isdigit() or ch == "+" or ch == "(":
            break
    else:
        return text
    label = text[:i]
    if not label.strip():
        return text
    if any(c.isalpha() for c in label) and label[-1].isalnum():
        return text
    return text[i:]


def strip_trailing_label(text: str) -> str:
    """Drop a label after the number: "0100 123 4567 (home)", "… - office"."""
    last = max((i for i, ch in enumerate(text) if ch.isdigit()), default=-1)
    if last < 0:
        return text
    tail = text[last + 1:]
    if not any(c.isalpha() for c in tail):
        return text
    if tail[0].isspace() or tail[0] in "([":
        return text[:last + 1]
    return text


__all__ = ["CHAT_ID_FORM", "DASHES", "EXCEL_TEXT", "EXTENSION", "FLOAT_ZERO", "LETTER",
           "NON_DIGITS", "PLAIN", "PUNCTUATION", "RFC3966_EXT", "SCIENTIFIC", "SEPARATOR_MAP",
           "SPLIT", "THOUSANDS", "TRUNK_ZERO", "ascii_text", "digit_count", "split_slash",
           "strip_label", "strip_trailing_label"]
