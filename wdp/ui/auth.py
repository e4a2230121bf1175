"""Who is using the app, checked on the server on every page, and the sign-in control every page
shows in its sidebar.

Two ways in, both ending in a session kept in the database (``wdp.services.signin``):
- **An NHS account** (an ``[auth]`` section in ``.streamlit/secrets.toml``: Microsoft Entra ID or
  any OpenID Connect provider): ``st.login`` signs the person in, and their role and pathfinder
  come from their account here, found by the ID token's ``email`` (or ``preferred_username``).
- **Email and password**: the sign-in page (``wdp.ui.web``) checks them and sets a session cookie.

Either lasts across reloads and new tabs until the person signs out, is idle for
``SESSION_IDLE_MINUTES``, reaches ``SESSION_MAX_HOURS``, or an admin disables their account;
any of those ends it in every tab and app process, at the next click. A page that needs a role
stops there (``wdp.ui.page.setup`` checks the page's roles from ``wdp.ui.pages``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl, urlencode

import streamlit as st

from wdp.auth import RETURN_COOKIE, SESSION_COOKIE, User, person_address, sign_out_token
from wdp.config import SUPPORT_CONTACT, Colour
from wdp.db import DatabaseBusy
from wdp.services import signin
from wdp.ui.data import database
from wdp.ui.pages import PageSpec, spec_for_path
from wdp.ui.web import SIGN_IN_NHS, SIGN_OUT, START_NHS_SIGN_IN, sign_in_link

EXPIRED_MESSAGE = signin.EXPIRED
_CHECKED = "wdp_visitor"  # this page run's check: (cookie and claims, when, visitor)
_LAST = "wdp_visitor_before"  # the previous run's, trusted briefly while the database is busy
_RETURNS_TRIED = "wdp_returns_tried"  # return-to keys this browser session has spent
TRUST_BUSY = dt.timedelta(minutes=1)  # a check this recent stands while the database is busy


def now() -> dt.datetime:
    """The clock sessions are judged by (a function, so tests can move it)."""
    return signin.utc_now()


def session_cookie() -> str | None:
    """The session cookie the browser sent with this page (AppTest cannot send cookies: tests
    replace this function to hand the page one made by the real sign-in)."""
    return st.context.cookies.get(SESSION_COOKIE)


def client_address() -> str | None:
    """The address this browser connects from (through a trusted proxy: the one the proxy
    saw; ``wdp.auth.person_address``), None if unknown."""
    address = st.context.ip_address
    peer = address if isinstance(address, str) else None
    return person_address(peer, st.context.headers.get("X-Forwarded-For"))


def provider_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _provider_claims() -> dict | None:
    """The ID token's claims when the identity provider has signed this browser in."""
    if provider_configured() and st.user.get("is_logged_in", False):
        return dict(st.user)
    return None


@dataclass(frozen=True)
class Visitor:
    """Who is here: a user; or someone the provider signed in who has no account here
    (``no_account``: their email as the provider gave it); or nobody (``expired``: their
    session ran out, so say so)."""

    user: User | None = None
    no_account: str | None = None
    expired: bool = False
    provider: bool = False


def new_page_run() -> None:
    """Each page run checks the visitor afresh, once (``wdp.ui.page.setup`` calls this first):
    a sign-out in another tab, or an admin's change, counts from the next click."""
    checked = st.session_state.pop(_CHECKED, None)
    if checked is not None:
        st.session_state[_LAST] = checked


def visitor() -> Visitor:
    """This browser's visitor, checked against the database once per page run."""
    cookie, moment, claims = session_cookie(), now(), _provider_claims()
    key = (cookie, tuple(sorted((k, str(v)) for k, v in (claims or {}).items())))
    checked = st.session_state.get(_CHECKED)
    if checked is not None and checked[0] == key:
        return checked[2]
    try:
        found = _check(cookie, claims, moment)
    except DatabaseBusy:
        # Another program holds the database for a moment: trust this browser's last check if
        # it is recent (a page should not sign someone out because a load is being written).
        last = st.session_state.get(_LAST)
        if last is not None and last[0] == key and abs(moment - last[1]) < TRUST_BUSY:
            return last[2]
        raise
    st.session_state[_CHECKED] = (key, moment, found)
    return found


def _check(cookie: str | None, claims: dict | None, moment: dt.datetime) -> Visitor:
    db = database()
    address = client_address()
    if claims is not None:
        check = signin.check_provider_sign_in(db, claims, client_address=address, now=moment)
        found = Visitor(
            user=check.user,
            no_account=None if check.user or check.expired else check.email,
            expired=check.expired,
            provider=True,
        )
    else:
        session = signin.check_session(db, cookie, now=moment)
        found = Visitor(user=session.user, expired=session.expired)
    return found


def current_user() -> User | None:
    return visitor().user


# ------------------------------------------------------------------------------------------------
# Where the person is, to come back to after signing in
# ------------------------------------------------------------------------------------------------


def here(spec: PageSpec) -> str:
    """This page's address with its filters, e.g. ``/Upload?period=2018-19+Q2``."""
    params = {k: v for k, v in st.query_params.to_dict().items() if k != "start"}
    return spec.url_path + (f"?{urlencode(params)}" if params else "")


def start_provider_sign_in_if_asked() -> None:
    """The sign-in page's "Sign in with your NHS account" lands here with ``?start=``: hand over
    to the provider (``st.login`` redirects the browser)."""
    if st.query_params.get("start") == START_NHS_SIGN_IN and provider_configured():
        if not st.user.get("is_logged_in", False):
            st.login()
        st.query_params.pop("start", None)


def return_after_provider_sign_in(spec: PageSpec) -> None:
    """After the provider's round trip (which lands on the home page), go on to the page and
    filters the person started from, once."""
    key = st.context.cookies.get(RETURN_COOKIE)
    tried = st.session_state.setdefault(_RETURNS_TRIED, set())
    if not key or key in tried or _provider_claims() is None:
        return  # (each key is spent once: never a write on every page run)
    tried.add(key)
    target = signin.use_return(database(), key, now=now())
    if not target:
        return
    path, _, query = target.partition("?")
    page = spec_for_path(path)
    if page is None or (page == spec and not query):
        return
    st.switch_page(page.script, query_params=dict(parse_qsl(query)))


# ------------------------------------------------------------------------------------------------
# What the person sees
# ------------------------------------------------------------------------------------------------

_LINK_STYLE = (
    "display:inline-block;padding:0.45rem 0.9rem;border-radius:0.5rem;font-weight:600;"
    "text-decoration:none;margin:0.2rem 0.4rem 0.2rem 0;"
)


def _link_button(label: str, href: str, *, primary: bool = True) -> str:
    colours = (
        f"background:{Colour.BLUE};color:{Colour.WHITE};"
        if primary
        else f"border:1px solid {Colour.BLUE};color:{Colour.BLUE};"
    )
    return f'<a href="{escape(href)}" style="{_LINK_STYLE}{colours}">{escape(label)}</a>'


def sign_in_controls(spec: PageSpec, *, where=st) -> None:
    """Ways to sign in from this page; both come back here, filters included."""
    links = [_link_button("Sign in", sign_in_link(here(spec)))]
    if provider_configured():
        nhs = f"{SIGN_IN_NHS}?{urlencode({'next': here(spec)})}"
        links.append(_link_button("Sign in with your NHS account", nhs, primary=False))
    where.html("".join(links))


def _sign_out_form(spec: PageSpec) -> str:
    session_id = signin.session_id_of(database(), session_cookie())
    token = sign_out_token(signin.signing_key(database()), session_id) if session_id else ""
    return (
        f'<form method="post" action="{SIGN_OUT}">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f'<input type="hidden" name="next" value="{escape(here(spec))}">'
        '<button type="submit" style="padding:0.3rem 0.8rem;border-radius:0.5rem;'
        f"border:1px solid {Colour.DARK_GREY};background:{Colour.WHITE};color:{Colour.TEXT};"
        'cursor:pointer">Sign out</button></form>'
    )


def _provider_sign_out() -> None:
    claims = _provider_claims()
    if claims is not None:
        signin.end_provider_sign_in(database(), claims, client_address=client_address())
    st.session_state.pop(_CHECKED, None)
    st.session_state.pop(_LAST, None)
    st.logout()


def sidebar_status(spec: PageSpec) -> None:
    """Every page: who is signed in and a way out, or a way in."""
    found = visitor()
    if found.user is not None:
        user = found.user
        what = user.role.label + (f", {user.pathfinder_code}" if user.pathfinder_code else "")
        st.sidebar.caption(f"Signed in as **{user.email}** ({what})")
        if found.provider:
            st.sidebar.button("Sign out", on_click=_provider_sign_out, key="sign_out")
        else:
            st.sidebar.html(_sign_out_form(spec))
        return
    if found.expired:
        st.sidebar.warning(EXPIRED_MESSAGE)
    if found.no_account is None:
        sign_in_controls(spec, where=st.sidebar)


def no_account_here(email: str) -> None:
    """Someone the provider signed in who has no account here: say so, whom to ask, and let
    them sign out (never the same sign-in button again)."""
    st.error(
        f"You are signed in with your NHS account as **{email}**, but there is no account "
        f"for that address on this dashboard, so it cannot show you anything. Ask "
        f"{SUPPORT_CONTACT} to set one up for {email}, then sign in again."
    )
    st.button("Sign out", on_click=_provider_sign_out, key="no_account_sign_out", type="primary")
