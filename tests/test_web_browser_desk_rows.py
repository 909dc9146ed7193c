"""Fixing rows in place and remembered mappings (issue 21 items 2 and 3) on the real page, in
headless Chromium against `wawp-import serve` and the sandbox. With SAVE_SCREENSHOTS=1 the
screenshots go to docs/screenshots/ (fix-rows.png, remembered.png) for the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import write_csv
from tests.support.sandbox import SandboxProcess
from tests.test_web_browser import browser, page, server, shots, upload  # noqa: F401

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")
expect = sync_api.expect


def test_an_invalid_row_is_fixed_on_the_page_and_sent_with_the_job(
        page: object, sandbox: SandboxProcess, tmp_path: Path, shots: Path) -> None:  # noqa: F811
    source = write_csv(tmp_path / "members.csv", [
        ["Name", "Mobile"], ["Ahmed Hassan", "0100 321 4567"], ["Mona Ali", "0100 321"],
        ["Omar Farouk", "0122 345 67"], ["", "0122 888 7777"], ["Nour Adel", "0111 222 3344"]])
    upload(page, source)
    table = page.locator("#fix-table")  # type: ignore[attr-defined]
    expect(table.locator("tbody tr")).to_have_count(3)
    row3 = table.locator('tr[data-row="3"]')
    expect(row3.locator(".fix-cell.cause")).to_contain_text("Mobile")
    expect(row3.locator(".fix-cell.cause .field-error")).to_contain_text("phone")

    row3.locator('input[data-column="Mobile"]').fill("0100 321 9876")
    row3.locator('input[data-column="Mobile"]').press("Enter")
    expect(row3.locator(".outcome")).to_contain_text("201003219876@c.us Mona Ali")
    row5 = table.locator('tr[data-row="5"]')
    row5.locator('input[data-column="Name"]').fill("Youssef Hassan")
    row5.locator('input[data-column="Name"]').press("Enter")
    expect(row5.locator(".outcome")).to_contain_text("Youssef")
    expect(page.locator("#preview .counts")).to_contain_text("ready 4")  # type: ignore[attr-defined]
    expect(table.locator('tr[data-row="3"] .hint')).to_contain_text("the file has “0100 321”")
    page.screenshot(path=str(shots / "fix-rows.png"), full_page=True)  # type: ignore[attr-defined]

    page.click("#import")  # type: ignore[attr-defined]
    expect(page.locator("#results-card")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    contacts = sandbox.state()["contacts"]
    assert "201003219876@c.us" in contacts and "201228887777@c.us" in contacts
    assert "201223456700@c.us" not in contacts


def test_undo_puts_the_row_back_as_the_file_has_it(page: object, tmp_path: Path) -> None:  # noqa: F811
    source = write_csv(tmp_path / "undo.csv", [["Name", "Mobile"], ["Mona Ali", "0100 321"],
                                               ["Ahmed Hassan", "0100 321 4567"]])
    upload(page, source)
    row = page.locator('#fix-table tr[data-row="2"]')  # type: ignore[attr-defined]
    row.locator("input").first.fill("0100 321 1111")
    row.locator("input").first.press("Enter")
    expect(row.locator(".chip")).to_have_text("ready")
    expect(row.get_by_role("button", name="Undo fix")).to_be_visible()

    row.get_by_role("button", name="Undo fix").click()

    expect(row.locator(".chip")).to_have_text("invalid")
    expect(row.locator("input").first).to_have_value("0100 321")


def test_a_file_with_known_headers_starts_from_the_remembered_mapping(
        page: object, tmp_path: Path, shots: Path) -> None:  # noqa: F811
    headers = ["Client", "Landline", "WhatsApp", "Branch"]
    first = write_csv(tmp_path / "crm-weekly.csv", [
        headers, ["Salma Fathy", "0101 777 0001", "0112 777 0001", "Giza"],
        ["Hany Ibrahim", "0101 777 0002", "0112 777 0002", "Maadi"]])
    upload(page, first)
    expect(page.locator("#remembered")).to_be_hidden()  # type: ignore[attr-defined]
    preview = page.locator("#preview-table")  # type: ignore[attr-defined]
    expect(preview).to_contain_text("201127770001@c.us")  # the reader's guess: WhatsApp
    # the team sends the landline: WhatsApp ignored, Landline the phone column
    page.locator('#mapping tr[data-spec="WhatsApp"] select').select_option("")  # type: ignore[attr-defined]
    expect(preview).to_contain_text("201017770001@c.us")
    page.click("#import")  # type: ignore[attr-defined]
    expect(page.locator("#results-card")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]

    week2 = write_csv(tmp_path / "crm-week2.csv", [
        headers, ["Dina Samir", "0101 777 0003", "0112 777 0003", "Giza"]])
    upload(page, week2)

    note = page.locator("#remembered")  # type: ignore[attr-defined]
    expect(note).to_contain_text(re.compile(r"Mapping as for crm-weekly\.csv on \d+ \w+"))
    expect(page.locator("#preview-table")).to_contain_text("201017770003@c.us")  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / "remembered.png"))  # type: ignore[attr-defined]

    note.get_by_role("button", name="Forget this mapping").click()

    expect(note).to_be_hidden()
    expect(page.locator("#preview-table")).to_contain_text("201127770003@c.us")  # type: ignore[attr-defined]
