"""Several numbers on the page, in headless Chromium against `wawp-import serve --instances`
and two sandboxes: the upload asks which number, the job and the job list show it, and the
import goes to that number's address book only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.sandbox import SandboxProcess
from tests.test_web_browser import VIEWPORT, browser, people_file, shots  # noqa: F401
from tests.web.support import ServeProcess, instances_file

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")
expect = sync_api.expect


def test_the_upload_picks_the_number_and_the_job_shows_it(
        browser: object, sandbox: SandboxProcess, other_sandbox: SandboxProcess,  # noqa: F811
        tmp_path: Path, shots: Path) -> None:  # noqa: F811
    config = instances_file(tmp_path / "config", {"Sales": sandbox, "Support": other_sandbox},
                            rate=0, concurrency=2, default_region="EG")
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")  # type: ignore[attr-defined]
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        with ServeProcess("--instances", config, "--data-dir", tmp_path / "data",
                          env={}, log=tmp_path / "serve.log") as server:
            page.goto(server.url + "/")
            expect(page.locator("#formats")).not_to_be_empty()
            expect(page.locator("#instance")).to_have_text(
                "Imports go to 2 numbers: Sales, Support")
            choice = page.locator("#number")
            expect(choice.locator("option")).to_have_text(
                ["choose…", f"Sales ({sandbox.instance_id})",
                 f"Support ({other_sandbox.instance_id})"])
            # no number chosen: nothing is uploaded, the page says what to do
            page.set_input_files("#file", str(people_file(tmp_path, 6)))
            expect(page.locator("#upload-status")).to_have_text(
                "Choose the number this file goes to first, then the file.")
            choice.select_option("Support")
            page.set_input_files("#file", str(people_file(tmp_path, 6)))
            page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
            expect(page.locator("#job-meta")).to_contain_text("to the number Support")
            expect(page.locator("#import")).to_have_text("Import 6 contacts into Support")
            page.click("#import")
            expect(page.locator("#phase")).to_contain_text("Import finished", timeout=30_000)
            assert len(other_sandbox.state()["contacts"]) == 6
            assert sandbox.state()["contacts"] == {}

            page.goto(server.url + "/")
            choice.select_option("Sales")
            page.set_input_files("#file", str(people_file(tmp_path, 3, first=50)))
            page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
            expect(page.locator("#job-meta")).to_contain_text("to the number Sales")
            page.goto(server.url + "/")
            tags = page.locator("#jobs tbody tr .tag.number")
            expect(tags).to_have_text(["Sales", "Support"])  # newest first
            page.screenshot(path=str(shots / "numbers.png"))
        log = server.log()
        assert "Imports go to 2 numbers (the page asks which): Sales (instance" in log
        assert sandbox.token not in log and other_sandbox.token not in log
    finally:
        context.close()
