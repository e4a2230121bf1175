"""The reminder rules (wdp/reminders.py) over a simulated quarter, by a clock the test sets:
who is told what, on which day, and that each message has one reference however often asked."""

from __future__ import annotations

import datetime as dt

from wdp.domain import ReportingPeriod
from wdp.reminders import (
    Lead,
    Pathfinder,
    Rejection,
    ReminderSettings,
    Returns,
    due_date,
    reminders_due,
)

Q1, Q2 = ReportingPeriod(2018, 1), ReportingPeriod(2018, 2)  # Q2: Jul-Sep 2018, due 30 Oct
PRESTON = Pathfinder("WDP-PRE", "Preston", Q1)
STOKE = Pathfinder("WDP-STK", "Stoke-on-Trent", Q1)
NEW = Pathfinder("WDP-NEW", "Newcomer", None)  # no return yet: not expected
LEADS = [
    Lead("lead.preston@example.nhs.uk", "WDP-PRE"),
    Lead("lead.stoke@example.nhs.uk", "WDP-STK"),
    Lead("quiet@example.nhs.uk", "WDP-STK", opted_out=True),
    Lead("lead.new@example.nhs.uk", "WDP-NEW"),
]
DIRECTORS = ["director@example.nhs.uk"]
SETTINGS = ReminderSettings(app_url="https://wdp.example.nhs.uk")
ACCEPTED_Q1 = {("WDP-PRE", Q1.label), ("WDP-STK", Q1.label)}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def on(today: dt.date, *, accepted=ACCEPTED_Q1, rejections=()) -> list:
    return reminders_due(
        pathfinders=[PRESTON, STOKE, NEW],
        leads=LEADS,
        directors=DIRECTORS,
        returns=Returns(accepted=set(accepted), rejections=list(rejections)),
        today=today,
        settings=SETTINGS,
    )


def test_the_due_date_is_thirty_days_after_the_quarter() -> None:
    assert due_date(Q2, SETTINGS) == day("2018-10-30")


def test_a_simulated_quarter_tells_each_lead_the_right_thing_on_the_right_days() -> None:
    sent: dict[str, list[str]] = {}
    start, end = day("2018-10-01"), day("2019-01-31")
    today = start
    while today <= end:
        # Preston uploads Q2 on 2 November (late); Stoke never does.
        accepted = ACCEPTED_Q1 | ({("WDP-PRE", Q2.label)} if today >= day("2018-11-02") else set())
        for due in on(today, accepted=accepted):
            if due.message.kind == "digest":
                continue
            sent.setdefault(due.reference, []).append(f"{today}")
        today += dt.timedelta(days=1)
    by_lead: dict[str, list[tuple[str, str]]] = {}
    for reference, days in sent.items():
        kind, _, period, email, _ = reference.split(":")
        by_lead.setdefault(email, []).append((kind, period, days[0]))
    preston = sorted(by_lead["lead.preston@example.nhs.uk"], key=lambda k: k[2])
    assert [(k, d) for k, p, d in preston if p == Q2.label] == [
        ("due_soon", "2018-10-23"),
        ("due_today", "2018-10-30"),
    ]  # received on 2 November: no late reminder
    stoke = sorted((k, d) for k, p, d in by_lead["lead.stoke@example.nhs.uk"] if p == Q2.label)
    assert ("due_soon", "2018-10-23") in stoke and ("due_today", "2018-10-30") in stoke
    late = [d for k, d in stoke if k == "late"]
    assert late[:3] == ["2018-11-06", "2018-11-13", "2018-11-20"]  # weekly from a week after
    assert len(late) == SETTINGS.late_for_weeks
    # Q3 (Oct-Dec, due 30 January) is reminded too, for both.
    q3 = Q2.next().label
    assert ("due_soon", q3, "2019-01-23") in by_lead["lead.stoke@example.nhs.uk"]
    assert ("due_soon", q3, "2019-01-23") in by_lead["lead.preston@example.nhs.uk"]
    assert "quiet@example.nhs.uk" not in by_lead  # opted out
    assert "lead.new@example.nhs.uk" not in by_lead  # no return yet: nothing expected


def test_asking_again_the_same_day_gives_the_same_references() -> None:
    today = day("2018-10-25")
    first = [d.reference for d in on(today)]
    assert first and first == [d.reference for d in on(today)]
    assert len(set(first)) == len(first)
    # and the due-soon reference is the same on every day of its window (one message a quarter)
    later = {d.reference for d in on(day("2018-10-28"))}
    assert set(first) & later == {r for r in first if r.startswith("due_soon")}


def test_a_rejected_upload_tells_the_lead_who_uploaded_it() -> None:
    rejection = Rejection(41, "WDP-STK", Q2.label, "lead.stoke@example.nhs.uk", 3)
    dues = [
        d for d in on(day("2018-10-02"), rejections=[rejection]) if d.message.kind == "rejected"
    ]
    assert [d.message.to for d in dues] == ["lead.stoke@example.nhs.uk"]
    message = dues[0].message
    assert "3 problems" in message.body and Q2.label in message.subject
    assert message.link == (
        "https://wdp.example.nhs.uk/Upload?pathfinder=WDP-STK&period=2018-19+Q2"
    )
    by_director = Rejection(42, "WDP-STK", Q2.label, "director@example.nhs.uk", 1)
    dues = [
        d for d in on(day("2018-10-02"), rejections=[by_director]) if d.message.kind == "rejected"
    ]
    assert [d.message.to for d in dues] == ["lead.stoke@example.nhs.uk"]  # the pathfinder's lead
    assert "1 problem," in dues[0].message.body


def test_directors_get_a_weekly_digest_of_the_quarter_most_recently_due() -> None:
    monday = day("2018-11-05")
    digest = [
        d
        for d in on(monday, accepted=ACCEPTED_Q1 | {("WDP-PRE", Q2.label)})
        if d.message.kind == "digest"
    ]
    assert [d.message.to for d in digest] == DIRECTORS
    assert "1 of 2 returns received, 1 missing" in digest[0].message.body
    assert digest[0].reporting_period == Q2.label
    assert digest[0].message.link.endswith("/Pathfinder_status?period=2018-19+Q2")
    assert not [d for d in on(monday + dt.timedelta(days=1)) if d.message.kind == "digest"]


def test_every_message_names_period_pathfinder_what_to_do_and_a_link() -> None:
    for due in on(day("2018-11-13")):
        message = due.message
        assert message.link.startswith("https://wdp.example.nhs.uk/")
        if message.kind != "digest":
            assert due.reporting_period in message.subject
            assert "Upload" in message.body or "upload" in message.body
