"""The Admin page's sections: accounts and the pathfinder register (admins only)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from etl.seed import CsvError, read_register
from wdp import auth, ui
from wdp.config import db_path
from wdp.db import accounts, queries, writes
from wdp.db.connection import open_db

list_accounts = ui.cached_query(accounts.list_accounts)
validation_reference = ui.cached_query(queries.validation_reference)


def accounts_section() -> None:
    st.subheader("Accounts")
    st.dataframe(list_accounts(), hide_index=True)
    pathfinders = validation_reference().pathfinders
    with st.form("admin_add_account", clear_on_submit=True):
        st.markdown("**Add or replace an account**")
        email = st.text_input("Email", key="admin_email")
        role = st.selectbox("Role", auth.ROLES, key="admin_role")
        pathfinder = st.selectbox(
            "Pathfinder (leads only)",
            [None, *sorted(pathfinders)],
            format_func=lambda c: "-" if c is None else f"{pathfinders[c]} ({c})",
            key="admin_pathfinder",
        )
        password = st.text_input(
            "Password",
            type="password",
            key="admin_password",
            help=f"At least {auth.MIN_PASSWORD_LENGTH} characters. Leave "
            "empty for an account that signs in only with the NHS "
            "identity provider.",
        )
        saved = st.form_submit_button("Save account")
    if saved:
        problems = auth.check_new_account(role, pathfinder, password or None)
        if "@" not in email:
            problems.insert(0, "Enter the person's work email address.")
        if problems:
            st.error(" ".join(problems))
        else:
            with open_db(db_path()) as con:
                accounts.save_account(
                    con,
                    email=email,
                    role=role,
                    pathfinder_code=pathfinder,
                    password_hash=auth.hash_password(password) if password else None,
                )
            st.cache_data.clear()
            st.success(f"Saved {email.strip().lower()} ({role}).")
    emails = list(list_accounts()["email"])
    with st.form("admin_remove_account"):
        st.markdown("**Remove an account**")
        chosen = st.selectbox("Account", emails, key="admin_remove_email")
        removed = st.form_submit_button("Remove account")
    if removed and chosen:
        with open_db(db_path()) as con:
            accounts.remove_account(con, chosen)
        st.cache_data.clear()
        st.success(f"Removed {chosen}.")


def register_section() -> None:
    st.subheader("Pathfinder register")
    pathfinders = validation_reference().pathfinders
    st.caption(
        f"{len(pathfinders)} pathfinders. Upload a CSV with the columns of "
        "data/sample/pathfinders.csv to replace the register."
    )
    uploaded = st.file_uploader("Register (.csv)", type=["csv"], key="admin_register")
    if uploaded is None:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        path.write_bytes(uploaded.getvalue())
        try:
            frame = read_register(path)
        except CsvError as error:
            st.error(
                "The register was not changed:\n\n"
                + "\n".join(f"- {issue.describe(uploaded.name)}" for issue in error.issues)
            )
            return
        except Exception as error:  # not a CSV at all
            st.error(
                f"The register was not changed: {uploaded.name} could not be read "
                f"({type(error).__name__})."
            )
            return
    if st.button(
        f"Replace the register with these {len(frame)} pathfinders", key="admin_register_confirm"
    ):
        with open_db(db_path()) as con:
            writes.replace_reference(con, "ref_pathfinder", frame)
        st.cache_data.clear()
        st.success(f"The register now has {len(frame)} pathfinders.")
