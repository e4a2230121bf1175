"""Reminders in Chromium: a director sends a reminder from the chase list on the Status page; a
real SMTP server on 127.0.0.1 receives it, and the admin's message log (its CSV) records it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

from etl.load import load_return
from tests.appserver import start_app, stop_app
from tests.e2e.browser import WAIT_MS, full_page_screenshot, sign_in
from tests.helpers import write_valid_return
from tests.mailservers import FROM
from wdp.db import open_database
from wdp.domain import ReportingPeriod

Q2 = ReportingPeriod(2018, 2)
PRESTON = "lead.preston@example.nhs.uk"


def test_a_director_sends_a_reminder_from_the_chase_list_and_the_log_records_it(
    page: Page, seeded_db: Path, smtp_server, tmp_path: Path, screenshot_dir: Path
) -> None:
    db = tmp_path / "wdp.duckdb"
    shutil.copy(seeded_db, db)
    stoke = write_valid_return(tmp_path / "stoke-q2.xlsx", Q2, pathfinder="WDP-STK")
    assert load_return(open_database(db), stoke, loaded_by="lead.stoke@example.nhs.uk").status == (
        "accepted"
    )  # now the other 19 pathfinders' 2018-19 Q2 returns are on the chase list
    mailbox, port = smtp_server()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("")
    server, url = start_app(
        db,
        tmp_path / "server.log",
        env={
            "WDP_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "WDP_SMTP_FROM": FROM,
            "WDP_SECRETS": str(secrets),
            "WDP_APP_URL": "https://wdp.example.nhs.uk",
        },
    )
    try:
        sign_in(
            page,
            url,
            "director@example.nhs.uk",
            "demo-director-2017",
            next_path=f"/Pathfinder_status?period={Q2.label.replace(' ', '+')}",
        )
        expect(page.get_by_role("heading", name="Submission tracker")).to_be_visible(
            timeout=WAIT_MS
        )
        # The page has finished its run (a rerun would close an open list), then the return is
        # picked as a person would in a long list: by typing part of its name.
        expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=WAIT_MS)
        form = page.locator('[data-testid="stForm"]').filter(has_text="Send a reminder now")
        form.get_by_role("combobox").click()
        form.get_by_role("combobox").fill("Preston")
        page.get_by_role("option", name=f"Preston: {Q2.label} (Missing)").click()
        form.get_by_role("button", name="Send reminder now").click()
        expect(page.get_by_text(f"Sent to {PRESTON}")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=WAIT_MS)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        full_page_screenshot(page, screenshot_dir / "reminders_status.png")

        [mail] = mailbox.received
        assert mail.rcpt_tos == [PRESTON]
        assert mail.email["Subject"].startswith(f"Your {Q2.label} return for Preston is ")
        assert "https://wdp.example.nhs.uk/Upload?pathfinder=WDP-PRE" in mail.text()

        # The admin's message log records who sent it, and the mail server's id for it.
        page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
        sign_in(page, url, "admin@example.nhs.uk", "demo-admin-2017", next_path="/Admin")
        page.get_by_role("tab", name="Reminders").click()
        expect(page.get_by_text("Message log")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=WAIT_MS)
        with page.expect_download(timeout=WAIT_MS) as download:
            log = page.get_by_role("tabpanel").filter(has_text="Message log")
            log.get_by_role("button", name="Download CSV").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        with path.open(newline="", encoding="utf-8") as handle:
            [row] = list(csv.DictReader(handle))
        assert row["To"] == PRESTON and row["Sent by"] == "director@example.nhs.uk"
        assert row["Status"] == "✔ Sent" and row["Period"] == Q2.label
        assert row["Provider's id"] == mail.email["Message-ID"]
        full_page_screenshot(page, screenshot_dir / "reminders_admin.png")
    finally:
        stop_app(server)
