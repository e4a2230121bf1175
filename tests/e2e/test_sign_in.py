"""Signing in with a password, in Chromium: from any page and back to it with its filters; a
reload and a new tab stay signed in; signing out ends it in every tab; guessing locks an
address, and an admin unlocks it; an admin disabling an account signs it out."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import WAIT_MS, fill_sign_in, full_page_screenshot, sign_in, signed_in_as
from wdp import services
from wdp.config import LOCK_AFTER_FAILURES
from wdp.db import open_database

LEAD = ("lead.stoke@example.nhs.uk", "demo-lead-stoke")
ADMIN = ("admin@example.nhs.uk", "demo-admin-2017")


def test_a_sign_in_comes_back_to_the_page_and_lasts_across_reloads_and_tabs_until_sign_out(
    browser: Browser, app_url: str, screenshot_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/Pathfinder_status?pathfinder=WDP-STK&period=2017-18+Q4")
        assert signed_in_as(page) is None
        # Every page offers a way in; it comes back here, filters included.
        page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Sign in").click()
        page.wait_for_url("**/sign-in?next=**", timeout=WAIT_MS)
        full_page_screenshot(page, screenshot_dir / "sign_in_page.png")
        fill_sign_in(page, *LEAD)
        page.wait_for_url("**/Pathfinder_status?**", timeout=WAIT_MS)
        assert "pathfinder=WDP-STK" in page.url and "period=2017-18" in page.url
        assert LEAD[0] in (signed_in_as(page) or "")
        expect(page.get_by_role("heading", name="Stoke-on-Trent: 2017-18 Q4")).to_be_visible(
            timeout=WAIT_MS
        )
        page.reload()
        assert LEAD[0] in (signed_in_as(page) or "")
        other = context.new_page()  # a new tab of the same browser
        other.goto(f"{app_url}/Upload")
        assert LEAD[0] in (signed_in_as(other) or "")
        expect(other.locator('[data-testid="stFileUploader"]')).to_be_visible(timeout=WAIT_MS)
        full_page_screenshot(other, screenshot_dir / "signed_in_upload.png")

        page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/Pathfinder_status?**", timeout=WAIT_MS)
        assert signed_in_as(page) is None
        # The other tab is signed out too, at its next click (here: moving to another page).
        other.locator('[data-testid="stSidebar"]').get_by_role("link", name="Overview").click()
        expect(other.get_by_role("heading", name="WDP programme dashboard")).to_be_visible(
            timeout=WAIT_MS
        )
        assert signed_in_as(other) is None
        other.goto(f"{app_url}/Upload")
        expect(other.get_by_text("Sign in to continue.")).to_be_visible(timeout=WAIT_MS)
    finally:
        context.close()


def test_repeated_wrong_passwords_lock_the_address_until_an_admin_unlocks_it(
    browser: Browser, app_url: str, screenshot_dir: Path
) -> None:
    guessed = "locked.out@example.nhs.uk"  # no such account: locked all the same
    guesser = browser.new_context()
    try:
        page = guesser.new_page()
        page.goto(f"{app_url}/sign-in?next=/Upload")
        for attempt in range(1, LOCK_AFTER_FAILURES + 1):
            fill_sign_in(page, guessed, f"guess number {attempt}")
            alert = page.get_by_role("alert")
            expected = (
                "paused for 15 minutes" if attempt == LOCK_AFTER_FAILURES else "not recognised"
            )
            expect(alert).to_contain_text(expected, timeout=WAIT_MS)
        full_page_screenshot(page, screenshot_dir / "sign_in_locked.png")
    finally:
        guesser.close()

    admin = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page: Page = admin.new_page()
        sign_in(page, app_url, *ADMIN, next_path="/Admin")
        page.get_by_role("tab", name="Sign-ins").click()
        expect(page.get_by_role("button", name="Unlock")).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("button", name="Unlock").click()
        expect(page.get_by_text(f"{guessed} can sign in again now.")).to_be_visible(timeout=WAIT_MS)
        full_page_screenshot(page, screenshot_dir / "admin_sign_ins.png")
    finally:
        admin.close()


def test_an_admin_disabling_an_account_signs_it_out_everywhere(
    browser: Browser, app_url: str, e2e_db: Path
) -> None:
    email, password = "disable.me@example.nhs.uk", "a viewer pass phrase 42"
    change = services.save_account(
        open_database(e2e_db), email=email, role="viewer", password=password
    )
    assert change.saved, change.problems
    person, admin = (
        browser.new_context(),
        browser.new_context(viewport={"width": 1400, "height": 1000}),
    )
    try:
        page = person.new_page()
        sign_in(page, app_url, email, password, next_path="/Data_quality")
        assert email in (signed_in_as(page) or "")

        desk = admin.new_page()
        sign_in(desk, app_url, *ADMIN, next_path="/Admin")
        chooser = desk.locator('[data-testid="stSelectbox"]').filter(has_text="Account")
        chooser.get_by_role("combobox").click()
        desk.keyboard.type(email)
        desk.keyboard.press("Enter")
        expect(chooser.get_by_role("combobox")).to_have_value(email, timeout=WAIT_MS)
        desk.get_by_role("button", name="Disable").click()
        expect(desk.get_by_text(f"Disabled {email}.")).to_be_visible(timeout=WAIT_MS)

        page.reload()  # the person's next page: signed out, and the page asks them to sign in
        assert signed_in_as(page) is None
        expect(page.get_by_text("Sign in to continue.")).to_be_visible(timeout=WAIT_MS)
    finally:
        person.close()
        admin.close()
