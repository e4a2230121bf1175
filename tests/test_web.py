"""The sign-in page and signing out, as HTTP: the cookie's attributes, the forms' protection
against other sites, where a person is sent back to, and what a refusal says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from wdp.auth import SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, sign_out_token
from wdp.db import open_database
from wdp.services import signin
from wdp.ui import web

LEAD = ("lead.stoke@example.nhs.uk", "demo-lead-stoke")


@pytest.fixture
def client(seeded_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("WDP_DB", str(seeded_db_copy))
    monkeypatch.setattr(signin, "failure_delay", lambda failures: 0.0)  # no waiting in tests
    return TestClient(Starlette(routes=web.routes()), follow_redirects=False)


def form_token(client: TestClient, next_path: str = "/") -> str:
    page = client.get("/sign-in", params={"next": next_path})
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text)[1]


def post_sign_in(client: TestClient, email: str, password: str, *, next_path: str = "/"):
    token = form_token(client, next_path)
    data = {"email": email, "password": password, "csrf": token, "next": next_path}
    return client.post("/sign-in", data=data)


def test_the_sign_in_page_has_a_labelled_form_and_a_same_site_token(client: TestClient) -> None:
    page = client.get("/sign-in", params={"next": "/Upload?period=2018-19 Q2"})
    assert page.status_code == 200
    for label in ('<label for="email">Email</label>', '<label for="password">Password</label>'):
        assert label in page.text
    assert 'name="next" value="/Upload?period=2018-19 Q2"' in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{SIGN_IN_CSRF_COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert page.headers["cache-control"] == "no-store"


def test_signing_in_sets_a_strict_httponly_cookie_and_goes_back_where_one_was(
    client: TestClient, seeded_db_copy: Path
) -> None:
    answer = post_sign_in(client, *LEAD, next_path="/Upload?period=2018-19+Q2")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/Upload?period=2018-19+Q2"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=43200"):
        assert attribute in cookie
    value = cookie.split(";")[0].split("=", 1)[1].strip('"')
    assert signin.check_session(open_database(seeded_db_copy), value).user.email == LEAD[0]


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_next_is_only_ever_a_path_on_this_site(client: TestClient, target: str) -> None:
    assert web.safe_next(target) == "/"
    answer = post_sign_in(client, *LEAD, next_path=target)
    assert answer.headers["location"] == "/"


def test_a_form_without_its_token_signs_nobody_in(client: TestClient) -> None:
    data = {"email": LEAD[0], "password": LEAD[1], "csrf": "made up", "next": "/"}
    answer = client.post("/sign-in", data=data)
    assert answer.status_code == 400 and SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert "This form had expired" in answer.text


def test_a_wrong_password_says_so_without_saying_which(client: TestClient) -> None:
    wrong = post_sign_in(client, LEAD[0], "not the password")
    unknown = post_sign_in(client, "nobody@example.nhs.uk", "not the password")
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert "Email or password not recognised" in answer.text
        assert 'role="alert"' in answer.text
        assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_the_fifth_failure_locks_and_the_page_says_so(client: TestClient) -> None:
    for _ in range(4):
        assert "not recognised" in post_sign_in(client, LEAD[0], "wrong").text
    assert "paused for 15 minutes" in post_sign_in(client, LEAD[0], "wrong").text
    assert "paused for 15 minutes" in post_sign_in(client, *LEAD).text


def test_signing_out_needs_the_pages_token_and_ends_the_session(
    client: TestClient, seeded_db_copy: Path
) -> None:
    db = open_database(seeded_db_copy)
    post_sign_in(client, *LEAD)
    cookie = client.cookies[SESSION_COOKIE]
    # A form from another site cannot know the token: nothing happens.
    client.post("/sign-out", data={"token": "guess", "next": "/Admin"})
    assert signin.check_session(db, cookie).user is not None
    token = sign_out_token(signin.signing_key(db), signin.session_id_of(db, cookie))
    answer = client.post("/sign-out", data={"token": token, "next": "/Admin"})
    assert answer.status_code == 303 and answer.headers["location"] == "/Admin"
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"]  # cleared
    assert signin.check_session(db, cookie).user is None  # and worthless if replayed


def test_the_nhs_account_link_remembers_where_to_come_back_to(
    client: TestClient, seeded_db_copy: Path
) -> None:
    answer = client.get("/sign-in/nhs", params={"next": "/Board_pack?period=2018-19 Q1"})
    assert answer.status_code == 303 and answer.headers["location"] == "/?start=nhs-sign-in"
    key = client.cookies["wdp_return"]
    db = open_database(seeded_db_copy)
    assert signin.use_return(db, key) == "/Board_pack?period=2018-19 Q1"
