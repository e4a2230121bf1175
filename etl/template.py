"""Write the return template from the sheet models (``python -m etl template OUT.xlsx``).

Layout, which ``etl.workbook`` relies on when reading a return back:
- a **Guide** sheet (instructions, every column's meaning, allowed values, an example);
- **form** sheets (Details, Status): row 1 headers "Field | Value | Help", then one field a row,
  the label in column A and the value in column B;
- **table** sheets: row 1 the column headers, row 2 the help text, row 3 an example row in grey
  with a mark ("Example ...") in the cell after its last column, data from row 4. The reader skips
  the example by its position and that mark, whatever a person did to its values (a return made
  before the mark existed has its example skipped while it is exactly as written);
- a hidden **Lists** sheet that feeds the dropdowns (one column per enumeration).
"""

from __future__ import annotations

import datetime as dt
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl.models import SHEETS, TEMPLATE_VERSION, SheetModel, SheetSpec
from etl.reference import read_screening_services
from wdp.domain import LabelledEnum

NHS_BLUE = "005EB8"
GREY = "768692"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor=NHS_BLUE)
HELP_FONT = Font(italic=True, color="425563", size=9)
EXAMPLE_FONT = Font(italic=True, color=GREY)
WRAP = Alignment(wrap_text=True, vertical="top")
FIRST_DATA_ROW = 4  # table sheets: header, help, example, then data
# Written after the example row's last column; a cell there starting "Example" marks the row.
EXAMPLE_MARK = (
    f"Example: never loaded, even if changed. Type your own rows from row {FIRST_DATA_ROW}."
)
VALIDATED_ROWS = 5000  # rows covered by dropdowns and number checks
LISTS_SHEET = "Lists"
GUIDE_SHEET = "Guide"
FORM_HEADERS = ("Field", "Value", "Help")


def field_enum(model: type[SheetModel], field: str) -> type[LabelledEnum] | None:
    """The enumeration behind a field, if it is a dropdown."""
    annotation = model.model_fields[field].annotation
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return candidate  # type: ignore[return-value]
    return None


def field_help(model: type[SheetModel], field: str) -> str:
    return model.model_fields[field].description or ""


def field_example(model: type[SheetModel], field: str) -> Any:
    extra = model.model_fields[field].json_schema_extra or {}
    return extra.get("example") if isinstance(extra, dict) else None


def field_required(model: type[SheetModel], field: str) -> bool:
    return model.model_fields[field].is_required()


def example_row(spec: SheetSpec) -> list[Any]:
    """The example values exactly as the template writes them (also used to skip the row)."""
    return [field_example(spec.model, f) for f in spec.fields]


def _enum_ranges(wb: Workbook) -> dict[type[LabelledEnum], str]:
    """Write every enumeration into the hidden Lists sheet; return each one's range."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    enums: list[type[LabelledEnum]] = []
    for spec in SHEETS:
        for f in spec.fields:
            enum = field_enum(spec.model, f)
            if enum is not None and enum not in enums:
                enums.append(enum)
    ranges = {}
    for i, enum in enumerate(enums, start=1):
        letter = get_column_letter(i)
        ws.cell(row=1, column=i, value=enum.__name__)
        for j, label in enumerate(enum.labels(), start=2):
            ws.cell(row=j, column=i, value=label)
        last = len(enum) + 1
        ranges[enum] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${last}"
    return ranges


def _dropdown(ws: Worksheet, cells: str, source: str, title: str, enum: type[LabelledEnum]) -> None:
    dv = DataValidation(type="list", formula1=source, allow_blank=True, showDropDown=False)
    dv.error = f"Choose one of: {', '.join(enum.labels())}"[:255]
    dv.errorTitle = title[:32]
    dv.prompt = "Choose from the list."
    dv.promptTitle = title[:32]
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.add(cells)
    ws.add_data_validation(dv)


def _whole_number_check(ws: Worksheet, cells: str, title: str) -> None:
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    dv.error = "Enter a whole number of 0 or more."
    dv.errorTitle = title[:32]
    dv.showErrorMessage = True
    dv.add(cells)
    ws.add_data_validation(dv)


def _write_table_sheet(wb: Workbook, spec: SheetSpec, ranges: dict) -> None:
    ws = wb.create_sheet(spec.name)
    model = spec.model
    for c, f in enumerate(spec.fields, start=1):
        header = ws.cell(row=1, column=c, value=spec.header(f))
        header.font, header.fill, header.alignment = HEADER_FONT, HEADER_FILL, WRAP
        note = field_help(model, f) + ("" if field_required(model, f) else " (optional)")
        header.comment = Comment(note, "WDP template")
        helper = ws.cell(row=2, column=c, value=field_help(model, f))
        helper.font, helper.alignment = HELP_FONT, WRAP
        example = ws.cell(row=3, column=c, value=field_example(model, f))
        example.font = EXAMPLE_FONT
        ws.column_dimensions[get_column_letter(c)].width = max(16, len(spec.header(f)) + 4)
        letter = get_column_letter(c)
        cells = f"{letter}{FIRST_DATA_ROW - 1}:{letter}{VALIDATED_ROWS}"
        if (enum := field_enum(model, f)) is not None:
            _dropdown(ws, cells, ranges[enum], spec.header(f), enum)
        elif f in _count_fields(model):
            _whole_number_check(ws, cells, spec.header(f))
    mark = ws.cell(row=FIRST_DATA_ROW - 1, column=len(spec.fields) + 1, value=EXAMPLE_MARK)
    mark.font = EXAMPLE_FONT
    ws.column_dimensions[get_column_letter(len(spec.fields) + 1)].width = 40
    ws.row_dimensions[2].height = 60
    ws.freeze_panes = "A2"


def _count_fields(model: type[SheetModel]) -> set[str]:
    counts = set()
    for f, info in model.model_fields.items():
        if info.annotation in (int, int | None):
            counts.add(f)
    return counts


def _write_form_sheet(wb: Workbook, spec: SheetSpec, ranges: dict, values: dict[str, Any]) -> None:
    ws = wb.create_sheet(spec.name)
    for c, text in enumerate(FORM_HEADERS, start=1):
        cell = ws.cell(row=1, column=c, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for r, f in enumerate(spec.fields, start=2):
        label = ws.cell(row=r, column=1, value=spec.header(f))
        label.font = Font(bold=True)
        value = ws.cell(row=r, column=2, value=values.get(f))
        if isinstance(value.value, str):
            value.data_type = "s"  # text, even if it starts with "=": never a formula
        example = field_example(spec.model, f)
        help_text = field_help(spec.model, f)
        if example is not None and f != "template_version" and "e.g." not in help_text:
            help_text += f" Example: {example}."
        if not field_required(spec.model, f):
            help_text += " (optional)"
        helper = ws.cell(row=r, column=3, value=help_text)
        helper.font, helper.alignment = HELP_FONT, WRAP
        if (enum := field_enum(spec.model, f)) is not None:
            _dropdown(ws, f"B{r}", ranges[enum], spec.header(f), enum)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 80


def _write_guide(wb: Workbook) -> None:
    ws = wb.active
    ws.title = GUIDE_SHEET
    ws["A1"] = f"WDP pathfinder quarterly return: template version {TEMPLATE_VERSION}"
    ws["A1"].font = Font(bold=True, size=14, color=NHS_BLUE)
    lines = [
        "One workbook per pathfinder per quarter. Fill in every sheet; leave a table empty if "
        "there is nothing to report.",
        "Counts only: never names or other personal details of staff or patients.",
        f"On table sheets, type your rows from row {FIRST_DATA_ROW}. Row 2 explains each column; "
        f"row {FIRST_DATA_ROW - 1} is an example in grey, marked 'Example' at its end: it is "
        "never loaded, even if you change it (leave it, or delete it).",
        "Dates as dd/mm/yyyy. Months as a date in the month or as 'May 2017'.",
        "Upload the workbook, or run: python -m etl load FILE. The report names the sheet, row "
        "and column of every problem. A corrected file for the same quarter replaces the earlier "
        "one.",
        "Always start from the current template: older versions are refused.",
    ]
    for i, text in enumerate(lines, start=3):
        ws.cell(row=i, column=1, value=text)
    row = len(lines) + 4
    for c, text in enumerate(("Sheet", "Column", "What to enter", "Allowed values", "Example"), 1):
        cell = ws.cell(row=row, column=c, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for spec in SHEETS:
        for f in spec.fields:
            row += 1
            enum = field_enum(spec.model, f)
            required = "Required. " if field_required(spec.model, f) else "Optional. "
            ws.cell(row=row, column=1, value=spec.name)
            ws.cell(row=row, column=2, value=spec.header(f))
            ws.cell(row=row, column=3, value=required + field_help(spec.model, f))
            ws.cell(row=row, column=4, value=", ".join(enum.labels()) if enum else None)
            example = field_example(spec.model, f)
            ws.cell(row=row, column=5, value=None if example is None else str(example))
    row += 2
    ws.cell(row=row, column=1, value="Screening service codes").font = Font(bold=True)
    for service in read_screening_services().itertuples():
        row += 1
        ws.cell(row=row, column=1, value=service.service_code)
        ws.cell(row=row, column=2, value=service.service_name)
    for letter, width in zip("ABCDE", (14, 28, 80, 50, 24), strict=True):
        ws.column_dimensions[letter].width = width
    for r in range(len(lines) + 5, row + 1):
        ws.cell(row=r, column=3).alignment = WRAP


def build_template(
    *, pathfinder_code: str | None = None, reporting_period: str | None = None
) -> Workbook:
    """The current template, optionally pre-filled with a pathfinder and period."""
    wb = Workbook()
    _write_guide(wb)
    ranges = _enum_ranges(wb)
    details = {
        "pathfinder_code": pathfinder_code,
        "reporting_period": reporting_period,
        "template_version": TEMPLATE_VERSION,
    }
    for spec in SHEETS:
        if spec.kind == "form":
            _write_form_sheet(wb, spec, ranges, details if spec.name == "Details" else {})
        else:
            _write_table_sheet(wb, spec, ranges)
    # Keep the hidden Lists sheet last so the visible order matches the Guide.
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    for ws in wb.worksheets:  # printable: landscape, every column on one page width
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.properties.creator = "WDP programme dashboard"
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 1, 1)
    return wb


def write_template(path: str | Path, **prefill: str | None) -> Path:
    path = Path(path)
    build_template(**prefill).save(path)
    return path
