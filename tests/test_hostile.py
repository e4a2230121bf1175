"""Hostile and broken files (issue 7), fed to the command line and to the Upload page.

Each case in ``tests.hostile.CASES`` is a real file. Through ``python -m etl load --json`` (a
fresh process, so its time and peak memory are its own) it must be refused or handled within
5 s and 500 MB, with a plain-English message and no traceback; a refused file leaves every data
table exactly as it was (only the audit trail records the attempt). On the Upload page a refused
file shows the refusal and stores nothing but the audit row; an accepted one is previewed and
stores nothing until confirmed. Exports neutralise text that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests import apptest
from tests.helpers import open_db
from tests.hostile import (
    CASES,
    CASES_BY_NAME,
    FORMULA_TEXT,
    PATHFINDER,
    PERIOD,
    UNICODE_TEXT,
    Case,
    run_cli,
)

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/5_Upload.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The issue's memory limit, for the whole process (Python start-up included): a guard that failed
# would blow far past it (a zip bomb asked for 1.25 GB before the guard). Time is not asserted
# here (timings belong to benchmarks, never tests): bench/bench_hostile.py prints each case's wall
# and CPU time against the 5 s limit, and docs/RELIABILITY.md records them.
LIMIT_MB = 500.0
AUDIT_TABLES = {"submission", "load_attempt"}  # every attempt is recorded; nothing else changes
REJECTED = [c for c in CASES if c.status == "rejected"]
LEAD = ("lead.stoke@example.nhs.uk", "demo-lead-stoke")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {case.name: case.make(folder) for case in CASES}


def snapshot(db: Path) -> dict[str, tuple[int, int]]:
    """Every table's row count and a checksum of its rows."""
    with open_db(db, read_only=True) as con:
        tables = con.tables()
        return {
            t: con.execute(
                f'SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM "{t}" x'
            ).fetchone()
            for t in tables
        }


def new_submissions(db: Path, after_id: int) -> list[tuple]:
    with open_db(db, read_only=True) as con:
        return con.execute(
            "SELECT status, file_name, errors FROM submission WHERE submission_id > ? "
            "ORDER BY submission_id",
            [after_id],
        ).fetchall()


def last_submission_id(db: Path) -> int:
    with open_db(db, read_only=True) as con:
        return con.execute("SELECT coalesce(max(submission_id), 0) FROM submission").fetchone()[0]


def assert_only_audit_changed(before: dict, after: dict) -> None:
    changed = {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}
    assert changed <= AUDIT_TABLES, f"data tables changed: {sorted(changed - AUDIT_TABLES)}"


def first_message(report: dict, case: Case) -> str:
    issues = report["errors"] if case.status == "rejected" else report["warnings"]
    return " | ".join(f"{i['sheet']}: {i['message']}" for i in issues)


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


@pytest.mark.process
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_cli_refuses_or_handles_each_hostile_file_within_limits(
    case: Case, files: dict[str, Path], seeded_db_copy: Path
) -> None:
    before, last_id = snapshot(seeded_db_copy), last_submission_id(seeded_db_copy)
    run = run_cli("load", files[case.name], "--db", seeded_db_copy, "--json")

    assert "Traceback" not in run.stderr + run.stdout
    assert "panicked" not in run.stderr  # a Rust panic inside calamine
    assert run.peak_mb < LIMIT_MB, f"{case.name} peaked at {run.peak_mb:.0f} MB"
    report = json.loads(run.stdout.splitlines()[0])
    assert report["status"] == case.status, report
    assert run.exit_code == (1 if case.status == "rejected" else 0)
    assert case.message in first_message(report, case)
    after = snapshot(seeded_db_copy)
    if case.status == "rejected":
        assert report["errors"] and all(e["message"].endswith(".") for e in report["errors"])
        assert_only_audit_changed(before, after)
        [(status, name, _)] = new_submissions(seeded_db_copy, last_id)
        assert (status, name) == ("rejected", files[case.name].name)
    else:
        check_accepted(case.name, seeded_db_copy, report, files[case.name])


def check_accepted(name: str, db: Path, report: dict, path: Path) -> None:
    """What an accepted hostile-looking file must have stored: exactly what the person meant."""
    sid = report["submission_id"]
    assert report["pathfinder_code"] == PATHFINDER and report["reporting_period"] == PERIOD.label
    with open_db(db, read_only=True) as con:
        trained = con.execute(
            "SELECT month, champions_trained FROM training WHERE submission_id = ? "
            "ORDER BY source_row",
            [sid],
        ).fetchall()
        organisation, file_name = con.execute(
            "SELECT submitted_by_organisation, file_name FROM submission WHERE submission_id = ?",
            [sid],
        ).fetchone()
        commentary = con.execute(
            "SELECT commentary FROM pathfinder_status WHERE submission_id = ?", [sid]
        ).fetchone()[0]
        milestone = con.execute(
            "SELECT milestone FROM milestone WHERE submission_id = ?", [sid]
        ).fetchone()[0]
        mitigation = con.execute(
            "SELECT mitigation FROM risk WHERE submission_id = ?", [sid]
        ).fetchone()[0]
    july, august = PERIOD.start, PERIOD.start.replace(month=PERIOD.start.month + 1)
    # The 1904 date system, formulas and hidden sheets all still give the months and counts typed.
    assert trained == [(july, 3), (august, 2)]
    assert file_name == path.name
    if name == "formulas":
        assert commentary == "Going well."  # the DDE formula's saved result, never run
    if name == "formula_text":
        assert organisation == FORMULA_TEXT["organisation"]
        assert commentary == FORMULA_TEXT["commentary"]
        assert milestone == FORMULA_TEXT["milestone"]
        assert mitigation == FORMULA_TEXT["mitigation"]
    if name == "unicode_names":
        assert file_name == UNICODE_TEXT["file"]
        assert organisation == UNICODE_TEXT["organisation"]
        assert commentary == UNICODE_TEXT["commentary"]
    if name == "all_columns":
        assert report["warnings"] == []  # a row typed past the table, outside its columns


@pytest.mark.process
def test_cli_plain_output_names_each_refused_file_and_its_problem(
    files: dict[str, Path], seeded_db_copy: Path
) -> None:
    run = run_cli("load", *(files[c.name] for c in REJECTED), "--db", seeded_db_copy)
    assert run.exit_code == 1
    assert "Traceback" not in run.stderr + run.stdout
    lines = run.stdout.splitlines()
    for case in REJECTED:
        name = files[case.name].name
        assert any(line.startswith(f"REJECTED   {name}") for line in lines), name
        assert any(f"file {name}" in line and case.message in line for line in lines), name
    assert f"{len(REJECTED)} files: 0 loaded or unchanged, {len(REJECTED)} rejected." in lines


def test_the_1904_file_really_stores_1904_serial_numbers(files: dict[str, Path]) -> None:
    """The case is what it claims: the saved serials count from 1904 (else it proves nothing)."""
    path = files["dates_1904"]
    wb = openpyxl.load_workbook(path)
    assert wb.epoch.year == 1904
    import zipfile

    from tests.hostile import sheet_member

    with zipfile.ZipFile(path) as zf:
        xml = zf.read(sheet_member(path, "Training")).decode()
    # 1 July 2018 is serial 43282 from 1900 and 41820 from 1904.
    assert '<c r="A4" s="8" t="n"><v>41820</v>' in xml or "<v>41820</v>" in xml


# ---------------------------------------------------------------------------------------------
# The Upload page
# ---------------------------------------------------------------------------------------------


def signed_in_lead(monkeypatch: pytest.MonkeyPatch, db: Path):
    return apptest.signed_in(monkeypatch, db, *LEAD, page=PAGE)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_upload_page_refuses_or_previews_each_hostile_file(
    case: Case, files: dict[str, Path], seeded_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = signed_in_lead(monkeypatch, seeded_db_copy)  # (signing in is recorded: before this)
    before, last_id = snapshot(seeded_db_copy), last_submission_id(seeded_db_copy)
    path = files[case.name]
    # The page's file picker offers .xlsx only: a macro workbook arrives renamed.
    name = path.with_suffix(".xlsx").name
    at.file_uploader[0].set_value((name, path.read_bytes(), XLSX)).run()

    assert not at.exception
    shown = " ".join(e.value for e in at.error) + " ".join(w.value for w in at.warning)
    assert "Traceback" not in shown
    if case.status == "rejected":
        summary = at.error[0].value
        assert f"with {name}" in summary and "Nothing was loaded" in summary
        assert case.message in summary
        assert_only_audit_changed(before, snapshot(seeded_db_copy))
        assert [s[:2] for s in new_submissions(seeded_db_copy, last_id)] == [("rejected", name)]
        assert not [b for b in at.button if b.label.startswith("Confirm")]
    else:
        assert any("The return is valid" in s.value for s in at.success)
        if case.message:
            assert case.message in shown
        assert snapshot(seeded_db_copy) == before  # nothing is stored until confirmed


def test_a_1904_return_confirmed_on_the_page_stores_the_right_months(
    files: dict[str, Path], seeded_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = files["dates_1904"]
    at = signed_in_lead(monkeypatch, seeded_db_copy)
    at.file_uploader[0].set_value((path.name, path.read_bytes(), XLSX)).run()
    next(b for b in at.button if b.label.startswith("Confirm")).click().run()
    assert any("Loaded" in s.value for s in at.success)
    with open_db(seeded_db_copy, read_only=True) as con:
        months = con.execute(
            "SELECT t.month FROM training t JOIN submission s USING (submission_id) "
            "WHERE s.file_name = ? AND s.status = 'accepted' ORDER BY t.source_row",
            [path.name],
        ).fetchall()
    assert [m for (m,) in months] == [PERIOD.start, PERIOD.start.replace(month=8)]


# ---------------------------------------------------------------------------------------------
# Exports: text starting with a formula character is neutralised
# ---------------------------------------------------------------------------------------------

DANGEROUS = ["=1+1", "+44 7700", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


def test_csv_exports_neutralise_formula_text_in_cells_and_headers() -> None:
    from wdp.ui.exports import csv_bytes

    frame = pd.DataFrame(
        {
            "text": DANGEROUS,
            "mixed": pd.Series([*DANGEROUS[:6], 5], dtype=object),
            "category": pd.Categorical(DANGEROUS),
            "=header": ["ok"] * len(DANGEROUS),
            "count": [-3, 1, 2, 3, 4, 5, 6],
            "month": pd.to_datetime(["2018-07-01"] * len(DANGEROUS)),
        }
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode(), newline="")))
    back = pd.DataFrame(rows[1:], columns=rows[0])
    assert list(back.columns) == ["text", "mixed", "category", "'=header", "count", "month"]
    for column in ("text", "category"):
        assert list(back[column]) == [f"'{v}" for v in DANGEROUS]
    assert list(back["mixed"])[:6] == [f"'{v}" for v in DANGEROUS[:6]]
    assert back["mixed"].iloc[6] == "5"
    assert list(back["count"]) == ["-3", "1", "2", "3", "4", "5", "6"]  # numbers stay numbers
    assert set(back["month"]) == {"2018-07-01"}
    for value in back.to_numpy().ravel():
        assert not value.startswith(("=", "+", "@", "\t", "\r")), value
        assert not value.startswith("-") or value == "-3"


def test_the_validation_report_csv_neutralises_what_the_person_typed(
    files: dict[str, Path],
) -> None:
    """The Upload page's 'Download this report' quotes cell values back; they are neutralised."""
    from etl.validate import validate_workbook
    from etl.workbook import read_workbook
    from wdp.db.queries import ValidationReference
    from wdp.ui.exports import csv_bytes

    workbook, issues = read_workbook(files["formula_text"])
    assert workbook is not None and not issues
    workbook.sheets["Training"][3][5] = "=1+1"  # a count typed as a formula's text
    result = validate_workbook(workbook, ValidationReference())
    table = pd.DataFrame([{"Value": i.value, "What to do": i.message} for i in result.errors])
    assert "=1+1" in set(table["Value"])
    text = csv_bytes(table).decode()
    assert "\n'=1+1," in text and "\n=1+1," not in text


def _string_cells(wb: openpyxl.Workbook) -> list[openpyxl.cell.Cell]:
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]


def test_the_template_writes_no_formulas() -> None:
    """The blank template: every cell is a value; nothing a spreadsheet would run."""
    from etl.template import build_template

    cells = _string_cells(build_template())
    assert cells
    assert [c.coordinate for c in cells if c.data_type == "f"] == []


def test_the_prefilled_template_writes_formula_text_as_text(tmp_path: Path) -> None:
    from etl.template import build_template

    wb = build_template(pathfinder_code='=HYPERLINK("http://x")', reporting_period="+1")
    wb.save(tmp_path / "t.xlsx")
    details = openpyxl.load_workbook(tmp_path / "t.xlsx")["Details"]
    assert [(c.value, c.data_type) for c in details["B"][1:3]] == [
        ('=HYPERLINK("http://x")', "s"),
        ("+1", "s"),
    ]


def test_every_case_is_listed_once() -> None:
    assert len(CASES_BY_NAME) == len(CASES) >= 20
