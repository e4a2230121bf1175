"""Upload a return: download the template, upload the workbook, read the report, confirm.
Widgets in wdp.ui.upload; the load itself is wdp.services.load_upload, as the CLI's."""

import hashlib
from pathlib import Path

import streamlit as st

from wdp.config import MAX_RETURN_BYTES
from wdp.ui import page, upload

page.setup(__file__)
user = page.signed_in_user(__file__)

st.markdown(
    "1. Download the template (pre-filled with your pathfinder and the quarter due).\n"
    "2. Fill it in and save it as .xlsx.\n"
    "3. Upload it: every problem is listed at once.\n"
    "4. Check the figures and confirm. A corrected file for the same quarter replaces the "
    "earlier one."
)
upload.template_download(user)
st.caption(
    f"Excel workbooks (.xlsx) only, up to {MAX_RETURN_BYTES // 1_000_000} MB. "
    "Macros are never run; formulas are read as their saved values."
)
uploaded = st.file_uploader(
    "Upload your completed return (.xlsx)", type=["xlsx"], key="upload_file"
)
if uploaded is not None and upload.size_ok(data := uploaded.getvalue()):
    digest = hashlib.sha256(data).hexdigest()
    saved = st.session_state.setdefault(f"upload_{digest}", str(upload.save_upload(data)))
    done = st.session_state.get("upload_loaded", {})
    if digest in done:
        st.success(done[digest])
    else:
        validated = upload.check_upload(Path(saved), user, uploaded.name)
        if validated is None:
            if f"recorded_{digest}" not in st.session_state:  # keep the attempt and its report
                upload.confirm_and_load(Path(saved), user, uploaded.name)
                st.session_state[f"recorded_{digest}"] = True
        else:
            upload.preview(validated, user)
            if st.button("Confirm and load this return", type="primary", key="upload_confirm"):
                report = upload.confirm_and_load(Path(saved), user, uploaded.name)
                message = {
                    "accepted": "Loaded. Every page now shows the new figures.",
                    "unchanged": "This exact file was already loaded: nothing changed.",
                }.get(
                    report.status,
                    "The return could not be loaded: "
                    + "; ".join(i.message for i in report.errors),
                )
                st.session_state["upload_loaded"] = {**done, digest: message}
                st.rerun()
