"""Hostile and broken return files (issue 7): one generator per case, each writing a real file.

Every generator takes a folder and writes one file into it, returning its path. The valid ones
start from the real template filled like a lead would (``tests.helpers.valid_return`` through
``etl.sample.write_return``) and are then damaged the way a person or an attacker would. ``CASES``
lists every case with the outcome the product must give (``rejected`` with a message that says
what to do, or ``accepted`` because it is a legitimate workbook handled correctly).

All returns are for Stoke-on-Trent (WDP-STK), 2018-19 Q2: the quarter after the sample
programme's last returns, so a valid one loads into the seeded sample database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from etl.sample import Return, write_return
from tests.helpers import valid_return
from wdp.domain import ReportingPeriod

PERIOD = ReportingPeriod(2018, 2)  # 2018-19 Q2, July to September 2018
PATHFINDER = "WDP-STK"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BOMB_BYTES = 2 * 1024**3  # what the zip bomb's sheet expands to: 2 GiB
MILLION = 1_000_000

# Text a spreadsheet would run as a formula if it were written out unguarded.
FORMULA_TEXT = {
    "commentary": '=HYPERLINK("http://example.invalid","Click")',
    "organisation": "+44 7700 900123 Stoke team",
    "milestone": "-Launch the practice page",
    "mitigation": "@SUM(1+1)*cmd|' /C calc'!A0",
}
UNICODE_TEXT = {
    "file": "عائد_WDP-STK_😀_החזר.xlsx",
    "organisation": "Stoke 💉 pathfinder مدينة",
    "commentary": "Going well 👍🏽. مرحبا بالعالم. שלום עולם. 中文 ✅",
    "sheet": "ملاحظات 📝",
}


def base_return() -> Return:
    return valid_return(PERIOD, pathfinder=PATHFINDER)


def write_valid(path: Path, ret: Return | None = None) -> Path:
    return write_return(ret or base_return(), path)


# ---------------------------------------------------------------------------------------------
# Zip surgery: replace or add members of a saved workbook
# ---------------------------------------------------------------------------------------------


def sheet_member(path: Path, sheet: str) -> str:
    """The zip member holding a sheet's XML (through workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(\w+)"', workbook)
    assert rid, f"no sheet {sheet}"
    target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    assert target, f"no relationship {rid.group(1)}"
    return target.group(1).lstrip("/")


Writer = Callable[[zipfile.ZipFile, zipfile.ZipInfo], None]


def rewrite_zip(
    src: Path,
    dst: Path,
    *,
    replace: dict[str, bytes | Writer] | None = None,
    add: dict[str, bytes] | None = None,
) -> Path:
    """Copy a workbook's zip, replacing some members (bytes, or a function that writes them)."""
    replace, add = replace or {}, add or {}
    tmp = dst.with_suffix(dst.suffix + ".part")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            new = replace.get(info.filename, None)
            target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            if new is None:
                zout.writestr(target, zin.read(info.filename))
            elif callable(new):
                new(zout, target)
            else:
                zout.writestr(target, new)
        for name, data in add.items():
            zout.writestr(name, data)
    tmp.replace(dst)
    return dst


def _patch(path: Path, member: str, edit: Callable[[str], str]) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return edit(zf.read(member).decode()).encode()


# ---------------------------------------------------------------------------------------------
# OLE compound files (the container of .xls and of password-protected .xlsx)
# ---------------------------------------------------------------------------------------------

ENDOFCHAIN, FATSECT, FREESECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF


def ole_file(streams: dict[str, bytes], storages: Iterable[str] = ()) -> bytes:
    """A compound file (CFB version 3): header, one FAT sector, one directory sector, streams.

    Streams are padded to 4 KiB so they live in regular sectors (no mini stream is needed).
    Storages are written empty. Enough structure for a reader to find the entries by name.
    """
    sector = 512
    entries = [("Root Entry", 5, b"")]
    entries += [
        (name, 2, data.ljust(max(len(data), 4096), b"\0")) for name, data in streams.items()
    ]
    entries += [(name, 1, b"") for name in storages]
    assert len(entries) <= 4, "one directory sector holds four entries"
    fat = [FATSECT, ENDOFCHAIN]  # sector 0: the FAT; sector 1: the directory
    starts = []
    body = b""
    for _, kind, data in entries:
        if kind != 2:
            starts.append(ENDOFCHAIN if kind == 5 else 0)
            continue
        count = len(data) // sector + (len(data) % sector > 0)
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        body += data.ljust(count * sector, b"\0")
    assert len(fat) <= sector // 4, "one FAT sector"
    directory = b""
    for i, (name, kind, data) in enumerate(entries):
        encoded = (name + "\0").encode("utf-16-le")
        right = i + 1 if 0 < i < len(entries) - 1 else NOSTREAM
        child = 1 if i == 0 and len(entries) > 1 else NOSTREAM
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded,
            len(encoded),
            kind,
            1,  # black
            NOSTREAM,
            right,
            child,
            b"\0" * 16,
            0,
            0,
            0,
            starts[i] if kind == 2 else (ENDOFCHAIN if kind == 5 else 0),
            len(data) if kind == 2 else 0,
        )
    directory = directory.ljust(sector, b"\0")
    difat = [0] + [FREESECT] * 108
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,  # 512-byte sectors
        6,  # 64-byte mini sectors
        b"\0" * 6,
        0,  # directory sectors (always 0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,  # mini stream cutoff
        ENDOFCHAIN,
        0,
        ENDOFCHAIN,
        0,
    ) + struct.pack("<109I", *difat)
    fat_sector = struct.pack(f"<{sector // 4}I", *(fat + [FREESECT] * (sector // 4 - len(fat))))
    return header + fat_sector + directory + body


# ---------------------------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------------------------


def empty(folder: Path) -> Path:
    path = folder / "empty.xlsx"
    path.write_bytes(b"")
    return path


def random_bytes(folder: Path) -> Path:
    path = folder / "random.xlsx"
    data = random.Random(7).randbytes(64_000)
    path.write_bytes(b"\x13\x37" + data)  # never a zip or OLE signature by chance
    return path


def csv_renamed(folder: Path) -> Path:
    """The Training table saved as CSV, then renamed .xlsx."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Month", "Practice code", "Organisation", "Staff role", "Course", "Trained"])
    writer.writerows(base_return().training)
    path = folder / "training_csv.xlsx"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def xls_renamed(folder: Path) -> Path:
    """An old-style (BIFF8) .xls compound file renamed .xlsx."""
    rng = random.Random(11)
    bof = struct.pack("<HHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 0)  # BIFF8 workbook BOF record
    path = folder / "old_excel.xlsx"
    path.write_bytes(ole_file({"Workbook": bof + rng.randbytes(6000)}))
    return path


def encrypted(folder: Path) -> Path:
    """A password-protected workbook: an OLE file holding EncryptionInfo and EncryptedPackage.

    (Excel's agile encryption layout; the encrypted bytes are random, as they would look.)
    """
    rng = random.Random(13)
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    package = struct.pack("<Q", 20_000) + rng.randbytes(20_480)
    path = folder / "password.xlsx"
    path.write_bytes(
        ole_file({"EncryptionInfo": info, "EncryptedPackage": package}, storages=["\x06DataSpaces"])
    )
    return path


def xlsm_with_vba(folder: Path) -> Path:
    """A valid return saved as a macro-enabled workbook with a VBA project."""
    src = write_valid(folder / "macro_source.xlsx")
    vba = ole_file({"dir": b'Attribute VB_Name = "ThisWorkbook"\nSub Auto_Open()\nEnd Sub\n'})
    types = _patch(
        src,
        "[Content_Types].xml",
        lambda x: x.replace(
            "spreadsheetml.sheet.main+xml", "ms-excel.sheet.macroEnabled.main+xml"
        ).replace(
            "</Types>",
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
        ),
    )
    rels = _patch(
        src,
        "xl/_rels/workbook.xml.rels",
        lambda x: x.replace(
            "</Relationships>",
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
        ),
    )
    path = rewrite_zip(
        src,
        folder / "macro.xlsm",
        replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels},
        add={"xl/vbaProject.bin": vba},
    )
    src.unlink()
    return path


class _RepeatingDeflate:
    """Stands in for zipfile's zlib compressor when writing the bomb: every chunk is the same, so
    its full-flushed deflate block is the same, computed once. The stream stays valid deflate."""

    def __init__(self) -> None:
        self._blocks: dict[bytes, bytes] = {}
        self._tail = zlib.compressobj(9, zlib.DEFLATED, -15)

    def compress(self, data: bytes) -> bytes:
        key = zlib.crc32(data).to_bytes(4, "little") + len(data).to_bytes(8, "little")
        if key not in self._blocks:
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            self._blocks[key] = co.compress(data) + co.flush(zlib.Z_FULL_FLUSH)
        return self._blocks[key]

    def flush(self) -> bytes:
        return self._tail.flush()  # an empty final block ends the stream


def _bomb_chunks(total: int) -> Iterator[bytes]:
    head = f'<?xml version="1.0"?><worksheet xmlns="{SHEET_NS}"><sheetData>'.encode()
    tail = b"</sheetData></worksheet>"
    chunk = b" " * (1 << 20)
    yield head
    for _ in range((total - len(head) - len(tail)) // len(chunk)):
        yield chunk
    yield tail


def zip_bomb(folder: Path, *, total: int = BOMB_BYTES, name: str = "bomb.xlsx") -> Path:
    """A valid return whose Training sheet XML inflates to ``total`` bytes (2 GiB) from ~2 MB."""
    src = write_valid(folder / "bomb_source.xlsx")

    def write(zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        with zout.open(info, "w", force_zip64=total >= 2**31) as out:
            out._compressor = _RepeatingDeflate()  # type: ignore[attr-defined]
            for chunk in _bomb_chunks(total):
                out.write(chunk)

    path = rewrite_zip(src, folder / name, replace={sheet_member(src, "Training"): write})
    src.unlink()
    return path


def zip_bomb_lying(folder: Path) -> Path:
    """A zip bomb (512 MiB from ~0.5 MB) whose zip directory claims the sheet is 30 KB, so only
    counting the bytes as they inflate catches it."""
    path = zip_bomb(folder, total=512 * 1024**2, name="bomb_lying.xlsx")
    member = sheet_member(path, "Training").encode()
    data = bytearray(path.read_bytes())
    claimed = struct.pack("<I", 30_000)
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(member.decode()).header_offset
    data[local + 22 : local + 26] = claimed  # local file header: uncompressed size
    at = 0
    while (at := data.find(b"PK\x01\x02", at + 1)) != -1:  # central directory entries
        (length,) = struct.unpack_from("<H", data, at + 28)
        if bytes(data[at + 46 : at + 46 + length]) == member:
            data[at + 24 : at + 28] = claimed
    path.write_bytes(bytes(data))
    return path


def xml_entities(folder: Path) -> Path:
    """'Billion laughs': nested entities in the Training sheet's DOCTYPE, used in a cell."""
    src = write_valid(folder / "entities_source.xlsx")
    doctype = ["<!DOCTYPE worksheet [", '<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        doctype.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    doctype.append("]>")
    member = sheet_member(src, "Training")

    def edit(xml: str) -> str:
        xml = xml.replace("<worksheet", "".join(doctype) + "<worksheet", 1)
        return re.sub(
            r'<c r="E4"[^>]*?(/>|>.*?</c>)',
            '<c r="E4" t="inlineStr"><is><t>&lol9;</t></is></c>',
            xml,
        )

    path = rewrite_zip(src, folder / "entities.xlsx", replace={member: _patch(src, member, edit)})
    src.unlink()
    return path


def _sheet_xml(rows: Iterator[str]) -> Writer:
    def write(zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        with zout.open(info, "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0"?><worksheet xmlns="{SHEET_NS}"><sheetData>'.encode())
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == 10_000:
                    out.write("".join(batch).encode())
                    batch = []
            out.write("".join(batch).encode())
            out.write(b"</sheetData></worksheet>")

    return write


def million_rows(folder: Path) -> Path:
    """A valid return whose Training sheet has 1,000,000 filled rows (~5 MB zipped)."""
    src = write_valid(folder / "million_source.xlsx")
    rows = (
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="F{r}"><v>1</v></c></row>'
        for r in range(1, MILLION + 1)
    )
    member = sheet_member(src, "Training")
    path = rewrite_zip(src, folder / "million_rows.xlsx", replace={member: _sheet_xml(rows)})
    src.unlink()
    return path


def far_cell(folder: Path) -> Path:
    """A tiny file with one cell at A1 and one at XFD1048576, the last cell a sheet can have.

    A reader that fills in the rectangle between them would need 17 billion cells."""
    src = write_valid(folder / "far_source.xlsx")
    rows = iter(
        [
            '<row r="1"><c r="A1"><v>1</v></c></row>',
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        ]
    )
    member = sheet_member(src, "Guide")
    path = rewrite_zip(src, folder / "far_cell.xlsx", replace={member: _sheet_xml(rows)})
    src.unlink()
    return path


def all_columns(folder: Path) -> Path:
    """A valid return with a note typed in all 16,384 columns of a row on the Training sheet,
    below the data (a person filled a row to the right by mistake)."""
    wb = _template_workbook()
    ws = wb["Training"]
    for c in range(1, 16_385):
        ws.cell(row=20, column=c, value=None if c <= 6 else f"note {c}")
    return _save(wb, folder / "all_columns.xlsx")


def merged_headers(folder: Path) -> Path:
    """A valid return with the first three Training headers merged into one cell."""
    wb = _template_workbook()
    wb["Training"].merge_cells("A1:C1")
    return _save(wb, folder / "merged_headers.xlsx")


def formulas(folder: Path) -> Path:
    """Every count and the commentary as formulas, with the results Excel saves beside them.

    Also a DDE formula (``=cmd|...``): only its saved result may ever be read."""
    src = write_valid(folder / "formulas_source.xlsx")
    replace: dict[str, bytes | Writer] = {}
    for sheet in ("Training", "Activity", "Screening"):
        member = sheet_member(src, sheet)

        def edit(xml: str) -> str:
            # <c r="F4" t="n"><v>3</v></c> -> a formula whose saved result is 3
            return re.sub(
                r'<c r="([A-Z]+)([4-9])"( s="\d+")?( t="n")?><v>(\d+)</v></c>',
                r'<c r="\1\2"\3><f>\5*1+0</f><v>\5</v></c>',
                xml,
            )

        replace[member] = _patch(src, member, edit)
    status = sheet_member(src, "Status")

    def edit_status(xml: str) -> str:
        return re.sub(
            r'<c r="B4"[^>]*?t="(?:s|inlineStr)"[^>]*>.*?</c>',
            '<c r="B4" t="str"><f>cmd|\' /C calc\'!A0</f><v>Going well.</v></c>',
            xml,
        )

    replace[status] = _patch(src, status, edit_status)
    path = rewrite_zip(src, folder / "formulas.xlsx", replace=replace)
    src.unlink()
    return path


def wrong_template(folder: Path) -> Path:
    """A different organisation's spreadsheet (a budget), not the return template."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Budget 2018"
    ws.append(["Line", "Cost centre", "Amount"])
    ws.append(["Laptops", "CC-101", 12000])
    ws.append(["Training venue", "CC-102", 800])
    path = folder / "budget.xlsx"
    wb.save(path)
    return path


def old_version(folder: Path) -> Path:
    """A return on the template before the current one (Details' template version is 0.9)."""
    return write_return(base_return(), folder / "old_template.xlsx", template_version="0.9")


def hidden_sheets(folder: Path) -> Path:
    """A valid return with the Training sheet hidden and an extra very hidden sheet."""
    wb = _template_workbook()
    wb["Training"].sheet_state = "hidden"
    secret = wb.create_sheet("Secret")
    secret["A1"] = "=cmd|' /C calc'!A0"
    secret.sheet_state = "veryHidden"
    return _save(wb, folder / "hidden_sheets.xlsx")


def dates_1904(folder: Path) -> Path:
    """A valid return saved with the 1904 date system (old Mac Excel): dates are stored as day
    numbers counted from 1904, so a reader that ignores the setting is four years out."""
    wb = _template_workbook()
    wb.epoch = CALENDAR_MAC_1904
    return _save(wb, folder / "dates_1904.xlsx")


def formula_text(folder: Path) -> Path:
    """A valid return whose text cells start with =, +, - or @ (stored as text, not formulas)."""
    ret = base_return()
    ret.details["submitted_by_organisation"] = FORMULA_TEXT["organisation"]
    ret.status["commentary"] = FORMULA_TEXT["commentary"]
    ret.milestones[0][0] = FORMULA_TEXT["milestone"]
    ret.risks[0][4] = FORMULA_TEXT["mitigation"]
    wb = _template_workbook(ret)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in FORMULA_TEXT.values():
                    cell.data_type = "s"  # openpyxl would otherwise write "=..." as a formula
    return _save(wb, folder / "formula_text.xlsx")


def unicode_names(folder: Path) -> Path:
    """A valid return with emoji and right-to-left text in its file name, an organisation name,
    the commentary and an extra sheet's name."""
    ret = base_return()
    ret.details["submitted_by_organisation"] = UNICODE_TEXT["organisation"]
    ret.status["commentary"] = UNICODE_TEXT["commentary"]
    wb = _template_workbook(ret)
    wb.create_sheet(UNICODE_TEXT["sheet"])["A1"] = "ملاحظة"
    return _save(wb, folder / UNICODE_TEXT["file"])


def date_out_of_range(folder: Path) -> Path:
    """A number far outside Excel's dates typed into a date cell (Excel shows ####). calamine
    panicked on this one (found by tests/test_fuzz.py)."""
    wb = _template_workbook()
    wb["Screening"]["E4"] = -106_751_991_169  # keeps the cell's dd/mm/yyyy format
    return _save(wb, folder / "date_out_of_range.xlsx")


def truncated(folder: Path) -> Path:
    """A valid return cut off half way (an interrupted download or copy)."""
    src = write_valid(folder / "truncated_source.xlsx")
    data = src.read_bytes()
    src.unlink()
    path = folder / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _template_workbook(ret: Return | None = None) -> openpyxl.Workbook:
    from etl.sample import fill_workbook
    from etl.template import build_template

    ret = ret or base_return()
    wb = build_template(pathfinder_code=PATHFINDER, reporting_period=PERIOD.label)
    return fill_workbook(wb, ret)


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


# ---------------------------------------------------------------------------------------------
# What each case must give
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]
    status: Literal["rejected", "accepted"]
    message: str  # a fragment of the plain-English message (first error, or a warning)
    what: str  # for docs/reliability-files.md


CASES = [
    Case("empty", empty, "rejected", "The file is empty", "an empty file (0 bytes)"),
    Case(
        "random_bytes", random_bytes, "rejected", "not an Excel workbook", "64 KB of random bytes"
    ),
    Case("csv_renamed", csv_renamed, "rejected", "is a text (CSV) file", "a CSV renamed .xlsx"),
    Case("xls_renamed", xls_renamed, "rejected", "old-style Excel 97-2003", "an .xls renamed"),
    Case("encrypted", encrypted, "rejected", "password-protected", "an encrypted workbook"),
    Case("xlsm_vba", xlsm_with_vba, "rejected", "contains macros", "an .xlsm with a VBA project"),
    Case("zip_bomb", zip_bomb, "rejected", "would expand to", "a zip bomb: 2 MB to 2 GiB"),
    Case(
        "zip_bomb_lying",
        zip_bomb_lying,
        "rejected",
        "The file is damaged",
        "a zip bomb whose directory lies about the size",
    ),
    Case("xml_entities", xml_entities, "rejected", "DOCTYPE", "billion laughs in a sheet"),
    Case("million_rows", million_rows, "rejected", "1,000,000 rows", "a sheet of 1,000,000 rows"),
    Case("far_cell", far_cell, "rejected", "XFD1048576", "one cell at A1, one at XFD1048576"),
    Case("all_columns", all_columns, "accepted", "", "16,384 columns filled"),
    Case(
        "merged_headers", merged_headers, "rejected", "is missing", "merged cells over the headers"
    ),
    Case("formulas", formulas, "accepted", "", "formulas everywhere (with saved results)"),
    Case("wrong_template", wrong_template, "rejected", "sheet 'Details' is missing", "a budget"),
    Case("old_version", old_version, "rejected", "older template", "template version 0.9"),
    Case("hidden_sheets", hidden_sheets, "accepted", "Secret", "hidden and very hidden sheets"),
    Case("dates_1904", dates_1904, "accepted", "", "the 1904 date system"),
    Case("formula_text", formula_text, "accepted", "", "text starting with = + - @"),
    Case("unicode_names", unicode_names, "accepted", "not part of the template", "emoji, RTL"),
    Case(
        "date_out_of_range",
        date_out_of_range,
        "rejected",
        "far outside the dates Excel can show",
        "-106,751,991,169 in a date cell",
    ),
    Case("truncated", truncated, "rejected", "damaged", "a return cut off half way"),
]
CASES_BY_NAME = {case.name: case for case in CASES}


def dates_in(path: Path) -> Iterable[dt.date]:
    """The Training months as openpyxl reads them back (for checking the 1904 case)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    for row in wb["Training"].iter_rows(min_row=4, max_col=1, values_only=True):
        if isinstance(row[0], dt.datetime):
            yield row[0].date()


# ---------------------------------------------------------------------------------------------
# Running the command line in a fresh process, measured
# ---------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# ``python -m etl ARGS``, reporting the process's own peak RSS (VmHWM) as it exits. Not wait4's
# ru_maxrss: Linux starts a child's maxrss at its parent's, so under pytest it would report
# pytest's size rather than the command's.
_LAUNCH = """
import atexit, os, resource, runpy, sys
def _peak():
    with open("/proc/self/status") as status:
        kb = next(line for line in status if line.startswith("VmHWM")).split()[1]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(os.environ["WDP_PEAK_FILE"], "w") as out:
        out.write(f"{kb} {usage.ru_utime + usage.ru_stime}")
atexit.register(_peak)
sys.argv = ["etl", *sys.argv[1:]]
runpy.run_module("etl", run_name="__main__", alter_sys=True)
"""


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float  # wall time
    peak_mb: float  # NaN if the process died before it could report
    cpu_seconds: float  # user + system time of the process; NaN likewise


def run_cli(*args: str | Path) -> Run:
    """Run ``python -m etl ARGS`` in a fresh process: its exit code, output, wall and CPU time
    (Python start-up included) and peak resident memory."""
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCH, *map(str, args)],
            cwd=ROOT,
            capture_output=True,
            env={**os.environ, "WDP_PEAK_FILE": str(peak_file)},
            check=False,
            timeout=120,  # a hang fails the test instead of stalling CI (not a timing check)
        )
        seconds = time.perf_counter() - start
        kb, cpu = peak_file.read_text().split() if peak_file.exists() else ("nan", "nan")
    return Run(
        done.returncode,
        done.stdout.decode("utf-8"),
        done.stderr.decode("utf-8"),
        seconds,
        float(kb) / 1024,
        float(cpu),
    )
