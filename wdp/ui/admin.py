"""The Admin page's widgets: the account fields, disabling and removing accounts, who is locked
out and unlocking them, the sign-in log, and a register file checked before anything is
replaced (the page lays them out; wdp.services makes the changes and records them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from wdp import services
from wdp.config import MIN_PASSWORD_LENGTH
from wdp.services import signin
from wdp.ui import auth
from wdp.ui.data import data_changed, database, reads
from wdp.ui.exports import download_csv

# What the sign-in log records, for its filter (``wdp.services``).
EVENTS = (
    "signed in",
    "signed out",
    "failed",
    "locked",
    "refused",
    "unlocked",
    "expired",
    "no account",
    "account saved",
    "account removed",
    "account disabled",
    "account enabled",
)


def pathfinder_choice(pathfinders: dict[str, str]) -> str | None:
    """A lead's pathfinder, by name (None for everyone else)."""
    return st.selectbox(
        "Pathfinder (leads only)",
        [None, *sorted(pathfinders)],
        format_func=lambda c: "-" if c is None else f"{pathfinders[c]} ({c})",
        key="admin_pathfinder",
    )


def password_input() -> str:
    return st.text_input(
        "Password",
        type="password",
        key="admin_password",
        help=f"At least {MIN_PASSWORD_LENGTH} characters, not a common password, not the email "
        "address. Leave empty for an account that signs in only with the NHS identity provider.",
    )


def checked_register(path: Path, file_name: str) -> pd.DataFrame | None:
    """The register in an uploaded CSV, every row checked; None, with every problem said, when
    it cannot replace the register (which is then left as it was)."""
    try:
        return services.read_register_file(path)
    except services.CsvError as error:
        st.error(
            "The register was not changed:\n\n"
            + "\n".join(f"- {issue.describe(file_name)}" for issue in error.issues)
        )
    except Exception as error:  # not a CSV at all
        st.error(
            f"The register was not changed: {file_name} could not be read ({type(error).__name__})."
        )
    return None


LOCKED_COLUMNS = {
    "email": "Email address",
    "failures": "Failed attempts",
    "last_failure_at": "Last failure (UTC)",
    "locked_until": "Paused until (UTC)",
}
LOG_COLUMNS = {
    "occurred_at": "When (UTC)",
    "event": "Event",
    "email": "Email address",
    "method": "How",
    "client_address": "From address",
    "by_whom": "By",
    "detail": "Detail",
}


def disable_or_remove(emails: list[str], *, by: str) -> None:
    """Disable an account (its sign-ins end at once, everywhere), enable it, or remove it."""
    with st.form("admin_change_account"):
        st.markdown("**Disable, enable or remove an account**")
        chosen = st.selectbox("Account", emails, key="admin_change_email")
        disable, enable, remove = st.columns(3)
        action = None
        if disable.form_submit_button("Disable"):
            action = "disable"
        if enable.form_submit_button("Enable"):
            action = "enable"
        if remove.form_submit_button("Remove account"):
            action = "remove"
    if action is None or not chosen:
        return
    db = database()
    if action == "remove":
        services.remove_account(db, chosen, by=by, method="admin", address=auth.client_address())
        message = f"Removed {chosen}; any sign-in of it has ended."
    else:
        services.set_account_disabled(
            db, chosen, action == "disable", by=by, method="admin", address=auth.client_address()
        )
        message = f"{'Disabled' if action == 'disable' else 'Enabled'} {chosen}."
        message += " Any sign-in of it has ended." if action == "disable" else ""
    data_changed()
    st.success(message)


def locked_out(*, by: str) -> None:
    """Email addresses whose password sign-in is paused, with a way to unlock each."""
    st.markdown("**Paused after repeated failed passwords**")
    locked = reads.locked_sign_ins(now=signin.utc_now())
    if locked.empty:
        st.caption("Nobody is locked out.")
        return
    st.dataframe(locked.rename(columns=LOCKED_COLUMNS), hide_index=True)
    chosen = st.selectbox("Email address", list(locked["email"]), key="admin_unlock_email")
    if st.button("Unlock", key="admin_unlock"):
        services.unlock(database(), chosen, by=by, method="admin", address=auth.client_address())
        data_changed()
        st.success(f"{chosen} can sign in again now.")


def sign_in_log() -> None:
    """Every sign-in, sign-out, failure, lock, unlock and account change, newest first."""
    st.markdown("**Sign-in log**")
    who, what, since, until = st.columns(4)
    email = who.text_input("Email contains", key="admin_log_email") or None
    event = what.selectbox(
        "Event",
        [None, *EVENTS],
        format_func=lambda e: "All events" if e is None else e,
        key="admin_log_event",
    )
    first = since.date_input("From", value=None, key="admin_log_since")
    last = until.date_input("To", value=None, key="admin_log_until")
    log = reads.sign_in_events(email=email, event=event, since=first, until=last)
    log = log.rename(columns=LOG_COLUMNS)
    st.caption(f"{len(log):,} events, newest first (times in UTC).")
    st.dataframe(log, hide_index=True, height=360)
    download_csv(log, filename="sign_in_log.csv", key="admin_log_csv")
