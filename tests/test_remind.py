"""Reminders sent exactly once (wdp.services.reminders) on the sample programme, against a real
SMTP server and a GOV.UK Notify stand-in on 127.0.0.1, by a clock the tests set: a simulated
quarter, retries with backoff, a run that stopped while sending, opt-outs, a director's "send
now", and the dry run. (Two runs at once and a run killed mid-way, as real processes:
tests/test_remind_processes.py.)"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from etl.load import load_return
from tests.helpers import set_cells, write_valid_return
from tests.mailservers import FROM, Mailbox, NotifyStandIn, free_port, notify_sender
from wdp import services
from wdp.db import open_database
from wdp.domain import ReportingPeriod
from wdp.notify import SmtpSender
from wdp.services import reminders
from wdp.services.reminders import BACKOFF, CLAIM_TIMEOUT, MAX_ATTEMPTS

Q2 = ReportingPeriod(2018, 2)  # July-September 2018: due 30 October 2018
PRESTON, STOKE = "lead.preston@example.nhs.uk", "lead.stoke@example.nhs.uk"
DIRECTOR = "director@example.nhs.uk"


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(date: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(hour, minute))


@pytest.fixture
def db(seeded_db_copy):
    return open_database(seeded_db_copy)


@pytest.fixture
def mail(smtp_server) -> tuple[Mailbox, SmtpSender]:
    mailbox, port = smtp_server()
    return mailbox, SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM, timeout_s=5)


def kinds_to(mailbox: Mailbox, address: str) -> list[tuple[str, str]]:
    """(day of sending as the reference says it, kind) of each message to ``address``."""
    return [
        (str(r.email["X-WDP-Reference"]).split(":")[0], r.email["Subject"])
        for r in mailbox.to(address)
    ]


def test_a_simulated_quarter_sends_each_person_the_right_messages_once(
    db, mail, tmp_path: Path
) -> None:
    mailbox, sender = mail
    late_upload = write_valid_return(tmp_path / "preston-q2.xlsx", Q2, pathfinder="WDP-PRE")
    bad_upload = set_cells(
        write_valid_return(tmp_path / "preston-bad.xlsx", Q2, pathfinder="WDP-PRE"),
        "Training",
        {"F4": "lots"},  # staff trained must be a whole number
    )
    sent_on: dict[str, dt.date] = {}
    today = day("2018-10-15")
    while today <= day("2019-01-06"):
        if today == day("2018-10-31"):  # Preston's first try is refused...
            report = load_return(db, bad_upload, loaded_by=PRESTON, loaded_at=at(today, 8))
            assert report.status == "rejected"
        if today == day("2018-11-02"):  # ...and two days late, accepted
            report = load_return(db, late_upload, loaded_by=PRESTON, loaded_at=at(today, 8))
            assert report.status == "accepted", report.errors
        outcomes = reminders.run_reminders(db, sender, today=today, now=at(today, 9))
        for outcome in outcomes:
            assert outcome.status == "sent", outcome
            assert outcome.reference not in sent_on
            sent_on[outcome.reference] = today
        if outcomes:  # cron runs hourly: the next run that day sends nothing more
            assert reminders.run_reminders(db, sender, today=today, now=at(today, 10)) == []
        today += dt.timedelta(days=1)

    references = mailbox.references()
    assert len(references) == len(set(references)) == len(sent_on)  # never twice

    def days(address: str, kind: str) -> list[dt.date]:
        return sorted(
            sent_on[ref]
            for ref in sent_on
            if ref.startswith(f"{kind}:") and address in ref and "2018-19 Q2" in ref
        )

    # Preston: a week before, on the day, the refusal the day it happened; nothing once accepted.
    assert days(PRESTON, "due_soon") == [day("2018-10-23")]
    assert days(PRESTON, "due_today") == [day("2018-10-30")]
    rejected = [ref for ref in sent_on if ref.startswith("rejected:")]
    assert [sent_on[ref] for ref in rejected] == [day("2018-10-31")]
    assert days(PRESTON, "late") == []
    # Stoke never returns: reminded before, on the day, then weekly for eight weeks.
    assert days(STOKE, "due_soon") == [day("2018-10-23")]
    assert days(STOKE, "due_today") == [day("2018-10-30")]
    assert days(STOKE, "late") == [day("2018-11-06") + dt.timedelta(weeks=w) for w in range(8)]
    # The director: every Monday, about the quarter most recently due.
    digests = sorted(d for ref, d in sent_on.items() if ref.startswith("digest:"))
    assert all(d.weekday() == 0 for d in digests)
    assert len(digests) == 12  # the Mondays from 15 October 2018 to 31 December 2018
    # Only the accounts' work addresses are written to.
    assert {a for r in mailbox.received for a in r.rcpt_tos} == {PRESTON, STOKE, DIRECTOR}
    # The message log holds every one, sent, with the mail server's id.
    log = db.reminder_log()
    assert len(log) == len(sent_on) and set(log["status"]) == {"sent"}
    assert log["provider_id"].notna().all()
    [refusal] = mailbox.to(PRESTON)[2:3]
    assert "1 problem" in refusal.text() and "Upload?pathfinder=WDP-PRE" in refusal.text()


def test_a_failed_send_is_tried_again_with_backoff_then_reported(db, smtp_server) -> None:
    mailbox, port = smtp_server()
    down = SmtpSender(f"smtp://127.0.0.1:{free_port()}", from_address=FROM, timeout_s=2)
    up = SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM, timeout_s=5)
    today, start = day("2018-10-23"), at(day("2018-10-23"))

    first = reminders.run_reminders(db, down, today=today, now=start)
    assert {o.status for o in first} == {"failed"} and len(first) == 2
    assert all(o.retry_at == start + BACKOFF[0] for o in first)
    assert "connection refused" in first[0].error
    # Before the wait is over, nothing is tried; after it, the server is back and they go.
    assert reminders.run_reminders(db, up, today=today, now=start + dt.timedelta(minutes=5)) == []
    later = reminders.run_reminders(db, up, today=today, now=start + BACKOFF[0])
    assert {o.status for o in later} == {"sent"} and len(later) == 2
    assert len(mailbox.received) == 2
    assert set(db.reminder_log()["attempts"]) == {2}

    # A server that never comes back: tried MAX_ATTEMPTS times in all, then failed for good.
    when = at(day("2018-10-30"))
    tries = [reminders.run_reminders(db, down, today=day("2018-10-30"), now=when)]
    for wait in BACKOFF:
        when += wait
        tries.append(reminders.run_reminders(db, down, today=day("2018-10-30"), now=when))
    assert [len(t) for t in tries] == [2] * MAX_ATTEMPTS
    assert all(o.retry_at is None for o in tries[-1])
    assert all("gave up after 5 attempts" in o.error for o in tries[-1])
    failed = db.reminder_log(status="failed")
    assert len(failed) == 2 and set(failed["kind"]) == {"due_today"}
    assert reminders.run_reminders(db, up, today=day("2018-10-30"), now=when + BACKOFF[-1]) == []
    # An admin can put it back in the queue: the next run sends it.
    assert reminders.send_again(db, failed["reference"].iloc[0], now=when)
    again = reminders.run_reminders(db, up, today=day("2018-10-30"), now=when)
    assert [o.status for o in again] == ["sent"]


def test_a_refused_address_is_not_tried_again(db, mail) -> None:
    _, sender = mail
    services.save_account(
        db,
        email="nobody@example.nhs.uk",
        role="lead",
        pathfinder_code="WDP-STK",
        password=None,
        by="test",
        method="cli",
    )
    outcomes = reminders.run_reminders(
        db, sender, today=day("2018-10-23"), now=at(day("2018-10-23"))
    )
    [refused] = [o for o in outcomes if o.to == "nobody@example.nhs.uk"]
    assert refused.status == "failed" and refused.retry_at is None and "550" in refused.error
    assert (
        reminders.run_reminders(db, sender, today=day("2018-10-23"), now=at(day("2018-10-24")))
        == []
    )


def claim_as_a_run_that_died(db, today: dt.date, now: dt.datetime) -> str:
    """Reserve today's messages and claim the first as a run that then stopped."""
    due = reminders.due_today(db, today)
    reminders._reserve(db, due, requested_by=None, now=now)
    reference = due[0].reference
    with db.write() as tx:
        assert tx.claim_reminder(reference, run="dead-run", now=now)
    return reference


def test_a_message_whose_run_stopped_while_sending_by_smtp_is_never_sent_twice(db, mail) -> None:
    mailbox, sender = mail
    today, now = day("2018-10-23"), at(day("2018-10-23"))
    stuck = claim_as_a_run_that_died(db, today, now)
    # While the claim is fresh, another run leaves it alone (it may still be going).
    first = reminders.run_reminders(db, sender, today=today, now=now + dt.timedelta(minutes=1))
    assert stuck not in {o.reference for o in first} and len(first) == 1
    # Once it is stale, nobody can say whether the mail server took it: "unknown", not resent.
    later = now + CLAIM_TIMEOUT + dt.timedelta(minutes=1)
    [settled] = reminders.run_reminders(db, sender, today=today, now=later)
    assert settled.reference == stuck and settled.status == "failed"
    assert "may have been delivered" in settled.error
    assert db.logged_reminder(stuck).status == "unknown"
    assert reminders.run_reminders(db, sender, today=today, now=later + dt.timedelta(hours=2)) == []
    assert stuck not in mailbox.references()


def test_with_notify_a_stopped_run_is_settled_by_asking_notify(db, notify: NotifyStandIn) -> None:
    sender = notify_sender(notify)
    today, now = day("2018-10-23"), at(day("2018-10-23"))
    stuck = claim_as_a_run_that_died(db, today, now)
    other = reminders.run_reminders(db, sender, today=today, now=now)
    assert len(other) == 1 and other[0].status == "sent"
    later = now + CLAIM_TIMEOUT + dt.timedelta(minutes=1)
    # Notify never had it: it is sent now, once.
    settled = reminders.run_reminders(db, sender, today=today, now=later)
    assert [(o.reference, o.status) for o in settled] == [(stuck, "sent")]
    posted = Counter(r["json"]["reference"] for r in notify.requests)
    assert posted[stuck] == 1 and set(posted.values()) == {1}

    # A run that stopped after Notify took the message: found by its reference, not resent.
    today, now = day("2018-10-30"), at(day("2018-10-30"))
    due = reminders.due_today(db, today)
    reminders._reserve(db, due, requested_by=None, now=now)
    reference = due[0].reference
    with db.write() as tx:
        assert tx.claim_reminder(reference, run="dead-run", now=now)
    notify_sender(notify).send(reminders._message(db.logged_reminder(reference)))  # it went
    reminders.run_reminders(db, sender, today=today, now=now + CLAIM_TIMEOUT * 2)
    row = db.logged_reminder(reference)
    assert row.status == "sent" and row.provider_id
    assert Counter(r["json"]["reference"] for r in notify.requests)[reference] == 1


def test_an_opted_out_lead_gets_nothing_and_the_change_is_recorded(db, mail) -> None:
    mailbox, sender = mail
    with pytest.raises(ValueError, match="Say why"):
        reminders.opt_out(db, STOKE, reason="  ", by="admin@example.nhs.uk")
    reminders.opt_out(db, STOKE, reason="On leave until January", by="admin@example.nhs.uk")
    reminders.run_reminders(db, sender, today=day("2018-10-23"), now=at(day("2018-10-23")))
    assert mailbox.to(STOKE) == [] and len(mailbox.to(PRESTON)) == 1
    events = db.sign_in_events(email=STOKE)
    assert "reminders stopped" in set(events["event"])
    assert reminders.opt_in(db, STOKE, by="admin@example.nhs.uk")
    reminders.run_reminders(db, sender, today=day("2018-10-24"), now=at(day("2018-10-24")))
    assert len(mailbox.to(STOKE)) == 1  # the due-soon message, now that reminders are back


def test_a_director_sends_a_reminder_now_and_a_second_click_sends_nothing(db, mail) -> None:
    mailbox, sender = mail
    now = at(day("2018-11-20"), 14, 5)
    [outcome] = reminders.send_now(
        db,
        sender,
        pathfinder_code="WDP-STK",
        reporting_period="2018-19 Q2",
        by=DIRECTOR,
        today=now.date(),
        now=now,
    )
    assert outcome.status == "sent" and outcome.to == STOKE and outcome.kind == "late"
    assert "21 days late" in mailbox.received[0].email["Subject"]
    again = reminders.send_now(
        db,
        sender,
        pathfinder_code="WDP-STK",
        reporting_period="2018-19 Q2",
        by=DIRECTOR,
        today=now.date(),
        now=now + dt.timedelta(seconds=20),
    )
    assert again == [] and len(mailbox.received) == 1
    [row] = db.reminder_log().itertuples()
    assert row.requested_by == DIRECTOR and row.status == "sent"


def test_the_dry_run_sends_nothing_and_records_nothing(db) -> None:
    would = reminders.run_reminders(db, None, today=day("2018-10-23"), dry_run=True)
    assert {(o.to, o.kind, o.status) for o in would} == {
        (PRESTON, "due_soon", "would send"),
        (STOKE, "due_soon", "would send"),
    }
    assert db.reminder_log().empty
    with pytest.raises(reminders.NotConfigured):
        reminders.run_reminders(db, None, today=day("2018-10-23"))


def test_a_lead_sees_only_their_own_pathfinders_messages(db, mail) -> None:
    _, sender = mail
    reminders.run_reminders(db, sender, today=day("2018-11-12"), now=at(day("2018-11-12")))
    assert set(db.reminder_log()["recipient"]) == {PRESTON, STOKE, DIRECTOR}
    lead = db.scoped("WDP-PRE")
    assert set(lead.reminder_log()["recipient"]) == {PRESTON}
    assert lead.reminder_recipients().empty  # accounts and opt-outs are not a lead's business


def test_the_next_reminder_is_what_the_schedule_will_send_if_nobody_acts(db, mail) -> None:
    _, sender = mail
    upcoming = reminders.next_reminders(db, day("2018-10-20"))
    assert upcoming["WDP-STK"].day == day("2018-10-23")
    assert upcoming["WDP-STK"].kind == "due_soon" and upcoming["WDP-STK"].recipients == (STOKE,)
    assert "WDP-NOR" not in upcoming or upcoming["WDP-NOR"].recipients  # no lead: no reminder
    reminders.run_reminders(db, sender, today=day("2018-10-23"), now=at(day("2018-10-23")))
    assert reminders.next_reminders(db, day("2018-10-23"))["WDP-STK"].day == day("2018-10-30")


def test_settings_an_admin_changes_are_checked_and_used(db) -> None:
    assert reminders.setting_problems({"days_before": "ten"})
    assert reminders.setting_problems({"last_period": "2019 Q9"})
    assert reminders.setting_problems({"digest_weekday": "9"})
    reminders.save_reminder_settings(
        db, {"days_before": "14", "last_period": "2018/19 Q1"}, by="admin@example.nhs.uk"
    )
    settings = reminders.reminder_settings(db)
    assert settings.days_before == 14 and settings.last_period == ReportingPeriod(2018, 1)
    # The programme's returns ended with 2018-19 Q1: nothing is due for Q2.
    assert reminders.due_today(db, day("2018-10-16")) == []
