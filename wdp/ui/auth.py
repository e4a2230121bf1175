"""Signing in, in the browser. Checks run on the server: a page that needs a role stops there
(``wdp.ui.page.setup`` checks the page's roles from ``wdp.ui.pages``).

With an ``[auth]`` section in ``.streamlit/secrets.toml`` (an OIDC provider such as Microsoft
Entra ID), people sign in through ``st.login`` and their role comes from their account. Without
one, a form takes an email and password checked against the local accounts (``wdp.auth``).

A local sign-in expires after ``SESSION_IDLE_MINUTES`` without interaction (every click or
widget change reruns the page, which counts) and ``SESSION_MAX_HOURS`` after signing in,
whichever comes first; the person is then signed out and told so.
"""

from __future__ import annotations

import time

import streamlit as st

from wdp import auth
from wdp.config import SESSION_IDLE_MINUTES, SESSION_MAX_HOURS
from wdp.ui.data import database

SESSION_KEY = "wdp_user"
SIGNED_IN_AT = "wdp_signed_in_at"
LAST_SEEN = "wdp_last_seen"
EXPIRED = "wdp_session_expired"
EXPIRED_MESSAGE = "Your session has expired; sign in again."


def now() -> float:
    """Seconds on the wall clock (a function, so tests can move the clock)."""
    return time.time()


def _expired(moment: float) -> bool:
    """Whether the local sign-in has run out; marks this moment as activity otherwise."""
    state = st.session_state
    signed_in = state.setdefault(SIGNED_IN_AT, moment)
    last = state.get(LAST_SEEN, moment)
    if moment - last > SESSION_IDLE_MINUTES * 60 or moment - signed_in > SESSION_MAX_HOURS * 3600:
        return True
    state[LAST_SEEN] = moment
    return False


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_user() -> auth.User | None:
    """The signed-in user, from the identity provider or the session."""
    if _oidc_configured() and st.user.get("is_logged_in", False):
        email = st.user.get("email")
        if not email:
            return None
        known = st.session_state.get(SESSION_KEY)
        if known is None or known.email != str(email).lower():  # look the role up once
            known = auth.user_for_email(database(), str(email))
            st.session_state[SESSION_KEY] = known
        return known
    user = st.session_state.get(SESSION_KEY)
    if user is not None and _expired(now()):
        for key in (SESSION_KEY, SIGNED_IN_AT, LAST_SEEN):
            st.session_state.pop(key, None)
        st.session_state[EXPIRED] = True
        return None
    return user


def sign_in_form() -> None:
    """The sign-in form (fields "Email" and "Password", a "Sign in" button)."""
    if _oidc_configured():
        st.button("Sign in with your NHS account", on_click=st.login, type="primary")
        return
    if st.session_state.get(EXPIRED):
        st.warning(EXPIRED_MESSAGE)
    with st.form("sign_in"):
        email = st.text_input("Email")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        user = auth.authenticate(database(), email, password)
        if user is None:
            st.error(
                "Email or password not recognised. Check them and try again, or ask the "
                "programme team to set up your account."
            )
        else:
            st.session_state[SESSION_KEY] = user
            st.session_state[SIGNED_IN_AT] = st.session_state[LAST_SEEN] = now()
            st.session_state.pop(EXPIRED, None)
            st.rerun()


def sign_out() -> None:
    for key in (SESSION_KEY, SIGNED_IN_AT, LAST_SEEN):
        st.session_state.pop(key, None)
    if _oidc_configured() and st.user.get("is_logged_in", False):
        st.logout()


def sidebar_status() -> None:
    """Who is signed in, with a sign-out button (every page)."""
    user = current_user()
    if user is not None:
        what = f"{user.role}" + (f", {user.pathfinder_code}" if user.pathfinder_code else "")
        st.sidebar.caption(f"Signed in as **{user.email}** ({what})")
        st.sidebar.button("Sign out", on_click=sign_out, key="sign_out")
    elif st.session_state.get(EXPIRED):
        st.sidebar.warning(EXPIRED_MESSAGE)
