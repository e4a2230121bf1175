"""Reminders in the app (issue 16): on the Status page, each pathfinder's last and next reminder
and "Send a reminder now" from the chase list (directors and admins), a lead's own messages; on
the Admin page, the message log with filters and CSV, opt-outs with their reasons, and the
rules' settings. The rules and the sending are wdp.services.reminders', the same the hourly
``python -m etl remind`` uses, so a reminder sent here is in the same log and never sent twice."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from wdp.auth import User
from wdp.charts import reminders as build
from wdp.domain import MessageStatus, ReminderKind, Role
from wdp.notify import NotConfigured, Sender
from wdp.services import reminders
from wdp.ui.data import data_changed, database, explained, reads
from wdp.ui.exports import download_csv

PAGE = "reminders"
STAFF = (Role.DIRECTOR, Role.ADMIN)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def sender_or_reason() -> tuple[Sender | None, str | None]:
    """The configured way of sending, or why there is none (in words for the page)."""
    try:
        return reminders.sender_from_settings(), None
    except NotConfigured as error:
        return None, str(error)


# ------------------------------------------------------------------------------------------------
# The Status page
# ------------------------------------------------------------------------------------------------


def send_now_form(chase: pd.DataFrame, user: User) -> None:
    """A director picks a return on the chase list and reminds its pathfinder's leads now."""
    if user.role not in STAFF or chase.empty:
        return
    contacts = _contacts()
    rows = {
        f"{r['Pathfinder']}: {r['Period']} ({r['Status']})": (r["Pathfinder code"], r["Period"])
        for _, r in chase.iterrows()
    }
    with st.form("reminder_send_now"):
        st.markdown("**Send a reminder now**")
        chosen = st.selectbox(
            "Return to chase",
            list(rows),
            key="reminder_chase_choice",
            help=(
                "Its pathfinder's leads get the reminder the schedule would send today, "
                "recorded in the message log."
            ),
        )
        send = st.form_submit_button("Send reminder now", type="primary")
    if not send or chosen is None:
        return
    code, period = rows[chosen]
    if not contacts.get(code):
        st.warning(
            f"{chosen.split(':')[0]} has no lead account to remind (or its leads are opted "
            "out): add one on the Admin page."
        )
        return
    sender, reason = sender_or_reason()
    if sender is None:
        st.error(reason)
        return
    with explained():
        outcomes = reminders.send_now(
            database(), sender, pathfinder_code=code, reporting_period=period, by=user.email
        )
    data_changed()
    if not outcomes:
        st.info("That reminder was sent a moment ago; it is not sent twice.")
    for outcome in outcomes:
        if outcome.status == "sent":
            st.success(f"Sent to {outcome.to}: “{outcome.subject}”")
        else:
            again = (
                f" It will be tried again from {outcome.retry_at:%H:%M} UTC."
                if outcome.retry_at
                else ""
            )
            st.error(f"Not sent to {outcome.to}: {outcome.error}.{again}")


def _contacts() -> dict[str, list[str]]:
    with explained():
        return reminders.lead_contacts(database())


def status_section(user: User | None) -> None:
    """Each pathfinder's last and next reminder (directors, admins); a lead's own messages."""
    if user is None:
        return
    if user.role is Role.LEAD:
        own_messages(user)
        return
    if user.role not in STAFF:
        return
    st.subheader("Reminders")
    sender, _ = sender_or_reason()
    with explained():
        db = database()
        upcoming = reminders.next_reminders(db, today())
        table = build.overview_frame(
            reads.reminder_calendar(), _contacts(), db.last_reminder_by_pathfinder(), upcoming
        )
    how = (
        f"They are sent by {sender.describe()}"
        if sender is not None
        else "No way of sending is set up yet, so none will go (README: Reminders)"
    )
    st.caption(
        "Leads are reminded before their return is due, on the day, and weekly while it is late; "
        f"directors get a weekly digest. {how}. Next reminder: what the hourly run will send if "
        f"nothing is received meanwhile, as of today ({today():%-d %b %Y})."
    )
    st.dataframe(table, hide_index=True, height="content")
    download_csv(table, filename="reminders_by_pathfinder.csv", key=f"{PAGE}_overview_csv")


def own_messages(user: User) -> None:
    """The reminders sent to this lead."""
    st.subheader("Reminders sent to you")
    with explained():
        log = reads.reminder_log(recipient=user.email)
    if log.empty:
        st.caption(f"No reminders have been sent to {user.email} yet.")
        return
    st.dataframe(build.own_messages_frame(log), hide_index=True)


# ------------------------------------------------------------------------------------------------
# The Admin page
# ------------------------------------------------------------------------------------------------


def message_log(*, by: str) -> None:
    """The message log, filtered, with CSV; a failed message can be queued again."""
    st.markdown("**Message log**")
    who, kind_col, status_col, since_col = st.columns(4)
    recipient = who.text_input("To (exact address)", key="reminder_log_to").strip().lower() or None
    kind = kind_col.selectbox(
        "Kind",
        [None, *ReminderKind.codes()],
        format_func=lambda k: "All kinds" if k is None else ReminderKind.label_for(k),
        key="reminder_log_kind",
    )
    status = status_col.selectbox(
        "Status",
        [None, *MessageStatus.codes()],
        format_func=lambda s: "Any status" if s is None else MessageStatus.label_for(s),
        key="reminder_log_status",
    )
    since = since_col.date_input("Entered from", value=None, key="reminder_log_since")
    with explained():
        log = reads.reminder_log(
            recipient=recipient,
            kind=kind,
            status=status,
            since=dt.datetime.combine(since, dt.time()) if since else None,
        )
    table = build.log_frame(log)
    st.caption(f"{len(table):,} message{'s' * (len(table) != 1)}, newest first.")
    st.dataframe(table, hide_index=True, height=360 if len(table) > 8 else "content")
    download_csv(table, filename="reminder_log.csv", key=f"{PAGE}_log_csv")
    stuck = log[log["status"].isin(["failed", "unknown"])]
    if stuck.empty:
        return
    choice = st.selectbox(
        "Failed, or may not have gone",
        list(stuck["reference"]),
        format_func=lambda ref: " · ".join(
            str(v) for v in stuck.loc[stuck["reference"] == ref, ["recipient", "subject"]].iloc[0]
        ),
        key="reminder_again_choice",
    )
    if st.button("Send it again with the next run", key="reminder_again"):
        with explained():
            queued = reminders.send_again(database(), choice)
        data_changed()
        if queued:
            st.success("Queued: the next hourly run sends it.")
        else:
            st.info("It had already been queued or sent.")


def opt_outs(*, by: str) -> None:
    """Who does not get reminders and why; stop or restart them for a person."""
    st.markdown("**Who gets reminders**")
    with explained():
        people = reads.reminder_recipients()
    with st.form("reminder_opt_out"):
        email = st.selectbox("Person", list(people["email"]), key="reminder_opt_email")
        reason = st.text_input("Why (required to stop them)", key="reminder_opt_reason")
        stop, restart = st.columns(2)
        stopping = stop.form_submit_button("Stop reminders")
        restarting = restart.form_submit_button("Restart reminders")
    if email and (stopping or restarting):
        _change_opt_out(email, reason, stopping=stopping, by=by)
        with explained():
            people = reads.reminder_recipients()
    st.dataframe(
        pd.DataFrame(
            {
                "Email": people["email"],
                "Role": people["role"].map(Role.label_for),
                "Pathfinder": people["pathfinder_code"].fillna(""),
                "Reminders": people["opted_out_reason"].map(
                    lambda r: f"Stopped: {r}" if isinstance(r, str) else "On"
                ),
                "Stopped by": people["opted_out_by"].fillna(""),
            }
        ),
        hide_index=True,
    )


def _change_opt_out(email: str, reason: str, *, stopping: bool, by: str) -> None:
    with explained():
        if stopping:
            try:
                reminders.opt_out(database(), email, reason=reason, by=by)
            except ValueError as error:
                st.error(str(error))
                return
            message = f"Reminders to {email} are stopped."
        else:
            restarted = reminders.opt_in(database(), email, by=by)
            message = (
                f"Reminders to {email} start again."
                if restarted
                else f"Reminders to {email} were not stopped."
            )
    data_changed()
    st.success(message)


def settings_form(*, by: str) -> None:
    """The rules' settings (defaults until an admin changes them)."""
    st.markdown("**When reminders go**")
    with explained():
        current = reminders.reminder_settings(database())
    with st.form("reminder_settings"):
        values = {}
        for name, label in reminders.EDITABLE_SETTINGS.items():
            shown = _shown(getattr(current, name))
            values[name] = st.text_input(label, value=shown, key=f"reminder_setting_{name}")
        saved = st.form_submit_button("Save settings")
    if not saved:
        return
    changed = {k: v for k, v in values.items() if v.strip() != _shown(getattr(current, k)).strip()}
    problems = reminders.setting_problems(changed)
    if problems:
        st.error(" ".join(problems))
        return
    with explained():
        reminders.save_reminder_settings(database(), changed, by=by)
    data_changed()
    st.success("Saved." if changed else "Nothing changed.")


def _shown(value: object) -> str:
    if value is None:
        return ""
    return str(getattr(value, "label", value))
