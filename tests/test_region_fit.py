"""Whether a file's numbers fit the region: the data the page and the CLI each word."""

from __future__ import annotations

from importer.normalize.region_fit import judge_region, region_name

US = [f"(201) 555-{100 + i:04d}" for i in range(10)]
EG = [f"0100 {5000000 + i:07d}" for i in range(10)]


def test_numbers_that_fit_their_region_are_judged_without_trying_others() -> None:
    judged = judge_region(EG, "EG")
    assert judged is not None and not judged.looks_foreign and judged.better is None
    assert (judged.numbers, judged.current.valid, judged.current.mobiles) == (10, 10, 10)


def test_numbers_invalid_in_the_region_name_the_region_they_fit() -> None:
    judged = judge_region(EG, "US")
    assert judged is not None and judged.mostly_invalid and judged.current.invalid == 10
    assert judged.better is not None and judged.better.region == "EG"
    assert (judged.better.valid, judged.better.numbers, judged.better.mobiles) == (10, 10, 10)


def test_landlines_in_the_region_are_foreign_too() -> None:
    judged = judge_region(US, "EG")
    assert judged is not None and not judged.mostly_invalid and judged.mostly_landlines
    assert judged.better is not None and judged.better.region == "US"


def test_without_a_region_the_likely_one_is_found() -> None:
    judged = judge_region(EG, None)
    assert judged is not None and judged.current is None and judged.looks_foreign
    assert judged.better is not None and judged.better.region == "EG"


def test_international_numbers_and_tiny_samples_are_not_judged() -> None:
    assert judge_region(["+1 201 555 0100"] * 20, "EG") is None
    assert judge_region(US[:3], "EG") is None
    assert judge_region(["", "n/a"] * 10, "EG") is None


def test_region_names_read_in_a_sentence() -> None:
    assert region_name("US") == "the United States" and region_name("EG") == "Egypt"
    assert region_name("FJ") == "FJ"
