"""Keyboard only (issue 17): a lead signs in, uploads a return, is taken to the error summary (focus
moves to it, as the GOV.UK pattern does), uploads the corrected file and confirms it, with the
keyboard and nothing else: no click, no mouse."""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from etl.sample import write_return
from tests.appserver import start_app, stop_app
from tests.e2e.browser import WAIT_MS
from tests.helpers import valid_return
from wdp.domain import ReportingPeriod

PERIOD = ReportingPeriod(2018, 3)  # after every sample return, so nothing is replaced
FOCUSED = "document.activeElement"


def focused_text(page: Page) -> str:
    return page.evaluate(f"() => ({FOCUSED}.innerText || {FOCUSED}.value || '').trim()")


def tab_until(page: Page, condition: str, what: str, *, limit: int = 80) -> None:
    """Press Tab until the JavaScript ``condition`` on the focused element ``e`` holds."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = {FOCUSED}; return Boolean({condition}); }}"):
            return
        passed.append(
            page.evaluate(
                f"() => {{ const e = {FOCUSED}; return [e.tagName, e.getAttribute('data-testid'),"
                " e.getAttribute('aria-label'), (e.innerText || '').slice(0, 30)].join(' '); }"
            )
        )
    raise AssertionError(f"Tab never reached {what}; it went through: {passed}")


def tab_to(page: Page, name: str) -> None:
    """Tab to the control whose text or label says ``name``."""
    tab_until(
        page,
        f"[e.innerText, e.getAttribute('aria-label')].join(' ').includes({name!r})",
        name,
    )


def settled(page: Page) -> None:
    """The page's script run has finished (its widgets are the live ones)."""
    page.wait_for_timeout(500)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=WAIT_MS)


def upload_with_keys(page: Page, path: Path) -> None:
    """Tab to the uploader's button and press Enter: the file dialog opens. (A page that reruns
    just then can swallow the key press, as it would a person's: they press it again.)"""
    for attempt in range(3):
        settled(page)
        tab_until(
            page,
            "e.tagName === 'BUTTON' && e.closest('[data-testid=\"stFileUploader\"]')"
            " && (e.innerText.trim().endsWith('Upload')"
            " || (e.getAttribute('aria-label') || '').startsWith('Add files'))",
            "the file uploader's button",
        )
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Enter")
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            continue
        chooser.value.set_files(str(path))
        return


def test_sign_in_upload_read_the_errors_and_confirm_with_the_keyboard_alone(
    page: Page, seeded_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "wdp.duckdb"  # its own app: the return it loads changes no other test's
    shutil.copy(seeded_db, db)
    server, app_url = start_app(db, tmp_path / "server.log")
    try:
        keyboard_only(page, app_url, tmp_path)
    finally:
        stop_app(server)


def keyboard_only(page: Page, app_url: str, tmp_path: Path) -> None:
    page.goto(f"{app_url}/sign-in?next=%2FUpload")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=WAIT_MS)
    tab_until(page, "e.id === 'email'", "the email field")
    page.keyboard.type("lead.preston@example.nhs.uk")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-lead-preston")
    page.keyboard.press("Enter")
    page.wait_for_url("**/Upload**", timeout=WAIT_MS)
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=WAIT_MS)

    wrong = valid_return(PERIOD, pathfinder="WDP-PRE")
    wrong.training[0][5] = -3  # a negative count
    wrong.screening[0][6] = 999_999  # numerator above denominator
    upload_with_keys(page, write_return(wrong, tmp_path / "preston_q3.xlsx"))
    summary = page.locator('[data-testid="stAlertContentError"]').first
    expect(summary).to_contain_text("There are 2 problems", timeout=WAIT_MS)
    # Focus has moved to the error summary: a screen reader reads it; Tab goes on from it.
    page.wait_for_function(
        f"() => {FOCUSED}.innerText.includes('There are 2 problems')", timeout=WAIT_MS
    )
    text = focused_text(page)
    assert "sheet Training, row 4, column 'Champions trained'" in text
    assert "sheet Screening, row 4, column 'Numerator'" in text

    upload_with_keys(
        page, write_return(valid_return(PERIOD, pathfinder="WDP-PRE"), tmp_path / "fixed.xlsx")
    )
    expect(page.get_by_text("The return is valid")).to_be_visible(timeout=WAIT_MS)
    settled(page)
    tab_to(page, "Confirm and load this return")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Loaded. Every page now shows the new figures.")).to_be_visible(
        timeout=WAIT_MS
    )
