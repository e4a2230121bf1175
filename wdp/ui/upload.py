"""The Upload page's steps: template download, check an upload, report, preview, confirm, load.

An upload is saved under a random name in an ``uploads`` folder beside the database (never
served), checked with the same
validation the CLI uses, and loaded only when the person confirms. A lead can submit only for
their own pathfinder: the load itself refuses anything else.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from wdp import services
from wdp.auth import User
from wdp.config import MAX_RETURN_BYTES, uploads_dir
from wdp.db import DatabaseBusy
from wdp.domain import Issue, ReportingPeriod
from wdp.ui.data import computed, data_changed, database, explained, reads
from wdp.ui.exports import download_csv

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_download(user: User) -> None:
    """The return template, pre-filled with a lead's pathfinder and the quarter due (the one a
    reminder's link names in ``?period=``, else the one after their latest return)."""
    asked = ReportingPeriod.parse(str(st.query_params.get("period", "")))
    period = (
        asked.label
        if asked is not None and user.pathfinder_code
        else computed(services.next_period_due, pathfinder_code=user.pathfinder_code)
    )
    name = f"WDP_return_{user.pathfinder_code or 'template'}_{(period or '').replace(' ', '_')}"
    st.download_button(
        "Download the return template",
        services.template_bytes(pathfinder_code=user.pathfinder_code, reporting_period=period),
        file_name=f"{name.rstrip('_')}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
        key="upload_template",
    )
    if period:
        st.caption(f"Pre-filled for {user.pathfinder_code}, {period}.")


def save_upload(data: bytes) -> Path:
    """Keep the uploaded bytes under a random name outside anything the app serves."""
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}.xlsx"
    path.write_bytes(data)
    return path


# As the GOV.UK error summary does: once drawn, keyboard focus moves to it, so a screen reader
# reads it out and the next Tab goes on from it. The page's own document is reached from the
# component's frame (same origin); ``nonce`` makes each new report a new component, run again.
FOCUS_SCRIPT = """<script data-report="{nonce}">
const frame = window.frameElement;  // this empty frame: out of the Tab order, silent
if (frame) {{
  frame.setAttribute("tabindex", "-1");
  frame.setAttribute("aria-hidden", "true");
  frame.setAttribute("title", "Moves the keyboard focus to the error summary");
}}
const doc = window.parent.document;
const focus = () => {{
  const alerts = doc.querySelectorAll('[data-testid="stAlertContentError"]');
  const summary = Array.from(alerts).find(a => a.textContent.includes("Nothing was loaded"));
  if (!summary) {{ return false; }}
  const box = summary.closest('[role="alert"]') || summary;
  box.setAttribute("tabindex", "-1");
  box.focus();
  return true;
}};
let tries = 0;
const timer = setInterval(() => {{ if (focus() || ++tries > 40) clearInterval(timer); }}, 50);
</script>"""


def move_focus_to_error_summary(nonce: str) -> None:
    digest = hashlib.sha256(nonce.encode()).hexdigest()[:16]
    components.html(FOCUS_SCRIPT.format(nonce=digest), height=0)


def error_summary(issues: list[Issue], *, file_name: str) -> None:
    """The GOV.UK error summary: a count and every problem, then a table of where and what."""
    count = len(issues)
    lines = "\n".join(f"- {issue.describe()}" for issue in issues[:50])
    more = f"\n- ... and {count - 50} more (all are in the table)" if count > 50 else ""
    st.error(
        f"**There {'is' if count == 1 else 'are'} {count} "
        f"problem{'s' * (count != 1)} with {file_name}.** Nothing was loaded. Fix "
        f"{'it' if count == 1 else 'them'} in the workbook and upload it again.\n\n"
        f"{lines}{more}"
    )
    move_focus_to_error_summary(f"{file_name}:{count}:{issues[0].describe() if issues else ''}")
    table = pd.DataFrame(
        [
            {
                "Sheet": i.sheet,
                "Row": i.row,
                "Column": i.column,
                "Value": i.value,
                "What to do": i.message,
            }
            for i in issues
        ]
    )
    st.dataframe(table, hide_index=True)
    download_csv(
        table,
        filename="validation_report.csv",
        key="upload_report_csv",
        label="Download this report",
    )


def preview(validated, user: User) -> None:
    """What the return would change: rows per sheet and champions, beside the return that
    counts for this period now (if any)."""
    details = validated.details
    st.success(
        f"**The return is valid**: {details.pathfinder_code}, "
        f"{details.reporting_period}. Check the figures below, then confirm to load it."
    )
    training = validated.frames.get("training")
    trained = int(training["champions_trained"].sum()) if training is not None else 0
    now = reads.current_return_totals(
        pathfinder_code=details.pathfinder_code, reporting_period=details.reporting_period
    )
    table = pd.DataFrame(
        {
            "": [*validated.row_counts, "Champions trained"],
            "This file": [*validated.row_counts.values(), trained],
        }
    )
    if now is None:
        st.caption("No return has been loaded for this period yet.")
    else:
        table["Return loaded now"] = [
            *(now["rows"].get(s, 0) for s in validated.row_counts),
            now["champions_trained"],
        ]
        st.caption(
            f"Confirming replaces the return loaded for {details.reporting_period} "
            f"({now['file_name']}); it stays in the history."
        )
    st.dataframe(table, hide_index=True)
    for warning in validated.warnings:
        st.warning(warning.describe())


def check_upload(path: Path, user: User, file_name: str):
    """The upload checked as the load would check it; every problem shown when it fails."""
    validated, issues = services.check_upload(
        database(), path, user=user, reference=reads.validation_reference()
    )
    if issues:
        error_summary(issues, file_name=file_name)
        return None
    return validated


def confirm_and_load(path: Path, user: User, file_name: str) -> services.LoadReport:
    """Load the upload for this person; a busy database is a sentence, and they confirm again."""
    with explained():
        try:
            report = services.load_upload(database(), path, user=user, file_name=file_name)
        except DatabaseBusy as error:  # nothing was loaded: say so, and how to retry
            st.error(f"{error} Nothing was loaded; your file is kept, so just confirm again.")
            st.stop()
    data_changed()  # every page shows the new figures at once
    return report


def size_ok(data: bytes) -> bool:
    if len(data) > MAX_RETURN_BYTES:
        st.error(
            f"The file is {len(data) / 1e6:.1f} MB; returns are limited to "
            f"{MAX_RETURN_BYTES / 1e6:.0f} MB. Remove pictures or extra sheets."
        )
        return False
    return True
