"""Admin: accounts and the pathfinder register (admins only). The rules are wdp.services', the
same the `python -m etl accounts` command applies."""

import tempfile
from pathlib import Path

import streamlit as st

from wdp import services
from wdp.domain import Role
from wdp.ui import admin, page
from wdp.ui.data import data_changed, database, reads

page.setup(__file__)

st.subheader("Accounts")
st.dataframe(reads.list_accounts(), hide_index=True)
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
        database(), email=email, role=role, pathfinder_code=pathfinder, password=password or None
    )
    if change.saved:
        data_changed()
        st.success(f"Saved {change.email} ({role}).")
    else:
        st.error(" ".join(change.problems))
with st.form("admin_remove_account"):
    st.markdown("**Remove an account**")
    chosen = st.selectbox("Account", list(reads.list_accounts()["email"]), key="admin_remove_email")
    removed = st.form_submit_button("Remove account")
if removed and chosen:
    services.remove_account(database(), chosen)
    data_changed()
    st.success(f"Removed {chosen}.")

st.subheader("Pathfinder register")
st.caption(
    f"{len(pathfinders)} pathfinders. Upload a CSV with the columns of "
    "data/sample/pathfinders.csv to replace the register."
)
uploaded = st.file_uploader("Register (.csv)", type=["csv"], key="admin_register")
if uploaded is not None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        path.write_bytes(uploaded.getvalue())
        register = admin.checked_register(path, uploaded.name)
    if register is not None and st.button(
        f"Replace the register with these {len(register)} pathfinders",
        key="admin_register_confirm",
    ):
        services.replace_register(database(), register)
        data_changed()
        st.success(f"The register now has {len(register)} pathfinders.")
