"""Reading what a killed run's journal says was answered (importer/recover.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from importer.errors import UsageError
from importer.models import Contact, Prepared, Status
from importer.recover import read_answers

RUN = {"journal": "wawp-import", "version": 1, "input": "/data/contacts.csv", "size": 10,
       "blake2b": "ab", "instance_id": "inst-1", "base_url": "http://127.0.0.1:9"}


def line(row: int, chat_id: str, status: str, **more: Any) -> dict[str, Any]:
    return {"row": row, "chat_id": chat_id, "first_name": "A", "last_name": "B",
            "status": status, "attempts": 1, "http_status": 200 if status == "ok" else 400,
            "detail": "", **more}


def journal(tmp_path: Path, *lines: dict[str, Any] | str) -> Path:
    path = tmp_path / "results.csv.journal.jsonl"
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x) + "\n") for x in lines),
                    encoding="utf-8")
    return path


def ready(row: int, chat_id: str) -> Prepared:
    return Prepared(row, (), Status.READY, Contact(chat_id, "A", "B"))


def test_the_last_answer_of_a_row_wins_across_a_resumed_run(tmp_path: Path) -> None:
    path = journal(tmp_path, RUN,
                   line(2, "1@c.us", "failed", detail="HTTP 400"),
                   line(3, "2@c.us", "ok"),
                   {**RUN, "resumed": True},
                   line(2, "1@c.us", "ok"),
                   '{"row": 4, "chat_id": "3@c')  # cut short by the kill
    answers = read_answers(path)
    assert answers.of(ready(2, "1@c.us")).status is Status.OK  # type: ignore[union-attr]
    assert answers.of(ready(3, "2@c.us")).http_status == 200  # type: ignore[union-attr]
    assert answers.of(ready(4, "3@c.us")) is None  # not answered: sent again on resume
    assert sorted(c.chat_id for c in answers.sent_ok()) == ["1@c.us", "2@c.us"]


def test_each_number_of_a_row_keeps_its_own_answer(tmp_path: Path) -> None:
    """--all-numbers: one row, two contacts; one went through, the other did not."""
    answers = read_answers(journal(tmp_path, RUN, line(5, "1@c.us", "ok"),
                                   line(5, "2@c.us", "failed")))
    assert answers.of(ready(5, "1@c.us")).status is Status.OK  # type: ignore[union-attr]
    assert answers.of(ready(5, "2@c.us")).status is Status.FAILED  # type: ignore[union-attr]
    assert answers.of(ready(5, "3@c.us")) is None
    # a row not to send (invalid, carried over…) never takes an answer
    assert answers.of(Prepared(5, (), Status.INVALID, Contact("1@c.us", "A", "B"))) is None


def test_an_empty_journal_has_no_answers_and_another_file_is_refused(tmp_path: Path) -> None:
    assert read_answers(journal(tmp_path)).lines == {}
    with pytest.raises(UsageError, match="not a journal"):
        read_answers(journal(tmp_path, line(2, "1@c.us", "ok")))
    with pytest.raises(UsageError, match="can read"):
        read_answers(journal(tmp_path, {**RUN, "version": 99}))
