"""Property-based tests (issue 7): whatever is in the cells, or in the file, the reader and the
validators answer with reported problems (``Issue`` objects), never an exception.

Three properties, 1,750 examples in all on every run (hypothesis, ``deadline=None``):
- each sheet's row validation, with arbitrary cell values of every type calamine returns and
  rows of arbitrary length, placed in an otherwise valid return (7 sheets x 150);
- ``read_workbook`` + ``validate_workbook`` on arbitrary small workbooks written with openpyxl:
  a valid return with blocks of arbitrary cells pasted anywhere, sheets removed, added with
  random names, hidden, and either date system (300);
- ``read_workbook`` on a valid return's bytes flipped, overwritten or cut off (400).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

from etl.models import SHEETS, SHEETS_BY_NAME, TEMPLATE_VERSION
from etl.validate import ValidatedReturn, validate_workbook
from etl.workbook import RawWorkbook, read_workbook
from tests.helpers import open_db
from tests.hostile import base_return, write_valid
from wdp.db.queries import ValidationReference, validation_reference
from wdp.domain import Issue

FUZZ = settings(
    deadline=None,
    database=None,  # no .hypothesis folder in the working tree; failures print their example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=examples)


# Text a person (or an attacker) might type, beside hypothesis' arbitrary unicode.
TRICKY_TEXT = [
    "",
    " ",
    "=1+1",
    "+44 7700 900123",
    "-3",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
    "1,234",
    "4506.0",
    "1e309",
    "NaN",
    "inf",
    "-0",
    "May 2017",
    "01/07/2018",
    "31/02/2018",
    "2018-19 Q2",
    "2018-19 Q9",
    "Practice nurse",
    "M83038",
    "E06000021",
    "NMI",
    "Total",
    "Grand total:",
    "١٢٣",
    "１２",
    "😀",
    "שלום",
    "\u202eevil",
    "x" * 5000,
    TEMPLATE_VERSION,
]

cell_values = st.one_of(
    st.none(),
    st.sampled_from(TRICKY_TEXT),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(),
    st.times(),
    st.timedeltas(),
)
rows = st.lists(cell_values, max_size=14)


def check_result(result: ValidatedReturn) -> None:
    """Only reported problems come back, each one printable and serialisable as the CLI does."""
    assert isinstance(result, ValidatedReturn)
    for issue in [*result.errors, *result.warnings]:
        assert isinstance(issue, Issue)
        assert isinstance(issue.message, str) and issue.message.strip()
        assert issue.row is None or (isinstance(issue.row, int) and issue.row >= 1)
        assert issue.value is None or isinstance(issue.value, str)
        json.dumps(issue.as_dict())
        assert issue.describe("f.xlsx")
    if result.errors:
        assert result.frames == {}
    event("valid" if result.ok else f"refused: {result.errors[0].sheet} {result.errors[0].column}")


@functools.cache
def _base(db: Path) -> tuple[RawWorkbook, ValidationReference]:
    with tempfile.TemporaryDirectory() as folder:
        workbook, issues = read_workbook(write_valid(Path(folder) / "valid.xlsx"))
    assert workbook is not None and not issues
    with open_db(db, read_only=True) as con:
        reference = validation_reference(con)
    assert validate_workbook(workbook, reference).ok  # the base passes: any error is the fuzz's
    return workbook, reference


@pytest.fixture(scope="module")
def base(seeded_db: Path) -> tuple[RawWorkbook, ValidationReference]:
    return _base(seeded_db)


def _with_row(workbook: RawWorkbook, sheet: str, row: list[Any], keep_version: bool) -> RawWorkbook:
    """The base workbook with one sheet's first data row (or a form's values) replaced."""
    sheets = dict(workbook.sheets)
    cells = copy.deepcopy(sheets[sheet])
    spec = SHEETS_BY_NAME[sheet]
    if spec.kind == "form":
        for i, f in enumerate(spec.fields):
            if f == "template_version" and keep_version:
                continue
            line = cells[i + 1]
            line[1] = row[i] if i < len(row) else None
            line[3:] = row[len(spec.fields) :]  # and anything typed to the right
    else:
        while len(cells) < 4:
            cells.append([])
        cells[3] = list(row)
    sheets[sheet] = cells
    return RawWorkbook(sheets)


@pytest.mark.parametrize("sheet", [spec.name for spec in SHEETS])
@fuzz(150)
@given(row=rows, keep_version=st.booleans())
def test_any_row_of_cells_gives_reported_problems_never_an_exception(
    base: tuple[RawWorkbook, ValidationReference], sheet: str, row: list[Any], keep_version: bool
) -> None:
    workbook, reference = base
    check_result(validate_workbook(_with_row(workbook, sheet, row, keep_version), reference))


# ---------------------------------------------------------------------------------------------
# Arbitrary workbooks through the real reader
# ---------------------------------------------------------------------------------------------

TEMPLATE_NAMES = [spec.name for spec in SHEETS] + ["Guide", "Lists"]
FORBIDDEN = set("[]:*?/\\")
random_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=31
).filter(lambda s: not FORBIDDEN & set(s) and s.strip("'") == s and s.strip())
sheet_names = st.lists(
    st.one_of(st.sampled_from(TEMPLATE_NAMES), random_names),
    min_size=1,
    max_size=9,
    unique_by=lambda s: s.casefold(),
)
grids = st.lists(st.lists(cell_values, max_size=8), max_size=8)


def _writable(value: Any) -> Any:
    """What openpyxl can store: no control characters; a timedelta only as a number of days."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return float(value)
    if isinstance(value, dt.date) and value.year < 1905:  # before either date system: as text
        return value.isoformat()
    return value


edits = st.lists(
    st.tuples(
        st.sampled_from(TEMPLATE_NAMES),
        st.integers(min_value=1, max_value=8),  # top row of the pasted block
        st.integers(min_value=1, max_value=12),  # its left column
        grids,
    ),
    max_size=4,
)


@fuzz(300)
@given(
    extra=sheet_names,
    pasted=edits,
    removed=st.sets(st.sampled_from(TEMPLATE_NAMES), max_size=2),
    states=st.lists(st.sampled_from(["visible", "hidden", "veryHidden"]), max_size=10),
    epoch_1904=st.booleans(),
)
def test_any_small_workbook_reads_and_validates_to_reported_problems(
    base: tuple[RawWorkbook, ValidationReference],
    extra: list[str],
    pasted: list[tuple[str, int, int, list[list[Any]]]],
    removed: set[str],
    states: list[str],
    epoch_1904: bool,
) -> None:
    """A valid return edited at random: blocks of arbitrary cells pasted over any sheet (headers
    included), sheets removed, random sheets added, sheets hidden, either date system."""
    _, reference = base
    wb = _template_workbook()
    wb.epoch = CALENDAR_MAC_1904 if epoch_1904 else CALENDAR_WINDOWS_1900
    for sheet, top, left, grid in pasted:
        ws = wb[sheet]
        for r, line in enumerate(grid, start=top):
            for c, value in enumerate(line, start=left):
                ws.cell(row=r, column=c, value=_writable(value))
    for name in extra:
        if name not in wb.sheetnames and name.casefold() not in map(str.casefold, wb.sheetnames):
            wb.create_sheet(name)["A1"] = name
    for name in removed:
        if len(wb.sheetnames) > 1:
            wb.remove(wb[name])
    for ws, state in zip(wb.worksheets, states, strict=False):
        ws.sheet_state = state
    wb.worksheets[0].sheet_state = "visible"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.xlsx"
        wb.save(path)
        workbook, issues = read_workbook(path)
    if workbook is None:
        assert issues and all(isinstance(i, Issue) for i in issues)
        event(f"not read: {issues[0].message[:40]}")
        return
    assert not issues and set(workbook.sheets) == set(wb.sheetnames)
    check_result(validate_workbook(workbook, reference))


def _template_workbook() -> openpyxl.Workbook:
    from etl.sample import fill_workbook
    from etl.template import build_template
    from tests.hostile import PATHFINDER, PERIOD

    wb = build_template(pathfinder_code=PATHFINDER, reporting_period=PERIOD.label)
    return fill_workbook(wb, base_return())


# ---------------------------------------------------------------------------------------------
# Damaged bytes through the real reader
# ---------------------------------------------------------------------------------------------


@functools.cache
def _valid_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_valid(Path(folder) / "valid.xlsx", base_return()).read_bytes()


@fuzz(400)
@given(
    edits=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1, exclude_max=True), st.binary(max_size=8)),
        min_size=1,
        max_size=6,
    ),
    cut=st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
)
def test_damaged_bytes_give_reported_problems_never_an_exception(
    edits: list[tuple[float, bytes]], cut: float | None
) -> None:
    data = bytearray(_valid_bytes())
    for where, new in edits:
        at = int(where * len(data))
        data[at : at + len(new)] = new
    if cut is not None:
        data = data[: int(cut * len(data))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.xlsx"
        path.write_bytes(bytes(data))
        workbook, issues = read_workbook(path)
    if workbook is None:
        assert len(issues) == 1 and isinstance(issues[0], Issue) and issues[0].message
        event(f"not read: {issues[0].message[:40]}")
    else:
        event("read")
        assert issues == []
