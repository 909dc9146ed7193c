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

from tests.support.cli import REPO, read_results, write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import ServeProcess

pytestmark = pytest.mark.browser

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


def people_file(folder: Path, count: int = 30, *, first: int = 0) -> Path:
    """Contacts whose "Phone" is their company's switchboard and "Personal mobile" their own:
    the reader picks "Personal mobile" by its header (a mobile before a plain phone). `first`
    shifts the mobiles, so a test can have numbers the server's ledger has not seen."""
    rows: list[list[str]] = [["Name", "Company", "Phone", "Personal mobile"]]
    for i in range(count):
        company, switchboard = COMPANIES[i % len(COMPANIES)]
        name = PEOPLE[i % len(PEOPLE)] + ("" if i < len(PEOPLE) else f" {i}")
        rows.append([name, company, switchboard, f"0100 {5000000 + (first + i) * 37:07d}"])
    return write_csv(folder / "customers.csv", rows)


def chat_id(personal: str) -> str:
    return "20" + re.sub(r"\D", "", personal)[1:] + "@c.us"


def role_of(page: object, column: str) -> object:
    """The role list of `column` in the mapping table."""
    return page.locator(f'#mapping tr[data-spec="{column}"] select')  # type: ignore[attr-defined]


def upload(page: object, path: Path) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    # the script listens to the picker once it knows the server (#formats is then filled)
    expect(page.locator("#formats")).not_to_be_empty()  # type: ignore[attr-defined]
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
    # the mobiles are chosen by their header, not the switchboard under "Phone"
    expect(role_of(page, "Personal mobile")).to_have_value("phone")
    expect(page.locator("#preview .counts")).to_have_text("ready 30")
    expect(page.locator('#mapping tr[data-spec="Personal mobile"] td.samples')).to_contain_text(
        "0100 5000000")
    expect(role_of(page, "Name")).to_have_value("name")
    expect(role_of(page, "Company")).to_have_value("")
    # the switchboard column alone: every row has the same number
    role_of(page, "Phone").select_option("phone")
    expect(page.locator('#mapping tr[data-spec="Phone"] .rank')).to_contain_text("fallback")
    role_of(page, "Personal mobile").select_option("")
    expect(role_of(page, "Personal mobile")).to_have_value("")
    expect(role_of(page, "Phone")).to_have_value("phone")
    expect(page.locator('#preview .chip[data-status="duplicate"]')).to_have_text("duplicate 27")
    page.click("#preview .reasons details summary")  # the example rows of the top reason
    expect(page.locator("#preview .reasons table.examples").first).to_contain_text("Nile Traders")
    page.screenshot(path=str(shots / "check.png"), full_page=True)

    # Personal as a second phone column, moved first; then the switchboard column ignored
    role_of(page, "Personal mobile").select_option("phone")
    expect(page.locator('#mapping tr[data-spec="Personal mobile"] .rank')).to_have_text(
        "2nd (fallback)")
    page.click('#mapping tr[data-spec="Personal mobile"] button')
    expect(page.locator('#mapping tr[data-spec="Personal mobile"] .rank')).to_have_text("1st")
    expect(page.locator("#preview .counts")).to_have_text("ready 30")
    expect(role_of(page, "Phone")).to_be_enabled()
    page.locator("#columns").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "phone-column.png"))
    role_of(page, "Phone").select_option("")
    expect(role_of(page, "Phone")).to_have_value("")
    expect(role_of(page, "Personal mobile")).to_have_value("phone")
    expect(page.locator("#preview .counts")).to_have_text("ready 30")
    rows = page.locator("#preview-table tbody tr")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text(chat_id("0100 5000000"))
    expect(rows.first).to_contain_text("Ahmed")
    expect(page.locator("#import")).to_have_text(
        f"Import 30 contacts into instance {sandbox.instance_id}")

    # slow enough to see progress; two numbers WAWP refuses, for the retry button
    refused = [chat_id(f"0100 {5000000 + i * 37:07d}") for i in (3, 17)]
    sandbox.configure(latency=0.12, bad_request_chat_ids=refused)
    page.click("#import")
    expect(page.locator("#progress-text")).to_contain_text(re.compile(r"[1-9]\d* of 30 contacts"))
    expect(page.locator("#check-details")).not_to_have_attribute("open", "")
    page.screenshot(path=str(shots / "import.png"))
    # the 2 rows WAWP refused were answered, not sent
    expect(page.locator("#progress-text")).to_contain_text(
        "100 % — 28 of 30 contacts sent; 2 failed", timeout=30_000)
    expect(page.locator("#results-head")).to_contain_text("28 of 30 contacts sent; 2 failed")
    expect(page.locator("#phase")).to_have_text("Import finished: 2 rows failed")
    expect(page.locator('#chart .chart-row[data-status="ok"] .count')).to_have_text("28")
    expect(page.locator('#chart .chart-row[data-status="failed"] .count')).to_have_text("2")
    expect(page.locator("#remaining")).to_have_text("Send the remaining 2 rows")
    expect(page.locator("#import")).to_be_hidden()
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
    first_job = page.url
    page.click("#remaining")
    page.wait_for_url(lambda url: url != first_job and "/jobs/" in url)
    expect(page.locator("#job-meta")).to_contain_text("re-sends the failed rows")
    expect(page.locator("#phase")).to_have_text("Import finished", timeout=30_000)
    expect(page.locator('#chart .chart-row[data-status="ok"] .count')).to_have_text("30")
    expect(page.locator("#progress-text")).to_contain_text("2 of 2 contacts sent")
    expect(page.locator("#results-head")).to_contain_text("2 contacts sent")
    assert len(sandbox.state()["contacts"]) == 30
    page.goto(first_job)  # the parent's remaining rows were taken by the retry
    expect(page.locator("#taken")).to_contain_text("sent by its retry job")
    expect(page.locator("#remaining")).to_be_hidden()


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
    expect(progress).to_contain_text(re.compile(r"[1-9]\d* of 120 contacts"))

    page.reload()
    assert page.url == job_url
    expect(page.locator("#phase")).to_have_text("Importing…")
    expect(progress).to_contain_text(re.compile(r"[1-9]\d* of 120 contacts"))
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
        expect(later).to_contain_text("100 % — 120 of 120 contacts sent", timeout=30_000)
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


# -- never sent twice, honest states ---------------------------------------------------------------

def phase_colour(page: object) -> str:
    return page.eval_on_selector("#phase", "el => getComputedStyle(el).color")  # type: ignore[attr-defined]


def stopped_counts(page: object) -> tuple[int, int]:
    text = page.locator("#phase").inner_text()  # type: ignore[attr-defined]
    found = re.search(r"Stopped after ([\d,]+) of ([\d,]+)", text)
    assert found, text
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def test_a_restart_mid_import_then_the_remaining_rows_send_each_number_once(
        browser: object, sandbox: SandboxProcess, tmp_path: Path, shots: Path) -> None:
    """The server restarts mid-import; the job offers one action, "Send the remaining N"; that
    run is stopped from the page and sent on again: every number reaches WAWP exactly once."""
    source = write_csv(tmp_path / "restart.csv", [["Name", "Mobile"]] + [
        [f"Client {i}", f"0102 {4000000 + i:07d}"] for i in range(120)])
    data = tmp_path / "data"
    args = ("--data-dir", data, "--rate", "0", "--concurrency", "2", "--default-region", "EG")
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")  # type: ignore[attr-defined]
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve1.log") as first:
            page.goto(first.url + "/")
            expect(page.locator("#formats")).not_to_be_empty()  # the picker is listened to
            page.set_input_files("#file", str(source))
            page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
            expect(page.locator("#import")).to_have_text(
                f"Import 120 contacts into instance {sandbox.instance_id}")
            job_path = page.url.removeprefix(first.url)
            sandbox.configure(latency=0.08)
            page.click("#import")
            expect(page.locator("#progress-text")).to_contain_text(
                re.compile(r"[1-9]\d* of 120 contacts"))
            first.stop()  # SIGTERM, as a service manager stops it
            expect(page.locator("#connection")).to_have_text("Connection lost, retrying…")
        assert sandbox.token not in first.log()
        sent_before = sum(sandbox.state()["put_counts"].values())
        assert 0 < sent_before < 120

        sandbox.configure(latency=0.08)
        with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve2.log") as second:
            page.goto(second.url + job_path)
            phase = page.locator("#phase")
            expect(phase).to_contain_text("— the server stopped")
            assert stopped_counts(page) == (sent_before, 120)
            assert "Import finished" not in phase.inner_text()
            assert phase_colour(page) == "rgb(138, 90, 0)"  # amber, not the finished green
            bar = page.locator("#progress-bar")
            expect(bar).to_have_attribute("aria-valuenow", str(sent_before))
            expect(bar).to_have_attribute("aria-valuemax", "120")
            left = 120 - sent_before
            expect(page.locator("#remaining")).to_have_text(f"Send the remaining {left} rows")
            expect(page.locator("#import")).to_be_hidden()
            expect(page.locator("button:visible", has_text=re.compile("Retry|Import"))
                   ).to_have_count(0)
            page.screenshot(path=str(shots / "stopped.png"))

            page.click("#remaining")
            expect(page.locator("#progress-text")).to_contain_text(
                re.compile(rf"[1-9]\d* of {left} contacts"))
            page.click("#stop")
            expect(phase).to_contain_text("— stopped from the page")
            done, total = stopped_counts(page)  # the whole job's rows, across its runs
            assert total == 120 and sent_before < done < 120
            done -= sent_before
            assert phase_colour(page) == "rgb(138, 90, 0)"
            expect(page.locator("#progress-text")).not_to_contain_text("100 %")
            expect(page.locator("#results-head")).to_contain_text("stopped from the page")
            last = left - done
            expect(page.locator("#remaining")).to_have_text(
                f"Send the remaining {last} row{'s' if last != 1 else ''}")

            sandbox.configure(latency=0)
            page.click("#remaining")
            expect(phase).to_have_text("Import finished")
            expect(page.locator("#progress-text")).to_contain_text(
                f"100 % — {last} of {last} contacts sent")
            expect(page.locator("#remaining")).to_be_hidden()
            expect(page.locator("#import")).to_be_hidden()
            expect(page.locator('#chart .chart-row[data-status="ok"] .count')).to_have_text("120")
        counts = sandbox.state()["put_counts"]
        assert len(counts) == 120 and set(counts.values()) == {1}
    finally:
        context.close()


def test_a_restart_after_a_kill_shows_what_the_journal_says_was_sent(
        browser: object, sandbox: SandboxProcess, tmp_path: Path, shots: Path) -> None:
    """The server is killed (SIGKILL: nothing of it runs after) mid-import; restarted, the job
    shows what was really sent, from its journal, and sends only the rest."""
    source = write_csv(tmp_path / "killed.csv", [["Name", "Mobile"]] + [
        [f"Client {i}", f"0106 {4000000 + i:07d}"] for i in range(80)])
    data = tmp_path / "data"
    args = ("--data-dir", data, "--rate", "0", "--concurrency", "2", "--default-region", "EG")
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")  # type: ignore[attr-defined]
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve1.log") as first:
            page.goto(first.url + "/")
            expect(page.locator("#formats")).not_to_be_empty()
            page.set_input_files("#file", str(source))
            page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
            job_path = page.url.removeprefix(first.url)
            sandbox.configure(latency=0.08)
            page.click("#import")
            expect(page.locator("#progress-text")).to_contain_text(
                re.compile(r"[1-9]\d* of 80 contacts"))
            first.kill()
        at_kill = dict(sandbox.state()["put_counts"])
        assert 0 < len(at_kill) < 80

        sandbox.configure(replace=True)
        with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve2.log") as second:
            page.goto(second.url + job_path)
            phase = page.locator("#phase")
            expect(phase).to_contain_text("— the server stopped without finishing the import")
            sent, total = stopped_counts(page)
            # the journal's count: every answered row, at most the requests in flight short
            assert total == 80 and sent <= len(at_kill) <= sent + 2
            expect(page.locator('#chart .chart-row[data-status="ok"] .count')).to_have_text(
                str(sent))
            expect(page.locator('#chart .chart-row[data-status="not_attempted"] .count')
                   ).to_have_text(str(80 - sent))
            expect(page.locator("#download-csv")).to_be_visible()
            expect(page.locator("#remaining")).to_have_text(f"Send the remaining {80 - sent} rows")
            expect(page.locator("button:visible", has_text=re.compile("Import|again"))
                   ).to_have_count(0)
            assert "nothing was sent" not in page.locator("main").inner_text()
            page.screenshot(path=str(shots / "recovered.png"))

            page.click("#remaining")
            expect(phase).to_have_text("Import finished")
            expect(page.locator('#chart .chart-row[data-status="ok"] .count')).to_have_text("80")
        counts = sandbox.state()["put_counts"]
        assert len(counts) == 80
        assert sum(counts.values()) - sum(at_kill.values()) <= 80 - sent
    finally:
        context.close()


def test_the_same_file_again_is_already_there_and_can_be_sent_again_anyway(
        page: object, sandbox: SandboxProcess, tmp_path: Path, shots: Path) -> None:
    source = write_csv(tmp_path / "weekly.csv", [["Name", "Mobile"]] + [
        [f"Member {i}", f"0105 {1000000 + i:07d}"] for i in range(12)])
    upload(page, source)
    page.click("#import")
    expect(page.locator("#phase")).to_have_text("Import finished")
    expect(page.locator("#already")).to_be_hidden()

    upload(page, source)
    phase = page.locator("#phase")
    expect(phase).to_have_text("Checked: already in the address book")
    already = page.locator("#already")
    expect(already).to_have_text(re.compile(
        r"^All 12 contacts are already in the address book \(sent on \d{1,2} \w{3} \d{4}\)\.$"))
    expect(page.locator("#import")).to_be_hidden()
    expect(page.locator("#nothing")).to_be_hidden()
    resend = page.locator("#resend")
    expect(resend).to_have_text("Send again anyway")
    expect(page.locator("#import-card button:visible")).to_have_count(1)
    expect(page.locator("#changed-only")).to_have_count(0)  # the record decides, no box
    page.locator("#import-card").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "already.png"))
    puts = sandbox.state()["puts"]

    resend.click()
    expect(phase).to_have_text("Import finished")
    expect(page.locator('#chart .chart-row[data-status="ok"] .count')).to_have_text("12")
    expect(resend).to_be_hidden()
    state = sandbox.state()
    assert state["puts"] == puts + 12
    assert {n for k, n in state["put_counts"].items() if k.startswith("2010510")} == {2}


def test_nothing_to_send_says_so_and_one_contact_is_one_contact(page: object,
                                                                tmp_path: Path) -> None:
    upload(page, write_csv(tmp_path / "none.csv", [["Name", "Mobile"], ["A", "12"], ["B", ""]]))
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    expect(page.locator("#nothing")).to_contain_text("Nothing to send")
    expect(page.locator("#import")).to_be_hidden()
    upload(page, write_csv(tmp_path / "one.csv", [["Name", "Mobile"], ["A", "0100 7654321"]]))
    expect(page.locator("#import")).to_have_text(re.compile(r"^Import 1 contact into"))
    expect(page.locator("#nothing")).to_be_hidden()


# -- errors at the field, no dead ends -------------------------------------------------------------

def test_an_empty_sheet_then_back_to_the_sheet_with_data(page: object, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Contacts"
    sheet.append(["Name", "Mobile"])
    for i in range(5):
        sheet.append([f"Person {i}", f"0100 {6000000 + i:07d}"])
    book.create_sheet("Empty")
    path = tmp_path / "two-sheets.xlsx"
    book.save(path)
    upload(page, path)
    expect(page.locator("#rows")).to_have_text("5")
    page.select_option("#sheet", "Empty")
    expect(page.locator("#message")).to_contain_text("sheet 'Empty' is empty")
    # the list shows the sheet that was chosen, as the saved setting says
    expect(page.locator("#sheet")).to_have_value("Empty")
    page.select_option("#sheet", "Contacts")
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    expect(page.locator("#sheet")).to_have_value("Contacts")
    expect(page.locator("#preview .counts")).to_have_text("ready 5")
    job = page.evaluate("() => fetch(location.pathname.replace('/jobs/', '/api/jobs/'))"
                        ".then(r => r.json())")
    assert job["settings"]["sheet"] == "Contacts" and job["table"]["sheet"] == "Contacts"


def test_a_bad_region_is_shown_at_its_box_and_the_mapping_stays(page: object,
                                                                 tmp_path: Path) -> None:
    # mobiles of its own: the module's server has sent the first 30 (its ledger has them)
    upload(page, people_file(tmp_path, 6, first=100))
    # a mapping of the user's own: the switchboard column first, the mobiles as its fallback
    role_of(page, "Phone").select_option("phone")
    page.click('#mapping tr[data-spec="Phone"] button')
    expect(page.locator('#mapping tr[data-spec="Phone"] .rank')).to_have_text("1st")
    counts = page.locator("#preview .counts")
    expect(counts).to_have_text("ready 6")
    expect(page.locator("#default-region")).to_have_value("EG")
    page.fill("#default-region", "XX")
    page.press("#default-region", "Tab")
    error = page.locator("#region-error")
    expect(error).to_contain_text("'XX' is not a region")
    expect(page.locator("#default-region")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#message")).to_be_hidden()
    expect(page.locator('#mapping tr[data-spec="Phone"] .rank')).to_have_text("1st")
    expect(page.locator('#mapping tr[data-spec="Personal mobile"] .rank')).to_have_text(
        "2nd (fallback)")
    expect(counts).to_have_text("ready 6")
    page.fill("#default-region", "eg")
    page.press("#default-region", "Tab")
    expect(error).to_be_hidden()
    expect(page.locator("#default-region")).to_have_value("EG")


def test_the_region_comes_from_the_instance_and_a_foreign_file_is_named(
        browser: object, sandbox: SandboxProcess, tmp_path: Path, shots: Path) -> None:
    """No --default-region: the region is the instance's own number's (the sandbox's is
    +1 555…: US), shown as a value; an Egyptian region on a US file is warned about."""
    us = write_csv(tmp_path / "us.csv", [["Name", "Phone"]] + [
        [f"Client {i}", f"(201) 555-{100 + i:04d}"] for i in range(12)])
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")  # type: ignore[attr-defined]
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        with ServeProcess("--data-dir", tmp_path / "data", env=sandbox.env(),
                          log=tmp_path / "serve.log") as server:
            page.goto(server.url + "/")
            expect(page.locator("#formats")).not_to_be_empty()  # the picker is listened to
            page.set_input_files("#file", str(us))
            page.wait_for_url(re.compile(r"/jobs/[\w-]+$"))
            region = page.locator("#default-region")
            expect(region).to_have_value("US")
            assert region.get_attribute("placeholder") in (None, "")
            expect(page.locator("#region-hint")).to_contain_text(
                "from the instance's own number, +15550100000")
            expect(page.locator("#preview .counts")).to_have_text("ready 12")
            expect(page.locator("#region-warning")).to_be_hidden()
            first = page.locator("#preview-table tbody tr").first
            expect(first).to_contain_text("12015550100@c.us")

            page.fill("#default-region", "EG")
            page.press("#default-region", "Tab")
            warning = page.locator("#region-warning")
            expect(warning).to_contain_text("This file may not be from Egypt (EG)")
            expect(warning).to_contain_text("Change the region to US")
            expect(warning).to_contain_text("the United States")
            warning.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "region.png"))
    finally:
        context.close()


def test_the_page_speaks_without_command_line_flags(page: object, tmp_path: Path) -> None:
    rows = [["Name", "Mobile"], ["Nameless", ""], ["", "0100 1112223"], ["Ok", "0100 1112224"]]
    upload(page, write_csv(tmp_path / "words.csv", rows))
    # the check has drawn the page: a region typed before that would be drawn over
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    page.fill("#default-region", "")
    page.press("#default-region", "Tab")
    # an empty box is the server's region (--default-region EG), which the check reads the
    # numbers in: the hint says so rather than "No region"
    expect(page.locator("#region-hint")).to_contain_text(
        "read as EG numbers (the server's setting)")
    expect(page.locator("#preview .reasons")).to_be_visible()
    text = page.locator("main").inner_text()
    assert not re.search(r"--[a-z]", text), text
    assert "Ctrl-C" not in text


# -- operations ----------------------------------------------------------------------------------

def test_the_job_list_is_newest_first_filtered_and_cleared_and_names_are_safe(
        page: object, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"%PDF-1.7\n" + b"0" * 100)
    upload(page, bad)
    expect(page.locator("#phase")).to_have_text("This file cannot be imported as it is")
    tricky = write_csv(tmp_path / "invoice\u202egpj.exe.csv",
                       [["Name", "Mobile"], ["A", "0100 7654320"]])
    upload(page, tricky)
    expect(page.locator("#job-name")).to_have_text("invoice[U+202E]gpj.exe.csv")
    page.goto("/")
    rows = page.locator("#jobs tbody tr")
    expect(rows.first).to_contain_text("invoice[U+202E]gpj.exe.csv")
    expect(rows.nth(1)).to_contain_text("bad.xlsx")
    created = page.evaluate("() => fetch('/api/jobs').then(r => r.json())"
                            ".then(d => d.jobs.map(j => j.created))")
    assert created == sorted(created, reverse=True)
    assert "\u202e" not in page.locator("#jobs").inner_text()

    page.select_option("#job-filter", "unreadable")
    expect(page.locator('#jobs tbody tr[data-phase]')).not_to_have_count(0)
    phases = page.locator("#jobs tbody tr[data-phase]").evaluate_all(
        "rows => rows.map(r => r.dataset.phase)")
    assert set(phases) == {"invalid"}
    page.click("#clear-unreadable")
    expect(page.locator("#jobs-status")).to_contain_text("Deleted")
    expect(page.locator('#jobs tbody tr[data-phase="invalid"]')).to_have_count(0)
    page.select_option("#job-filter", "")
    expect(page.locator('#jobs tbody tr[data-phase="invalid"]')).to_have_count(0)
    expect(page.locator("#jobs")).to_contain_text("invoice[U+202E]gpj.exe.csv")


def no_sideways_scroll(page: object) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")  # type: ignore[attr-defined]
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window"


def test_a_phone_width_has_no_sideways_scrolling(browser: object, server: ServeProcess,
                                                 sandbox: SandboxProcess, tmp_path: Path,
                                                 shots: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",  # type: ignore[attr-defined]
                                  base_url=server.url, is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        wide = [["Name", "Company", "Phone", "Personal mobile", "A very long column header indeed",
                 "Notes"]] + [[f"Someone With A Long Name {i}", "Nile Traders International",
                               # every fourth mobile is unusable: a row falls back to
                               # the switchboard, so there are reasons to open
                               "02 2345 6789", f"0100 {7000000 + i:07d}" if i % 4 else "12",
                               "x" * 40,
                               "a note without spaces " + "y" * 50] for i in range(12)]
        upload(page, write_csv(tmp_path / "a-rather-long-file-name-for-a-phone-screen.csv", wide))
        expect(page.locator("#phase")).to_have_text("Checked: ready to import")
        page.click("#preview .reasons details summary")
        no_sideways_scroll(page)
        if role_of(page, "Phone").input_value() != "phone":
            role_of(page, "Phone").select_option("phone")
        expect(page.locator('#mapping tr[data-spec="Phone"] .rank')).to_be_visible()
        no_sideways_scroll(page)
        page.locator("#columns").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "phone.png"))
        page.click("#import")
        expect(page.locator("#phase")).to_have_text(re.compile("Import finished"))
        page.click("#result-reasons details summary")
        no_sideways_scroll(page)
        boxes = page.locator(".scroll").evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => e.scrollWidth > e.clientWidth)")
        assert any(boxes)  # the wide tables scroll inside their box instead
        page.goto("/")
        no_sideways_scroll(page)
    finally:
        context.close()


def test_keyboard_focus_on_upload_and_the_live_status_is_calm(page: object, sandbox: SandboxProcess,
                                                              tmp_path: Path) -> None:
    page.goto("/")
    label = page.locator("label.button[for=file]")
    assert label.evaluate("el => getComputedStyle(el).outlineStyle") == "none"
    page.focus("#file")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "file"
    assert label.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"

    upload(page, write_csv(tmp_path / "calm.csv", [["Name", "Mobile"]] + [
        [f"P {i}", f"0103 {1000000 + i:07d}"] for i in range(100)]))
    # record when the live region changes, and what the phase was
    page.evaluate("""() => {
        window.changes = [];
        new MutationObserver(() => window.changes.push(
            [Date.now(), document.getElementById('announce').textContent]))
          .observe(document.getElementById('announce'), {childList: true, characterData: true,
                                                          subtree: true});
    }""")
    assert page.get_attribute("#progress-text", "role") is None
    assert page.get_attribute("#progress-text", "aria-live") is None
    sandbox.configure(latency=0.2)
    page.click("#import")
    bar = page.locator("#progress-bar")
    expect(bar).to_have_attribute("role", "progressbar")
    expect(bar).to_have_attribute("aria-valuemax", "100")
    expect(page.locator("#phase")).to_have_text("Import finished", timeout=60_000)
    expect(bar).to_have_attribute("aria-valuenow", "100")
    changes = page.evaluate("() => window.changes")
    importing = [at for at, text in changes if text.startswith("Importing")]
    # the progress is read out every few seconds at most (phase changes are read at once)
    gaps = [b - a for a, b in zip(importing, importing[1:])]
    assert importing and all(gap >= 4000 for gap in gaps), gaps
    polls = page.evaluate("() => performance.getEntriesByType('resource')"
                          ".filter(e => e.name.includes('/api/jobs/')).length")
    assert len(changes) < polls / 3, (len(changes), polls)


def test_waiting_for_another_import_names_its_file_with_a_link(page: object, browser: object,
                                                               server: ServeProcess,
                                                               sandbox: SandboxProcess,
                                                               tmp_path: Path) -> None:
    upload(page, write_csv(tmp_path / "first-batch.csv", [["Name", "Mobile"]] + [
        [f"F {i}", f"0104 {1000000 + i:07d}"] for i in range(60)]))
    first = page.url
    upload(page, write_csv(tmp_path / "second-batch.csv", [["Name", "Mobile"]] + [
        [f"S {i}", f"0104 {2000000 + i:07d}"] for i in range(3)]))
    second = page.url
    other = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
    try:
        sandbox.configure(latency=0.1)
        other.goto(first)
        other.click("#import")
        expect(other.locator("#phase")).to_have_text("Importing…")
        page.click("#import")
        phase = page.locator("#phase")
        expect(phase).to_have_text("Waiting for another import to this instance to finish: "
                                   "first-batch.csv")
        expect(phase.locator("a")).to_have_attribute("href", first.removeprefix(server.url))
        expect(phase).to_have_text("Import finished", timeout=60_000)
        expect(other.locator("#phase")).to_have_text("Import finished")
    finally:
        other.close()
    assert page.url == second
