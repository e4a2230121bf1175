"""The board pack and presentation mode in a real browser: download the pack and open the file
the browser got; present from a page and keep its filters; step through with the arrow keys; a
chart's camera button downloads a PNG; a lead's download holds only their pathfinder."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from playwright.sync_api import Page, expect
from pptx import Presentation

from tests.e2e.browser import WAIT_MS, full_page_screenshot, sign_in
from wdp.db.embedded import open_db
from wdp.db.status import reporting_periods

PACK_MS = 90_000  # the first pack starts this server's Chromium for the charts


def _settled(page: Page) -> None:
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=WAIT_MS)


def _deck_text(path: Path) -> tuple[list[str], str]:
    deck = Presentation(str(path))
    titles = [slide.shapes.title.text for slide in deck.slides]
    text = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                text.append(shape.text_frame.text)
            if shape.has_table:
                text.extend(c.text for row in shape.table.rows for c in row.cells)
    return titles, "\n".join(text)


def test_a_director_downloads_the_pack_and_opens_it(
    page: Page, app_url: str, e2e_db: Path, tmp_path: Path, screenshot_dir: Path
) -> None:
    # Other browser tests load returns into the same database: the pack runs to its latest period.
    with open_db(e2e_db, read_only=True) as con:
        latest = reporting_periods(con)["reporting_period"].iloc[-1]
    page.goto(f"{app_url}/Board_pack?programme=breast&measure=coverage")
    expect(page.get_by_role("heading", name="Board pack")).to_be_visible(timeout=WAIT_MS)
    _settled(page)
    full_page_screenshot(page, screenshot_dir / "board_pack.png")
    with page.expect_download(timeout=PACK_MS) as download:
        page.get_by_role("button", name="Board pack (PowerPoint)").click()
    assert download.value.suggested_filename == f"wdp-board-pack-{latest.replace(' ', '-')}.pptx"
    deck = tmp_path / download.value.suggested_filename
    download.value.save_as(deck)
    titles, text = _deck_text(deck)
    assert titles[0] == "WDP programme board pack" and titles[-1] == "Definitions and sources"
    assert len(titles) >= 10
    assert "Programme: Breast, Measure: Coverage" in text  # the page's filters reached the pack
    assert "breast cancer" in text.lower()

    with page.expect_download(timeout=PACK_MS) as pdf_download:
        page.get_by_role("button", name="Same pages as PDF").click()
    pdf = tmp_path / "pack.pdf"
    pdf_download.value.save_as(pdf)
    assert len(pypdf.PdfReader(pdf).pages) == len(titles)

    with page.expect_download(timeout=PACK_MS) as png_download:
        page.get_by_role("button", name="PNG").first.click()
    assert png_download.value.suggested_filename.endswith(".png")
    png = tmp_path / "chart.png"
    png_download.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_present_this_view_keeps_the_filters_and_steps_with_the_keys(
    page: Page, app_url: str, screenshot_dir: Path
) -> None:
    page.goto(f"{app_url}/Trained_staff?period=2017-18+Q4")
    _settled(page)
    page.get_by_role("link", name="Present this view").click()
    expect(page.get_by_text("Slide 3 of")).to_be_visible(timeout=WAIT_MS)
    _settled(page)
    assert "present=1" in page.url and "period=2017-18+Q4" in page.url
    # Trained staff's key view, for the period chosen there (not the latest quarter).
    expect(page.get_by_text("265 Digital Health Champions trained to 2017-18 Q4")).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    expect(page.locator('[data-testid="stHeader"]')).to_be_hidden()
    # The chart in words (its speaker notes), one keyboard step away.
    expect(page.get_by_text("About this chart: ")).to_be_visible()
    full_page_screenshot(page, screenshot_dir / "present_champions.png")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Slide 4 of")).to_be_visible(timeout=WAIT_MS)
    expect(
        page.get_by_role("heading", name="Champions trained by pathfinder, to 2017-18 Q4")
    ).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_text("Slide 3 of")).to_be_visible(timeout=WAIT_MS)
    # A copied link opens the same slide.
    page.goto(page.url)
    expect(page.get_by_text("Slide 3 of")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="Exit").click()
    expect(page.get_by_role("heading", name="Board pack")).to_be_visible(timeout=WAIT_MS)
    assert "present" not in page.url


def test_the_camera_button_downloads_a_chart_as_png(page: Page, app_url: str, tmp_path) -> None:
    page.goto(f"{app_url}/Trained_staff")
    _settled(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.hover()
    with page.expect_download(timeout=WAIT_MS) as download:
        chart.get_by_role("button", name="Download plot as a PNG").click()
    assert download.value.suggested_filename.endswith(".png")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_leads_pack_holds_only_their_pathfinder(page: Page, app_url: str, tmp_path) -> None:
    sign_in(page, app_url, "lead.preston@example.nhs.uk", "demo-lead-preston")
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("link", name="Board pack").click()
    expect(page.get_by_role("heading", name="Board pack")).to_be_visible(timeout=WAIT_MS)
    _settled(page)
    with page.expect_download(timeout=PACK_MS) as download:
        page.get_by_role("button", name="Same pages as PDF").click()
    path = tmp_path / "lead.pdf"
    download.value.save_as(path)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Prepared for: WDP-PRE pathfinder lead" in text
    assert "Preston" in text
    for other in ("Stoke-on-Trent trained", "Bradford", "20 of 20 returns"):
        assert other not in text
