"""Accessibility in Chromium (issue 17): axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on every
page, as everyone who can open it (signed out on the sample, director, lead, viewer, admin), in
presentation mode, on the Upload page after an upload with errors and on the Evaluation page:
no violations. A failure prints each violation with its rule and the elements it found."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from etl.sample import write_return
from tests.e2e.browser import WAIT_MS, sign_in
from tests.helpers import valid_return
from wdp.domain import ReportingPeriod, Role
from wdp.ui.pages import PAGES

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
ACCOUNTS = {
    None: None,  # signed out: the sample programme is open to look at
    Role.DIRECTOR: ("director@example.nhs.uk", "demo-director-2017"),
    Role.LEAD: ("lead.preston@example.nhs.uk", "demo-lead-preston"),
    Role.VIEWER: ("viewer@example.nhs.uk", "demo-viewer-2017"),
    Role.ADMIN: ("admin@example.nhs.uk", "demo-admin-2017"),
}
AXE = Axe()


def settled(page: Page) -> None:
    """The page has finished its script run and drawn what it draws."""
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("heading").first).to_be_visible(timeout=WAIT_MS)
    page.wait_for_timeout(1000)  # the script run starts
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=WAIT_MS)
    # Elements left from before the run are drawn faded (so paler) until it replaces them.
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=WAIT_MS)
    page.wait_for_timeout(500)  # charts finish their transitions
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def violations(page: Page) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it stands, one line per element."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    found = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} -- "
                f"{' '.join(map(str, node['target']))} -- {node.get('failureSummary', '')}".replace(
                    "\n", " "
                )
            )
    return found


def check(page: Page, where: str, problems: dict[str, list[str]]) -> None:
    found = violations(page)
    if found:
        problems[where] = found


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(
        f"{where}:\n" + "\n".join(f"  - {line}" for line in lines)
        for where, lines in problems.items()
    )


@pytest.mark.parametrize("role", list(ACCOUNTS), ids=lambda r: r.value if r else "signed-out")
def test_every_page_has_no_wcag_violations(page: Page, app_url: str, role: Role | None) -> None:
    if ACCOUNTS[role] is not None:
        email, password = ACCOUNTS[role]
        sign_in(page, app_url, email, password, next_path="/")
    problems: dict[str, list[str]] = {}
    checked = []
    for spec in PAGES:
        if not spec.exists or (role is not None and not spec.allows(role)):
            continue
        if role is None and spec.roles:
            continue  # signed out, such a page only asks for sign-in (checked: Upload below)
        page.goto(f"{app_url}{spec.url_path}")
        settled(page)
        check(page, spec.title, problems)
        checked.append(spec.title)
    if role is None:
        page.goto(f"{app_url}/Upload")
        settled(page)
        check(page, "Upload a return (signed out: the sign-in prompt)", problems)
        page.goto(f"{app_url}/sign-in")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=WAIT_MS)
        check(page, "The sign-in page", problems)
    print(f"{role.value if role else 'signed out'}: checked {', '.join(checked)}")
    assert not problems, "WCAG 2.2 A/AA violations (axe-core):\n" + report(problems)


def test_presentation_mode_has_no_wcag_violations(page: Page, app_url: str) -> None:
    sign_in(page, app_url, *ACCOUNTS[Role.DIRECTOR], next_path="/")
    problems: dict[str, list[str]] = {}
    for slide in ("headlines", "champions", "rag", "funnel", "evaluation"):
        page.goto(f"{app_url}/Board_pack?present=1&slide={slide}")
        settled(page)
        check(page, f"Presentation mode, slide {slide}", problems)
    assert not problems, "WCAG 2.2 A/AA violations (axe-core):\n" + report(problems)


def test_the_upload_page_after_an_upload_with_errors_has_no_wcag_violations(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    sign_in(page, app_url, *ACCOUNTS[Role.LEAD], next_path="/Upload")
    wrong = valid_return(ReportingPeriod(2018, 2), pathfinder="WDP-PRE")
    wrong.training[0][5] = -3
    wrong.screening[0][6] = 999_999
    path = write_return(wrong, tmp_path / "preston_errors.xlsx")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    expect(page.get_by_text("There are ").first).to_be_visible(timeout=WAIT_MS)
    settled(page)
    problems: dict[str, list[str]] = {}
    check(page, "Upload a return, after an upload with errors", problems)
    assert not problems, "WCAG 2.2 A/AA violations (axe-core):\n" + report(problems)


def test_the_checks_find_a_planted_violation(page: Page, app_url: str) -> None:
    """The check can fail: pale grey small text on white is a contrast violation."""
    page.goto(app_url)
    settled(page)
    page.evaluate(
        "() => { const p = document.createElement('p'); p.textContent = 'Faint words';"
        " p.style.color = '#bbbbbb'; p.style.fontSize = '12px';"
        " document.querySelector('[data-testid=\"stMain\"]').prepend(p); }"
    )
    assert any(line.startswith("color-contrast") for line in violations(page))
