"""What the browser tests share: waiting for the app, opening a page, signing in, screenshots.

The server and the browser themselves are ``conftest.py``'s fixtures; these are plain functions.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect

# A cold first render took ~7 s on 2 cores (RECIPES.md); allow plenty.
WAIT_MS = 30_000


CHART = '[data-testid="stPlotlyChart"]'
DRAWN = f"{CHART} .main-svg"  # plotly has drawn (a chart has several of these layers)


def full_page_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside `stMain`, not the document, so `full_page=True` alone captures
    only the viewport: grow the viewport to the content's height first."""
    width = page.viewport_size["width"] if page.viewport_size else 1400
    height = page.evaluate(
        "() => Math.max(document.documentElement.scrollHeight,"
        " document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0)"
    )
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(500)  # let the chart and tables redraw at the new size
    page.screenshot(path=str(path), full_page=True)


def open_page(page: Page, url: str, heading: str) -> None:
    page.goto(url)
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(DRAWN).first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def sign_in(page: Page, url: str, email: str, password: str, *, next_path: str = "/Upload") -> None:
    """Sign in on the sign-in page, as a person does; it takes them on to ``next_path``."""
    page.goto(f"{url}/sign-in?next={quote(next_path, safe='')}")
    fill_sign_in(page, email, password)
    page.wait_for_url(f"**{next_path.split('?')[0]}**", timeout=WAIT_MS)


def fill_sign_in(page: Page, email: str, password: str) -> None:
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in_as(page: Page) -> str | None:
    """Who the sidebar says is signed in (None: nobody), once it has said either."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    status = sidebar.get_by_text("Signed in as")
    way_in = sidebar.get_by_role("link", name="Sign in", exact=True)
    expect(status.or_(way_in).first).to_be_visible(timeout=WAIT_MS)
    return status.first.inner_text() if status.count() else None
