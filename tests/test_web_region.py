"""The web page's region: the warning when a file's numbers look foreign to it, the
instance's own number, and the page's words instead of command-line flags."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from importer import ImportOptions
from importer.web.region import instance_number, region_warning

US = [f"(201) 555-{100 + i:04d}" for i in range(10)]
EG = [f"0100 {5000000 + i:07d}" for i in range(10)]


def test_a_file_that_fits_its_region_gets_no_warning() -> None:
    assert region_warning(EG, "EG") is None
    assert region_warning(US, "US") is None


def test_numbers_invalid_for_the_region_are_warned_about_naming_the_better_one() -> None:
    warning = region_warning(EG, "US")
    assert warning is not None
    assert warning.startswith("This file may not be from the United States (US): 10 of the 10 "
                              "numbers written without a country code are not valid numbers")
    assert "They look like numbers from Egypt" in warning
    assert warning.endswith("Change the region to EG if that is where they are from.")


def test_numbers_that_are_mostly_landlines_in_the_region_are_warned_about() -> None:
    warning = region_warning(US, "EG")
    assert warning is not None
    assert "10 of the 10 numbers valid there read as landlines" in warning
    assert "Change the region to US" in warning


def test_international_numbers_and_tiny_samples_say_nothing() -> None:
    assert region_warning(["+1 201 555 0100"] * 20, "EG") is None
    assert region_warning(US[:3], "EG") is None
    assert region_warning(["", "n/a"] * 10, "EG") is None


def test_without_a_region_the_warning_asks_for_one() -> None:
    warning = region_warning(EG, None)
    assert warning is not None and "No region is set" in warning and "Egypt (EG)" in warning


@pytest.mark.parametrize(("me", "region"), [("201001234567@c.us", "EG"),
                                            ("15550100000@c.us", "US"), ("", None)])
def test_the_instance_number_comes_from_the_session_info(me: str, region: str | None) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v2/session/info"
        return httpx.Response(200, json={"status": "WORKING", "me": {"id": me} if me else None})

    options = ImportOptions(input=Path(), instance_id="i",
                            access_token="t", base_url="https://api.example")
    found = instance_number(options, transport=httpx.MockTransport(answer))
    assert (found.region if found else None) == region


def test_an_api_that_cannot_answer_gives_no_instance_number() -> None:
    options = ImportOptions(input=Path(), instance_id="i",
                            access_token="t", base_url="https://api.example", max_attempts=1)
    refused = httpx.MockTransport(lambda request: httpx.Response(401, json={}))
    assert instance_number(options, transport=refused) is None
    assert instance_number(ImportOptions(input=Path())) is None
