"""Running a page of the app through Streamlit's AppTest against a chosen database."""

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


def signed_in(monkeypatch, db: Path, email: str, password: str, *, page: str = UPLOAD_PAGE):
    """The page after signing in through its own form (the Upload page by default)."""
    at = run_page(monkeypatch, db, page)
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def upload(at: AppTest, path: Path) -> AppTest:
    """Give the page's file uploader a workbook, as a person picking it would."""
    at.file_uploader[0].set_value((path.name, path.read_bytes(), XLSX)).run()
    return at
