"""The Screening uptake page in a real browser, from a deep link."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.browser import WAIT_MS, full_page_screenshot, open_page
from wdp.db import screening
from wdp.db.embedded import open_db


def test_screening_deep_link_draws_the_map_and_league_table_for_that_view(
    page: Page, app_url: str, e2e_db: Path, screenshot_dir: Path
) -> None:
    with open_db(e2e_db, read_only=True) as con:
        league = screening.league_table(
            con, indicator_id=22001, time_period="2014", level="district_ua"
        )
    open_page(
        page,
        f"{app_url}/Screening_uptake?programme=breast&measure=coverage&year=2014",
        "Screening uptake by area",
    )
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Programme")).to_have_value("Breast")
    expect(sidebar.get_by_role("combobox", name="Year")).to_have_value("2014")
    top = league.iloc[0]
    expect(
        page.get_by_text(f"{len(league)} areas; England {top['england_value']:.1f}%")
    ).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("League table:")).to_be_visible()
    expect(page.get_by_text("58th → 11th")).to_be_visible()
    # The menu carries the filters to the next page.
    link = sidebar.get_by_role("link", name="Trained staff")
    assert "programme=breast" in (link.get_attribute("href") or "")
    full_page_screenshot(page, screenshot_dir / "screening_uptake.png")
