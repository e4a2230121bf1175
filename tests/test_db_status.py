"""Pathfinder status queries: the submission tracker's rules, milestones, risks and RAG counts.

The classification is tested alone on hand-made frames (loaded_at is stamped at load time, so a
database cannot be made to hold an on-time 2017 return without editing it); the SQL is tested on
the seeded sample and on a small database of hand-made returns whose load times are then set.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.load import load_return
from tests.helpers import db_on, open_db, set_cells, write_valid_return
from wdp.config import RETURN_DUE_DAYS
from wdp.db import status
from wdp.domain import ReportingPeriod, TrackerStatus

ON_TIME, LATE, MISSING, NOT_YET_DUE, NOT_EXPECTED = TrackerStatus

Q1, Q2, Q3, Q4 = (ReportingPeriod(2017, q) for q in (1, 2, 3, 4))
DUE_Q1 = Q1.end + dt.timedelta(days=RETURN_DUE_DAYS)  # 30 July 2017


def test_return_due_date_is_thirty_days_after_the_quarter_ends() -> None:
    assert RETURN_DUE_DAYS == 30
    assert DUE_Q1 == dt.date(2017, 7, 30)


# ------------------------------------------------------------------------------------------------
# The classification rules, on hand-made frames
# ------------------------------------------------------------------------------------------------


def cell(
    period: ReportingPeriod, first: ReportingPeriod | None, loaded: dt.datetime | None
) -> dict:
    return {
        "pathfinder_code": "WDP-X",
        "reporting_period": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "first_period_start": first.start if first else None,
        "first_loaded_at": loaded,
    }


def classify(*cells: dict, as_of: dt.datetime | None) -> list[str]:
    return list(status.classify_returns(pd.DataFrame(cells), as_of=as_of)["status"])


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def test_a_return_loaded_on_its_due_date_is_on_time_and_the_next_day_late() -> None:
    assert classify(
        cell(Q1, Q1, at(DUE_Q1, 23)),
        cell(Q1, Q1, at(DUE_Q1 + dt.timedelta(days=1), 0)),
        cell(Q1, Q1, at(Q1.end)),
        as_of=at(dt.date(2019, 1, 1)),
    ) == [ON_TIME, LATE, ON_TIME]


def test_no_return_is_missing_only_once_the_due_date_has_passed_as_of_the_latest_load() -> None:
    cells = [cell(Q1, Q1, None)]
    assert classify(*cells, as_of=at(DUE_Q1)) == [NOT_YET_DUE]
    assert classify(*cells, as_of=at(Q1.end)) == [NOT_YET_DUE]
    assert classify(*cells, as_of=at(DUE_Q1 + dt.timedelta(days=1), 0)) == [MISSING]


def test_no_return_is_expected_before_the_pathfinders_first_one() -> None:
    late_starter = [cell(Q1, Q3, None), cell(Q2, Q3, None), cell(Q3, Q3, at(dt.date(2018, 1, 5)))]
    assert classify(*late_starter, as_of=at(dt.date(2019, 1, 1))) == [
        NOT_EXPECTED,
        NOT_EXPECTED,
        ON_TIME,
    ]
    never_returned = [cell(Q1, None, None), cell(Q2, None, None)]
    assert classify(*never_returned, as_of=at(dt.date(2019, 1, 1))) == [NOT_EXPECTED] * 2


def test_every_period_of_a_small_programme_is_marked_correctly() -> None:
    """Two pathfinders, four quarters, as of 15 Feb 2018 (Q3 due 30 Jan, Q4 due 30 Apr)."""
    cells = [
        # A: on time, late, missing, not yet due
        cell(Q1, Q1, at(dt.date(2017, 7, 20))),
        cell(Q2, Q1, at(dt.date(2017, 11, 2))),
        cell(Q3, Q1, None),
        cell(Q4, Q1, None),
        # B: starts in Q2 (late), then on time, then not yet due
        cell(Q1, Q2, None),
        cell(Q2, Q2, at(dt.date(2017, 12, 1))),
        cell(Q3, Q2, at(dt.date(2018, 1, 30))),
        cell(Q4, Q2, None),
    ]
    assert classify(*cells, as_of=at(dt.date(2018, 2, 15))) == [
        ON_TIME,
        LATE,
        MISSING,
        NOT_YET_DUE,
        NOT_EXPECTED,
        LATE,
        ON_TIME,
        NOT_YET_DUE,
    ]


def test_classification_adds_the_due_date_and_accepts_database_dtypes() -> None:
    frame = pd.DataFrame([cell(Q1, Q1, None)])
    for column in ("period_start", "period_end", "first_period_start"):
        frame[column] = pd.to_datetime(frame[column])  # as DuckDB's .df() returns dates
    result = status.classify_returns(frame, as_of=None)
    assert result["due_date"].iloc[0] == DUE_Q1
    assert result["status"].iloc[0] == NOT_YET_DUE  # nothing loaded yet: nothing is missing


# ------------------------------------------------------------------------------------------------
# The SQL, on the seeded sample
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(seeded_db: Path):
    with open_db(seeded_db, read_only=True) as con:
        yield con


def expected_tracker(con: duckdb.DuckDBPyConnection, period: str) -> dict[tuple[str, str], str]:
    """The tracker worked out in plain Python from the raw submission rows."""
    accepted = con.execute(
        "SELECT pathfinder_code, reporting_period, loaded_at FROM submission "
        "WHERE status = 'accepted'"
    ).fetchall()
    as_of = con.execute("SELECT max(loaded_at) FROM submission").fetchone()[0]
    codes = [r[0] for r in con.execute("SELECT pathfinder_code FROM ref_pathfinder").fetchall()]
    first_loaded: dict[tuple[str, str], dt.datetime] = {}
    for code, label, loaded in accepted:
        key = (code, label)
        first_loaded[key] = min(loaded, first_loaded.get(key, loaded))
    parsed = {label: ReportingPeriod.parse(label) for _, label, _ in accepted}
    first_period = {}
    for code, label, _ in accepted:
        first_period[code] = min(parsed[label], first_period.get(code, parsed[label]))
    chosen = ReportingPeriod.parse(period)
    quarters, quarter = [], min(parsed.values())
    while quarter <= chosen:
        quarters.append(quarter)
        quarter = quarter.next()
    result = {}
    for code in codes:
        for q in quarters:
            due = q.end + dt.timedelta(days=RETURN_DUE_DAYS)
            loaded = first_loaded.get((code, q.label))
            if code not in first_period or q < first_period[code]:
                result[code, q.label] = NOT_EXPECTED
            elif loaded is not None:
                result[code, q.label] = ON_TIME if loaded.date() <= due else LATE
            else:
                result[code, q.label] = MISSING if as_of.date() > due else NOT_YET_DUE
    return result


@pytest.mark.parametrize("period", ["2017-18 Q1", "2017-18 Q3", "2018-19 Q1"])
def test_tracker_marks_every_period_of_every_pathfinder(seeded, period: str) -> None:
    tracker = status.submission_tracker(seeded, period=period)
    got = {
        (r.pathfinder_code, r.reporting_period): r.status for r in tracker.itertuples(index=False)
    }
    assert got == expected_tracker(seeded, period)
    pathfinders = seeded.execute("SELECT count(*) FROM ref_pathfinder").fetchone()[0]
    assert len(tracker) == pathfinders * tracker["reporting_period"].nunique()
    assert tracker["reporting_period"].max() == period


def test_tracker_carries_contact_details_from_the_latest_accepted_return(seeded) -> None:
    tracker = status.submission_tracker(seeded, period="2018-19 Q1")
    latest = dict(
        seeded.execute(
            "SELECT pathfinder_code, contact_email FROM submission WHERE status = 'accepted' "
            "QUALIFY row_number() OVER (PARTITION BY pathfinder_code "
            "ORDER BY submission_id DESC) = 1"
        ).fetchall()
    )
    shown = tracker.drop_duplicates("pathfinder_code")
    assert dict(zip(shown["pathfinder_code"], shown["contact_email"], strict=True)) == latest


def test_reporting_periods_run_from_the_first_return_to_the_latest(seeded) -> None:
    periods = status.reporting_periods(seeded)
    labels = list(periods["reporting_period"])
    assert labels == ["2017-18 Q1", "2017-18 Q2", "2017-18 Q3", "2017-18 Q4", "2018-19 Q1"]
    for row in periods.itertuples(index=False):
        quarter = ReportingPeriod.parse(row.reporting_period)
        assert (row.period_start.date(), row.period_end.date()) == (quarter.start, quarter.end)
    current = seeded.execute(
        "SELECT reporting_period, count(*) FROM current_submission GROUP BY 1"
    ).fetchall()
    assert dict(zip(labels, periods["returns"], strict=True)) == dict(current)


def test_status_shows_each_pathfinder_as_its_latest_return_left_it(seeded) -> None:
    shown = status.pathfinder_status(seeded, period="2017-18 Q2")
    assert len(shown) == seeded.execute("SELECT count(*) FROM ref_pathfinder").fetchone()[0]
    expected = dict(
        (code, (rag, last))
        for code, rag, last in seeded.execute(
            "SELECT pathfinder_code, rag, reporting_period FROM current_pathfinder_status "
            "WHERE reporting_start <= DATE '2017-07-01' "
            "QUALIFY row_number() OVER (PARTITION BY pathfinder_code "
            "ORDER BY reporting_start DESC) = 1"
        ).fetchall()
    )
    for row in shown.itertuples(index=False):
        if row.pathfinder_code in expected:
            assert (row.rag, row.last_period) == expected[row.pathfinder_code]
        else:  # not started by then
            assert pd.isna(row.rag) and pd.isna(row.last_period)


def test_overdue_milestones_are_due_by_the_period_end_and_not_complete(seeded) -> None:
    period = "2017-18 Q4"
    end = dt.date(2018, 3, 31)
    shown = status.pathfinder_status(seeded, period=period).set_index("pathfinder_code")
    listed = status.milestones(seeded, period=period)
    for code, rows in listed.groupby("pathfinder_code"):
        overdue = rows[
            (rows["due_date"].dt.date <= end) & ~rows["status"].isin(["complete", "cancelled"])
        ]
        assert shown.loc[code, "milestones_overdue"] == len(overdue) == rows["overdue"].sum()
        due = rows[
            (rows["due_date"].dt.date >= dt.date(2018, 1, 1))
            & (rows["due_date"].dt.date <= end)
            & (rows["status"] != "cancelled")
        ]
        assert shown.loc[code, "milestones_due"] == len(due)
    assert listed["overdue"].iloc[0]  # overdue ones come first


def test_milestones_and_risks_follow_the_pathfinder_filter(seeded) -> None:
    period = "2017-18 Q3"
    one = status.milestones(seeded, period=period, pathfinder="WDP-STK")
    stored = seeded.execute(
        "SELECT count(*) FROM current_milestone WHERE pathfinder_code = 'WDP-STK' "
        "AND reporting_period = ?",
        [period],
    ).fetchone()[0]
    assert len(one) == stored > 0
    assert set(one["pathfinder_code"]) == {"WDP-STK"}
    assert set(one["from_period"]) == {period}
    every = status.risks(seeded, period=period)
    assert every["pathfinder_code"].nunique() == 20
    assert (every["status"] == "open").all()  # the sample closes no risk
    assert every["rag"].map({"red": 0, "amber": 1, "green": 2}).is_monotonic_increasing


def test_rag_counts_by_period_add_up_to_the_returns(seeded) -> None:
    counts = status.rag_by_period(seeded, period="2017-18 Q4")
    totals = counts.groupby("reporting_period")["pathfinders"].sum().to_dict()
    periods = status.reporting_periods(seeded).set_index("reporting_period")["returns"]
    assert totals == {p: periods[p] for p in totals}
    assert max(totals) == "2017-18 Q4"


# ------------------------------------------------------------------------------------------------
# The SQL, on hand-made returns with controlled load times
# ------------------------------------------------------------------------------------------------


def load(con: duckdb.DuckDBPyConnection, path: Path, loaded_at: dt.datetime) -> int:
    report = load_return(db_on(con), path, loaded_by="test")
    assert report.status == "accepted", [i.describe() for i in report.errors]
    con.execute(
        "UPDATE submission SET loaded_at = ? WHERE submission_id = ?",
        [loaded_at, report.submission_id],
    )
    return report.submission_id


def test_hand_made_programme_is_tracked_quarter_by_quarter(
    reference_db: Path, tmp_path: Path
) -> None:
    """Stoke: Q1 on time, then corrected late (still on time), Q2 never sent, Q3 late.
    Preston starts in Q3, on time. As of the last load, 1 Feb 2018."""
    with open_db(reference_db) as con:
        q1 = write_valid_return(tmp_path / "stk_q1.xlsx", Q1)
        load(con, q1, at(dt.date(2017, 7, 28)))
        fixed = write_valid_return(tmp_path / "stk_q1_fix.xlsx", Q1)
        set_cells(fixed, "Risks", {"A4": "Staff time (corrected)"})
        load(con, fixed, at(dt.date(2017, 9, 1)))
        load(con, write_valid_return(tmp_path / "stk_q3.xlsx", Q3), at(dt.date(2018, 2, 1)))
        pre = write_valid_return(tmp_path / "pre_q3.xlsx", Q3, pathfinder="WDP-PRE")
        load(con, pre, at(dt.date(2018, 1, 10)))
        periods = status.reporting_periods(con)
        tracker = status.submission_tracker(con, period=Q3.label)
        risks = status.risks(con, period=Q1.label, pathfinder="WDP-STK")
    assert list(periods["reporting_period"]) == [Q1.label, Q2.label, Q3.label]
    assert list(periods["returns"]) == [1, 0, 2]  # the gap quarter is still listed
    got = tracker.set_index(["pathfinder_code", "reporting_period"])["status"]
    assert got["WDP-STK"].to_dict() == {Q1.label: ON_TIME, Q2.label: MISSING, Q3.label: LATE}
    assert got["WDP-PRE"].to_dict() == {Q1.label: NOT_EXPECTED, Q2.label: NOT_EXPECTED,
                                        Q3.label: ON_TIME}  # fmt: skip
    assert set(got.drop(index=["WDP-STK", "WDP-PRE"], level=0)) == {NOT_EXPECTED}
    assert list(risks["risk"]) == ["Staff time (corrected)"]  # the correction counts


def test_a_database_without_returns_has_no_periods_or_tracker(reference_db: Path) -> None:
    with open_db(reference_db, read_only=True) as con:
        assert status.reporting_periods(con).empty
        assert status.latest_load_time(con) is None
        assert status.submission_tracker(con, period="2017-18 Q1").empty
