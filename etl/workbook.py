"""Read a return workbook's cells with calamine, refusing what is not a usable .xlsx file.

Only cell values are read: formulas come back as their saved results, macros are never run. Every
failure becomes an ``Issue`` with a plain-English message instead of an exception.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import python_calamine

from wdp.config import MAX_RETURN_BYTES

# A real return has a few hundred rows; far past that the file is a mistake or hostile.
MAX_ROWS_PER_SHEET = 100_000
MAX_COLUMNS = 200

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted (password-protected) .xlsx


@dataclass(frozen=True)
class Issue:
    """One problem found in a return, located the way a person would find it in Excel."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("severity")
        return data

    def describe(self, file_name: str | None = None) -> str:
        where = [f"file {file_name}"] if file_name else []
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        value = f" (value: {self.value!r})" if self.value not in (None, "") else ""
        return f"{', '.join(where)}: {self.message}{value}"


def display_value(value: Any) -> str | None:
    """How a cell's content is quoted back in a report."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class RawWorkbook:
    """Each visible or hidden sheet's cells as rows of values; row i is Excel row i + 1."""

    sheets: dict[str, list[list[Any]]]


def _file_issue(message: str) -> tuple[None, list[Issue]]:
    return None, [Issue(None, None, None, None, message)]


def read_workbook(path: str | Path) -> tuple[RawWorkbook | None, list[Issue]]:
    path = Path(path)
    if not path.exists():
        return _file_issue(f"The file {path} does not exist.")
    if not path.is_file():
        return _file_issue(f"{path} is a folder, not a workbook file.")
    size = path.stat().st_size
    if size == 0:
        return _file_issue("The file is empty. Save the return from Excel as .xlsx and try again.")
    if size > MAX_RETURN_BYTES:
        return _file_issue(
            f"The file is {size / 1e6:.1f} MB; returns are limited to "
            f"{MAX_RETURN_BYTES / 1e6:.0f} MB. Remove pictures or extra sheets and try again."
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == OLE_MAGIC:
        return _file_issue(
            "The file is password-protected or an old-style .xls workbook. Remove the password, "
            "or save it as an Excel Workbook (.xlsx), and try again."
        )
    if magic != ZIP_MAGIC:
        return _file_issue(
            "The file is not an Excel workbook (.xlsx). Download the current template, fill it in "
            "and save it as an Excel Workbook (.xlsx)."
        )
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets: dict[str, list[list[Any]]] = {}
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            if sheet.total_height > MAX_ROWS_PER_SHEET:
                return _file_issue(
                    f"Sheet {name} has {sheet.total_height:,} rows; a return may have at most "
                    f"{MAX_ROWS_PER_SHEET:,}. Delete the empty or unused rows and try again."
                )
            if sheet.total_width > MAX_COLUMNS:
                # Keep reading: the columns the template needs come first; the rest is ignored.
                pass
            rows = sheet.to_python(skip_empty_area=False)
            sheets[name] = [row[:MAX_COLUMNS] for row in rows]
    except Exception as error:  # calamine raises several types for damaged files
        return _file_issue(
            "The workbook could not be read; it may be damaged or not a real .xlsx file "
            f"({type(error).__name__}). Open it in Excel, save it as .xlsx and try again."
        )
    return RawWorkbook(sheets), []
