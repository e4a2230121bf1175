"""The models are the single source: template headers, model fields and table columns agree."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from etl.models import SHEETS, TEMPLATE_VERSION, SheetSpec
from etl.template import FIRST_DATA_ROW, FORM_HEADERS, build_template, field_enum
from etl.validate import validate_workbook
from etl.workbook import read_workbook
from wdp.db import queries
from wdp.db.embedded import open_db
from wdp.db.schema import BOOKKEEPING_COLUMNS, DERIVED_COLUMNS, table_columns

TABLE_SHEETS = [s for s in SHEETS if s.kind == "table"]
FORM_SHEETS = [s for s in SHEETS if s.kind == "form"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    build_template().save(path)
    return openpyxl.load_workbook(path)


@pytest.mark.parametrize("spec", TABLE_SHEETS, ids=lambda s: s.name)
def test_table_sheet_headers_are_the_model_fields_in_order(template, spec: SheetSpec) -> None:
    ws = template[spec.name]
    headers = [c.value for c in ws[1] if c.value is not None]
    assert headers == [spec.header(f) for f in spec.fields]
    help_row = [c.value for c in ws[2]][: len(headers)]
    assert all(help_row), "every column has help text"
    example = [c.value for c in ws[FIRST_DATA_ROW - 1]][: len(headers)]
    assert any(v is not None for v in example), "an example row"


@pytest.mark.parametrize("spec", FORM_SHEETS, ids=lambda s: s.name)
def test_form_sheet_labels_are_the_model_fields_in_order(template, spec: SheetSpec) -> None:
    ws = template[spec.name]
    assert tuple(c.value for c in ws[1][:3]) == FORM_HEADERS
    labels = [ws.cell(row=r, column=1).value for r in range(2, len(spec.fields) + 2)]
    assert labels == [spec.header(f) for f in spec.fields]


@pytest.mark.parametrize("spec", SHEETS, ids=lambda s: s.name)
def test_every_enumeration_has_a_dropdown_with_its_labels(template, spec: SheetSpec) -> None:
    ws = template[spec.name]
    lists = template["Lists"]
    assert lists.sheet_state == "hidden"
    formulas = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    for f in spec.fields:
        enum = field_enum(spec.model, f)
        if enum is None:
            continue
        column = next(
            c
            for c in range(1, lists.max_column + 1)
            if lists.cell(row=1, column=c).value == enum.__name__
        )
        labels = [lists.cell(row=r, column=column).value for r in range(2, len(enum) + 2)]
        assert labels == enum.labels()
        letter = lists.cell(row=1, column=column).column_letter
        assert any(f"${letter}$2" in formula for formula in formulas), (spec.name, f)


def test_template_carries_the_current_version(template) -> None:
    ws = template["Details"]
    values = {
        ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value
        for r in range(2, ws.max_row + 1)
    }
    assert values["Template version"] == TEMPLATE_VERSION
    assert TEMPLATE_VERSION in template["Guide"]["A1"].value


def test_database_tables_hold_exactly_the_model_fields(tmp_path: Path) -> None:
    with open_db(tmp_path / "db.duckdb", create=True) as con:
        for spec in SHEETS:
            if spec.table == "submission":
                columns = set(table_columns(con, "submission"))
                assert set(spec.fields) <= columns
                continue
            expected = [*BOOKKEEPING_COLUMNS, *spec.fields, *DERIVED_COLUMNS.get(spec.table, ())]
            assert table_columns(con, spec.table) == expected, spec.table


def test_blank_template_validates_to_missing_required_details_only(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    build_template().save(path)
    workbook, issues = read_workbook(path)
    assert not issues
    result = validate_workbook(workbook, queries.ValidationReference())
    # The example rows are skipped, so the tables are empty; only the forms lack answers.
    assert {i.sheet for i in result.errors} == {"Details", "Status"}
    assert result.row_counts["Training"] == 0
    assert all("empty" in i.message for i in result.errors)
