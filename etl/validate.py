"""Validate a return workbook against the sheet models and the reference data, in one pass.

Every problem is reported, never just the first, as an ``Issue`` naming the sheet, Excel row and
column header a person sees, the value they typed, and what to do about it. Harmless things are
tolerated and, where a person should know, warned about: surrounding spaces, case, "1,234", Excel
or dd/mm/yyyy dates, blank rows, a trailing totals row, extra columns, the template's own help and
example rows. Nothing here touches the database: the caller passes the reference codes in.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import re
import types
import typing
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter
from pydantic import BeforeValidator, ValidationError

from etl.models import SHEETS, TEMPLATE_VERSION, Details, SheetModel, SheetSpec, parse_version
from etl.template import GUIDE_SHEET, LISTS_SHEET, example_row, field_help
from etl.workbook import RawWorkbook, display_value
from wdp.db.queries import ValidationReference
from wdp.domain import AreaType, Issue, LabelledEnum, ReportingPeriod, match_key

TOTAL_RE = re.compile(r"^\s*(grand\s+)?totals?\s*:?\s*$", re.I)
# The template's example mark (``etl.template.EXAMPLE_MARK``), in any case or spacing.
_EXAMPLE_KEY_RE = re.compile(r"^\W*example\b", re.I)
TEMPLATE_HINT = "Download the current template (python -m etl template, or the Upload page)."


@dataclass
class ValidatedReturn:
    """The outcome of validating one workbook: rows ready to load, or the problems found."""

    details: Details | None = None
    period: ReportingPeriod | None = None
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    # What the Details sheet claims even when it does not validate (for the audit trail).
    claimed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int  # Excel row number
    values: dict[str, Any]  # field name -> raw cell value
    model: SheetModel | None = None


class _Checker:
    """Collects issues while walking one workbook."""

    def __init__(self, reference: ValidationReference) -> None:
        self.ref = reference
        self.result = ValidatedReturn()

    def error(
        self, sheet: str | None, row: int | None, column: str | None, value: Any, message: str
    ) -> None:
        self.result.errors.append(Issue(sheet, row, column, display_value(value), message))

    def warn(
        self, sheet: str | None, row: int | None, column: str | None, value: Any, message: str
    ) -> None:
        self.result.warnings.append(
            Issue(sheet, row, column, display_value(value), message, "warning")
        )


# ---------------------------------------------------------------------------------------------
# Reading sheets into rows
# ---------------------------------------------------------------------------------------------


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _all_blank(cells: list[Any]) -> bool:
    # A loop, not all(<generator>): this runs once per row, and usually stops at the first cell.
    for cell in cells:  # noqa: SIM110
        if not _is_blank(cell):
            return False
    return True


def _header_lookup(spec: SheetSpec) -> dict[str, str]:
    """Normalised header text (or field name) -> field."""
    lookup = {}
    for f in spec.fields:
        lookup[match_key(spec.header(f))] = f
        lookup[match_key(f)] = f
    return lookup


def _same_cells(cells: list[Any], expected: list[Any]) -> bool:
    """Whether a row still holds exactly what the template wrote (help or example)."""
    for cell, want in zip(cells, expected, strict=False):
        if _is_blank(want) != _is_blank(cell):
            return False
        if not _is_blank(want) and display_value(cell) != display_value(want):
            return False
    return True


def _example_mark(row: list[Any], template_columns: set[int]) -> int | None:
    """The column (0-based) outside the template's columns whose text marks the example row."""
    for c, cell in enumerate(row):
        if c not in template_columns and isinstance(cell, str) and _EXAMPLE_KEY_RE.match(cell):
            return c
    return None


def _read_form(
    check: _Checker, spec: SheetSpec, cells: list[list[Any]]
) -> tuple[_Row, dict[str, int]] | None:
    """A form sheet: labels in column A, values in column B. Returns the values and their rows."""
    lookup = _header_lookup(spec)
    values: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for i, row in enumerate(cells):
        if not row or _is_blank(row[0]):
            continue
        f = lookup.get(match_key(str(row[0])))
        if f is not None and f not in rows:
            rows[f] = i + 1
            values[f] = row[1] if len(row) > 1 else None
    missing = [f for f in spec.fields if f not in rows]
    for f in missing:
        check.error(
            spec.name,
            None,
            spec.header(f),
            None,
            f"The row '{spec.header(f)}' is missing from this sheet. {TEMPLATE_HINT}",
        )
    if missing:
        return None
    return _Row(number=min(rows.values()), values=values), rows


def _find_header_row(spec: SheetSpec, cells: list[list[Any]]) -> int | None:
    lookup = _header_lookup(spec)
    for i, row in enumerate(cells[:10]):
        matched = {lookup.get(match_key(str(c))) for c in row if not _is_blank(c)} - {None}
        if len(matched) >= max(1, len(spec.fields) // 2):
            return i
    return None


def _read_table(check: _Checker, spec: SheetSpec, cells: list[list[Any]]) -> list[_Row] | None:
    header_index = _find_header_row(spec, cells)
    if header_index is None:
        check.error(
            spec.name,
            1,
            None,
            None,
            "The column headers are missing or changed. Row 1 must hold the template's "
            f"headers ({', '.join(spec.header(f) for f in spec.fields)}). {TEMPLATE_HINT}",
        )
        return None
    lookup = _header_lookup(spec)
    positions: dict[str, int] = {}
    for c, cell in enumerate(cells[header_index]):
        if _is_blank(cell):
            continue
        f = lookup.get(match_key(str(cell)))
        if f is None:
            check.warn(
                spec.name,
                header_index + 1,
                str(cell).strip(),
                None,
                "This column is not part of the template and was ignored.",
            )
        elif f in positions:
            check.error(
                spec.name,
                header_index + 1,
                spec.header(f),
                None,
                "This column appears twice. Delete one of them.",
            )
        else:
            positions[f] = c
    missing = [f for f in spec.fields if f not in positions]
    for f in missing:
        check.error(
            spec.name,
            header_index + 1,
            spec.header(f),
            None,
            f"The column '{spec.header(f)}' is missing. Put it back (copy the header "
            f"from the current template).",
        )
    if missing:
        return None

    index = [positions[f] for f in spec.fields]
    reach = max(index)

    def pick(row: list[Any]) -> list[Any]:
        if len(row) > reach:
            return [row[j] for j in index]
        return [row[j] if j < len(row) else None for j in index]

    help_cells = [field_help(spec.model, f) for f in spec.fields]
    example_cells = example_row(spec)
    rows: list[_Row] = []
    for i in range(header_index + 1, len(cells)):
        picked = pick(cells[i])
        if _all_blank(picked):
            continue
        if i <= header_index + 2:  # help and example sit just under the headers
            if _same_cells(picked, help_cells) or _same_cells(picked, example_cells):
                continue  # the template's own help and example rows, as written
            mark = _example_mark(cells[i], set(index))
            if mark is not None:  # the example, changed: still the example, but say so
                check.warn(
                    spec.name,
                    i + 1,
                    None,
                    None,
                    f"Row {i + 1} is the template's example (marked 'Example' in column "
                    f"{get_column_letter(mark + 1)}) and was ignored, although it was changed. "
                    f"If it holds your figures, type them from row {i + 2} down, or delete the "
                    "mark.",
                )
                continue
        rows.append(_Row(number=i + 1, values=dict(zip(spec.fields, picked, strict=True))))
    if rows and any(isinstance(v, str) and TOTAL_RE.match(v) for v in rows[-1].values.values()):
        total = rows.pop()
        check.warn(
            spec.name,
            total.number,
            None,
            None,
            "This looks like a totals row and was ignored; totals are worked out for you.",
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Model validation, mapped back to cells
# ---------------------------------------------------------------------------------------------


def _validate_row(
    check: _Checker, spec: SheetSpec, row: _Row, row_of: dict[str, int] | None = None
) -> SheetModel | None:
    """Validate one row; report each failing cell. ``row_of`` gives form sheets' rows per field."""
    by_alias = {spec.header(f): f for f in spec.fields}
    data = {spec.header(f): (None if _is_blank(v) else v) for f, v in row.values.items()}
    try:
        return spec.model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            if err["type"] == "wdp_row":
                f = err["ctx"]["column"]
            else:
                f = by_alias.get(str(err["loc"][0]), str(err["loc"][0])) if err["loc"] else None
            value = row.values.get(f) if f else None
            if err["type"] in ("wdp", "wdp_row"):
                message = err["msg"]
            elif _is_blank(value):
                message = f"This cell is empty. {field_help(spec.model, f)}"
            else:
                message = f"This value is not valid here. {field_help(spec.model, f)}"
            number = row_of[f] if row_of and f else row.number
            check.error(spec.name, number, spec.header(f) if f else None, value, message)
        return None


# ---------------------------------------------------------------------------------------------
# The fast path for table sheets
#
# Validating row by row with pydantic costs ~15 us a row, most of it building model objects. A
# table sheet is therefore checked column by column with the models' own cell parsers (each
# distinct cell value parsed once), then each row's model-level checks run on a plain named
# tuple. A row takes this path only when every parser returned exactly the type its field
# declares and every model check passed: then pydantic would have accepted it with the same
# values, since the parsers are the fields' only validators. Any other row (and any sheet whose
# model has validators this path does not understand) goes through pydantic as before, so every
# problem is reported with exactly the same message, row and column.
# ---------------------------------------------------------------------------------------------

_BAD = object()  # a cell the fast path will not vouch for


def _type_check(annotation: Any) -> tuple[Callable[[Any], bool], bool] | None:
    """(whether a parsed value is exactly what pydantic would keep, whether None is allowed)."""
    optional = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1 or len(typing.get_args(annotation)) != 2:
            return None
        annotation, optional = args[0], True
    if annotation is int:
        return (lambda v: type(v) is int), optional
    if annotation is dt.date:
        return (lambda v: type(v) is dt.date), optional
    if annotation is str:  # str_strip_whitespace: pydantic would strip; so require stripped
        return (lambda v: type(v) is str and v == v.strip()), optional
    if isinstance(annotation, type) and issubclass(annotation, LabelledEnum):
        return (lambda v, enum=annotation: type(v) is enum), optional
    return None


@dataclass(frozen=True)
class _FastPlan:
    columns: tuple[tuple[str, Callable[[Any], Any], Callable[[Any], bool], bool], ...]
    row_type: type
    after: tuple[Callable[[Any], Any], ...]


@functools.cache
def _fast_plan(spec: SheetSpec) -> _FastPlan | None:
    """How to check ``spec``'s rows column-wise, or None when only pydantic may judge them."""
    model = spec.model
    decorators = model.__pydantic_decorators__
    if decorators.field_validators or decorators.validators or decorators.root_validators:
        return None
    if any(d.info.mode != "after" for d in decorators.model_validators.values()):
        return None
    if model.model_config.get("extra") not in (None, "ignore"):
        return None
    columns = []
    for name, info in model.model_fields.items():
        parsers = [m.func for m in info.metadata if isinstance(m, BeforeValidator)]
        if len(parsers) != 1 or len(info.metadata) != 1:
            return None
        check = _type_check(info.annotation)
        if check is None or (info.is_required() and check[1]):
            return None
        if not info.is_required() and info.default is not None:
            return None
        columns.append((name, parsers[0], check[0], check[1]))
    return _FastPlan(
        columns=tuple(columns),
        row_type=namedtuple(f"{model.__name__}Row", [c[0] for c in columns]),
        after=tuple(d.func for d in decorators.model_validators.values()),
    )


def _parse_column(
    rows: list[_Row], name: str, parser: Callable, ok: Callable, optional: bool
) -> list[Any]:
    """One column's parsed values (``_BAD`` where the fast path cannot vouch for a cell)."""
    parsed: dict[tuple[type, Any], Any] = {}
    out = []
    for row in rows:
        value = row.values[name]
        key = (type(value), value)
        result = parsed.get(key, _BAD)
        if result is _BAD and key not in parsed:
            try:
                result = parser(None if _is_blank(value) else value)
            except Exception:  # pydantic will report it, with its own message
                result = _BAD
            else:
                if result is None:
                    result = None if optional else _BAD
                elif not ok(result):
                    result = _BAD
            parsed[key] = result
        out.append(result)
    return out


def _validate_table(check: _Checker, spec: SheetSpec, rows: list[_Row]) -> None:
    """Set each row's ``model`` (None when invalid, after reporting every problem in it)."""
    plan = _fast_plan(spec)
    if plan is None:
        for row in rows:
            row.model = _validate_row(check, spec, row)
        return
    try:
        columns = [_parse_column(rows, *c) for c in plan.columns]
    except TypeError:  # a cell value that cannot be a dictionary key: let pydantic judge
        for row in rows:
            row.model = _validate_row(check, spec, row)
        return
    make = plan.row_type._make
    for row, values in zip(rows, zip(*columns, strict=True), strict=True):
        if _BAD in values:
            row.model = _validate_row(check, spec, row)
            continue
        model = make(values)
        kept = True
        try:
            for after in plan.after:
                kept = kept and after(model) is model
        except Exception:
            kept = False
        row.model = model if kept else _validate_row(check, spec, row)


# ---------------------------------------------------------------------------------------------
# Checks across rows and against reference data
# ---------------------------------------------------------------------------------------------


def _check_practice(
    check: _Checker, spec: SheetSpec, row: _Row, code: str, period: ReportingPeriod | None
) -> None:
    header = spec.header("practice_code")
    if code not in check.ref.practices:
        check.error(
            spec.name,
            row.number,
            header,
            code,
            f"{code} is not a GP practice in the NHS ODS practice list. Check the code "
            "(letter then 5 characters, e.g. P81103).",
        )
    elif period is not None:
        during = (f"this return's period ({period.label}, ", period.start, period.end)
        if (problem := _not_open(check, code, *during)) is not None:
            check.error(spec.name, row.number, header, code, problem)


def _not_open(check: _Checker, code: str, subject: str, start: dt.date, end: dt.date) -> str | None:
    """Why a known practice cannot have figures from ``start`` to ``end`` (None: it can).

    ``subject`` names that span, up to where its dates follow: "this return's period (2017-18
    Q1, ". A practice the lists give no dates for is accepted for any span."""
    dates = check.ref.practice_dates.get(code)
    if dates is None:
        return None
    name = f"{code} ({check.ref.practices[code]})"
    if dates.closed is not None and dates.closed < start:
        return (
            f"{name} closed on {dates.closed:%d/%m/%Y}, before {subject}from {start:%d/%m/%Y}) "
            f"starts. {_CLOSED_HINT}"
        )
    if dates.opened is not None and dates.opened > end:
        return (
            f"{name} opened on {dates.opened:%d/%m/%Y}, after {subject}to {end:%d/%m/%Y}) ends. "
            "Check the code, or put these figures in a return for a period after it opened."
        )
    if dates.last_listed is not None and dates.last_listed < start.year:
        return (
            f"{name} has closed, on a date the practice lists do not give; the latest national "
            f"list naming it is from {dates.last_listed}, before {subject}from "
            f"{start:%d/%m/%Y}) starts. {_CLOSED_HINT}"
        )
    return None


_CLOSED_HINT = "Check the code: a practice that merges or moves usually gets a new one."


def _check_month(
    check: _Checker, spec: SheetSpec, row: _Row, month: dt.date, period: ReportingPeriod
) -> None:
    if not period.start <= month <= period.end:
        check.error(
            spec.name,
            row.number,
            spec.header("month"),
            row.values["month"],
            f"{month:%B %Y} is outside the reporting period {period.label} "
            f"({period.start:%B %Y} to {period.end:%B %Y}). Put it in the return for "
            f"{ReportingPeriod.containing(month).label}, or correct the month.",
        )


def _check_area(check: _Checker, spec: SheetSpec, row: _Row) -> str | None:
    """Check a screening row's area code; return the current code it maps to."""
    model = row.model
    code, header = model.area_code, spec.header("area_code")
    if model.area_type is AreaType.GP_PRACTICE:
        if code not in check.ref.practices:
            check.error(
                spec.name,
                row.number,
                header,
                code,
                f"{code} is not a GP practice in the NHS ODS practice list. Check the "
                "code, or change the Area type if it is not a practice.",
            )
            return None
        # A figure is judged by the span it covers: a practice that closed since may have one.
        during = ("the period this figure covers (", model.period_start, model.period_end)
        if (problem := _not_open(check, code, *during)) is not None:
            check.error(spec.name, row.number, header, code, problem)
            return None
        return code
    if model.area_type is AreaType.SCREENING_SERVICE:
        programme = check.ref.services.get(code)
        if programme is None:
            check.error(
                spec.name,
                row.number,
                header,
                code,
                f"{code} is not a screening service code. Use a code from the Guide "
                "sheet's list of screening services.",
            )
            return None
        if programme != model.programme.value:
            check.error(
                spec.name,
                row.number,
                spec.header("programme"),
                model.programme.label,
                f"Service {code} runs {programme} screening, not "
                f"{model.programme.label.lower()}. Check the service or the programme.",
            )
            return None
        return code
    if code not in check.ref.areas:
        check.error(
            spec.name,
            row.number,
            header,
            code,
            f"{code} is not an English local authority code. Use the ONS code, e.g. "
            "E06000021 for Stoke-on-Trent.",
        )
        return None
    current = check.ref.areas[code]
    if current is None:
        check.error(
            spec.name,
            row.number,
            header,
            code,
            f"{code} ({check.ref.area_names.get(code)}) was abolished and has no single "
            "successor. Report figures for the current local authorities instead.",
        )
        return None
    if current != code:
        check.warn(
            spec.name,
            row.number,
            header,
            code,
            f"{code} ({check.ref.area_names.get(code)}) is an old code; the figures are "
            f"recorded against {current} ({check.ref.area_names.get(current)}).",
        )
    return current


def _check_duplicates(check: _Checker, spec: SheetSpec, rows: list[_Row]) -> None:
    if not spec.key:
        return
    seen: dict[tuple, int] = {}
    key_of = attrgetter(*spec.key)
    for row in rows:
        key = key_of(row.model)
        if key in seen:
            names = ", ".join(spec.header(f) for f in spec.key)
            check.error(
                spec.name,
                row.number,
                None,
                None,
                f"This row repeats row {seen[key]} (same {names}). Add the two together "
                "in one row, or delete the repeat.",
            )
        else:
            seen[key] = row.number


def _cross_check(
    check: _Checker, spec: SheetSpec, rows: list[_Row], period: ReportingPeriod | None
) -> dict[int, str]:
    """Reference and period checks for valid rows; returns current area codes by row number."""
    current_codes: dict[int, str] = {}
    start, end = (period.start, period.end) if period is not None else (None, None)
    for row in rows:
        model = row.model
        if spec.name in ("Training", "Activity"):
            if model.practice_code is not None:
                _check_practice(check, spec, row, model.practice_code, period)
            if period is not None and not start <= model.month <= end:
                _check_month(check, spec, row, model.month, period)
        elif spec.name == "Screening":
            current = _check_area(check, spec, row)
            if current is not None:
                current_codes[row.number] = current
            if period is not None and model.period_end > period.end:
                check.error(
                    spec.name,
                    row.number,
                    spec.header("period_end"),
                    row.values["period_end"],
                    f"This figure runs to {model.period_end:%d/%m/%Y}, after the "
                    f"reporting period ends ({period.end:%d/%m/%Y}). Report it in a later "
                    "return, or correct the date.",
                )
    _check_duplicates(check, spec, rows)
    return current_codes


# ---------------------------------------------------------------------------------------------
# The whole workbook
# ---------------------------------------------------------------------------------------------


def _frame(
    spec: SheetSpec, rows: list[_Row], extra: dict[str, list[Any]] | None = None
) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {"source_row": [r.number for r in rows]}
    models = [r.model for r in rows]
    for f in spec.fields:
        values = list(map(attrgetter(f), models))
        if values and isinstance(values[0], LabelledEnum):
            values = [v.value for v in values]
        columns[f] = values
    columns.update(extra or {})
    frame = pd.DataFrame(columns)
    for f, info in spec.model.model_fields.items():
        if info.annotation in (dt.date, dt.date | None):
            frame[f] = pd.to_datetime(frame[f])
    return frame


def _check_version(check: _Checker, details_row: _Row, row_of: dict[str, int]) -> bool:
    raw = details_row.values.get("template_version")
    # Read as the Details model reads it (spaces trimmed, 1 as "1.0"), so the version checked is
    # the version stored; TRUE is not a version, though Excel holds it as a number.
    version = display_value(raw) if isinstance(raw, bool) else parse_version(raw)
    if version == TEMPLATE_VERSION:
        return True
    where = ("Details", row_of.get("template_version"), "Template version", raw)
    if version is None:
        check.error(
            *where,
            f"The template version is missing, so this is not the current "
            f"template ({TEMPLATE_VERSION}). {TEMPLATE_HINT} Copy your figures into it.",
        )
    else:
        older = _version_tuple(version) < _version_tuple(TEMPLATE_VERSION)
        check.error(
            *where,
            f"This return uses {'an older' if older else 'an unknown'} template "
            f"(version {version}); the current version is {TEMPLATE_VERSION}. "
            f"{TEMPLATE_HINT} Copy your figures into it and submit again.",
        )
    return False


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)) or (0,)


def _validate_details(
    check: _Checker, cells: list[list[Any]]
) -> tuple[bool, ReportingPeriod | None]:
    """Check the Details sheet. Returns (whether the rest can be read, the reporting period)."""
    spec = SHEETS[0]
    form = _read_form(check, spec, cells)
    if form is None:
        return True, None
    details_row, row_of = form
    for name in ("pathfinder_code", "reporting_period"):
        text = display_value(details_row.values.get(name))
        if text:
            check.result.claimed[name] = (
                text.strip().upper() if name == "pathfinder_code" else (text.strip())
            )
    period_claimed = ReportingPeriod.parse(check.result.claimed.get("reporting_period", ""))
    if period_claimed is not None:
        check.result.claimed["reporting_period"] = period_claimed.label
    if not _check_version(check, details_row, row_of):
        return False, None
    details = _validate_row(check, spec, details_row, row_of)
    if details is None:
        return True, None
    check.result.details = details
    period = check.result.period = ReportingPeriod.parse(details.reporting_period)
    if period.start > dt.date.today():
        check.error(
            "Details",
            row_of["reporting_period"],
            spec.header("reporting_period"),
            details.reporting_period,
            f"{period.label} has not started yet (it begins "
            f"{period.start:%d/%m/%Y}). Check the reporting period.",
        )
    if details.pathfinder_code not in check.ref.pathfinders:
        check.error(
            "Details",
            row_of["pathfinder_code"],
            spec.header("pathfinder_code"),
            details.pathfinder_code,
            f"{details.pathfinder_code} is not a pathfinder in the programme "
            "register. Check the code with the programme team.",
        )
    return True, period


def validate_workbook(workbook: RawWorkbook, reference: ValidationReference) -> ValidatedReturn:
    """Validate every sheet; the result holds the rows ready to load, or every problem found."""
    # A big return makes tens of thousands of short-lived objects, none in reference cycles, so
    # the cyclic garbage collector finds nothing to free, yet each of its full passes walks the
    # whole heap: measured here as ~40% of validating 5,000 rows. Paused while we run.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _validate_workbook(workbook, reference)
    finally:
        if enabled:
            gc.enable()


def _validate_workbook(workbook: RawWorkbook, reference: ValidationReference) -> ValidatedReturn:
    check = _Checker(reference)
    result = check.result
    by_key = {match_key(name): name for name in workbook.sheets}
    present: dict[str, str] = {}
    for spec in SHEETS:
        actual = by_key.get(match_key(spec.name))
        if actual is None:
            check.error(
                spec.name,
                None,
                None,
                None,
                f"The sheet '{spec.name}' is missing. {TEMPLATE_HINT} Copy your figures into it.",
            )
        else:
            present[spec.name] = actual
    known = {match_key(s.name) for s in SHEETS} | {match_key(GUIDE_SHEET), match_key(LISTS_SHEET)}
    for name in workbook.sheets:
        if match_key(name) not in known:
            check.warn(
                name, None, None, None, "This sheet is not part of the template and was ignored."
            )

    # Details first: its template version decides whether the rest can be read at all.
    period = None
    if "Details" in present:
        readable, period = _validate_details(check, workbook.sheets[present["Details"]])
        if not readable:
            return result

    for spec in SHEETS[1:]:
        if spec.name not in present:
            continue
        cells = workbook.sheets[present[spec.name]]
        if spec.kind == "form":
            form = _read_form(check, spec, cells)
            if form is None:
                continue
            row, row_of = form
            row.model = _validate_row(check, spec, row, row_of)
            rows = [row] if row.model is not None else []
        else:
            table_rows = _read_table(check, spec, cells)
            if table_rows is None:
                continue
            _validate_table(check, spec, table_rows)
            rows = [r for r in table_rows if r.model is not None]
            result.row_counts[spec.name] = len(table_rows)
        current_codes = _cross_check(check, spec, rows, period)
        if spec.kind == "form":
            result.row_counts[spec.name] = len(rows)
        extra = None
        if spec.name == "Screening":
            extra = {"current_area_code": [current_codes.get(r.number) for r in rows]}
        result.frames[spec.table] = _frame(spec, rows, extra)

    result.errors.sort(key=lambda i: (_sheet_order(i.sheet), i.row or 0))
    if result.errors:
        result.frames = {}
    return result


def _sheet_order(sheet: str | None) -> int:
    names = [s.name for s in SHEETS]
    return names.index(sheet) if sheet in names else -1
