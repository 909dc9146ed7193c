"""Cell values become the text a person sees; digits never go through float formatting."""

from __future__ import annotations

import datetime as dt

import pytest

from importer.read.cells import cell_text
from importer.read.numfmt import digit_template


@pytest.mark.parametrize(("value", "text"), [
    (None, ""),
    ("01001234567", "01001234567"),
    ("+201001234567", "+201001234567"),
    ("2.01001E+11", "2.01001E+11"),
    (201001234567.0, "201001234567"),
    (201001234567, "201001234567"),
    (999999999999999.0, "999999999999999"),
    (2010012345678912.0, "2.01001234567891E+15"),
    (1234.5, "1234.5"),
    (0.0, "0"),
    (-5.0, "-5"),
    (float("nan"), "#NUM!"),  # what Excel shows for a number it cannot hold: never empty
    (float("inf"), "#NUM!"),
    (True, "TRUE"),
    (dt.date(2024, 5, 1), "2024-05-01"),
    (dt.datetime(2024, 5, 1, 9, 30), "2024-05-01 09:30:00"),
    (dt.time(9, 30), "09:30:00"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize(("code", "value", "shown"), [
    ("00000000000", 1001234567, "01001234567"),
    ('"+"0', 201001234567, "+201001234567"),
    ("\\+0", 201001234567, "+201001234567"),
    ("0000-000-0000", 1001234567, "0100-123-4567"),
    ("[<=9999999]###-####;(###) ###-####", 2125551234, "(212) 555-1234"),
    ("[<=9999999]###-####;(###) ###-####", 5551234, "555-1234"),
    ("[Red]00000", 12, "00012"),
    ('"0"0', 5, "05"),
    ("[$+]0", 2010, "+2010"),
])
def test_digit_templates(code, value, shown):
    template = digit_template(code)
    assert template is not None
    assert template.render(value) == shown


@pytest.mark.parametrize("code", ["General", "0", "#", "0.00", "#,##0", "0%", "0.00E+00",
                                  "yyyy-mm-dd", "@", "h:mm"])
def test_formats_that_are_not_digit_templates_are_left_to_calamine(code):
    assert digit_template(code) is None
