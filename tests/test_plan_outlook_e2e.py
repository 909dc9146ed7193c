"""Before a run the command says how long the sending will take at the rate in force, and
names the region that fits when the numbers look foreign to the region in force (the real
command; dry runs, and one real run against the sandbox)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli, write_csv
from tests.support.sandbox import SandboxProcess


def book(path: Path, phones: list[str]) -> Path:
    return write_csv(path, [["Name", "Phone"]] + [[f"P {i}", p] for i, p in enumerate(phones)])


US = [f"(201) 555-{100 + i:04d}" for i in range(20)]
EG = [f"0100 {5000000 + i:07d}" for i in range(300)]


def test_numbers_not_valid_in_the_region_name_the_region_that_fits(tmp_path: Path) -> None:
    done = run_cli([book(tmp_path / "eg.csv", EG), "--default-region", "US", "--dry-run"])
    assert ("wawp-import: 300 of the 300 numbers written without a country code in the first "
            "rows are not valid in the United States (US); they look like numbers from Egypt: "
            "300 of 300 valid there, 300 of them mobiles. --default-region EG if that is "
            "where they are from.\n") in done.stderr


def test_landlines_in_the_region_name_the_region_that_fits(tmp_path: Path) -> None:
    # "(201) 555-0100" is a valid Cairo landline: every row is ready, the warning says why not
    done = run_cli([book(tmp_path / "us.csv", US), "--default-region", "EG", "--dry-run",
                    "--phone-column", "Phone"])
    assert done.returncode == 0, done.stderr
    assert ("20 of the 20 numbers valid in Egypt (EG) in the first rows read as landlines, "
            "which are rarely on WhatsApp; they look like numbers from the United States: 20 "
            "of 20 valid there, 20 of them mobiles. --default-region US") in done.stderr


def test_numbers_that_fit_their_region_get_no_warning(tmp_path: Path) -> None:
    done = run_cli([book(tmp_path / "us.csv", US), "--default-region", "US", "--dry-run"])
    assert done.returncode == 0, done.stderr
    assert "--default-region US" not in done.stderr and "look like" not in done.stderr


def test_a_dry_run_says_how_long_the_real_run_would_take(tmp_path: Path) -> None:
    source = book(tmp_path / "eg.csv", EG)
    done = run_cli([source, "--default-region", "EG", "--dry-run"])
    assert ("wawp-import: A real run would send up to 300 contacts at 20/s: about 15 s (rows "
            "that turn out invalid, duplicate, unchanged or already sent take no time).\n"
            ) in done.stderr
    slower = run_cli([source, "--default-region", "EG", "--dry-run", "--rate", "2",
                      "--limit", "250"])
    assert "up to 250 contacts at 2/s: about 2 min 05 s" in slower.stderr
    for quick in (["--rate", "0"], ["--limit", "100"]):  # no rate, or under 10 s: no line
        done = run_cli([source, "--default-region", "EG", "--dry-run", *quick])
        assert "A real run would send" not in done.stderr


def test_a_real_run_says_how_long_at_most_before_sending(sandbox: SandboxProcess,
                                                         tmp_path: Path) -> None:
    phones = ["not a phone"] * 297 + ["0100 000 0001", "0100 000 0002", "0100 000 0003"]
    done = run_cli([book(tmp_path / "mostly-bad.csv", phones), "--default-region", "EG",
                    "--no-progress"], env=sandbox.env())
    assert done.returncode == 1, done.stderr  # the invalid rows
    assert ("wawp-import: Up to 300 contacts to send at 20/s: about 15 s (rows that turn out "
            "invalid, duplicate, unchanged or already sent take no time).") in done.stderr
    assert sandbox.state()["puts"] == 3  # the invalid rows cost nothing
