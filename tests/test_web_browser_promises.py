"""The page keeps its promises, in headless Chromium against `wawp-import serve` and the
sandbox: a server that went away is said to be gone and the page comes back by itself; an
API that cannot be reached is named as such; "Stopped after N of M" counts the whole job and
a failed row is never "sent"; an error sits beside its box; a second tab catches up after a
409; and axe-core finds nothing to fix in any state of the page.

axe-core comes from the `axe-playwright-python` package (the `test` extra), which bundles
axe.min.js; nothing is fetched at run time.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import write_csv
from tests.support.sandbox import SandboxProcess
from tests.test_web_browser import VIEWPORT, browser, page, server, shots, stopped_counts, upload  # noqa: F401
from tests.web.support import ServeProcess

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")
axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright",
                                     reason="axe-playwright-python is missing (test extra)")
expect = sync_api.expect

#: WCAG 2.1 A and AA, and the best practices (a scroll box reachable by keyboard…).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                      "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}


def no_axe_violations(tab: object, state: str) -> None:
    """axe-core's checks on the page in `tab` as it is now: none may fail."""
    results = axe_playwright.Axe().run(tab, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{state}:\n{results.generate_report()}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def numbers_file(folder: Path, name: str, count: int, prefix: str) -> Path:
    return write_csv(folder / name, [["Name", "Mobile"]] + [
        [f"Client {i}", f"{prefix} {4000000 + i:07d}"] for i in range(count)])


@pytest.fixture
def context(browser: object) -> Iterator[object]:  # noqa: F811
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")  # type: ignore[attr-defined]
    context.set_default_timeout(20_000)
    yield context
    context.close()


def test_each_state_of_the_page_passes_axe_and_counts_the_whole_job(
        context: object, sandbox: SandboxProcess, tmp_path: Path) -> None:
    """Empty list, checked, importing, stopped (twice, across a resume), finished with
    failures, and the list with jobs: axe finds nothing; the counts are the whole job's."""
    source = numbers_file(tmp_path, "states.csv", 120, "0107")
    refused = [f"20107{4000000 + i:07d}@c.us" for i in (100, 110)]
    with ServeProcess("--data-dir", tmp_path / "data", "--rate", "0", "--concurrency", "2",
                      "--default-region", "EG", env=sandbox.env(),
                      log=tmp_path / "serve.log") as server:  # noqa: F811
        page = context.new_page()  # type: ignore[attr-defined]
        page.goto(server.url + "/")
        expect(page.locator("#no-jobs")).to_be_visible()
        expect(page.locator("#formats")).to_contain_text("vCard contact files (.vcf)")
        no_axe_violations(page, "no jobs yet")

        page.set_input_files("#file", str(source))
        page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
        expect(page.locator("#phase")).to_have_text("Checked: ready to import")
        no_axe_violations(page, "checked")

        sandbox.configure(latency=0.08, bad_request_chat_ids=refused)
        page.click("#import")
        expect(page.locator("#progress-text")).to_contain_text(
            re.compile(r"[1-9]\d* of 120 contacts sent"))
        no_axe_violations(page, "importing")
        page.click("#stop")
        phase = page.locator("#phase")
        expect(phase).to_contain_text("— stopped from the page")
        first, total = stopped_counts(page)
        assert total == 120 and 0 < first < 120
        no_axe_violations(page, "stopped")

        page.click("#remaining")
        expect(page.locator("#progress-text")).to_contain_text(
            re.compile(rf"[1-9]\d* of {120 - first} contacts sent"))
        page.click("#stop")
        expect(phase).to_contain_text("— stopped from the page")
        both, total = stopped_counts(page)
        assert total == 120 and first < both < 120  # the whole job, not this run's

        sandbox.configure(latency=0)
        page.click("#remaining")
        expect(phase).to_have_text("Import finished: 2 rows failed")
        left = 120 - both
        expect(page.locator("#progress-text")).to_contain_text(
            f"100 % — {left - 2} of {left} contacts sent; 2 failed")
        head = page.locator("#results-head")
        expect(head).to_contain_text(f"{left - 2} of {left} contacts sent; 2 failed")
        assert not head.inner_text().startswith(f"{left} contacts sent")
        no_axe_violations(page, "done, with failures")

        page.goto(server.url + "/")
        expect(page.locator("#jobs tbody tr")).to_have_count(1)
        no_axe_violations(page, "the job list")
    counts = sandbox.state()["put_counts"]
    assert len(counts) == 120 and all(n == 1 for id_, n in counts.items() if id_ not in refused)


def test_a_killed_server_is_said_to_be_gone_and_the_page_recovers_by_itself(
        context: object, sandbox: SandboxProcess, tmp_path: Path) -> None:
    """kill -9 mid-import: the list and the job say "Connection lost, retrying…"; the server
    restarted on the same port and data folder, both show the recovered job, no reload."""
    source = numbers_file(tmp_path, "killed.csv", 80, "0108")
    args = ("--data-dir", tmp_path / "data", "--port", str(free_port()), "--rate", "0",
            "--concurrency", "2", "--default-region", "EG")
    job_page = context.new_page()  # type: ignore[attr-defined]
    list_page = context.new_page()  # type: ignore[attr-defined]
    with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve1.log") as first:
        job_page.goto(first.url + "/")
        expect(job_page.locator("#formats")).not_to_be_empty()
        job_page.set_input_files("#file", str(source))
        job_page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
        job_id = job_page.url.rsplit("/", 1)[1]
        sandbox.configure(latency=0.1)
        job_page.click("#import")
        expect(job_page.locator("#progress-text")).to_contain_text(
            re.compile(r"[1-9]\d* of 80 contacts"))
        list_page.goto(first.url + "/")
        row = list_page.locator(f'#jobs tr[data-job="{job_id}"]')
        expect(row).to_contain_text("Importing…")
        first.kill()
        for page in (job_page, list_page):
            expect(page.locator("#connection")).to_have_text("Connection lost, retrying…")
        no_axe_violations(list_page, "the job list, connection lost")
    sandbox.configure(replace=True)

    with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve2.log") as second:
        assert second.url == first.url
        # neither page is reloaded: each finds the server again by itself
        expect(row).to_contain_text("— the server stopped without finishing the import",
                                    timeout=30_000)
        expect(list_page.locator("#connection")).to_be_hidden()
        sent, total = stopped_counts_in(row)
        assert total == 80 and 0 < sent < 80
        no_axe_violations(list_page, "the job list, a recovered job")
        phase = job_page.locator("#phase")
        expect(phase).to_contain_text("— the server stopped without finishing the import",
                                      timeout=30_000)
        expect(job_page.locator("#connection")).to_be_hidden()
        assert stopped_counts(job_page) == (sent, 80)
        expect(job_page.locator("#remaining")).to_have_text(f"Send the remaining {80 - sent} rows")
        no_axe_violations(job_page, "a recovered job")


def stopped_counts_in(row: object) -> tuple[int, int]:
    found = re.search(r"Stopped after ([\d,]+) of ([\d,]+)", row.inner_text())  # type: ignore[attr-defined]
    assert found
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def test_an_api_that_cannot_be_reached_is_named_not_the_file(
        context: object, sandbox: SandboxProcess, tmp_path: Path) -> None:
    env = {**sandbox.env(), "WAWP_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    with ServeProcess("--data-dir", tmp_path / "data", "--rate", "0", "--max-attempts", "2",
                      env=env,
                      log=tmp_path / "serve.log") as server:  # noqa: F811
        page = context.new_page()  # type: ignore[attr-defined]
        page.goto(server.url + "/")
        expect(page.locator("#formats")).not_to_be_empty()
        page.set_input_files("#file", str(numbers_file(tmp_path, "fine.csv", 4, "0109")))
        page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
        phase = page.locator("#phase")
        # no region given: the check asked the API for the instance's number
        expect(phase).to_have_text("The WAWP API could not be reached")
        message = page.locator("#message")
        expect(message).to_contain_text("could not be reached")
        expect(message).to_contain_text("base URL")
        assert "cannot be imported" not in page.locator("main").inner_text()
        no_axe_violations(page, "the API could not be reached (check)")

        page.fill("#default-region", "EG")
        page.press("#default-region", "Tab")
        expect(phase).to_have_text("Checked: ready to import")
        page.click("#import")
        expect(phase).to_have_text("The import could not run: the WAWP API could not be "
                                   "reached", timeout=30_000)
        expect(message).to_contain_text("could not be reached")
        no_axe_violations(page, "failed")
        page.goto(server.url + "/")
        expect(page.locator("#jobs tbody")).to_contain_text("the WAWP API could not be reached")


def test_an_error_sits_beside_its_box_and_the_header_row_keeps_what_was_typed(
        page: object, tmp_path: Path) -> None:  # noqa: F811
    upload(page, numbers_file(tmp_path, "five.csv", 5, "0111"))
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    box = page.locator("#header-row")
    box.fill("99")
    box.press("Tab")
    error = page.locator("#header-row-error")
    expect(error).to_contain_text("header row 99 is past the end of the file (the file has 6 rows)")
    expect(box).to_have_value("99")  # what was typed and saved, not the row found before
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_attribute("aria-describedby", "header-row-error")
    no_axe_violations(page, "a setting's error")
    box.fill("1")
    box.press("Tab")
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    expect(error).to_be_hidden()
    expect(box).to_have_attribute("aria-invalid", "false")

    names = page.locator("#last-name-format")
    names.fill("{Company")
    names.press("Tab")
    expect(page.locator("#last-name-format-error")).to_contain_text("without its")
    expect(names).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_attribute("aria-invalid", "false")
    names.fill("")
    names.press("Tab")
    expect(page.locator("#last-name-format-error")).to_be_hidden()


def test_a_second_tab_catches_up_after_a_409(page: object, browser: object,  # noqa: F811
                                             server: ServeProcess,  # noqa: F811
                                             sandbox: SandboxProcess, tmp_path: Path) -> None:
    upload(page, numbers_file(tmp_path, "two-tabs.csv", 6, "0112"))
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    other = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
    try:
        other.goto(page.url)
        expect(other.locator("#import")).to_be_enabled()
        page.click("#import")
        expect(page.locator("#phase")).to_have_text("Import finished")
        # the other tab still offers the import it no longer can do
        expect(other.locator("#import")).to_be_visible()
        other.click("#import")
        expect(other.locator("#phase")).to_have_text("Import finished")
        expect(other.locator("#message")).to_contain_text("This job changed meanwhile")
        expect(other.locator("#import")).to_be_hidden()
    finally:
        other.close()
    assert set(sandbox.state()["put_counts"].values()) == {1}


def test_on_a_phone_every_scroll_box_is_reachable_by_keyboard(
        browser: object, server: ServeProcess, tmp_path: Path) -> None:  # noqa: F811
    """At 390 px the preview, the mapping and the example rows scroll inside their boxes:
    axe checks each box can be reached and scrolled by keyboard, and is named."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",  # type: ignore[attr-defined]
                                  base_url=server.url, is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)
    tab = context.new_page()
    try:
        wide = [["Name", "Company", "Mobile", "A very long column header indeed"]] + [
            [f"Someone With A Long Name {i}", "Nile Traders International",
             f"0113 {7000000 + i:07d}" if i % 4 else "12", "x" * 40] for i in range(12)]
        upload(tab, write_csv(tmp_path / "narrow.csv", wide))
        expect(tab.locator("#phase")).to_have_text("Checked: ready to import")
        tab.click("#preview .reasons details summary")
        boxes = tab.locator(".scroll").evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => e.scrollWidth > e.clientWidth)")
        assert sum(boxes) >= 2  # the preview and the example rows do scroll here
        no_axe_violations(tab, "checked, on a phone")
        preview = tab.locator("#preview .scroll").first
        expect(preview).to_have_attribute("tabindex", "0")
        expect(preview).to_have_attribute("aria-label", "Preview table")
    finally:
        context.close()
