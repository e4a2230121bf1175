"""Running a page of the app through Streamlit's AppTest against a chosen database, signed in
or not.

AppTest cannot send the browser's cookies, so a signed-in test signs in for real (the sign-in
page's own service: a session in the database and its signed cookie) and hands the page that
cookie through ``wdp.ui.auth.session_cookie``, the one place the app reads it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
UPLOAD_PAGE = "pages/5_Upload.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def run_page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str | Path, **params: str) -> AppTest:
    """Run ``page`` (relative to the project root) with ``WDP_DB=db`` and URL ``params``.

    AppTest resolves a relative path against the calling file, so the path is made absolute.
    """
    monkeypatch.setenv("WDP_DB", str(db))
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def metric(at: AppTest, label: str) -> str:
    """The value shown by the metric with this label."""
    return next(m.value for m in at.metric if m.label == label)


def sign_in_cookie(db: Path, email: str, password: str, *, now=None) -> str | None:
    """What the sign-in page gives a browser for this email and password (None: refused);
    ``now``: when, by a test's clock."""
    from wdp.db import open_database
    from wdp.services import signin

    attempt = signin.sign_in_with_password(
        open_database(db), email, password, client_address="127.0.0.1", now=now
    )
    return attempt.cookie


def with_cookie(monkeypatch: pytest.MonkeyPatch, cookie: str | None) -> None:
    """Pages run from now on receive this session cookie, as a browser would send it."""
    monkeypatch.setattr("wdp.ui.auth.session_cookie", lambda: cookie)


def signed_in(
    monkeypatch, db: Path, email: str, password: str, *, page: str = UPLOAD_PAGE, now=None
):
    """The page as someone who signed in with this email and password sees it (the Upload page
    by default; ``now``: signed in when, by a test's clock)."""
    cookie = sign_in_cookie(db, email, password, now=now)
    assert cookie is not None, f"{email} could not sign in"
    with_cookie(monkeypatch, cookie)
    return run_page(monkeypatch, db, page)


def as_account(
    monkeypatch, db: Path, email: str | None, page: str, *, now=None, **params: str
) -> AppTest:
    """The page as an existing account sees it once signed in (None: nobody signed in)."""
    from wdp.db import open_database
    from wdp.services import signin

    cookie = None
    if email is not None:
        cookie = signin.start_session(open_database(db), email, client_address="127.0.0.1", now=now)
    with_cookie(monkeypatch, cookie)
    return run_page(monkeypatch, db, page, **params)


def html_shown(at: AppTest) -> str:
    """All the raw HTML a page drew (links and forms: sign in, sign out)."""
    return "\n".join(e.proto.body for e in at.get("html"))


def upload(at: AppTest, path: Path) -> AppTest:
    """Give the page's file uploader a workbook, as a person picking it would."""
    at.file_uploader[0].set_value((path.name, path.read_bytes(), XLSX)).run()
    return at
