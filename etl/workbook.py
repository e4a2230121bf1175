"""Read a return workbook's cells with calamine, refusing what is not a usable .xlsx file.

Only cell values are read: formulas come back as their saved results, macros are never run. Every
failure becomes an ``Issue`` with a plain-English message instead of an exception.

Before calamine sees a file, ``inspect_xlsx`` looks at it cheaply and refuses what could hurt the
reader or is not a return: anything that is not a zip (empty, text/CSV, HTML, PDF, .xls or a
password-protected workbook, which are OLE files); a zip that is not a workbook (.ods, .docx,
.xlsb); a damaged zip, duplicate or encrypted members; macros (a VBA project or Excel 4 macro
sheets); a zip bomb (the members' declared sizes, and the bytes actually inflated, are capped);
an XML DOCTYPE or ENTITY in any part ("billion laughs"); and sheets whose rows, or whose rectangle
of cells from A1 to the last one, are far past any real return (calamine fills that rectangle in
memory, so one cell at XFD1048576 would need 17 billion). The XML is streamed in 1 MiB chunks
and scanned with byte searches and regular expressions, so a refusal costs well under a second
and a few MB whatever the file claims (measured in docs/reliability-files.md).
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import python_calamine

from wdp.config import MAX_RETURN_BYTES
from wdp.domain import Issue

# A real return has a few hundred rows; far past that the file is a mistake or hostile.
MAX_ROWS_PER_SHEET = 100_000
MAX_COLUMNS = 200  # columns kept per row; the template's come first, the rest are ignored
# calamine holds a sheet as the full rectangle from its first to its last cell, and the reader
# keeps up to MAX_COLUMNS of every row: these bound the memory a workbook can cost.
MAX_SHEET_CELLS = 2_000_000
MAX_WORKBOOK_CELLS = 3_000_000
MAX_SHEETS = 100
MAX_MEMBERS = 1_000  # parts in the zip; a return has about 30
MAX_UNCOMPRESSED_BYTES = 128 * 1024 * 1024  # all parts together, once inflated
MAX_TAG_BYTES = 1024 * 1024  # no XML tag or text run without a ">" is this long in a real file
CHUNK_BYTES = 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted (password-protected) .xlsx
SAVE_AS = "In Excel choose File > Save As > Excel Workbook (.xlsx), and try again."
RESAVE = "Open it in Excel, save it as a new Excel Workbook (.xlsx) and try again."


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


def _file_issue(message: str, sheet: str | None = None) -> tuple[None, list[Issue]]:
    return None, [Issue(sheet, None, None, None, message)]


class Refused(Exception):
    """A file refused before calamine reads it; the message says why and what to do."""

    def __init__(self, message: str, sheet: str | None = None) -> None:
        super().__init__(message)
        self.message, self.sheet = message, sheet


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
    try:
        inspect_xlsx(path)
    except Refused as refused:
        return _file_issue(refused.message, refused.sheet)
    name = None
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets: dict[str, list[list[Any]]] = {}
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            # The columns the template needs come first; anything past MAX_COLUMNS is ignored.
            sheets[name] = [row[:MAX_COLUMNS] if len(row) > MAX_COLUMNS else row for row in rows]
    except Exception as error:  # calamine raises several types for damaged files
        return _file_issue(
            "The workbook could not be read; it may be damaged or not a real .xlsx file "
            f"({type(error).__name__}). {RESAVE}"
        )
    except BaseException as error:
        # A Rust panic inside calamine arrives as pyo3's PanicException, a BaseException: e.g.
        # a number far outside Excel's dates in a cell formatted as a date (found by fuzzing).
        if type(error).__name__ != "PanicException":
            raise
        if "bounds" in str(error) or "range" in str(error):
            return _file_issue(
                "A cell formatted as a date or time holds a number far outside the dates Excel "
                "can show (Excel shows it as ####). Find that cell, type the date again as "
                "dd/mm/yyyy or clear it, save and try again.",
                name,
            )
        return _file_issue(f"This sheet could not be read; it may be damaged. {RESAVE}", name)
    return RawWorkbook(sheets), []


# ---------------------------------------------------------------------------------------------
# Looking at a file before calamine reads it
# ---------------------------------------------------------------------------------------------


def inspect_xlsx(path: Path) -> None:
    """Raise ``Refused`` unless the file is an .xlsx zip that is safe for calamine to read."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(OLE_MAGIC):
        raise Refused(_ole_message(path.read_bytes()))
    if not head.startswith(ZIP_MAGIC):
        raise Refused(_not_zip_message(head))
    try:
        with zipfile.ZipFile(path) as zf:
            _inspect_zip(zf)
    except Refused:
        raise
    except Exception as error:  # BadZipFile, zlib.error, EOFError, NotImplementedError, ...
        raise Refused(
            f"The file is damaged: it is not a complete .xlsx workbook ({type(error).__name__}). "
            "It may have been cut off while downloading or copying. " + RESAVE
        ) from error


def _ole_message(data: bytes) -> str:
    if "EncryptedPackage".encode("utf-16-le") in data:
        return (
            "The workbook is password-protected, so it cannot be checked. In Excel choose File > "
            "Info > Protect Workbook > Encrypt with Password, clear the password, save, and "
            "try again."
        )
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "The file is an old-style Excel 97-2003 workbook (.xls) renamed .xlsx. " + SAVE_AS
    return "The file is an old-style Office document, not an Excel workbook (.xlsx). " + SAVE_AS


def _not_zip_message(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = text[:200].lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")):
        kind = "a web page (HTML) saved with an Excel name"
    elif lowered.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        kind = "an XML Spreadsheet 2003 file"
    elif lowered.startswith(b"%pdf"):
        kind = "a PDF"
    elif _looks_like_text(head):
        kind = "a text (CSV) file" if re.search(rb"[,;\t]", head) else "a text file"
    else:
        return (
            "The file is not an Excel workbook (.xlsx). Download the current template, fill it "
            "in and save it as an Excel Workbook (.xlsx)."
        )
    return (
        f"The file is {kind}, not an Excel workbook (.xlsx), even though its name says .xlsx. "
        "Copy the figures into the current template (download it from the Upload page, or "
        "python -m etl template) and save it as an Excel Workbook (.xlsx)."
    )


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text, as Excel's "Unicode text"
        return True
    if b"\0" in head:
        return False
    decoded = head.decode("utf-8", errors="replace")
    odd = sum(1 for ch in decoded if ch == "\ufffd" or (ch < " " and ch not in "\t\r\n"))
    return odd <= max(2, len(decoded) // 100)


def _inspect_zip(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Refused(
            f"The workbook has {len(infos):,} parts inside; a return has about 30. {RESAVE}"
        )
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise Refused("The file is damaged: it holds some parts twice. " + RESAVE)
    folded = {name.casefold() for name in names}
    if "xl/workbook.xml" not in folded:
        raise Refused(_other_zip_message(zf, folded))
    types = _read_small(zf, "[Content_Types].xml") if "[content_types].xml" in folded else b""
    if (
        any(n.endswith("vbaproject.bin") or n.startswith("xl/macrosheets/") for n in folded)
        or b"macroEnabled" in types
    ):
        raise Refused(
            "The workbook contains macros (a VBA project). Returns may not contain macros, and "
            "they are never run here. " + SAVE_AS + " Saving as .xlsx removes the macros."
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise Refused(
            "Parts of the workbook are encrypted, so it cannot be checked. Remove the password "
            "and save it as an Excel Workbook (.xlsx), and try again."
        )
    declared = sum(info.file_size for info in infos)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise Refused(
            f"The workbook would expand to {_size(declared)} when opened, far more than any "
            f"return (the limit is {_size(MAX_UNCOMPRESSED_BYTES)}). It may be damaged or "
            "built to attack the reader. " + RESAVE
        )

    sheet_names = _sheet_members(zf)
    date_styles = _date_styles(zf)
    if len(sheet_names) > MAX_SHEETS:
        raise Refused(f"The workbook has {len(sheet_names):,} sheets; a return has 9. {RESAVE}")
    budget = [MAX_UNCOMPRESSED_BYTES]
    kept_cells = 0
    for info in infos:
        if not info.filename.casefold().endswith((".xml", ".rels", ".vml")):
            continue  # pictures and other binary parts are never parsed
        sheet = sheet_names.get(info.filename)
        stats = _scan_xml(zf, info, sheet, budget, date_styles)
        label = sheet or info.filename
        height, width = stats.height, stats.width
        if height > MAX_ROWS_PER_SHEET:
            raise Refused(
                f"This sheet has {height:,} rows (its last cell is {stats.last_cell}); a return "
                f"may have at most {MAX_ROWS_PER_SHEET:,}. Delete the unused rows below your "
                "data (select them, right-click, Delete), save and try again.",
                label,
            )
        if height * width > MAX_SHEET_CELLS:
            raise Refused(
                f"This sheet stretches over {height:,} rows by {width:,} columns (to cell "
                f"{stats.last_cell}); a return may span at most {MAX_SHEET_CELLS:,} cells. "
                "Delete the unused rows and columns (select them, right-click, Delete), save "
                "and try again.",
                label,
            )
        kept_cells += height * min(width, MAX_COLUMNS)
        if kept_cells > MAX_WORKBOOK_CELLS:
            raise Refused(
                f"The sheets together hold more than {MAX_WORKBOOK_CELLS:,} cells, far more than "
                "any return. Delete unused sheets, rows and columns, save and try again."
            )


def _other_zip_message(zf: zipfile.ZipFile, folded: set[str]) -> str:
    if "mimetype" in folded:
        mimetype = _read_small(zf, "mimetype")
        if b"opendocument.spreadsheet" in mimetype:
            return (
                "The file is an OpenDocument spreadsheet (.ods), not an Excel workbook. "
                "Save it as an Excel Workbook (.xlsx) and try again."
            )
    if "xl/workbook.bin" in folded:
        return "The file is an Excel Binary Workbook (.xlsb). " + SAVE_AS
    if "word/document.xml" in folded:
        return "The file is a Word document, not an Excel workbook (.xlsx). " + SAVE_AS
    if "ppt/presentation.xml" in folded:
        return "The file is a PowerPoint presentation, not an Excel workbook (.xlsx)."
    return (
        "The file is a zip archive but not an Excel workbook (.xlsx). Upload the return "
        "itself, saved from Excel as an Excel Workbook (.xlsx)."
    )


def _read_small(zf: zipfile.ZipFile, name: str, limit: int = 1024 * 1024) -> bytes:
    """A small part's bytes (case-insensitive name), at most ``limit``."""
    info = next(i for i in zf.infolist() if i.filename.casefold() == name.casefold())
    if info.file_size > limit:
        raise Refused(f"The part {info.filename} of the workbook is too large. {RESAVE}")
    with zf.open(info) as stream:
        return stream.read(limit + 1)[:limit]


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_NAME_ATTR = re.compile(rb'\sname="([^"]*)"')
_RID_ATTR = re.compile(rb'\s(?:\w+:)?id="([^"]*)"')
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")
_TARGET_ATTR = re.compile(rb'\sTarget="([^"]*)"')
_ID_ATTR = re.compile(rb'\sId="([^"]*)"')


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Zip part -> sheet name, from xl/workbook.xml and its relationships (for messages)."""
    budget = [MAX_UNCOMPRESSED_BYTES]
    for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"):
        if name in zf.NameToInfo:
            _scan_xml(zf, zf.NameToInfo[name], None, budget)  # no DOCTYPE before parsing
    try:
        workbook = _read_small(zf, "xl/workbook.xml", 8 * 1024 * 1024)
        rels = _read_small(zf, "xl/_rels/workbook.xml.rels", 8 * 1024 * 1024)
    except StopIteration:
        return {}
    targets = {}
    for tag in _REL_TAG.findall(rels):
        rid, target = _ID_ATTR.search(tag), _TARGET_ATTR.search(tag)
        if rid and target:
            path = html.unescape(target.group(1).decode("utf-8", "replace"))
            path = path.lstrip("/") if path.startswith("/") else posixpath.join("xl", path)
            targets[rid.group(1)] = posixpath.normpath(path)
    members = {}
    for tag in _SHEET_TAG.findall(workbook):
        name, rid = _NAME_ATTR.search(tag), _RID_ATTR.search(tag)
        if name and rid and rid.group(1) in targets:
            members[targets[rid.group(1)]] = html.unescape(name.group(1).decode("utf-8", "replace"))
    return members


# Row and cell tags, and any r="..." reference (a cell's "XFD9", a row's "9") wherever it is:
# matching references anywhere, not just inside tags, can only over-estimate the extent.
_PREFIXED_TAG = re.compile(rb"<(/?)[A-Za-z_][\w.-]*:(?=(?:c|row)[\s/>])")
_ROW_TAG = re.compile(rb"<row[\s/>]")
_CELL_TAG = re.compile(rb"<c[\s/>]")
# (``r(?<!\wr)`` is ``\br`` written to start with a literal, which the regex engine finds with a
# fast scan: 30% quicker on a 5,000-row sheet.)
_REF = re.compile(rb"""r(?<!\wr)\s*=\s*["']\$?([A-Za-z]*)\$?(\d+)["']""")
_LETTERS, _NUMBER = itemgetter(0), itemgetter(1)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _column_letters(n: int) -> str:
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class _Extent:
    """Bounds on the rectangle of cells calamine would fill for one XML part.

    Rows and cells may omit their reference (``r``); then each follows the one before, so those
    without one are added to the largest row or column referenced."""

    row_tags: int = 0
    row_refs: int = 0
    cell_tags: int = 0
    cell_refs: int = 0
    max_row: int = 0
    max_col: int = 0

    @property
    def height(self) -> int:
        return self.max_row + max(0, self.row_tags - self.row_refs)

    @property
    def width(self) -> int:
        return self.max_col + max(0, self.cell_tags - self.cell_refs)

    @property
    def last_cell(self) -> str:
        return f"{_column_letters(max(self.width, 1))}{max(self.height, 1)}"


def _scan_xml(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    sheet: str | None,
    budget: list[int],
    date_styles: frozenset[int] = frozenset(),
) -> _Extent:
    """Inflate one XML part in chunks; refuse a DOCTYPE/ENTITY, lies about its size, a part
    past the inflation budget, a sheet past the row and cell limits, or a date cell whose number
    is no date. Returns the part's extent."""
    extent = _Extent()
    where = f"sheet {sheet}" if sheet else f"the part {info.filename}"
    carry = b""
    seen = 0
    first = True
    counting_only = False  # past the limits: only count, to say how big it is
    with zf.open(info) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            seen += len(chunk)
            budget[0] -= len(chunk)
            if seen > info.file_size or budget[0] < 0:
                raise Refused(
                    f"The file is damaged or built to attack the reader: {where} inflates to "
                    f"more than it declares. {RESAVE}"
                )
            if first:
                first = False
                start = chunk.lstrip(b"\xef\xbb\xbf").lstrip()
                if start and not start.startswith(b"<"):
                    raise Refused(
                        f"The file is damaged: {where} is not UTF-8 XML as Excel writes. {RESAVE}"
                    )
            buffer = carry + chunk
            cut = buffer.rfind(b">") + 1
            if cut == 0:
                if len(buffer) > MAX_TAG_BYTES:
                    raise Refused(
                        f"The file is damaged: {where} holds a run of over 1 MB with no XML "
                        f"tag end. {RESAVE}"
                    )
                carry = buffer
                continue
            body, carry = buffer[:cut], buffer[cut:]
            if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
                raise Refused(
                    f"The workbook contains an XML DOCTYPE or ENTITY declaration in {where}. "
                    "Excel never writes these; they can be used to attack the reader "
                    "(an entity expansion or 'billion laughs' file). " + RESAVE
                )
            if b":c" in body or b":row" in body:  # namespace-prefixed tags, e.g. <x:c>
                body = _PREFIXED_TAG.sub(rb"<\1", body)
            _measure(extent, body, counting_only)
            if date_styles and not counting_only:
                _check_dates(body, date_styles, sheet or info.filename)
            if extent.cell_tags > MAX_SHEET_CELLS:
                raise Refused(
                    f"This sheet has more than {MAX_SHEET_CELLS:,} filled cells, far more than "
                    "any return. Delete unused rows and columns, save and try again.",
                    sheet or info.filename,
                )
            counting_only = counting_only or extent.row_tags > MAX_ROWS_PER_SHEET
    return extent


def _measure(extent: _Extent, body: bytes, counting_only: bool) -> None:
    rows = len(_ROW_TAG.findall(body))
    cells = len(_CELL_TAG.findall(body))
    if not rows and not cells:
        return  # no rows or cells here (shared strings, styles, ...)
    extent.row_tags += rows
    extent.cell_tags += cells
    # Once the sheet is refused anyway, only its last row's number is read (cheaply).
    refs = _REF.findall(body, max(0, body.rfind(b"<row")) if counting_only else 0)
    if refs:
        extent.max_row = max(extent.max_row, max(map(int, map(_NUMBER, refs))))
    # Each distinct column's letters once, with how many references carry them (the loops run
    # in C: a Python loop over every reference cost as much as calamine's whole read).
    letters = Counter(map(_LETTERS, refs))
    row_refs = letters.pop(b"", 0)  # a reference without letters is a row's
    if counting_only:
        extent.row_refs, extent.cell_refs = extent.row_tags, extent.cell_tags
    else:
        extent.cell_refs += len(refs) - row_refs
        extent.row_refs += row_refs
    if letters:
        extent.max_col = max(extent.max_col, max(_column_number(c.upper()) for c in letters))


# Excel's own date formats (by built-in number format id), and the largest date serial it can
# show (31/12/9999). calamine panics on some numbers far outside that in a date-formatted cell.
_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
MAX_DATE_SERIAL = 2_958_465
_NUMFMT_TAG = re.compile(rb"<(?:\w+:)?numFmt\s[^>]*>")
_FMT_ID = re.compile(rb"""\snumFmtId\s*=\s*["'](\d+)["']""")
_FMT_CODE = re.compile(rb"""\sformatCode\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF_TAG = re.compile(rb"<(?:\w+:)?xf\b[^>]*>")
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]')
# Values that could be out of range: negative, 7+ digits before the point, or an exponent.
_ODD_VALUE = re.compile(rb"<v>\s*((?:-|\d{7}|[^<]*[eE])[^<]*)</v>")
_STYLE_ATTR = re.compile(rb"""\bs\s*=\s*["'](\d+)["']""")
_TYPE_ATTR = re.compile(rb"""\bt\s*=\s*["'](\w*)["']""")
_CELL_ATTR = re.compile(rb"""\br\s*=\s*["']([^"']*)["']""")


def _date_styles(zf: zipfile.ZipFile) -> frozenset[int]:
    """The cell styles (indexes into cellXfs) whose number format shows a date or time."""
    try:
        styles = _read_small(zf, "xl/styles.xml", 8 * 1024 * 1024)
    except StopIteration:
        return frozenset()
    custom = set()
    for tag in _NUMFMT_TAG.findall(styles):
        number, code = _FMT_ID.search(tag), _FMT_CODE.search(tag)
        if number and code:
            text = html.unescape((code.group(1) or code.group(2) or b"").decode("utf-8", "replace"))
            if re.search(r"[dmyhs]", _NOT_DATE_PARTS.sub("", text), re.I):
                custom.add(int(number.group(1)))
    block = _CELL_XFS.search(styles)
    dates = set()
    for i, tag in enumerate(_XF_TAG.findall(block.group(0)) if block else []):
        number = _FMT_ID.search(tag)
        fmt = int(number.group(1)) if number else 0
        if fmt in _BUILTIN_DATE_FORMATS or fmt in custom:
            dates.add(i)
    return frozenset(dates)


def _check_dates(body: bytes, date_styles: frozenset[int], sheet: str) -> None:
    for match in _ODD_VALUE.finditer(body):
        try:
            value = float(match.group(1))
        except ValueError:
            continue
        if 0 <= value <= MAX_DATE_SERIAL:
            continue
        start = body.rfind(b"<c", 0, match.start())
        tag = body[start : body.find(b">", start) + 1] if start >= 0 else b""
        style, kind = _STYLE_ATTR.search(tag), _TYPE_ATTR.search(tag)
        if not style or int(style.group(1)) not in date_styles:
            continue
        if kind and kind.group(1) not in (b"n", b""):
            continue  # a shared string's index, an error or a boolean, not a number
        ref = _CELL_ATTR.search(tag)
        cell = f"Cell {ref.group(1).decode('ascii', 'replace')}" if ref else "A cell"
        raise Refused(
            f"{cell} is formatted as a date but holds {value:,.0f}, far outside the dates "
            "Excel can show (it shows ####). Type the date again as dd/mm/yyyy, or clear the "
            "cell, save and try again.",
            sheet,
        )
