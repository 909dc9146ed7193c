"""Every export layout of tests/fixtures/exports, read and normalized by the real command.

Each file is run as a dry run (`wawp-import FILE --dry-run --default-region R`) and every
row's chat ID and names are compared with the expectations written by hand beside it. The
score (rows right / rows expected) is printed per layout; the test wants all of them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from importer.cli import main

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
MANIFEST = json.loads((EXPORTS / "manifest.json").read_text(encoding="utf-8"))


def test_the_corpus_holds_at_least_60_layouts():
    assert len(MANIFEST) >= 60
    assert len({entry["name"] for entry in MANIFEST}) == len(MANIFEST)
    assert all(entry["source"] for entry in MANIFEST)


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["name"] for e in MANIFEST])
def test_export_layout_is_read_right(entry, tmp_path):
    results = tmp_path / "results.csv"
    err = io.StringIO()
    code = main([str(EXPORTS / entry["file"]), "--dry-run", "--no-progress",
                 "--default-region", entry["region"], "--results", str(results),
                 *entry["args"]], env={}, out=io.StringIO(), err=err)
    assert code in (0, 1), err.getvalue()
    with results.open(encoding="utf-8-sig", newline="") as f:
        got = {r["row"]: (r["chat_id"], r["first_name"], r["last_name"]) for r in csv.DictReader(f)}
    with (EXPORTS / f"{entry['name']}.expected.csv").open(encoding="utf-8", newline="") as f:
        expected = {r["row"]: (r["chat_id"], r["first_name"], r["last_name"])
                    for r in csv.DictReader(f)}
    right = sum(1 for number, want in expected.items() if got.get(number) == want)
    print(f"{entry['name']}: {right}/{len(expected)} rows right")
    assert got == expected, err.getvalue()
