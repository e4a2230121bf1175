"""Browser tests: the real app served by `streamlit run`, driven in Debian's chromium.

The server runs once per session on a free port against a copy of the seeded sample database and
is stopped afterwards. Playwright's own browser download is never used (it needs the internet):
pytest-playwright launches /usr/bin/chromium, which `make test` installs. If it is missing the
tests fail and say so; they are never skipped silently.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, AppServerError, start_app, stop_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "test-results"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium. "
            "Run `make test` (it installs it) or `apt-get install chromium`.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # Wide enough for the page's "wide" layout, so the screenshot shows what a director sees.
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def e2e_db(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's own copy of the sample database (the session fixture stays untouched)."""
    path = tmp_path_factory.mktemp("e2e") / "wdp.duckdb"
    shutil.copy(seeded_db, path)
    return path


@pytest.fixture(scope="session")
def app_url(e2e_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run dashboard.py` on a free port, healthy before the first test uses it."""
    try:
        server, url = start_app(e2e_db, tmp_path_factory.mktemp("streamlit") / "server.log")
    except AppServerError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield url
    finally:
        stop_app(server)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    return SCREENSHOT_DIR
