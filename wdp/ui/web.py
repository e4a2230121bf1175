"""The app's own web routes, beside Streamlit's: the sign-in page and signing out.

    GET  /sign-in?next=/Upload?period=...   the sign-in page (email and password)
    POST /sign-in                           check them; on success set the session cookie and
                                            go back to ``next``, the page and filters one came from
    POST /sign-out                          end the session everywhere, clear the cookie, go back
    GET  /sign-in/nhs?next=...              remember ``next``, then start the NHS account sign-in

Streamlit serves them through ``st.App`` (``dashboard.py``). A script cannot set a cookie, so
these routes do: the session cookie is HttpOnly (no script can read it), SameSite=Strict (no
other site's page can send it), Secure when served over https, and holds only a signed random
session id (``wdp.auth``). The session itself is a row in the database (``wdp.services.signin``),
which every page checks on every run.

Forms are protected against cross-site requests: the sign-in form by a double-submit token (a
random cookie equal to a hidden field), the sign-out form by a token derived from the session.
``next`` is only ever a path on this site.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from html import escape
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from wdp.auth import (
    RETURN_COOKIE,
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    person_address,
    sign_out_token,
)
from wdp.config import SESSION_IDLE_MINUTES, SESSION_MAX_HOURS, Colour, database_setting
from wdp.db import Database, DatabaseError, open_database
from wdp.services import signin

SIGN_IN, SIGN_OUT, SIGN_IN_NHS = "/sign-in", "/sign-out", "/sign-in/nhs"
START_NHS_SIGN_IN = "nhs-sign-in"  # ?start= value the app answers by calling st.login()


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site; the home page otherwise (never another site:
    no scheme, no host, no protocol-relative ``//``, no backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def sign_in_link(next_path: str) -> str:
    return f"{SIGN_IN}?next={quote(safe_next(next_path), safe='')}"


def _database() -> Database:
    return open_database(database_setting())


def _client(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    return person_address(peer, request.headers.get("x-forwarded-for"))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def _provider_configured() -> bool:
    try:
        import streamlit as st

        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


# ------------------------------------------------------------------------------------------------
# The sign-in page
# ------------------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · WDP programme dashboard</title>
<style>
body {{ margin: 0; font-family: Arial, Helvetica, sans-serif; color: {text};
       background: {background}; font-size: 1.1rem; line-height: 1.5; }}
header {{ background: {blue}; color: {white}; padding: 0.8rem 1.5rem; font-weight: 700; }}
main {{ max-width: 32rem; margin: 2rem auto; background: {white}; padding: 1.5rem 2rem 2rem;
       border: 1px solid {border}; }}
h1 {{ margin-top: 0; }}
label {{ display: block; font-weight: 700; margin-top: 1rem; }}
input {{ width: 100%; box-sizing: border-box; font-size: 1.1rem; padding: 0.5rem;
        border: 2px solid {text}; margin-top: 0.3rem; }}
input:focus, a:focus, button:focus {{ outline: 3px solid {focus}; outline-offset: 0; }}
button, .button {{ display: inline-block; margin-top: 1.5rem; font-size: 1.1rem;
        font-weight: 700; padding: 0.6rem 1.2rem; border: 0; cursor: pointer;
        color: {white}; background: {green}; text-decoration: none; }}
.secondary {{ background: {blue}; }}
.error {{ border: 4px solid {red}; padding: 0.8rem 1rem; margin-bottom: 1rem; }}
.error h2 {{ margin: 0 0 0.4rem 0; font-size: 1.2rem; }}
.hint {{ color: {grey}; font-size: 0.95rem; }}
</style></head>
<body><header>WDP programme dashboard</header>
<main>
<h1>Sign in</h1>
{problem}
<form method="post" action="{sign_in}" novalidate>
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" value="{email}" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
{provider}
<p><a href="{next}">Back to the dashboard without signing in</a></p>
<p class="hint">Signing in keeps you signed in on this browser, in every tab, until you sign out,
or after {idle} minutes without using the dashboard, or {hours} hours after signing in. The
dashboard keeps one cookie for this: a random, signed number that means nothing outside it.</p>
</main></body></html>
"""


def _page(*, csrf: str, next_path: str, email: str = "", message: str | None = None) -> str:
    problem = ""
    if message:
        problem = (
            '<div class="error" role="alert" tabindex="-1" aria-labelledby="problem">'
            f'<h2 id="problem">There is a problem</h2><p>{escape(message)}</p></div>'
        )
    provider = ""
    if _provider_configured():
        link = f"{SIGN_IN_NHS}?next={quote(next_path, safe='')}"
        provider = (
            f'<p><a class="button secondary" href="{escape(link)}">'
            "Sign in with your NHS account</a></p>"
        )
    return PAGE.format(
        text=Colour.TEXT,
        background=Colour.BACKGROUND_GREY,
        blue=Colour.BLUE,
        white=Colour.WHITE,
        border=Colour.BORDER_GREY,
        focus=Colour.WARM_YELLOW,
        green=Colour.TEXT_GREEN,
        red=Colour.RED,
        grey=Colour.DARK_GREY,
        problem=problem,
        sign_in=SIGN_IN,
        csrf=escape(csrf),
        next=escape(next_path),
        email=escape(email),
        provider=provider,
        idle=SESSION_IDLE_MINUTES,
        hours=SESSION_MAX_HOURS,
    )


def _csrf(request: Request) -> str:
    return request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def _form_page(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    token = _csrf(request)
    response = HTMLResponse(
        _page(csrf=token, next_path=next_path, email=email, message=message), status_code=status
    )
    _cookie(response, request, SIGN_IN_CSRF_COOKIE, token, max_age=SESSION_MAX_HOURS * 3600)
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_in_page(request: Request) -> Response:
    return _form_page(request, next_path=safe_next(request.query_params.get("next")))


async def sign_in(request: Request) -> Response:
    form = await request.form()
    next_path = safe_next(str(form.get("next") or "/"))
    email = str(form.get("email") or "").strip()
    sent, expected = str(form.get("csrf") or ""), request.cookies.get(SIGN_IN_CSRF_COOKIE) or ""
    if not expected or not hmac.compare_digest(sent, expected):
        return _form_page(
            request,
            next_path=next_path,
            email=email,
            message="This form had expired. Enter your email and password again.",
            status=400,
        )
    try:
        attempt = await run_in_threadpool(
            signin.sign_in_with_password,
            _database(),
            email,
            str(form.get("password") or ""),
            client_address=_client(request),
        )
    except DatabaseError as error:
        return _form_page(request, next_path=next_path, email=email, message=str(error), status=503)
    if attempt.cookie is None:
        await asyncio.sleep(attempt.delay_s)  # slows guessing without holding a thread
        return _form_page(
            request, next_path=next_path, email=email, message=attempt.message, status=401
        )
    response = RedirectResponse(next_path, status_code=303)
    _cookie(response, request, SESSION_COOKIE, attempt.cookie, max_age=SESSION_MAX_HOURS * 3600)
    return response


async def sign_out(request: Request) -> Response:
    form = await request.form()
    next_path = safe_next(str(form.get("next") or "/"))
    cookie = request.cookies.get(SESSION_COOKIE)
    response = RedirectResponse(next_path, status_code=303)
    db = _database()
    try:
        session_id = await run_in_threadpool(signin.session_id_of, db, cookie)
        if session_id is not None:
            key = await run_in_threadpool(signin.signing_key, db)
            if hmac.compare_digest(str(form.get("token") or ""), sign_out_token(key, session_id)):
                await run_in_threadpool(
                    signin.sign_out, db, cookie, client_address=_client(request)
                )
            else:
                return response  # not from one of this session's pages: nothing happens
    except DatabaseError:
        pass  # the cookie is cleared all the same; the session idles out
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="strict", httponly=True)
    return response


async def sign_in_with_nhs_account(request: Request) -> Response:
    """Remember where to come back to, then let the app start the provider's sign-in (the
    provider's callback always lands on the home page, which then goes on to ``next``)."""
    next_path = safe_next(request.query_params.get("next"))
    response = RedirectResponse(f"/?start={START_NHS_SIGN_IN}", status_code=303)
    try:
        key = await run_in_threadpool(signin.save_return, _database(), next_path)
        _cookie(response, request, RETURN_COOKIE, key, max_age=int(signin.RETURN_LIFE.seconds))
    except DatabaseError:
        pass  # signing in still works; it lands on the home page
    return response


def routes() -> list[Route]:
    return [
        Route(SIGN_IN, sign_in_page, methods=["GET"]),
        Route(SIGN_IN, sign_in, methods=["POST"]),
        Route(SIGN_OUT, sign_out, methods=["POST"]),
        Route(SIGN_IN_NHS, sign_in_with_nhs_account, methods=["GET"]),
    ]
