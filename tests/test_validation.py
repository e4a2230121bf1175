"""Validation rules, one test each: what a return may get away with, and what refuses it.

Every refusal names the sheet, Excel row and column header a person sees, and stores nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from etl.load import LoadReport, load_return
from etl.models import SHEETS, TEMPLATE_VERSION
from etl.reference import PAYMENTS_FILES
from etl.sample import write_return
from tests.helpers import Q1, db_on, open_db, set_cells, valid_return, write_valid_return
from wdp.config import REFERENCE_DIR
from wdp.db.schema import RETURN_TABLES
from wdp.domain import Issue, ReportingPeriod

STAFF_ROLES = (
    "Practice nurse, Healthcare assistant, Admin/receptionist, Practice manager, GP, Other"
)


def accept(db: Path, path: Path, sql: str) -> tuple[LoadReport, list[tuple]]:
    """Load a file that must be accepted; return the report and what ``sql`` finds stored."""
    with open_db(db) as con:
        report = load_return(db_on(con), path)
        assert report.status == "accepted", [i.describe() for i in report.errors]
        return report, con.execute(sql).fetchall()


def refuse(db: Path, path: Path) -> list[Issue]:
    """Load a file that must be rejected with nothing stored; return its errors."""
    with open_db(db) as con:
        report = load_return(db_on(con), path)
        stored = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in RETURN_TABLES}
    assert report.status == "rejected"
    assert report.errors
    assert stored == dict.fromkeys(RETURN_TABLES, 0)
    return report.errors


def only_error(db: Path, path: Path) -> Issue:
    errors = refuse(db, path)
    assert len(errors) == 1, [i.describe() for i in errors]
    return errors[0]


# ---------------------------------------------------------------------------------------------
# Tolerated: the file is accepted and the values are normalised
# ---------------------------------------------------------------------------------------------


def test_surrounding_spaces_are_trimmed(reference_db: Path, tmp_path: Path) -> None:
    ret = valid_return()
    ret.details["pathfinder_code"] = "  WDP-STK "
    ret.training[0][1:6] = [" M83038  ", None, "  Practice nurse ", " Refresher", " 3 "]
    ret.milestones[0][0] = "  First practice page live  "
    report, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT practice_code, staff_role, course, champions_trained, "
        "(SELECT milestone FROM milestone) FROM training WHERE source_row = 4",
    )
    assert rows == [("M83038", "practice_nurse", "refresher", 3, "First practice page live")]
    assert report.pathfinder_code == "WDP-STK"
    assert report.warnings == []


@pytest.mark.parametrize("typed", [f"  {TEMPLATE_VERSION} ", f"{TEMPLATE_VERSION}\u00a0", "\t1.0"])
def test_template_version_with_surrounding_spaces_is_the_current_template(
    reference_db: Path, tmp_path: Path, typed: str
) -> None:
    path = write_return(valid_return(), tmp_path / "r.xlsx", template_version=typed)
    report, rows = accept(reference_db, path, "SELECT template_version FROM submission")
    assert rows == [(TEMPLATE_VERSION,)]
    assert report.warnings == []


def test_enumerations_ignore_case(reference_db: Path, tmp_path: Path) -> None:
    ret = valid_return()
    ret.training[0][3] = "practice NURSE"
    ret.training[1][4] = "SOCIAL MEDIA FOR CANCER SCREENING"
    ret.status["rag"] = "green"
    ret.screening[0][0] = "gp practice (ods code)"
    report, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT staff_role, course, (SELECT rag FROM pathfinder_status), "
        "(SELECT area_type FROM screening WHERE source_row = 4) FROM training ORDER BY source_row",
    )
    assert rows == [
        ("practice_nurse", "champion_core", "green", "gp_practice"),
        ("healthcare_assistant", "social_media_screening", "green", "gp_practice"),
    ]
    assert report.warnings == []


def test_count_with_thousands_separator_is_read_as_a_number(
    reference_db: Path, tmp_path: Path
) -> None:
    ret = valid_return()
    ret.activity[0][6] = "1,234"
    ret.screening[1][6:8] = ["41,000", "58,000"]
    _, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT (SELECT reach FROM activity WHERE source_row = 4), numerator, denominator "
        "FROM screening WHERE source_row = 5",
    )
    assert rows == [(1234, 41000, 58000)]


@pytest.mark.parametrize(
    ("month", "stored"),
    [
        (dt.date(2017, 5, 17), dt.date(2017, 5, 1)),  # an Excel date anywhere in the month
        ("17/05/2017", dt.date(2017, 5, 1)),
        ("May 2017", dt.date(2017, 5, 1)),
        ("june 2017", dt.date(2017, 6, 1)),
        ("APRIL 2017", dt.date(2017, 4, 1)),
        ("05/2017", dt.date(2017, 5, 1)),
    ],
    ids=str,
)
def test_month_is_read_from_a_date_or_text(
    reference_db: Path, tmp_path: Path, month: Any, stored: dt.date
) -> None:
    ret = valid_return()
    ret.training[1][0] = month
    _, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT month FROM training WHERE source_row = 5",
    )
    assert rows == [(stored,)]


@pytest.mark.parametrize(
    "day",
    [dt.date(2017, 4, 1), dt.datetime(2017, 4, 1), "01/04/2017", "1/4/2017", "2017-04-01"],
    ids=str,
)
def test_day_is_read_from_an_excel_date_or_text(
    reference_db: Path, tmp_path: Path, day: Any
) -> None:
    ret = valid_return()
    ret.screening[0][4] = day
    ret.status["go_live_date"] = day
    _, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT period_start, (SELECT go_live_date FROM pathfinder_status) "
        "FROM screening WHERE source_row = 4",
    )
    assert rows == [(dt.date(2017, 4, 1), dt.date(2017, 4, 1))]


def test_blank_rows_between_data_are_skipped(reference_db: Path, tmp_path: Path) -> None:
    ret = valid_return()
    ret.training.insert(1, [None] * 6)
    ret.training.insert(1, ["  ", None, None, None, None, None])
    report, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT source_row FROM training ORDER BY source_row",
    )
    assert rows == [(4,), (7,)]
    assert report.warnings == []


def test_trailing_totals_row_is_ignored_with_a_warning_naming_its_row(
    reference_db: Path, tmp_path: Path
) -> None:
    ret = valid_return()
    ret.training.append(["Total", None, None, None, None, 5])
    report, rows = accept(
        reference_db, write_return(ret, tmp_path / "r.xlsx"), "SELECT count(*) FROM training"
    )
    assert rows == [(2,)]
    [warning] = report.warnings
    assert (warning.sheet, warning.row, warning.column) == ("Training", 6, None)
    assert "totals row" in warning.message and "ignored" in warning.message


def test_extra_column_is_warned_about_and_ignored(reference_db: Path, tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")
    set_cells(path, "Training", {"G1": "Notes", "G4": "call back Tuesday"})
    report, rows = accept(reference_db, path, "SELECT count(*) FROM training")
    assert rows == [(2,)]
    [warning] = report.warnings
    assert (warning.sheet, warning.row, warning.column) == ("Training", 1, "Notes")
    assert "not part of the template" in warning.message


def test_template_example_row_left_in_place_is_skipped(reference_db: Path, tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb["Training"]["A3"].value == "May 2017"  # the grey example is still there
    tables = ("training", "activity", "screening", "milestone", "risk")
    report, rows = accept(
        reference_db,
        path,
        " UNION ALL ".join(f"SELECT '{t}', min(source_row), count(*) FROM {t}" for t in tables),
    )
    assert rows == [(t, 4, n) for t, n in zip(tables, (2, 2, 3, 1, 1), strict=True)]
    assert report.warnings == []


# The example row as a person leaves it after tidying it up: lower case, "4,500" for 4500. Its
# month (May 2017) is outside the 2017-18 Q2 return it sits in.
TIDIED_EXAMPLE = {
    "Training": {"A3": "may 2017", "D3": "practice nurse"},
    "Activity": {"A3": "may 2017", "B3": "facebook page", "G3": "4,500"},
}
Q2 = ReportingPeriod(2017, 2)


def test_template_example_row_is_marked_after_the_last_column(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_valid_return(tmp_path / "r.xlsx", Q2))
    for sheet, mark in (("Training", "G3"), ("Activity", "K3"), ("Risks", "G3")):
        assert wb[sheet][mark].value.startswith("Example"), sheet
        assert wb[sheet][mark.replace("3", "1")].value is None, "no header above the mark"
        assert wb[sheet][mark.replace("3", "4")].value is None


def test_template_example_row_edited_by_a_person_is_still_ignored_with_a_warning(
    reference_db: Path, tmp_path: Path
) -> None:
    path = write_valid_return(tmp_path / "r.xlsx", Q2)
    for sheet, cells in TIDIED_EXAMPLE.items():
        set_cells(path, sheet, cells)
    report, rows = accept(
        reference_db,
        path,
        "SELECT 'training', min(source_row), count(*) FROM training UNION ALL "
        "SELECT 'activity', min(source_row), count(*) FROM activity ORDER BY 1 DESC",
    )
    assert rows == [("training", 4, 2), ("activity", 4, 2)]
    assert [(w.sheet, w.row, w.column) for w in report.warnings] == [
        ("Training", 3, None),
        ("Activity", 3, None),
    ]
    training, activity = report.warnings
    assert "Row 3 is the template's example" in training.message
    assert "ignored" in training.message and "column G" in training.message
    assert "column K" in activity.message


def test_row_in_the_example_position_is_data_once_its_example_mark_is_deleted(
    reference_db: Path, tmp_path: Path
) -> None:
    path = write_valid_return(tmp_path / "r.xlsx", Q2)
    mine = [Q2.start, "M83084", None, "GP", "Refresher", 1]
    set_cells(path, "Training", {f"{c}3": v for c, v in zip("ABCDEF", mine, strict=True)})
    set_cells(path, "Training", {"G3": None})  # a person deleting the mark to use the row
    report, rows = accept(
        reference_db, path, "SELECT source_row, staff_role FROM training ORDER BY source_row"
    )
    assert rows == [(3, "gp"), (4, "practice_nurse"), (5, "healthcare_assistant")]
    assert report.warnings == []


def test_return_on_the_template_before_the_example_mark_reads_as_it_always_did(
    reference_db: Path, tmp_path: Path
) -> None:
    """Returns made on template 1.0 as first issued (no mark): the example row is skipped while
    it is exactly as the template wrote it, and is data once changed, as before."""
    unchanged = write_valid_return(tmp_path / "unchanged.xlsx", Q2)
    edited = write_valid_return(tmp_path / "edited.xlsx", Q2)
    for path in (unchanged, edited):
        for spec in SHEETS:
            if spec.kind == "table":  # (the cell after the last column: the mark, now)
                set_cells(path, spec.name, {f"{get_column_letter(len(spec.fields) + 1)}3": None})
    set_cells(edited, "Training", TIDIED_EXAMPLE["Training"])
    issue = only_error(reference_db, edited)
    assert (issue.sheet, issue.row, issue.column) == ("Training", 3, "Month")
    assert "outside the reporting period" in issue.message
    _, rows = accept(reference_db, unchanged, "SELECT min(source_row) FROM training")
    assert rows == [(4,)]


def test_data_row_that_happens_to_equal_the_example_is_loaded(
    reference_db: Path, tmp_path: Path
) -> None:
    ret = valid_return()
    ret.training.append(["May 2017", "M83038", None, "Practice nurse", ret.training[0][4], 3])
    _, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT source_row FROM training ORDER BY source_row",
    )
    assert rows == [(4,), (5,), (6,)]


def test_old_local_authority_code_is_mapped_to_its_successor_with_a_warning(
    reference_db: Path, tmp_path: Path
) -> None:
    ret = valid_return()
    ret.screening[1][1] = "E07000190"  # Taunton Deane, now part of Somerset
    report, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT area_code, current_area_code FROM screening WHERE source_row = 5",
    )
    assert rows == [("E07000190", "E06000066")]
    [warning] = report.warnings
    assert (warning.sheet, warning.row, warning.column, warning.value) == (
        "Screening",
        5,
        "Area code",
        "E07000190",
    )
    assert "old code" in warning.message and "E06000066 (Somerset)" in warning.message


# ---------------------------------------------------------------------------------------------
# Refused: the file is rejected, nothing of it is stored, and the cell is named
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "cells", "row", "column", "value", "message"),
    [
        pytest.param(
            "Details", {"B2": "WDP-XXX"}, 2, "Pathfinder code", "WDP-XXX",
            "not a pathfinder in the programme register", id="pathfinder",
        ),
        pytest.param(
            "Training", {"B4": "A99999"}, 4, "GP practice ODS code", "A99999",
            "not a GP practice in the NHS ODS practice list", id="gp-practice",
        ),
        pytest.param(
            "Screening", {"B5": "E09999999"}, 5, "Area code", "E09999999",
            "not an English local authority code", id="local-authority",
        ),
        pytest.param(
            "Screening", {"B6": "ZZZ"}, 6, "Area code", "ZZZ",
            "not a screening service code", id="screening-service",
        ),
    ],
)  # fmt: skip
def test_unknown_code_is_refused_naming_sheet_row_and_column(
    reference_db: Path, tmp_path: Path, sheet, cells, row, column, value, message
) -> None:
    path = set_cells(write_valid_return(tmp_path / "r.xlsx"), sheet, cells)
    issue = only_error(reference_db, path)
    assert (issue.sheet, issue.row, issue.column, issue.value) == (sheet, row, column, value)
    assert message in issue.message


# ---------------------------------------------------------------------------------------------
# GP practices are judged against the practices open at the time: the current ODS list, the
# practices it no longer lists (closed, or re-classified), and their opening and closing dates
# ---------------------------------------------------------------------------------------------


def test_practice_no_longer_in_the_current_list_is_accepted_for_a_period_it_was_open(
    reference_db: Path, tmp_path: Path
) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")  # 2017-18 Q1
    set_cells(path, "Training", {"B4": "F84659"})  # Tower of London Surgery, closed 30/09/2018
    set_cells(path, "Screening", {"B4": "y02826"})  # White Horse Surgery (a non-GP setting now)
    _, rows = accept(
        reference_db,
        path,
        "SELECT practice_code, (SELECT area_code FROM screening WHERE source_row = 4) "
        "FROM training WHERE source_row = 4",
    )
    assert rows == [("F84659", "Y02826")]


def test_every_practice_a_real_2017_national_file_names_is_accepted_in_a_2017_return(
    reference_db: Path, tmp_path: Path
) -> None:
    """NHS Payments to General Practice 2017-18 names 7,543 practices, some since closed and
    dropped from the current ODS list: each open in 2017-18 Q1 (by the file's own dates) loads."""
    payments = pd.read_csv(
        REFERENCE_DIR / PAYMENTS_FILES["2017-18"], dtype=str, keep_default_na=False
    )
    opened = pd.to_datetime(payments["Practice Open Date"], format="%d/%m/%Y")
    closed = pd.to_datetime(payments["Practice Close Date"].str.strip(), format="%d/%m/%Y")
    open_in_q1 = (opened <= "2017-06-30") & (closed.isna() | (closed >= "2017-04-01"))
    codes = sorted(payments.loc[open_in_q1, "Practice Code"])
    assert len(codes) > 7_400
    ret = valid_return()
    ret.training = [[Q1.start, c, None, "Practice nurse", "Refresher", 1] for c in codes]
    _, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "national.xlsx"),
        "SELECT count(DISTINCT practice_code) FROM training",
    )
    assert rows == [(len(codes),)]


@pytest.mark.parametrize(
    ("period", "sheet", "cells", "row", "column", "says"),
    [
        pytest.param(
            Q1, "Training", {"B4": "C81079"}, 4, "GP practice ODS code",
            "C81079 (Leabrooks Medical Centre) closed on 30/09/2015, before this return's "
            "period (2017-18 Q1, from 01/04/2017) starts.",
            id="closed-archived",
        ),
        pytest.param(
            ReportingPeriod(2018, 1), "Activity", {"C4": "A81003"}, 4, "GP practice ODS code",
            "A81003 (Victoria Medical Practice) closed on 31/10/2017, before this return's "
            "period (2018-19 Q1, from 01/04/2018) starts.",
            id="closed-current-list",
        ),
        pytest.param(
            Q1, "Training", {"B5": "Y05826"}, 5, "GP practice ODS code",
            "Y05826 (The Hill Gp Practice) opened on 01/08/2017, after this return's period "
            "(2017-18 Q1, to 30/06/2017) ends.",
            id="opened-later",
        ),
        pytest.param(
            Q1, "Screening", {"B4": "C81079", "E4": dt.date(2016, 4, 1)}, 4, "Area code",
            "C81079 (Leabrooks Medical Centre) closed on 30/09/2015, before the period this "
            "figure covers (from 01/04/2016) starts.",
            id="closed-before-the-figure",
        ),
        pytest.param(
            Q1, "Training", {"B4": "A82042"}, 4, "GP practice ODS code",
            "A82042 (Flatt Walks Surgery) has closed, on a date the practice lists do not give; "
            "the latest national list naming it is from 2010, before this return's period "
            "(2017-18 Q1, from 01/04/2017) starts.",
            id="closed-date-unknown",
        ),
    ],
)  # fmt: skip
def test_practice_not_open_in_the_period_is_refused_saying_when_it_closed_or_opened(
    reference_db: Path, tmp_path: Path, period, sheet, cells, row, column, says
) -> None:
    path = set_cells(write_valid_return(tmp_path / "r.xlsx", period), sheet, cells)
    issue = only_error(reference_db, path)
    assert (issue.sheet, issue.row, issue.column, issue.value) == (
        sheet,
        row,
        column,
        next(v for v in cells.values() if isinstance(v, str)),
    )
    assert issue.message.startswith(says), issue.message
    assert "Check the code" in issue.message
    assert issue.describe("r.xlsx").startswith(f"file r.xlsx, sheet {sheet}, row {row}, ")


def test_figure_for_a_period_before_a_practice_closed_is_accepted(
    reference_db: Path, tmp_path: Path
) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")  # 2017-18 Q1
    cells = {"B4": "C81079", "E4": dt.date(2015, 4, 1), "F4": dt.date(2015, 9, 30)}
    _, rows = accept(
        reference_db,
        set_cells(path, "Screening", cells),
        "SELECT area_code, period_end FROM screening WHERE source_row = 4",
    )
    assert rows == [("C81079", dt.date(2015, 9, 30))]


def test_practice_known_only_from_an_old_national_list_is_accepted_up_to_that_year(
    reference_db: Path, tmp_path: Path
) -> None:
    """Flatt Walks Surgery (A82042) is named only by the OHID practice deprivation file's 2010
    edition: no opening or closing date is known, so it is accepted for any period to 2010."""
    ret = valid_return(ReportingPeriod(2010, 3))  # October to December 2010
    ret.screening = ret.screening[:2]  # (the service's figure is for 2016-17)
    ret.training[0][1] = "A82042"
    _, rows = accept(
        reference_db,
        write_return(ret, tmp_path / "r.xlsx"),
        "SELECT practice_code FROM training WHERE source_row = 4",
    )
    assert rows == [("A82042",)]


@pytest.mark.parametrize(
    ("sheet", "cells", "row", "column", "value", "message"),
    [
        pytest.param(
            "Training", {"F4": -3}, 4, "Champions trained", "-3",
            "Counts cannot be negative", id="negative-count",
        ),
        pytest.param(
            "Training", {"F5": 2.5}, 5, "Champions trained", "2.5",
            "whole number (no decimals)", id="decimal-count",
        ),
        pytest.param(
            "Screening", {"G4": 300}, 4, "Numerator", "300",
            "numerator (300) is larger than the denominator (210)", id="numerator-over-denominator",
        ),
        pytest.param(
            "Screening", {"E4": dt.date(2017, 6, 30), "F4": dt.date(2017, 4, 1)}, 4, "Period end",
            "2017-04-01", "Period end is before Period start", id="start-after-end",
        ),
        pytest.param(
            "Training", {"A5": dt.date(2017, 7, 1)}, 5, "Month", "2017-07-01",
            "July 2017 is outside the reporting period 2017-18 Q1", id="month-outside-period",
        ),
        pytest.param(
            "Screening", {"F4": dt.date(2017, 7, 31)}, 4, "Period end", "2017-07-31",
            "after the reporting period ends (30/06/2017)", id="period-end-after-period",
        ),
        pytest.param(
            "Training", {"D4": "Doctor"}, 4, "Staff role", "Doctor",
            f"Choose one of: {STAFF_ROLES}.", id="bad-enumeration",
        ),
        pytest.param(
            "Training", {"E4": None}, 4, "Course", None,
            "This cell is empty", id="empty-table-cell",
        ),
        pytest.param(
            "Status", {"B4": None}, 4, "Commentary", None,
            "This cell is empty", id="empty-form-cell",
        ),
        pytest.param(
            "Activity", {"G4": 12_345_678_901}, 4, "Reach", "12345678901",
            "too large for a count", id="implausibly-large-count",
        ),
    ],
)  # fmt: skip
def test_wrong_value_is_refused_naming_sheet_row_and_column(
    reference_db: Path, tmp_path: Path, sheet, cells, row, column, value, message
) -> None:
    path = set_cells(write_valid_return(tmp_path / "r.xlsx"), sheet, cells)
    issue = only_error(reference_db, path)
    assert (issue.sheet, issue.row, issue.column, issue.value) == (sheet, row, column, value)
    assert message in issue.message


def test_return_for_a_quarter_not_yet_started_is_refused(
    reference_db: Path, tmp_path: Path
) -> None:
    path = set_cells(write_valid_return(tmp_path / "r.xlsx"), "Details", {"B3": "2099-00 Q1"})
    first = refuse(reference_db, path)[0]
    assert (first.sheet, first.row, first.column, first.value) == (
        "Details",
        3,
        "Reporting period",
        "2099-00 Q1",
    )
    assert "2099-00 Q1 has not started yet (it begins 01/04/2099)" in first.message


def test_duplicate_row_is_refused_naming_the_repeat_and_the_first_row(
    reference_db: Path, tmp_path: Path
) -> None:
    ret = valid_return()
    first = ret.training[0]
    ret.training.append([first[0], " m83038", None, "PRACTICE NURSE", first[4], 1])  # row 6
    issue = only_error(reference_db, write_return(ret, tmp_path / "r.xlsx"))
    assert (issue.sheet, issue.row, issue.column) == ("Training", 6, None)
    assert "repeats row 4" in issue.message


def test_missing_sheet_is_refused(reference_db: Path, tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb["Risks"]
    wb.save(path)
    issue = only_error(reference_db, path)
    assert (issue.sheet, issue.row, issue.column) == ("Risks", None, None)
    assert "The sheet 'Risks' is missing" in issue.message
    assert "Download the current template" in issue.message


def test_missing_column_is_refused_naming_its_header(reference_db: Path, tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Training"].delete_cols(6)  # Champions trained
    wb.save(path)
    issue = only_error(reference_db, path)
    assert (issue.sheet, issue.row, issue.column) == ("Training", 1, "Champions trained")
    assert "The column 'Champions trained' is missing" in issue.message


def test_older_template_version_is_refused_pointing_to_the_current_template(
    reference_db: Path, tmp_path: Path
) -> None:
    path = write_return(valid_return(), tmp_path / "r.xlsx", template_version="0.9")
    issue = only_error(reference_db, path)
    assert (issue.sheet, issue.row, issue.column, issue.value) == (
        "Details",
        7,
        "Template version",
        "0.9",
    )
    assert "older template (version 0.9)" in issue.message
    assert "Download the current template" in issue.message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"these are my notes, not a workbook", "not an Excel workbook", id="text"),
        pytest.param(b"", "The file is empty", id="empty"),
    ],
)
def test_file_that_is_not_a_workbook_is_refused(
    reference_db: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(content)
    issue = only_error(reference_db, path)
    assert (issue.sheet, issue.row, issue.column) == (None, None, None)
    assert message in issue.message


def test_every_problem_is_reported_in_one_pass(reference_db: Path, tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")
    set_cells(path, "Details", {"B2": "WDP-XXX"})
    set_cells(path, "Training", {"F4": -3})
    set_cells(path, "Screening", {"G4": 300})
    errors = refuse(reference_db, path)
    assert [(i.sheet, i.row, i.column) for i in errors] == [
        ("Details", 2, "Pathfinder code"),
        ("Training", 4, "Champions trained"),
        ("Screening", 4, "Numerator"),
    ]


def test_described_issue_names_file_sheet_row_column_and_value(
    reference_db: Path, tmp_path: Path
) -> None:
    path = set_cells(write_valid_return(tmp_path / "stoke.xlsx"), "Training", {"F4": -3})
    issue = only_error(reference_db, path)
    assert issue.describe("stoke.xlsx") == (
        "file stoke.xlsx, sheet Training, row 4, column 'Champions trained': "
        "Counts cannot be negative. Enter 0 or more. (value: '-3')"
    )
