"""Signing in with an NHS account, end to end, in Chromium, against a real OpenID Connect
provider on 127.0.0.1 (oidc-provider-mock, whose users carry Entra-like claims).

This module's app server has its own secrets file with an ``[auth]`` section, so every other
browser test keeps the password form. The browser uses 127.0.0.1, as the ``redirect_uri`` does
(a different host would fail silently).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.appserver import AppServerError, free_port, start_app, stop_app
from tests.e2e.browser import WAIT_MS, full_page_screenshot, signed_in_as
from wdp import services
from wdp.db import open_database

JO = {  # has an account here: a lead of Preston
    "sub": "jo",
    "email": "jo.lead@nhs.net",
    "preferred_username": "jo.lead@nhs.net",
    "name": "Jo Lead",
    "oid": "00000000-0000-0000-0000-00000000000a",
    "tid": "00000000-0000-0000-0000-0000000000ff",
}
SAM = {  # no account here, and (as Entra ID without the optional claim) no `email` either
    "sub": "sam",
    "preferred_username": "sam.stranger@nhs.net",
    "name": "Sam Stranger",
    "oid": "00000000-0000-0000-0000-00000000000b",
    "tid": "00000000-0000-0000-0000-0000000000ff",
}
ROUND_TRIP_MS = 60_000


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """oidc-provider-mock on a free port, with Jo's and Sam's claims predefined."""
    port = free_port()
    mock = Path(sys.executable).with_name("oidc-provider-mock")
    log = (tmp_path_factory.mktemp("oidc") / "provider.log").open("wb")
    command = [str(mock), "--host", "127.0.0.1", "--port", str(port)]
    for user in (JO, SAM):
        command += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"oidc-provider-mock did not start (see {log.name})", pytrace=False)
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def nhs_app(
    provider: str, seeded_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app, with its own database (Jo's account in it) and a secrets file naming the
    provider; served on 127.0.0.1 like the redirect URI."""
    folder = tmp_path_factory.mktemp("nhs")
    db = folder / "wdp.duckdb"
    shutil.copy(seeded_db, db)
    change = services.save_account(
        open_database(db), email=JO["email"], role="lead", pathfinder_code="WDP-PRE"
    )
    assert change.saved, change.problems
    port = free_port()
    settings = {
        "redirect_uri": f"http://127.0.0.1:{port}/oauth2callback",
        "client_id": "wdp-dashboard-tests",
        "server_metadata_url": f"{provider}/.well-known/openid-configuration",
    }
    settings["cookie_" + "secret"] = secrets.token_hex(32)  # made here, never stored in git
    settings["client_" + "secret"] = secrets.token_hex(16)
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in settings.items())
    )
    try:
        server, url = start_app(db, folder / "server.log", secrets=secrets_file, port=port)
    except AppServerError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield url
    finally:
        stop_app(server)


def sign_in_at_the_provider(page: Page, provider: str, sub: str) -> None:
    """The provider's own page: who to sign in as, then Authorize."""
    page.wait_for_url(f"{provider}/oauth2/authorize**", timeout=ROUND_TRIP_MS)
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_an_nhs_account_signs_in_with_its_role_here_and_stays_signed_in_until_sign_out(
    browser: Browser, provider: str, nhs_app: str, screenshot_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{nhs_app}/Pathfinder_status?pathfinder=WDP-PRE&period=2017-18+Q4")
        assert signed_in_as(page) is None
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_role("link", name="Sign in with your NHS account").click()
        sign_in_at_the_provider(page, provider, JO["sub"])
        # Back on the page one started from, with its filters, as the account here says.
        page.wait_for_url("**/Pathfinder_status?**", timeout=ROUND_TRIP_MS)
        assert "pathfinder=WDP-PRE" in page.url
        assert "jo.lead@nhs.net (Pathfinder lead, WDP-PRE)" in (signed_in_as(page) or "")
        page.reload()
        assert "jo.lead@nhs.net" in (signed_in_as(page) or "")
        other = context.new_page()
        other.goto(f"{nhs_app}/Upload")
        assert "jo.lead@nhs.net" in (signed_in_as(other) or "")
        expect(other.locator('[data-testid="stFileUploader"]')).to_be_visible(timeout=WAIT_MS)
        full_page_screenshot(other, screenshot_dir / "nhs_signed_in.png")

        page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{provider}/**", timeout=ROUND_TRIP_MS)  # the provider's sign-out
        page.get_by_role("button", name="End session").click()
        page.goto(f"{nhs_app}/Upload")
        expect(page.get_by_text("Sign in to continue.")).to_be_visible(timeout=WAIT_MS)
        assert signed_in_as(page) is None
    finally:
        context.close()


def test_someone_without_an_account_here_is_told_so_and_can_sign_out(
    browser: Browser, provider: str, nhs_app: str, screenshot_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{nhs_app}/sign-in?next=/Upload")
        page.get_by_role("link", name="Sign in with your NHS account").click()
        sign_in_at_the_provider(page, provider, SAM["sub"])
        message = page.get_by_text("there is no account for that address")
        expect(message).to_be_visible(timeout=ROUND_TRIP_MS)
        expect(page.get_by_text(SAM["preferred_username"]).first).to_be_visible()
        expect(page.get_by_text("Sign in with your NHS account")).to_have_count(0)  # no loop
        full_page_screenshot(page, screenshot_dir / "nhs_no_account.png")
        page.get_by_role("button", name="Sign out").first.click()
        page.wait_for_url(f"{provider}/**", timeout=ROUND_TRIP_MS)
    finally:
        context.close()
