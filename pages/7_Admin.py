"""Admin: accounts, sign-ins (who is locked out, the sign-in log), reminders (the message log,
who gets them, when they go) and the pathfinder register (admins only). The rules are
wdp.services', the same the `python -m etl accounts` and `remind` commands apply; every change
is recorded with who made it."""

import tempfile
from pathlib import Path

import streamlit as st

from wdp import services
from wdp.domain import Role
from wdp.ui import admin, auth, page
from wdp.ui import reminders as reminding
from wdp.ui.data import data_changed, database, reads

page.setup(__file__)
me = page.signed_in_user(__file__)
accounts, sign_ins, messages, register = st.tabs(
    ["Accounts", "Sign-ins", "Reminders", "Pathfinder register"]
)

with accounts:
    listed = reads.list_accounts()
    st.dataframe(listed, hide_index=True)
    pathfinders = reads.validation_reference().pathfinders
    with st.form("admin_add_account", clear_on_submit=True):
        st.markdown("**Add or replace an account**")
        email = st.text_input("Email", key="admin_email")
        role = st.selectbox("Role", Role.codes(), format_func=Role.label_for, key="admin_role")
        pathfinder = admin.pathfinder_choice(pathfinders)
        password = admin.password_input()
        saved = st.form_submit_button("Save account")
    if saved:
        change = services.save_account(
            database(),
            email=email,
            role=role,
            pathfinder_code=pathfinder,
            password=password or None,
            by=me.email,
            method="admin",
            address=auth.client_address(),
        )
        if change.saved:
            data_changed()
            st.success(f"Saved {change.email} ({role}).")
        else:
            st.error(" ".join(change.problems))
    admin.disable_or_remove(list(listed["email"]), by=me.email)

with sign_ins:
    admin.locked_out(by=me.email)
    admin.sign_in_log()

with messages:
    reminding.message_log(by=me.email)
    reminding.opt_outs(by=me.email)
    reminding.settings_form(by=me.email)

with register:
    st.caption(
        f"{len(pathfinders)} pathfinders. Upload a CSV with the columns of "
        "data/sample/pathfinders.csv to replace the register."
    )
    uploaded = st.file_uploader("Register (.csv)", type=["csv"], key="admin_register")
    if uploaded is not None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "register.csv"
            path.write_bytes(uploaded.getvalue())
            checked = admin.checked_register(path, uploaded.name)
        if checked is not None and st.button(
            f"Replace the register with these {len(checked)} pathfinders",
            key="admin_register_confirm",
        ):
            services.replace_register(database(), checked)
            data_changed()
            st.success(f"The register now has {len(checked)} pathfinders.")
