"""Reminders, sent exactly once: what ``python -m etl remind`` (hourly, by cron) and the app's
"Send a reminder now" both call.

What is due comes from ``wdp.reminders`` (pure rules) over what the database holds; each message
then goes through the log (``wdp.db.reminders``) before and after it is sent:

1. **Reserve**: every message due is entered under its reference, which names it uniquely. A
   reference already there is never entered again, so a rerun, or a second run at the same time,
   finds nothing new to send.
2. **Claim, send, record**: each message waiting to go is claimed by one run (a change only one
   run can make), sent, and its outcome recorded: sent (with the provider's id), to be tried
   again later (a failure that could pass: the server down, a rate limit; ``BACKOFF``), or failed
   (a permanent refusal, or ``MAX_ATTEMPTS`` reached). Nothing is held open while sending.
3. **A run that stopped while sending** (killed, the machine lost) leaves its message claimed.
   After ``CLAIM_TIMEOUT`` a later run settles it: with GOV.UK Notify it looks the reference up
   (sent if Notify has it, else tried again); by SMTP it cannot know whether the mail server took
   it, so the message is marked "unknown" and not sent again by itself: an admin can send it again
   from the message log. At most once, never twice.

Times in the log are UTC. ``today`` (what is due) is separate from ``now`` (when things happen)
so a run can be asked "as of" another day, and tests can set both.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

import pandas as pd

from wdp import config
from wdp.db import Database
from wdp.db.reminders import LoggedMessage
from wdp.domain import ReportingPeriod, Role
from wdp.notify import Message, NotConfigured, Sender, SendResult, sender_from_settings
from wdp.reminders import (
    Due,
    Lead,
    Pathfinder,
    Rejection,
    ReminderSettings,
    Returns,
    chase,
    next_due,
    reminders_due,
)
from wdp.services.accounts import record_change

__all__ = ["NotConfigured", "sender_from_settings"]

# A claim older than this belongs to a run that stopped (a send gives up after 30 s).
CLAIM_TIMEOUT = dt.timedelta(minutes=15)
# Waits before trying a message again after a failure that could pass; then it has failed.
BACKOFF = (
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=4),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A rejected upload is told about if it was loaded within this many days of "today".
REJECTION_WINDOW_DAYS = 3

# The settings an admin may change, with what each means (``ReminderSettings`` has the defaults).
EDITABLE_SETTINGS: dict[str, str] = {
    "days_before": "Days before the due date that leads are first reminded",
    "late_every_days": "Days between reminders while a return is late",
    "late_for_weeks": "Reminders while late stop after this many",
    "digest_weekday": "Day of the directors' weekly digest (0 Monday ... 6 Sunday)",
    "last_period": "Last quarter returns are expected for (blank: no end)",
}

Status = Literal["sent", "failed", "would send", "waiting"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class Outcome:
    """What a run did with one message (one JSON object of ``remind --json``)."""

    to: str
    kind: str
    pathfinder_code: str | None
    reporting_period: str | None
    status: Status
    reference: str
    subject: str
    error: str | None = None
    retry_at: dt.datetime | None = None  # a failure that will be tried again, from then
    provider_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["retry_at"] = self.retry_at.isoformat(timespec="seconds") if self.retry_at else None
        return data


# ------------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------------


def reminder_settings(db: Database) -> ReminderSettings:
    """The rules' settings: the defaults, with whatever an admin changed."""
    saved = {r.name: r.value for r in db.reminder_settings_saved().itertuples()}
    values: dict[str, Any] = {"app_url": config.app_url()}
    for name in EDITABLE_SETTINGS:
        if name not in saved:
            continue
        if name == "last_period":
            values[name] = ReportingPeriod.parse(saved[name]) if saved[name] else None
        else:
            values[name] = int(saved[name])
    return ReminderSettings(**values)


def setting_problems(changes: Mapping[str, str]) -> list[str]:
    """Why these settings cannot be saved, in plain English (empty: they can)."""
    problems = []
    for name, value in changes.items():
        if name not in EDITABLE_SETTINGS:
            problems.append(f"{name} is not a reminder setting.")
        elif name == "last_period":
            if value.strip() and ReportingPeriod.parse(value) is None:
                problems.append(f"{value!r} is not a quarter such as 2019-20 Q4.")
        elif not value.strip().isdigit():
            problems.append(f"{EDITABLE_SETTINGS[name]}: {value!r} is not a whole number.")
    if problems:
        return problems
    defaults = {f.name: getattr(ReminderSettings(), f.name) for f in fields(ReminderSettings)}
    try:
        ReminderSettings(
            **(defaults | {k: int(v) for k, v in changes.items() if k != "last_period"})
        )
    except ValueError:
        problems.append(
            "Out of range: days before 0-60, days between late reminders 1-60, "
            "reminders while late 0-52, digest day 0-6."
        )
    return problems


def save_reminder_settings(
    db: Database, changes: Mapping[str, str], *, by: str, now: dt.datetime | None = None
) -> None:
    problems = setting_problems(changes)
    if problems:
        raise ValueError(" ".join(problems))
    now = now or _now()
    with db.write() as tx:
        for name, value in changes.items():
            if name == "last_period" and value.strip():
                value = ReportingPeriod.parse(value).label  # type: ignore[union-attr]
            tx.save_reminder_setting(name=name, value=value.strip(), by=by, now=now)


# ------------------------------------------------------------------------------------------------
# Opting out
# ------------------------------------------------------------------------------------------------


def opt_out(
    db: Database,
    email: str,
    *,
    reason: str,
    by: str,
    method: str = "admin",
    now: dt.datetime | None = None,
) -> None:
    """Stop reminders to a lead (or director), with the reason; recorded in the sign-in log."""
    email = email.strip().lower()
    if not reason.strip():
        raise ValueError("Say why reminders to this person are stopped.")
    if db.find_account(email) is None:
        raise ValueError(f"There is no account {email}.")
    now = now or _now()
    with db.write() as tx:
        tx.opt_out_of_reminders(email=email, reason=reason.strip(), by=by, now=now)
        record_change(
            tx, "reminders stopped", email, by=by, method=method, detail=reason.strip(), at=now
        )


def opt_in(
    db: Database, email: str, *, by: str, method: str = "admin", now: dt.datetime | None = None
) -> bool:
    """Start reminders to someone again; False when they were not stopped."""
    email = email.strip().lower()
    now = now or _now()
    with db.write() as tx:
        changed = tx.opt_back_in_to_reminders(email)
        if changed:
            record_change(tx, "reminders restarted", email, by=by, method=method, at=now)
    return bool(changed)


# ------------------------------------------------------------------------------------------------
# What is due
# ------------------------------------------------------------------------------------------------


@dataclass
class Programme:
    """What the rules are given: the register, the people, the returns."""

    pathfinders: list[Pathfinder]
    leads: list[Lead]
    directors: list[str]
    returns: Returns
    names: dict[str, str]


def _programme(db: Database, today: dt.date) -> Programme:
    calendar = db.reminder_calendar()
    pathfinders = [
        Pathfinder(
            r.pathfinder_code,
            r.pathfinder_name,
            None
            if pd.isna(r.first_period_start)
            else ReportingPeriod.containing(pd.Timestamp(r.first_period_start).date()),
        )
        for r in calendar.itertuples()
    ]
    people = db.reminder_recipients()
    leads = [
        Lead(r.email, r.pathfinder_code, opted_out=isinstance(r.opted_out_reason, str))
        for r in people.itertuples()
        if r.role == Role.LEAD.value and r.pathfinder_code
    ]
    directors = [
        r.email
        for r in people.itertuples()
        if r.role == Role.DIRECTOR.value and not isinstance(r.opted_out_reason, str)
    ]
    accepted = {
        (r.pathfinder_code, ReportingPeriod.containing(pd.Timestamp(r.period_start).date()).label)
        for r in db.accepted_periods().itertuples()
    }
    since = dt.datetime.combine(today - dt.timedelta(days=REJECTION_WINDOW_DAYS), dt.time())
    until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    lead_of = {lead.email: lead.pathfinder_code for lead in leads}
    rejections = []
    for r in db.recent_rejections(since=since, until=until).itertuples():
        code = r.pathfinder_code if isinstance(r.pathfinder_code, str) else lead_of.get(r.loaded_by)
        if code is None:
            continue  # neither the return nor the person who sent it names a pathfinder
        period = r.reporting_period if isinstance(r.reporting_period, str) else None
        rejections.append(
            Rejection(int(r.submission_id), code, period, str(r.loaded_by), int(r.problems))
        )
    return Programme(
        pathfinders,
        leads,
        directors,
        Returns(accepted=accepted, rejections=rejections),
        {p.code: p.name for p in pathfinders},
    )


def due_today(db: Database, today: dt.date) -> list[Due]:
    """Every message the rules say is due on ``today`` (sent already or not)."""
    programme = _programme(db, today)
    return reminders_due(
        pathfinders=programme.pathfinders,
        leads=programme.leads,
        directors=programme.directors,
        returns=programme.returns,
        today=today,
        settings=reminder_settings(db),
    )


@dataclass(frozen=True)
class NextReminder:
    day: dt.date
    kind: str
    recipients: tuple[str, ...]
    reporting_period: str | None


def next_reminders(db: Database, today: dt.date) -> dict[str, NextReminder]:
    """Per pathfinder, the next scheduled reminder not yet sent, if nobody acts meanwhile."""
    with db.session():
        programme = _programme(db, today)
        logged = db.logged_references()
        settings = reminder_settings(db)
    found = next_due(
        pathfinders=programme.pathfinders,
        leads=programme.leads,
        returns=programme.returns,
        today=today,
        logged=logged,
        settings=settings,
    )
    return {
        code: NextReminder(
            day,
            items[0].message.kind,
            tuple(sorted({d.message.to for d in items})),
            items[0].reporting_period,
        )
        for code, (day, items) in found.items()
    }


# ------------------------------------------------------------------------------------------------
# Sending, exactly once
# ------------------------------------------------------------------------------------------------


def run_id() -> str:
    """Names one run in the log's claims: this machine, this process, this run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _reserve(db: Database, due: list[Due], *, requested_by: str | None, now: dt.datetime) -> None:
    if not due:
        return

    def reserve(tx: Any) -> None:
        for item in due:
            message = item.message
            tx.reserve_reminder(
                reference=message.reference,
                recipient=message.to,
                kind=message.kind,
                pathfinder_code=item.pathfinder_code,
                reporting_period=item.reporting_period,
                subject=message.subject,
                body=message.body,
                link=message.link,
                personalisation=dict(message.personalisation),
                requested_by=requested_by,
                now=now,
            )

    db.transact(reserve)


def _message(row: LoggedMessage) -> Message:
    return Message(
        to=row.recipient,
        kind=row.kind,  # type: ignore[arg-type]  # (the table's check keeps it a Kind)
        subject=row.subject,
        body=row.body,
        link=row.link,
        reference=row.reference,
        personalisation=row.personalisation_values(),
    )


def _outcome(row: LoggedMessage, status: Status, **extra: Any) -> Outcome:
    return Outcome(
        to=row.recipient,
        kind=row.kind,
        pathfinder_code=row.pathfinder_code,
        reporting_period=row.reporting_period,
        status=status,
        reference=row.reference,
        subject=row.subject,
        **extra,
    )


def _send_one(
    db: Database, sender: Sender, row: LoggedMessage, *, run: str, now: dt.datetime
) -> Outcome | None:
    """Claim, send and record one message; None when another run has it."""
    if not db.transact(lambda tx: tx.claim_reminder(row.reference, run=run, now=now)):
        return None
    attempts = row.attempts + 1
    try:
        result = sender.send(_message(row))
    except Exception as error:  # a sender bug: recorded as a failure, never left claimed
        result = SendResult.failed(
            sender.provider, f"Unexpected problem sending: {error}", retryable=True
        )
    retry_at = None
    if result.ok:
        status = "sent"
    elif result.retryable and attempts < MAX_ATTEMPTS:
        status, retry_at = "pending", now + BACKOFF[attempts - 1]
    else:
        status = "failed"
    error = result.error
    if status == "failed" and result.retryable:
        error = f"{error} (gave up after {attempts} attempts)"
    db.transact(
        lambda tx: tx.finish_reminder(
            row.reference,
            claimed_by=run,
            status=status,
            now=now,
            provider=result.provider,
            provider_id=result.provider_id,
            error=error,
            next_attempt_at=retry_at,
        )
    )
    if result.ok:
        return _outcome(row, "sent", provider_id=result.provider_id)
    return _outcome(row, "failed", error=error, retry_at=retry_at)


def _settle_stale_claims(db: Database, sender: Sender, *, now: dt.datetime) -> list[Outcome]:
    """Messages whose run stopped while sending them (see the module notes)."""
    outcomes = []
    find_sent = getattr(sender, "find_sent", None)
    for row in db.stale_reminder_claims(now - CLAIM_TIMEOUT):
        provider_id = None
        if find_sent is not None:  # the provider can say whether it has the message
            provider_id = find_sent(row.reference)
            if provider_id is None:
                continue  # it could not be asked just now: the next run asks again
            status = "sent" if provider_id else "pending"
            error = None if provider_id else "The run sending it stopped before it went"
            provider_id = provider_id or None
        else:
            status = "unknown"
            error = (
                f"The run sending it stopped at {row.claimed_at:%d %b %Y %H:%M} UTC before the "
                "mail server answered: it may have been delivered, so it is not sent again "
                "by itself (an admin can send it again from the message log)"
            )
        settled = db.transact(
            lambda tx, row=row, status=status, error=error, provider_id=provider_id: (
                tx.finish_reminder(
                    row.reference,
                    claimed_by=row.claimed_by or "",
                    status=status,
                    now=now,
                    provider=sender.provider,
                    provider_id=provider_id,
                    error=error,
                    next_attempt_at=now if status == "pending" else None,
                )
            )
        )
        if settled and status != "pending":
            outcomes.append(_outcome(row, "sent" if status == "sent" else "failed", error=error))
    return outcomes


def run_reminders(
    db: Database,
    sender: Sender | None,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    run: str | None = None,
) -> list[Outcome]:
    """Send every reminder due on ``today`` (default: the real date) and every earlier one
    waiting to be tried again, each exactly once (module notes). ``dry_run``: change nothing,
    send nothing, and say what would go (no sender needed). ``NotConfigured`` when there is
    no sender and it is not a dry run."""
    now = now or _now()
    today = today or now.date()
    if sender is None and not dry_run:
        raise NotConfigured("Reminders cannot be sent: no way of sending is set up.")
    db.ensure_schema()  # (an older database is brought up to date first, as everywhere)
    # One connection while working out what is due and reserving it; none is held while sending.
    with db.session(write=not dry_run):
        due = due_today(db, today)
        if dry_run:
            logged, waiting = db.logged_references(), db.reminders_to_try(now)
        else:
            _reserve(db, due, requested_by=None, now=now)
    if dry_run:
        fresh = [d for d in due if d.reference not in logged]
        return [
            Outcome(
                to=d.message.to,
                kind=d.message.kind,
                pathfinder_code=d.pathfinder_code,
                reporting_period=d.reporting_period,
                status="would send",
                reference=d.reference,
                subject=d.message.subject,
            )
            for d in fresh
        ] + [_outcome(row, "would send") for row in waiting]
    assert sender is not None
    run = run or run_id()
    outcomes = _settle_stale_claims(db, sender, now=now)
    for row in db.reminders_to_try(now):
        outcome = _send_one(db, sender, row, run=run, now=now)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def send_now(
    db: Database,
    sender: Sender,
    *,
    pathfinder_code: str,
    reporting_period: str,
    by: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[Outcome]:
    """A director's "send a reminder now" for one pathfinder's return: to each of its leads
    (not opted out), worded for today, through the same log. Empty when it has no lead to
    tell; a second click within the minute sends nothing more."""
    now = now or _now()
    today = today or now.date()
    period = ReportingPeriod.parse(reporting_period)
    if period is None:
        raise ValueError(f"{reporting_period!r} is not a quarter such as 2018-19 Q2")
    programme = _programme(db, today)
    pathfinder = next((p for p in programme.pathfinders if p.code == pathfinder_code), None)
    if pathfinder is None:
        raise ValueError(f"{pathfinder_code} is not a pathfinder in the register")
    settings = reminder_settings(db)
    due = [
        chase(pathfinder, period, lead, today=today, requested_at=now, settings=settings)
        for lead in programme.leads
        if lead.pathfinder_code == pathfinder_code and not lead.opted_out
    ]
    _reserve(db, due, requested_by=by, now=now)
    run = run_id()
    outcomes = []
    for item in due:
        row = db.logged_reminder(item.reference)
        if row is None or row.status != "pending":
            continue  # sent already (a second click), or another run has it
        outcome = _send_one(db, sender, row, run=run, now=now)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def send_again(db: Database, reference: str, *, now: dt.datetime | None = None) -> bool:
    """Queue a failed (or possibly unsent) message for the next run; False if it cannot be."""
    now = now or _now()
    return bool(db.transact(lambda tx: tx.send_reminder_again(reference, now=now)))


def lead_contacts(db: Database) -> dict[str, list[str]]:
    """Per pathfinder, the leads reminders go to (enabled, not opted out)."""
    contacts: dict[str, list[str]] = {}
    for r in db.reminder_recipients().itertuples():
        if r.role == Role.LEAD.value and not isinstance(r.opted_out_reason, str):
            contacts.setdefault(r.pathfinder_code, []).append(r.email)
    return contacts
