"""The Trained staff and Campaign activity pages in a real browser, opened from deep links.

Streamlit names a page's URL after its file without the number prefix and extension:
pages/1_Trained_staff.py is served at /Trained_staff, pages/4_Campaign_activity.py at
/Campaign_activity. The filters ride along as query parameters.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.browser import CHART, DRAWN, WAIT_MS, full_page_screenshot, open_page
from wdp.db.embedded import open_db


def metric_value(page: Page, label: str):
    card = page.locator('[data-testid="stMetric"]', has_text=label)
    return card.locator('[data-testid="stMetricValue"]')


def test_trained_staff_deep_link_shows_the_pathfinders_champions(
    page: Page, app_url: str, e2e_db: Path, screenshot_dir: Path
) -> None:
    with open_db(e2e_db, read_only=True) as con:
        expected = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = ?",
            ["WDP-STK"],
        ).fetchone()[0]
    open_page(page, f"{app_url}/Trained_staff?pathfinder=WDP-STK", "Trained staff")
    expect(metric_value(page, "Champions trained")).to_have_text(str(expected))
    expect(page.locator(CHART)).to_have_count(5, timeout=WAIT_MS)
    # The sidebar filter shows the pathfinder's name, not its code.
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Pathfinder")).to_have_value("Stoke-on-Trent")
    path = screenshot_dir / "trained_staff.png"
    full_page_screenshot(page, path)
    assert path.stat().st_size > 10_000


def test_campaign_activity_shows_outputs_note_and_the_million_reach_post(
    page: Page, app_url: str, screenshot_dir: Path
) -> None:
    open_page(page, f"{app_url}/Campaign_activity", "Campaign activity")
    expect(page.get_by_text("These are campaign outputs, not health outcomes.")).to_be_visible()
    expect(page.locator(CHART)).to_have_count(2, timeout=WAIT_MS)
    expect(page.get_by_text("Top posts by reach")).to_be_visible()
    path = screenshot_dir / "campaign_activity.png"
    full_page_screenshot(page, path)
    assert path.stat().st_size > 10_000


def test_menu_carries_the_pathfinder_from_one_page_to_the_other(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/Trained_staff?pathfinder=WDP-MBY", "Trained staff")
    page.locator('[data-testid="stSidebarNav"], [data-testid="stSidebar"]').get_by_role(
        "link", name="Campaign activity"
    ).first.click()
    expect(page.get_by_role("heading", name="Campaign activity")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(DRAWN).first).to_be_visible(timeout=WAIT_MS)
    expect(page).to_have_url(re.compile(r"/Campaign_activity\?.*pathfinder=WDP-MBY"))
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
