"""What a person sees opening the dashboard in a real browser (Chromium via Playwright)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.browser import WAIT_MS, full_page_screenshot
from wdp.config import SYNTHETIC_LABEL
from wdp.db import queries
from wdp.db.embedded import open_db

TITLE = "WDP programme dashboard"


def open_overview(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT_MS)
    # The last things the script draws: the chart, its data and both tables.
    expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible(
        timeout=WAIT_MS
    )
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(3, timeout=WAIT_MS)


def test_champions_metric_shows_the_database_total(page: Page, app_url: str, e2e_db: Path) -> None:
    with open_db(e2e_db, read_only=True) as con:
        expected = queries.database_summary(con)["staff_trained"]
    open_overview(page, app_url)
    champions = page.locator('[data-testid="stMetric"]', has_text="Champions trained")
    expect(champions.locator('[data-testid="stMetricValue"]')).to_have_text(str(expected))
    expect(champions).to_contain_text("of ~350 reported")


def test_overview_draws_the_chart_and_labels_the_synthetic_data(page: Page, app_url: str) -> None:
    open_overview(page, app_url)
    expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    expect(
        page.get_by_test_id("stAlertContentWarning").get_by_text(SYNTHETIC_LABEL)
    ).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_status_filter_lists_only_rejected_returns(page: Page, app_url: str, e2e_db: Path) -> None:
    with open_db(e2e_db, read_only=True) as con:
        rejected = queries.database_summary(con)["returns_rejected"]
    open_overview(page, app_url)
    # A segmented control is a radio group: each option is a radio.
    page.get_by_role("radio", name="Rejected", exact=True).click()
    expect(page.get_by_text(f"{rejected} load attempts, newest first")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_full_page_screenshot_of_the_overview(
    page: Page, app_url: str, screenshot_dir: Path
) -> None:
    open_overview(page, app_url)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    path = screenshot_dir / "overview.png"
    full_page_screenshot(page, path)
    assert path.stat().st_size > 10_000


def test_cli_load_while_the_app_is_open_shows_on_the_next_visit(
    page: Page, app_url: str, e2e_db: Path, tmp_path: Path
) -> None:
    """The app and the CLI share the DuckDB file: a load while the app is serving succeeds, and
    the app shows the new figures without a restart. Runs last: it changes the app's database."""
    import subprocess
    import sys

    from tests.helpers import write_valid_return
    from wdp.domain import ReportingPeriod

    open_overview(page, app_url)
    path = write_valid_return(tmp_path / "stoke_2018-19_Q2.xlsx", ReportingPeriod(2018, 2))
    root = Path(__file__).resolve().parents[2]
    load = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(path), "--db", str(e2e_db), "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert load.returncode == 0, load.stdout + load.stderr
    with open_db(e2e_db, read_only=True) as con:
        expected = queries.database_summary(con)["staff_trained"]
    open_overview(page, app_url)
    champions = page.locator('[data-testid="stMetric"]', has_text="Champions trained")
    expect(champions.locator('[data-testid="stMetricValue"]')).to_have_text(str(expected))
    period = page.locator('[data-testid="stMetric"]', has_text="Latest reporting period")
    expect(period.locator('[data-testid="stMetricValue"]')).to_have_text("2018-19 Q2")
