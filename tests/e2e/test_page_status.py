"""The Pathfinder status page in a real browser: a deep link, the chase-list download, a look.

Streamlit names a page's URL after its file with the number and separator stripped:
``pages/2_Pathfinder_status.py`` is served at ``/Pathfinder_status``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.browser import WAIT_MS, full_page_screenshot

PAGE_PATH = "Pathfinder_status"
CHASE_HEADER = [
    "Pathfinder",
    "Pathfinder code",
    "Period",
    "Status",
    "Due date",
    "Contact email",
    "Organisation",
]


def open_status(page: Page, url: str, query: str = "?pathfinder=WDP-STK") -> None:
    page.goto(f"{url}/{PAGE_PATH}{query}")
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("heading", name="Pathfinder status")).to_be_visible(timeout=WAIT_MS)
    # The last things the script draws: the milestones and risks for the linked pathfinder.
    expect(page.get_by_role("heading", name="Risks: Stoke-on-Trent")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible(
        timeout=WAIT_MS
    )
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=WAIT_MS)


def test_deep_link_opens_the_pathfinders_view_without_errors(page: Page, app_url: str) -> None:
    open_status(page, app_url)
    expect(page.get_by_role("heading", name="Milestones: Stoke-on-Trent")).to_be_visible()
    expect(page.get_by_role("heading", name="Submission tracker")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(5)  # one is the chart's data
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    # The sidebar filter shows the linked pathfinder by name.
    expect(page.get_by_role("combobox", name="Pathfinder")).to_have_value("Stoke-on-Trent")


def test_chase_list_downloads_as_a_csv_with_contacts(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    open_status(page, app_url)
    button = page.get_by_role("button", name="Download the chase list")
    with page.expect_download(timeout=WAIT_MS) as download:
        button.click()
    assert download.value.suggested_filename.startswith("chase_list_")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == CHASE_HEADER
    for row in rows[1:]:
        assert row[3] in {"Missing", "Not yet due"}
        assert "@" in row[5]


def test_full_page_screenshot_of_pathfinder_status(
    page: Page, app_url: str, screenshot_dir: Path
) -> None:
    open_status(page, app_url)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    path = screenshot_dir / "pathfinder_status.png"
    full_page_screenshot(page, path)
    assert path.stat().st_size > 10_000
