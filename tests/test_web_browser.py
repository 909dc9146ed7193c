"""The real page in headless Chromium, driven by Playwright, against `wawp-import serve` and the
sandbox: upload, change the phone column, preview, import with progress, download the results,
retry the failures, find a running import again after a reload or a closed tab.

Needs Debian's chromium (.ci/run installs it); Playwright only drives it (no browser download).
With SAVE_SCREENSHOTS=1 the screenshots of each step are written to docs/screenshots/ for the
README; otherwise they go to a temporary folder.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import REPO, read_results, write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import ServeProcess

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: `apt-get install chromium` (as .ci/run does)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")
expect = sync_api.expect

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1180, "height": 860}

PEOPLE = ["Ahmed Hassan", "Mona El-Sayed", "Omar Farouk", "Youssef Hassan", "Nour Adel",
          "Karim Mostafa", "Laila Mahmoud", "Tarek Nabil", "Salma Fathy", "Hany Ibrahim",
          "Dina Samir", "Mahmoud Zaki", "Rania Khaled", "Sherif Lotfy", "Yasmin Gamal",
          "Amr Saeed", "Heba Ali", "Mostafa Kamal", "Nadia Hosny", "Ziad Fouad", "Aya Tawfik",
          "Khaled Reda", "Marwa Saleh", "Hossam Adly", "Reem Magdy", "Walid Anwar",
          "Noha Shawky", "Essam Helmy", "Ola Yehia", "Sameh Ragab"]
COMPANIES = [("Nile Traders", "02 2345 6789"), ("Cairo Logistics", "02 3456 7890"),
             ("Delta Foods", "03 456 7890")]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: docs/screenshots with SAVE_SCREENSHOTS=1, else a temporary folder."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        folder = REPO / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxProcess,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """`wawp-import serve` on a free loopback port, writing to the sandbox's instance."""
    folder = tmp_path_factory.mktemp("serve")
    if not sandbox_server.running:
        sandbox_server.start()
    with ServeProcess("--data-dir", folder / "data", "--rate", "0", "--concurrency", "2",
                      "--default-region", "EG", env=sandbox_server.env(),
                      log=folder / "serve.log") as process:
        yield process
    assert sandbox_server.token not in process.log()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, server: ServeProcess) -> Iterator[object]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True,  # type: ignore[attr-defined]
                                  base_url=server.url, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def people_file(folder: Path, count: int = 30) -> Path:
    """Contacts whose "Phone" is their company's switchboard and "Personal" their mobile:
    the reader picks "Personal" by its contents, although only "Phone" says phone."""
    rows: list[list[str]] = [["Name", "Company", "Phone", "Personal"]]
    for i in range(count):
        company, switchboard = COMPANIES[i % len(COMPANIES)]
        name = PEOPLE[i % len(PEOPLE)] + ("" if i < len(PEOPLE) else f" {i}")
        rows.append([name, company, switchboard, f"0100 {5000000 + i * 37:07d}"])
    return write_csv(folder / "customers.csv", rows)


def chat_id(personal: str) -> str:
    return "20" + re.sub(r"\D", "", personal)[1:] + "@c.us"


def upload(page: object, path: Path) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.set_input_files("#file", str(path))  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))  # type: ignore[attr-defined]


def test_upload_check_import_download_and_retry(page: object, sandbox: SandboxProcess,
                                                tmp_path: Path, shots: Path) -> None:
    source = people_file(tmp_path)
    page.goto("/")
    expect(page.locator("#instance")).to_contain_text(sandbox.instance_id)
    expect(page.locator("#formats")).to_contain_text("up to 50.0 MB")
    page.screenshot(path=str(shots / "upload.png"))

    page.set_input_files("#file", str(source))
    page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    expect(page.locator("#kind")).to_have_text("delimited text")
    # the mobiles are chosen by what the column holds, not the switchboards under "Phone"
    expect(page.locator("#phone-column option:checked")).to_have_text("Personal")
    expect(page.locator("#preview .counts")).to_have_text("ready 30")
    page.select_option("#phone-column", label="Phone")
    expect(page.locator("#phone-column option:checked")).to_have_text("Phone")
    expect(page.locator('#preview .chip[data-status="duplicate"]')).to_have_text("duplicate 27")
    page.click("#preview .reasons details summary")  # the example rows of the top reason
    expect(page.locator("#preview .reasons table.examples").first).to_contain_text("Nile Traders")
    page.screenshot(path=str(shots / "check.png"), full_page=True)

    page.select_option("#phone-column", label="Personal")
    expect(page.locator("#phone-column option:checked")).to_have_text("Personal")
    expect(page.locator("#preview .counts")).to_have_text("ready 30")
    rows = page.locator("#preview-table tbody tr")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text(chat_id("0100 5000000"))
    expect(rows.first).to_contain_text("Ahmed")
    expect(page.locator("#import")).to_have_text(
        f"Import 30 contacts into instance {sandbox.instance_id}")
    page.locator("#columns").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "phone-column.png"))

    # slow enough to see progress; two numbers WAWP refuses, for the retry button
    refused = [chat_id(f"0100 {5000000 + i * 37:07d}") for i in (3, 17)]
    sandbox.configure(latency=0.12, bad_request_chat_ids=refused)
    page.click("#import")
    expect(page.locator("#progress-text")).to_contain_text(re.compile(r"[1-9]\d* of 30 rows"))
    expect(page.locator("#check-details")).not_to_have_attribute("open", "")
    page.screenshot(path=str(shots / "import.png"))
    expect(page.locator("#progress-text")).to_contain_text("100 % — 30 of 30 rows",
                                                            timeout=30_000)
    expect(page.locator("#phase")).to_have_text("Import finished")
    expect(page.locator('#chart .chart-row[data-status="ok"] .count')).to_have_text("28")
    expect(page.locator('#chart .chart-row[data-status="failed"] .count')).to_have_text("2")
    expect(page.locator("#retry")).to_have_text("Retry the 2 failed or not attempted rows")
    page.click("#result-reasons details summary")
    page.screenshot(path=str(shots / "results.png"), full_page=True)

    with page.expect_download() as csv_download:
        page.click("#download-csv")
    assert csv_download.value.suggested_filename == "customers.results.csv"
    results = read_results(Path(csv_download.value.path()))
    assert [r["row"] for r in results] == [str(n) for n in range(2, 32)]
    failed = {r["chat_id"] for r in results if r["status"] == "failed"}
    assert failed == set(refused)
    book = sandbox.state()["contacts"]
    assert {r["chat_id"] for r in results if r["status"] == "ok"} == set(book)
    assert book[chat_id("0100 5000000")] == {"firstName": "Ahmed", "lastName": "Hassan"}
    with page.expect_download() as xlsx_download:
        page.click("#download-xlsx")
    workbook = io.BytesIO(Path(xlsx_download.value.path()).read_bytes())
    sheet = openpyxl.load_workbook(workbook, read_only=True).active
    statuses = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert statuses == [r["status"] for r in results]

    sandbox.configure(replace=True)
    page.click("#retry")
    page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
    expect(page.locator("#job-meta")).to_contain_text("re-sends the failed rows")
    expect(page.locator("#phase")).to_have_text("Import finished", timeout=30_000)
    expect(page.locator('#chart .chart-row[data-status="ok"] .count')).to_have_text("30")
    assert len(sandbox.state()["contacts"]) == 30


def test_a_reload_or_a_closed_tab_finds_the_running_import(page: object, browser: object,
                                                           server: ServeProcess,
                                                           sandbox: SandboxProcess,
                                                           tmp_path: Path, shots: Path) -> None:
    source = write_csv(tmp_path / "long.csv", [["Name", "Mobile"]] + [
        [f"Client {i}", f"0101 {3000000 + i:07d}"] for i in range(120)])
    upload(page, source)
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    job_url = page.url
    sandbox.configure(latency=0.05)
    page.click("#import")
    progress = page.locator("#progress-text")
    expect(progress).to_contain_text(re.compile(r"[1-9]\d* of 120 rows"))

    page.reload()
    assert page.url == job_url
    expect(page.locator("#phase")).to_have_text("Importing…")
    expect(progress).to_contain_text(re.compile(r"[1-9]\d* of 120 rows"))
    first = int(re.search(r"(\d+) of 120", progress.inner_text()).group(1))
    page.close()  # the tab is closed; the import goes on on the server

    again = browser.new_page(viewport=VIEWPORT, base_url=server.url)  # type: ignore[attr-defined]
    try:
        again.goto("/")
        link = again.locator(f'#jobs a[href="{job_url.removeprefix(server.url)}"]')
        expect(link).to_have_text("long.csv")
        expect(again.locator(f'#jobs tr[data-job="{job_url.rsplit("/", 1)[1]}"]')
               ).to_contain_text("Importing…")
        again.screenshot(path=str(shots / "jobs.png"))
        link.click()
        assert again.url == job_url
        later = again.locator("#progress-text")
        expect(later).to_contain_text("100 % — 120 of 120 rows", timeout=30_000)
        expect(again.locator("#phase")).to_have_text("Import finished")
        assert first < 120
    finally:
        again.close()
    assert len(sandbox.state()["contacts"]) == 120


def test_a_bad_file_gets_a_clear_message_on_the_page(page: object, tmp_path: Path,
                                                      shots: Path) -> None:
    fake = tmp_path / "contacts.xlsx"
    fake.write_bytes(b"%PDF-1.7\n" + b"0" * 200)
    upload(page, fake)
    expect(page.locator("#phase")).to_have_text("This file cannot be imported as it is")
    expect(page.locator("#message")).to_contain_text("PDF document")
    expect(page.locator("#import")).to_be_disabled()
    page.screenshot(path=str(shots / "bad-file.png"))

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator('#jobs a:has-text("contacts.xlsx")')).to_have_count(0)


def test_the_page_never_asks_anything_of_another_host(page: object, server: ServeProcess) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/")
    expect(page.locator("#instance")).not_to_be_empty()
    assert requested and all(url.startswith(server.url) for url in requested)
