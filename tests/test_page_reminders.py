"""Reminders in the app through AppTest, against the sample programme and a real SMTP server on
127.0.0.1: the Status page's last and next reminder and "Send a reminder now" (directors), a
lead's own messages, and the Admin page's message log, opt-outs and settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from etl.load import load_return
from tests import apptest
from tests.helpers import write_valid_return
from tests.mailservers import FROM
from wdp.db import open_database
from wdp.domain import ReportingPeriod
from wdp.services import reminders

STATUS, ADMIN = "pages/2_Pathfinder_status.py", "pages/7_Admin.py"
DIRECTOR, ADMIN_EMAIL = "director@example.nhs.uk", "admin@example.nhs.uk"
PRESTON, STOKE = "lead.preston@example.nhs.uk", "lead.stoke@example.nhs.uk"
Q2 = ReportingPeriod(2018, 2)


@pytest.fixture
def outstanding(seeded_db_copy, tmp_path: Path):
    """The sample programme once Stoke has sent 2018-19 Q2: the other 19 are on the chase list."""
    path = write_valid_return(tmp_path / "stoke-q2.xlsx", Q2, pathfinder="WDP-STK")
    assert load_return(open_database(seeded_db_copy), path, loaded_by=STOKE).status == "accepted"
    return seeded_db_copy


@pytest.fixture
def mail_settings(monkeypatch, smtp_server, tmp_path: Path):
    mailbox, port = smtp_server()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("")
    monkeypatch.setenv("WDP_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("WDP_SMTP_FROM", FROM)
    monkeypatch.setenv("WDP_SECRETS", str(secrets))
    return mailbox


def table_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_director_sends_a_reminder_from_the_chase_list(
    monkeypatch, outstanding, mail_settings
) -> None:
    at = apptest.as_account(monkeypatch, outstanding, DIRECTOR, STATUS, period=Q2.label)
    assert not at.exception
    choice = at.selectbox(key="reminder_chase_choice")
    preston = next(o for o in choice.options if o.startswith("Preston"))
    assert len(choice.options) == 19  # every pathfinder but Stoke
    choice.set_value(preston)
    at.button[[b.label for b in at.button].index("Send reminder now")].click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        f"Sent to {PRESTON}: “{mail_settings.received[0].email['Subject']}”"
    ]
    [mail] = mail_settings.received
    assert mail.rcpt_tos == [PRESTON] and "2018-19 Q2 return for Preston" in mail.email["Subject"]
    [logged] = open_database(outstanding).reminder_log().itertuples()
    assert logged.requested_by == DIRECTOR and logged.status == "sent"
    # The reminders table says so.
    table = table_with(at, "Last reminder")
    row = table[table["Pathfinder"] == "Preston"].iloc[0]
    assert row["Last reminder"].endswith("Late (2018-19 Q2)")
    assert row["Leads told"] == PRESTON


def test_a_pathfinder_without_a_lead_account_cannot_be_reminded(
    monkeypatch, outstanding, mail_settings
) -> None:
    at = apptest.as_account(monkeypatch, outstanding, DIRECTOR, STATUS, period=Q2.label)
    choice = at.selectbox(key="reminder_chase_choice")
    choice.set_value(next(o for o in choice.options if o.startswith("Barking and Dagenham")))
    at.button[[b.label for b in at.button].index("Send reminder now")].click().run()
    assert "has no lead account to remind" in at.warning[-1].value
    assert mail_settings.received == []
    table = table_with(at, "Next reminder")
    assert set(table.loc[table["Pathfinder"] == "Barking and Dagenham", "Next reminder"]) == {
        "No lead account"
    }


def test_without_a_way_of_sending_the_page_says_how_to_set_one_up(
    monkeypatch, outstanding, tmp_path
) -> None:
    secrets = tmp_path / "none.toml"
    secrets.write_text("")
    monkeypatch.setenv("WDP_SECRETS", str(secrets))
    monkeypatch.delenv("WDP_SMTP_URL", raising=False)
    at = apptest.as_account(monkeypatch, outstanding, DIRECTOR, STATUS, period=Q2.label)
    assert any("No way of sending is set up" in c.value for c in at.caption)
    choice = at.selectbox(key="reminder_chase_choice")
    choice.set_value(next(o for o in choice.options if o.startswith("Preston")))
    at.button[[b.label for b in at.button].index("Send reminder now")].click().run()
    assert "neither GOV.UK Notify nor an SMTP server is set up" in at.error[-1].value


def test_a_lead_sees_their_own_messages_and_no_one_elses(
    monkeypatch, seeded_db_copy, mail_settings
) -> None:
    db = open_database(seeded_db_copy)
    sender = reminders.sender_from_settings()
    day = dt.date(2018, 11, 12)  # a Monday: the leads' late reminders and the director's digest
    reminders.run_reminders(db, sender, today=day, now=dt.datetime.combine(day, dt.time(9)))
    at = apptest.as_account(monkeypatch, seeded_db_copy, PRESTON, STATUS)
    assert not at.exception
    assert "Reminders sent to you" in [h.value for h in at.subheader]
    mine = table_with(at, "Subject")
    assert len(mine) == 1 and "Preston" in mine["Subject"].iloc[0]
    assert "reminder_chase_choice" not in [s.key for s in at.selectbox]  # not a lead's


def test_the_admin_sees_the_log_filters_it_and_opts_a_lead_out(
    monkeypatch, seeded_db_copy, mail_settings
) -> None:
    db = open_database(seeded_db_copy)
    day = dt.date(2018, 11, 12)
    reminders.run_reminders(
        db, reminders.sender_from_settings(), today=day, now=dt.datetime.combine(day, dt.time(9))
    )
    at = apptest.as_account(monkeypatch, seeded_db_copy, ADMIN_EMAIL, ADMIN)
    assert not at.exception
    log = table_with(at, "Reference")
    assert set(log["To"]) == {PRESTON, STOKE, DIRECTOR}
    assert set(log["Status"]) == {"✔ Sent"} and set(log["Sent by"]) == {"Schedule"}
    at.selectbox(key="reminder_log_kind").set_value("digest").run()
    assert set(table_with(at, "Reference")["To"]) == {DIRECTOR}

    at.selectbox(key="reminder_opt_email").set_value(STOKE)
    at.text_input(key="reminder_opt_reason").input("On leave until January")
    at.button[[b.label for b in at.button].index("Stop reminders")].click().run()
    assert not at.exception
    assert f"Reminders to {STOKE} are stopped." in [s.value for s in at.success]
    people = table_with(at, "Stopped by")
    assert people.loc[people["Email"] == STOKE, "Reminders"].iloc[0] == (
        "Stopped: On leave until January"
    )
    assert reminders.due_today(db, dt.date(2018, 11, 19))[0].message.to != STOKE

    at.text_input(key="reminder_setting_days_before").input("ten")
    at.button[[b.label for b in at.button].index("Save settings")].click().run()
    assert "is not a whole number" in at.error[-1].value
    at.text_input(key="reminder_setting_days_before").input("10")
    at.button[[b.label for b in at.button].index("Save settings")].click().run()
    assert reminders.reminder_settings(db).days_before == 10


def test_a_reminders_link_opens_the_upload_page_with_that_quarters_template(
    monkeypatch, seeded_db_copy
) -> None:
    link_page = "pages/5_Upload.py"
    at = apptest.as_account(monkeypatch, seeded_db_copy, PRESTON, link_page, period="2018-19 Q2")
    assert not at.exception
    assert "Pre-filled for WDP-PRE, 2018-19 Q2." in [c.value for c in at.caption]
    plain = apptest.as_account(monkeypatch, seeded_db_copy, PRESTON, link_page)
    assert "Pre-filled for WDP-PRE, 2018-19 Q2." in [c.value for c in plain.caption]  # next due
    old = apptest.as_account(monkeypatch, seeded_db_copy, PRESTON, link_page, period="2017-18 Q3")
    assert "Pre-filled for WDP-PRE, 2017-18 Q3." in [c.value for c in old.caption]
