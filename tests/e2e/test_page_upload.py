"""A pathfinder lead's upload in a real browser: sign in, download the template, fill it,
see every problem, fix it, confirm, and see the dashboard change; a viewer gets no upload."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from etl.sample import fill_workbook
from tests.e2e.browser import WAIT_MS, full_page_screenshot, sign_in
from tests.helpers import valid_return, write_valid_return
from wdp.db import queries
from wdp.db.embedded import open_db
from wdp.domain import ReportingPeriod


def open_period(db: Path, pathfinder: str) -> ReportingPeriod:
    """The quarter after the pathfinder's latest return (other tests may have added one)."""
    with open_db(db, read_only=True) as con:
        overview = queries.pathfinder_overview(con)
    latest = overview.loc[overview["pathfinder_code"] == pathfinder, "latest_period"].iloc[0]
    return ReportingPeriod.parse(latest).next()


def upload(page: Page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))


def test_a_lead_uploads_a_return_fixes_it_and_the_figures_change(
    page: Page, app_url: str, e2e_db: Path, tmp_path: Path, screenshot_dir: Path
) -> None:
    period = open_period(e2e_db, "WDP-STK")
    sign_in(page, app_url, "lead.stoke@example.nhs.uk", "demo-lead-stoke")
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=WAIT_MS)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the return template").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    workbook = openpyxl.load_workbook(template)
    assert workbook["Details"]["B2"].value == "WDP-STK"
    assert workbook["Details"]["B3"].value == period.label

    wrong = valid_return(period)
    wrong.training[0][5] = -3  # a negative count
    wrong.screening[0][6] = 999  # numerator above denominator
    wrong.activity[0][1] = "Carrier pigeon"  # not a channel
    bad = tmp_path / "stoke_q2.xlsx"
    fill_workbook(openpyxl.load_workbook(template), wrong).save(bad)
    upload(page, bad)
    summary = page.locator('[data-testid="stAlertContentError"]').first
    expect(summary).to_contain_text("There are 3 problems", timeout=WAIT_MS)
    for where in (
        "sheet Training, row 4, column 'Champions trained'",
        "sheet Screening, row 4, column 'Numerator'",
        "sheet Activity, row 4, column 'Channel'",
    ):
        expect(summary).to_contain_text(where)
    full_page_screenshot(page, screenshot_dir / "upload_report.png")

    with open_db(e2e_db, read_only=True) as con:
        before = queries.database_summary(con)["staff_trained"]
    good = tmp_path / "stoke_q2_fixed.xlsx"
    fill_workbook(openpyxl.load_workbook(template), valid_return(period)).save(good)
    upload(page, good)
    expect(page.get_by_text("The return is valid")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="Confirm and load this return").click()
    expect(page.get_by_text("Loaded. Every page now shows the new figures.")).to_be_visible(
        timeout=WAIT_MS
    )
    with open_db(e2e_db, read_only=True) as con:
        after = queries.database_summary(con)["staff_trained"]
    assert after == before + 5  # the helper's return trains 3 + 2 champions
    with open_db(e2e_db, read_only=True) as con:
        stoke = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = ?",
            ["WDP-STK"],
        ).fetchone()[0]
    assert stoke < after
    # The lead's Overview shows their own pathfinder only, with the new return in it.
    page.get_by_role("link", name="Overview").click()
    champions = page.locator('[data-testid="stMetric"]', has_text="Champions trained")
    expect(champions.locator('[data-testid="stMetricValue"]')).to_have_text(
        str(stoke), timeout=WAIT_MS
    )


def test_a_viewer_finds_no_upload(page: Page, app_url: str) -> None:
    sign_in(page, app_url, "viewer@example.nhs.uk", "demo-viewer-2017")
    expect(page.get_by_text("cannot use this page")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('[data-testid="stFileUploader"]')).to_have_count(0)


def test_another_lead_can_neither_see_nor_submit_the_first_leads_data(
    page: Page, app_url: str, e2e_db: Path, tmp_path: Path
) -> None:
    sign_in(page, app_url, "lead.preston@example.nhs.uk", "demo-lead-preston")
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=WAIT_MS)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("link", name="Data quality")).to_have_count(0)
    # Stoke's return is refused for a Preston lead, and nothing is loaded.
    stoke = tmp_path / "stoke.xlsx"
    write_valid_return(stoke, open_period(e2e_db, "WDP-STK"))
    upload(page, stoke)
    expect(page.get_by_text("you can submit returns only for WDP-PRE")).to_be_visible(
        timeout=WAIT_MS
    )
    # Stoke's figures are not visible: the Overview (reached through the menu, so the session
    # and its sign-in carry over) counts Preston's champions only.
    with open_db(e2e_db, read_only=True) as con:
        preston = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = ?",
            ["WDP-PRE"],
        ).fetchone()[0]
    sidebar.get_by_role("link", name="Overview").click()
    champions = page.locator('[data-testid="stMetric"]', has_text="Champions trained")
    expect(champions.locator('[data-testid="stMetricValue"]')).to_have_text(
        str(preston), timeout=WAIT_MS
    )
