"""The reader's notes as the command line words them."""

from __future__ import annotations

from importer.notes import NOTE_WORDS
from importer.read import Table


def notes_of(table: Table) -> list[str]:
    """The table's notes in the command line's words."""
    return [NOTE_WORDS.say(n) for n in table.info.notes]
