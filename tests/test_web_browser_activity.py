"""The sign-in form of named users and the Activity view, in headless Chromium against
`wawp-import serve --users` and the sandbox: a wrong password is refused, the right one
signs in, and the Activity view lists who did what, filters it and downloads it as CSV.

With SAVE_SCREENSHOTS=1 it writes docs/screenshots/activity.png (and sign-in.png)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import clean_env
from tests.support.sandbox import SandboxProcess
from tests.test_web_browser import VIEWPORT, browser, people_file, shots, upload  # noqa: F401
from tests.test_web_browser_promises import no_axe_violations
from tests.web.support import ServeProcess

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")
expect = sync_api.expect


@pytest.fixture
def users_server(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[ServeProcess]:
    """`wawp-import serve --users FILE`, with users whose hashes the command made."""
    lines = []
    for name, password in (("amira", "nile-42 river"), ("bassem", "delta 7")):
        made = subprocess.run([sys.executable, "-m", "importer", "serve", "--hash-password"],
                              input=password, capture_output=True, text=True, env=clean_env(),
                              timeout=60, check=True)
        lines.append(f"{name}:{made.stdout.strip()}\n")
    (tmp_path / "users").write_text("".join(lines), encoding="utf-8")
    with ServeProcess("--data-dir", tmp_path / "data", "--rate", "0", "--concurrency", "2",
                      "--default-region", "EG", "--users", tmp_path / "users",
                      env=sandbox.env(), log=tmp_path / "serve.log") as process:
        yield process
    assert "2 named users sign in with their name and password." in process.log()
    assert sandbox.token not in process.log()


def test_a_named_user_signs_in_and_the_activity_view_says_who_did_what(
        browser: object, users_server: ServeProcess, sandbox: SandboxProcess,  # noqa: F811
        tmp_path: Path, shots: Path) -> None:  # noqa: F811
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True,  # type: ignore[attr-defined]
                                  base_url=users_server.url, locale="en-US",
                                  timezone_id="UTC")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/activity")
    expect(page.locator("h1")).to_have_text("Sign in")
    no_axe_violations(page, "the sign-in form")
    page.fill("#name", "amira")
    page.fill("#password", "delta 7")
    page.click("#sign-in button")
    expect(page.locator("#sign-in-error")).to_have_text("wrong name or password")
    page.fill("#password", "nile-42 river")
    page.screenshot(path=str(shots / "sign-in.png"))
    page.click("#sign-in button")
    # the page asked for comes once signed in
    expect(page.locator("#activity h1")).to_have_text("Activity")
    expect(page.locator("#user")).to_have_text("Signed in as amira")
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["wawp_session"]["httpOnly"] and "nile" not in cookies["wawp_session"]["value"]

    upload(page, people_file(tmp_path, 12))
    expect(page.locator("#phase")).to_have_text("Checked: ready to import")
    page.click("#import")
    expect(page.locator("#results-head")).to_contain_text("12 contacts sent", timeout=30_000)
    with page.expect_download():
        page.click("#download-csv")

    page.click("#activity-link")
    page.wait_for_url(re.compile(r"/activity$"))
    rows = page.locator("#activity-list tbody tr")
    expect(rows.first).to_contain_text("downloaded")
    expect(rows).to_have_count(7)  # wrong password … download, newest first
    expect(rows.nth(1)).to_contain_text("import finished")
    expect(rows.nth(1)).to_contain_text("ok 12")
    expect(rows.nth(1)).to_contain_text("customers.csv")
    expect(rows.nth(1)).to_contain_text(sandbox.instance_id)
    expect(rows.nth(1)).to_contain_text("amira")
    expect(rows.last).to_contain_text("wrong name or password")
    page.screenshot(path=str(shots / "activity.png"), full_page=True)
    no_axe_violations(page, "the activity view")

    page.select_option("#activity-action", "import_end")
    expect(rows).to_have_count(1)
    with page.expect_download() as download:
        page.click("#activity-csv")
    assert download.value.suggested_filename == "activity.csv"
    lines = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert [(r["action"], r["counts"], r["user"]) for r in lines] == [
        ("import_end", "ok 12", "amira")]

    # signed out in another tab: this one shows the sign-in form at its next request
    other = context.new_page()
    other.goto("/")
    other.click("#sign-out")
    expect(other.locator("#sign-in")).to_be_visible()
    page.select_option("#activity-action", "")
    expect(page.locator("#sign-in")).to_be_visible()
    context.close()
