"""The Evaluation page in Chromium: a director sees the verdict, the charts drawn, the plan's date;
choosing a pathfinder (a URL filter) shows its own study and synthetic control."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.browser import CHART, DRAWN, WAIT_MS, full_page_screenshot, sign_in


def test_a_director_reads_whether_the_campaigns_worked(
    page: Page, app_url: str, screenshot_dir: Path
) -> None:
    sign_in(page, app_url, "director@example.nhs.uk", "demo-director-2017", next_path="/Evaluation")
    expect(page.get_by_role("heading", name="Evaluation", exact=True)).to_be_visible(
        timeout=WAIT_MS
    )
    expect(page.get_by_text("Breast screening uptake rose").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("Analysis plan fixed on")).to_be_visible()
    expect(page.locator(CHART)).to_have_count(3, timeout=WAIT_MS)  # trends, event study, forest
    expect(page.locator(DRAWN).first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    full_page_screenshot(page, screenshot_dir / "evaluation.png")

    page.goto(f"{app_url}/Evaluation?pathfinder=WDP-STK")
    stoke = page.get_by_role("heading", name="Stoke-on-Trent: Breast screening uptake")
    expect(stoke).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("against its synthetic control")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    full_page_screenshot(page, screenshot_dir / "evaluation_stoke.png")
