"""Reminders (issue 16): who is told what, and when, worked out from the returns calendar.

Pure: given the pathfinders, their leads, the returns accepted so far and "today", it lists the
messages due. Sending them exactly once (the message log, ``python -m etl remind``) is the
caller's; every message here carries a ``reference`` that names it uniquely (kind, pathfinder,
period, recipient and the occasion), so the log can refuse a second copy whatever runs twice.

The rules (defaults in ``ReminderSettings``; an admin may change them):

- **Due soon**: each lead of a pathfinder whose return for a quarter is not accepted yet, from
  ``days_before`` days before its due date (one message per quarter).
- **Due today**: on the due date itself, if still nothing is accepted.
- **Late**: every ``late_every_days`` days after the due date while nothing is accepted (the
  first a week after it), for at most ``late_for_weeks`` weeks.
- **Rejected**: after a rejected upload, to the lead who uploaded it (else the pathfinder's leads),
  with the count of problems and a link to the report.
- **Digest**: each director, once a week on ``digest_weekday``: received, late, missing and
  rejected for the quarter most recently due.

A quarter is expected from a pathfinder from its first accepted return on (the register holds no
start date), as the submission tracker has it, up to ``last_period`` when the programme has an
end. A lead who is opted out gets nothing.

A director may also chase a return at once from the app (``chase``): the same words as the
schedule's message for that day, under a reference of its own (one per minute, so a second click
does not send a second copy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from wdp.config import RETURN_DUE_DAYS
from wdp.domain import ReportingPeriod
from wdp.notify import Message


@dataclass(frozen=True)
class ReminderSettings:
    days_before: int = 7
    late_every_days: int = 7
    late_for_weeks: int = 8
    digest_weekday: int = 0  # Monday
    last_period: ReportingPeriod | None = None  # the last quarter returns are expected for
    due_days: int = RETURN_DUE_DAYS
    app_url: str = "http://localhost:8501"

    def __post_init__(self) -> None:
        checks = {
            "days_before": 0 <= self.days_before <= 60,
            "late_every_days": 1 <= self.late_every_days <= 60,
            "late_for_weeks": 0 <= self.late_for_weeks <= 52,
            "digest_weekday": 0 <= self.digest_weekday <= 6,
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise ValueError(f"reminder settings out of range: {', '.join(wrong)}")


@dataclass(frozen=True)
class Pathfinder:
    code: str
    name: str
    first_period: ReportingPeriod | None  # of its first accepted return; None: none yet


@dataclass(frozen=True)
class Lead:
    email: str
    pathfinder_code: str
    opted_out: bool = False


@dataclass(frozen=True)
class Rejection:
    submission_id: int
    pathfinder_code: str
    reporting_period: str | None  # None: the return's period could not be read
    loaded_by: str
    problems: int


@dataclass
class Due:
    """A message that is due, with what the log keys it by."""

    message: Message
    pathfinder_code: str | None
    reporting_period: str | None
    occasion: str  # what makes it this message and not another (a date, a week, an id)

    @property
    def reference(self) -> str:
        return self.message.reference


@dataclass
class Returns:
    """What the returns say: accepted (pathfinder, period) and rejected uploads."""

    accepted: set[tuple[str, str]] = field(default_factory=set)
    rejections: list[Rejection] = field(default_factory=list)


def due_date(period: ReportingPeriod, settings: ReminderSettings) -> dt.date:
    return period.end + dt.timedelta(days=settings.due_days)


def _link(settings: ReminderSettings, page: str, **params: str) -> str:
    return f"{settings.app_url.rstrip('/')}/{page}?{urlencode(params)}"


def _periods_in_play(
    pathfinder: Pathfinder, today: dt.date, settings: ReminderSettings
) -> Iterable[ReportingPeriod]:
    """Quarters whose reminders may fall today: from the pathfinder's first return's quarter to
    the one whose due-soon window has opened."""
    if pathfinder.first_period is None:
        return
    period = pathfinder.first_period
    while due_date(period, settings) - dt.timedelta(days=settings.days_before) <= today:
        if settings.last_period is not None and period > settings.last_period:
            return
        yield period
        period = period.next()


def reminders_due(
    *,
    pathfinders: list[Pathfinder],
    leads: list[Lead],
    directors: list[str],
    returns: Returns,
    today: dt.date,
    settings: ReminderSettings | None = None,
) -> list[Due]:
    """Every message due on ``today`` by the rules in the module docstring."""
    settings = settings or ReminderSettings()
    by_pathfinder: dict[str, list[Lead]] = {}
    for lead in leads:
        if not lead.opted_out:
            by_pathfinder.setdefault(lead.pathfinder_code, []).append(lead)
    due: list[Due] = []
    for pathfinder in pathfinders:
        for period in _periods_in_play(pathfinder, today, settings):
            if (pathfinder.code, period.label) in returns.accepted:
                continue
            for lead in by_pathfinder.get(pathfinder.code, []):
                made = _for_lead(pathfinder, period, lead, today, settings)
                if made is not None:
                    due.append(made)
    names = {p.code: p.name for p in pathfinders}
    for rejection in returns.rejections:
        people = [
            lead
            for lead in by_pathfinder.get(rejection.pathfinder_code, [])
            if lead.email == rejection.loaded_by
        ] or by_pathfinder.get(rejection.pathfinder_code, [])
        for lead in people:
            due.append(_rejected(rejection, lead, names, settings))
    if today.weekday() == settings.digest_weekday:
        due += _digests(pathfinders, directors, returns, today, settings)
    return due


def chase(
    pathfinder: Pathfinder,
    period: ReportingPeriod,
    lead: Lead,
    *,
    today: dt.date,
    requested_at: dt.datetime,
    settings: ReminderSettings,
) -> Due:
    """A reminder a director sends now, worded as the schedule's would be today (due soon,
    due today or late), whatever the schedule has sent already."""
    due = _for_lead(pathfinder, period, lead, today, settings, chasing=True)
    assert due is not None  # (a chase is always worded)
    occasion = f"chase {requested_at:%Y-%m-%dT%H:%M}"
    reference = f"chase:{pathfinder.code}:{period.label}:{lead.email}:{occasion[6:]}"
    return Due(
        replace(due.message, reference=reference),
        pathfinder.code,
        period.label,
        occasion,
    )


def next_due(
    *,
    pathfinders: list[Pathfinder],
    leads: list[Lead],
    returns: Returns,
    today: dt.date,
    logged: set[str],
    settings: ReminderSettings | None = None,
    horizon_days: int = 120,
) -> dict[str, tuple[dt.date, list[Due]]]:
    """Per pathfinder, the first day from ``today`` on which a reminder not already in the log
    falls due, and those reminders; a pathfinder with none within ``horizon_days`` is left out.
    Assumes nothing more is accepted meanwhile (so it is what happens if nobody acts)."""
    settings = settings or ReminderSettings()
    found: dict[str, tuple[dt.date, list[Due]]] = {}
    for offset in range(horizon_days + 1):
        day = today + dt.timedelta(days=offset)
        waiting = [p for p in pathfinders if p.code not in found]
        if not waiting:
            break
        due = reminders_due(
            pathfinders=waiting,
            leads=leads,
            directors=[],
            returns=Returns(accepted=returns.accepted),
            today=day,
            settings=settings,
        )
        for item in due:
            if item.reference in logged or item.pathfinder_code is None:
                continue
            when, items = found.setdefault(item.pathfinder_code, (day, []))
            if when == day:
                items.append(item)
    return found


def _for_lead(
    pathfinder: Pathfinder,
    period: ReportingPeriod,
    lead: Lead,
    today: dt.date,
    settings: ReminderSettings,
    *,
    chasing: bool = False,
) -> Due | None:
    deadline = due_date(period, settings)
    when = f"{deadline:%-d %B %Y}"
    link = _link(settings, "Upload", pathfinder=pathfinder.code, period=period.label)
    what = f"Your {period.label} return for {pathfinder.name}"
    if today < deadline:
        kind, occasion = "due_soon", f"{deadline - dt.timedelta(days=settings.days_before)}"
        subject = f"{what} is due on {when}"
        body = (
            f"{what} is due on {when}. Download the pre-filled template from the Upload page, "
            "fill it in and upload it; every problem is listed at once."
        )
    elif today == deadline:
        kind, occasion = "due_today", f"{deadline}"
        subject = f"{what} is due today"
        body = f"{what} is due today ({when}). Upload it on the Upload page."
    else:
        days_late = (today - deadline).days
        week = days_late // settings.late_every_days
        if not chasing and (week < 1 or week > settings.late_for_weeks):
            return None
        kind, occasion = "late", f"week {week}"
        subject = (
            f"{what} is {days_late} days late"
            if days_late <= 60
            else f"{what} is overdue (it was due on {when})"
        )
        body = (
            f"{what} was due on {when} and has not been received. Please upload it on the "
            "Upload page as soon as you can, or tell the programme team what is holding it up."
        )
    return Due(
        Message(
            to=lead.email,
            kind=kind,
            subject=subject,
            body=body,
            link=link,
            reference=f"{kind}:{pathfinder.code}:{period.label}:{lead.email}:{occasion}",
            personalisation={"pathfinder": pathfinder.name, "period": period.label},
        ),
        pathfinder.code,
        period.label,
        occasion,
    )


def _rejected(
    rejection: Rejection, lead: Lead, names: dict[str, str], settings: ReminderSettings
) -> Due:
    name = names.get(rejection.pathfinder_code, rejection.pathfinder_code)
    problems = f"{rejection.problems} problem{'s' * (rejection.problems != 1)}"
    period = rejection.reporting_period
    which = f"{period} return" if period else "return"
    filters = {"pathfinder": rejection.pathfinder_code} | ({"period": period} if period else {})
    return Due(
        Message(
            to=lead.email,
            kind="rejected",
            subject=f"Your {which} for {name} was not loaded",
            body=(
                f"The {which} you uploaded for {name} has {problems}, so nothing was loaded. "
                "The report on the Upload page lists each one with its sheet, row and column; "
                "correct them and upload the file again."
            ),
            link=_link(settings, "Upload", **filters),
            reference=f"rejected:{rejection.submission_id}:{lead.email}",
            personalisation={"pathfinder": name, "period": period or ""},
        ),
        rejection.pathfinder_code,
        rejection.reporting_period,
        f"submission {rejection.submission_id}",
    )


def _digests(
    pathfinders: list[Pathfinder],
    directors: list[str],
    returns: Returns,
    today: dt.date,
    settings: ReminderSettings,
) -> list[Due]:
    period = ReportingPeriod.containing(today)
    while due_date(period, settings) > today:  # the quarter most recently due
        period = ReportingPeriod.containing(period.start - dt.timedelta(days=1))
    if settings.last_period is not None and period > settings.last_period:
        return []  # the programme's returns have ended: nothing to report weekly
    expected = [p for p in pathfinders if p.first_period is not None and p.first_period <= period]
    received = sum((p.code, period.label) in returns.accepted for p in expected)
    rejected = sum(r.reporting_period == period.label for r in returns.rejections)
    missing = len(expected) - received
    iso_year, iso_week, _ = today.isocalendar()
    summary = (
        f"{period.label} (due {due_date(period, settings):%-d %B %Y}): {received} of "
        f"{len(expected)} returns received, {missing} missing, {rejected} rejected uploads."
    )
    return [
        Due(
            Message(
                to=director,
                kind="digest",
                subject=f"WDP returns this week: {received} of {len(expected)} for {period.label}",
                body=f"{summary} The submission tracker and chase list are on the Pathfinder "
                "status page.",
                link=_link(settings, "Pathfinder_status", period=period.label),
                reference=f"digest:{director}:{iso_year}-W{iso_week:02d}",
                personalisation={"period": period.label},
            ),
            None,
            period.label,
            f"{iso_year}-W{iso_week:02d}",
        )
        for director in directors
    ]
