"""How the page words a fixed row: the fix note comes from the fixes, never from parsing
the row's detail text."""

from __future__ import annotations

from importer.fixes import fixed_headers
from importer.models import RowResult, Status
from importer.problems import Code, Problem
from importer.web.row_fixes import outcome_view, page_detail, row_view


def _invalid(detail: str) -> RowResult:
    return RowResult(4, Status.INVALID, detail=detail, values=("Omar", "0122 345 67"),
                     problem=Problem(Code.NO_NAME))


def test_a_fixed_invalid_row_names_its_fixed_cells_from_the_fixes() -> None:
    # the detail's words do not say the row was fixed: the page still does, from the data
    result = _invalid("no name")
    detail = page_detail(result, ["Mobile"])
    assert detail.endswith("; fixed: 'Mobile'")
    assert outcome_view(result, ["Mobile"])["detail"] == detail


def test_words_in_a_detail_that_look_like_a_fix_note_are_not_taken_for_one() -> None:
    # a cell or a note could hold the words "fixed: "; only the fixes say a row was fixed
    result = _invalid("no name; fixed: 'Name'")
    assert "fixed" not in page_detail(result)
    assert "fixed" not in page_detail(result, [])


def test_the_fixed_headers_follow_the_files_order() -> None:
    headers = ["Name", "Mobile", "Work"]
    assert fixed_headers(headers, {"Work": "1", "Name": "Omar"}) == ["Name", "Work"]
    assert fixed_headers(headers, {}) == []


def test_a_listed_row_names_its_fixed_cells() -> None:
    view = row_view(_invalid("no name"), [("phone", 1), ("name", 0)], ["Name", "Mobile"],
                    {"Name": "Omar Farouk"})
    assert view["fixed"] is True
    assert view["detail"].endswith("; fixed: 'Name'")
    assert [cell["fixed"] for cell in view["cells"]] == [None, "Omar Farouk"]
