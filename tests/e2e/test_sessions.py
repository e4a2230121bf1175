"""The served app under twenty browser sessions at once, and its XSRF check on uploads.

Timings are measured by bench/bench_sessions.py, never asserted here: this proves every one of
twenty simultaneous sessions gets its page drawn completely, with no exception.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Browser, expect

SESSIONS = 20
PAGES = [
    ("/", "WDP programme dashboard"),
    ("/Screening_uptake", "Screening uptake by area"),
    ("/Trained_staff", "Trained staff"),
]
# Twenty pages drawn at once on 2 shared cores: generous, since nothing here measures speed.
WAIT_MS = 240_000


@pytest.mark.slow
def test_twenty_sessions_at_once_each_get_their_page_drawn(browser: Browser, app_url: str) -> None:
    contexts = [
        browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(SESSIONS)
    ]
    try:
        opened = []
        for i, context in enumerate(contexts):  # start all twenty before waiting for any
            page = context.new_page()
            path, heading = PAGES[i % len(PAGES)]
            page.goto(app_url + path, wait_until="commit", timeout=WAIT_MS)
            opened.append((page, heading))
        for page, heading in opened:
            expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=WAIT_MS)
            page.locator('[data-testid="stStatusWidget"]').wait_for(
                state="detached", timeout=WAIT_MS
            )
            # Elements are drawn by code the browser loads as it needs it: under twenty sessions
            # that can come after the run has finished, so wait for the last kind to appear
            # before judging the page.
            expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=WAIT_MS)
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
            body = page.inner_text("body")
            assert "Traceback" not in body, heading
    finally:
        for context in contexts:
            context.close()


def test_an_upload_without_the_xsrf_token_is_refused(app_url: str) -> None:
    """The server refuses a file upload that does not carry the session's XSRF token."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="r.xlsx"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\nPK\r\n--b--\r\n"
    )
    for headers in (
        {},
        {"X-Xsrftoken": "2|aaaa|bbbb|1", "Cookie": "_streamlit_xsrf=2|cccc|dddd|1"},
    ):
        request = urllib.request.Request(
            f"{app_url}/_stcore/upload_file/some-session/some-file",
            data=body,
            method="PUT",
            headers={"Content-Type": "multipart/form-data; boundary=b", **headers},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403
