"""The column-wise fast path of table-sheet validation agrees with pydantic, row by row.

``etl.validate`` checks table sheets column by column with the models' own parsers and hands any
row it cannot vouch for to pydantic. These tests feed both paths the same awkward cells and
require the same accepted values (and types) and the same problems, with the same messages,
rows and columns.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import validate
from etl.models import SHEETS_BY_NAME, SheetModel
from wdp.db.queries import ValidationReference

REFERENCE = ValidationReference(
    pathfinders={"WDP-STK": "Stoke-on-Trent"},
    practices={"M83038": "A practice"},
    areas={"E06000021": "E06000021"},
    area_names={"E06000021": "Stoke-on-Trent"},
    services={},
)

# Cells that trip parsers up: blanks, whitespace, numbers as floats and text, bools, dates in
# every form, enum spellings, codes, long text, and junk.
CELLS = st.sampled_from(
    [
        None,
        "",
        "   ",
        0,
        3,
        3.0,
        3.5,
        -3,
        -3.0,
        True,
        False,
        "12",
        " 1,234 ",
        "1.0",
        "1.5",
        "abc",
        float("nan"),
        10_000_000_001,
        dt.datetime(2017, 5, 1),
        dt.datetime(2017, 5, 3, 12, 30),
        dt.date(2017, 4, 1),
        dt.date(2017, 6, 30),
        dt.time(12, 0),
        42856.0,
        "01/05/2017",
        "31/02/2017",
        "2017-05-01",
        "May 2017",
        "05/2017",
        "M83038",
        " m83038 ",
        "P8110",
        "X1",
        "E06000021",
        "WDP-STK",
        "Practice nurse",
        "PRACTICE NURSE",
        "nurse",
        "Digital Health Champion core course",
        "Facebook page",
        "facebook",
        "GP practice (ODS code)",
        "practice",
        "Local authority (ONS code)",
        "Breast",
        "cervical",
        "Coverage",
        "first time",
        "Amber",
        "g",
        "In progress",
        "Medium",
        "Open",
        "x" * 201,
        "Total",
        "a\tb  c",
    ]
)


def _rows(spec, grid: list[list]) -> list[validate._Row]:
    return [
        validate._Row(number=i + 4, values=dict(zip(spec.fields, cells, strict=True)))
        for i, cells in enumerate(grid)
    ]


def _fields(model) -> dict | None:
    if model is None:
        return None
    if isinstance(model, SheetModel):
        return {f: getattr(model, f) for f in type(model).model_fields}
    return model._asdict()


def _both_ways(sheet: str, grid: list[list]) -> None:
    spec = SHEETS_BY_NAME[sheet]
    fast_check, slow_check = validate._Checker(REFERENCE), validate._Checker(REFERENCE)
    fast, slow = _rows(spec, grid), _rows(spec, grid)
    validate._validate_table(fast_check, spec, fast)
    for row in slow:
        row.model = validate._validate_row(slow_check, spec, row)
    for a, b in zip(fast, slow, strict=True):
        got, want = _fields(a.model), _fields(b.model)
        assert got == want, (a.values, got, want)
        if want is not None:  # same types too (1 == 1.0 == True would hide a difference)
            assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in want.items()}
    assert fast_check.result.errors == slow_check.result.errors
    assert fast_check.result.warnings == slow_check.result.warnings


@pytest.mark.parametrize("sheet", ["Training", "Activity", "Screening", "Milestones", "Risks"])
def test_every_table_sheet_has_a_fast_path(sheet: str) -> None:
    assert validate._fast_plan(SHEETS_BY_NAME[sheet]) is not None


@settings(max_examples=150, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("sheet", ["Training", "Activity", "Screening", "Milestones", "Risks"])
def test_fast_path_matches_pydantic_on_awkward_cells(sheet: str, data: st.DataObject) -> None:
    width = len(SHEETS_BY_NAME[sheet].fields)
    grid = data.draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=12))
    _both_ways(sheet, grid)


def test_fast_path_matches_pydantic_on_valid_rows_and_model_checks() -> None:
    """Rows whose cells all parse, where only the model-level checks can fail."""
    may, june = dt.datetime(2017, 5, 1), dt.datetime(2017, 6, 30)
    _both_ways(
        "Screening",
        [
            ["GP practice", "M83038", "Breast", "Coverage", may, june, 412, 580],  # valid
            ["GP practice", "M83038", "Breast", "Uptake", june, may, 412, 580],  # dates reversed
            ["GP practice", "M83038", "Breast", "Coverage", may, june, 600, 580],  # num > den
            ["GP practice", "M83038", "Bowel", "Coverage", may, june, 0, 0],  # den 0
        ],
    )
    _both_ways(
        "Training",
        [
            [may, "M83038", None, "Practice nurse", "Refresher", 3],  # valid
            [may, None, None, "GP", "Refresher", 1],  # neither practice nor organisation
            [may, None, "A PCN", "GP", "Refresher", 2.0],  # organisation instead: valid
        ],
    )
