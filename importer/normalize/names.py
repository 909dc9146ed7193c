"""Names → firstName / lastName."""

from __future__ import annotations


def clean(text: str) -> str:
    """Trimmed, with inner whitespace collapsed."""
    return " ".join(text.split())


def split_full_name(full: str) -> tuple[str, str]:
    """Split a full name into (first, last) without losing a word."""
    full = clean(full)
    if "," in full:
        last, _, first = full.partition(",")
        return clean(first), clean(last)
    first, _, last = full.rpartition(" ")
    if not first:
        return last, ""
    return first, last
