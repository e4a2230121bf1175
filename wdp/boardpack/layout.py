"""Where things go on a board-pack slide, and how much room a table takes: one layout shared by
the PowerPoint deck, the PDF (``wdp.boardpack.render``) and the composer, which gives a table
that would not fit more than one slide (``wdp.boardpack.content``).

Positions are ``Box``es in inches from the slide's top left, as PowerPoint measures. A table's
rows are measured once, here: each cell's text wrapped in the PDF's font (DejaVu Sans, wider than
the Arial the deck asks for, so PowerPoint never needs more lines than counted) at a line spacing
above the 1.2 times the type size that PowerPoint and LibreOffice use. Both documents draw every
row exactly that tall, so a table measured to fit here ends above the slide's source line.

Pure of streamlit and of the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches: 16:9


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # from the top, as PowerPoint measures
    w: float
    h: float

    @property
    def bottom(self) -> float:
        return self.y + self.h


TITLE = Box(0.5, 0.3, 12.3, 0.85)
HEADLINE = Box(0.5, 1.15, 12.3, 0.6)
BADGES = Box(0.5, 1.75, 12.3, 0.4)
BODY = Box(0.5, 1.85, 12.3, 4.95)
BODY_WITH_BADGES = Box(0.5, 2.25, 12.3, 4.55)
FOOTER = Box(0.5, 6.95, 10.8, 0.4)
PAGE = Box(11.4, 6.95, 1.43, 0.4)
TITLE_PT, HEADLINE_PT, BODY_PT, FOOTER_PT, TABLE_PT = 28, 18, 16, 10, 11
COVER_TITLE = Box(0.8, 1.6, 11.7, 1.2)
COVER_SUBTITLE = Box(0.8, 2.8, 11.7, 0.7)
COVER_BODY = Box(0.8, 3.7, 11.7, 2.8)

# A table cell: its margins (PowerPoint's default 0.1 inch at the sides) and one line of text as
# a multiple of the type size (LibreOffice draws 1.2; a little more leaves room for symbols that
# come from a fallback font, such as ✔ and ⚠).
CELL_MARGIN_X, CELL_MARGIN_Y = 0.1, 0.03
TABLE_LINE = 1.25


def body_box(slide: Any) -> Box:
    """Where a slide's chart, table or text goes (lower when it carries badges)."""
    return BODY_WITH_BADGES if slide.badges else BODY


# ------------------------------------------------------------------------------------------------
# The PDF's font, which measures tables for both documents
# ------------------------------------------------------------------------------------------------

FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
)
# Shapes the fallback font (reportlab's own Vera) cannot draw, as words.
FALLBACK_TEXT = {"●": "(G)", "▲": "^", "◆": "<>", "▼": "v", "✔": "+", "⚠": "!", "✖": "x", "○": "o"}
_fonts: tuple[str, str] | None = None
_fallback = False


def pdf_fonts() -> tuple[str, str]:
    """Register a Unicode TrueType font once: DejaVu or Liberation, else reportlab's Vera."""
    global _fonts, _fallback
    if _fonts is not None:
        return _fonts
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            pdfmetrics.registerFont(TTFont("PackSans", regular))
            pdfmetrics.registerFont(TTFont("PackSans-Bold", bold))
            _fonts = ("PackSans", "PackSans-Bold")
            return _fonts
    pdfmetrics.registerFont(TTFont("PackSans", "Vera.ttf"))
    pdfmetrics.registerFont(TTFont("PackSans-Bold", "VeraBd.ttf"))
    _fonts = ("PackSans", "PackSans-Bold")
    _fallback = True
    return _fonts


def safe(text: str) -> str:
    """The text as the PDF's font can draw it (shapes as words only with the fallback font)."""
    if not _fallback:
        return text
    return "".join(FALLBACK_TEXT.get(ch, ch) for ch in text)


# ------------------------------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A table cell as text: blanks for missing values, whole numbers without decimals."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, pd.Timestamp):
        return f"{value:%d %b %Y}"
    return str(value)


def column_widths(table: pd.DataFrame, total: float) -> list[float]:
    """Columns sharing ``total`` inches: each as wide as its widest text (header or values, as
    the PDF's font measures it) and its margins, no column more than 40% of the table. Spare
    room is shared out in proportion; when the table is crowded, the narrow columns (numbers,
    shapes) keep their width and the wide ones share what is left, so a number never wraps."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    regular, bold = pdf_fonts()
    natural = []
    for name in table.columns:
        widest = max(
            [
                stringWidth(safe(str(name)), bold, TABLE_PT),
                *(stringWidth(safe(cell_text(v)), regular, TABLE_PT) for v in table[name]),
            ]
        )
        natural.append(min(widest / 72 + 2 * CELL_MARGIN_X + 0.05, 0.4 * total))
    if sum(natural) <= total:
        return [w * total / sum(natural) for w in natural]
    widths, left = [0.0] * len(natural), total
    order = sorted(range(len(natural)), key=natural.__getitem__)
    for done, j in enumerate(order):
        share = left / (len(order) - done)
        widths[j] = min(natural[j], share)
        left -= widths[j]
    return widths


def _lines(text: str, font: str, width: float) -> int:
    from reportlab.lib.utils import simpleSplit

    room = max(width - 2 * CELL_MARGIN_X, 0.1) * 72
    return max(1, len(simpleSplit(safe(text), font, TABLE_PT, room)))


def row_heights(table: pd.DataFrame, widths: Sequence[float]) -> list[float]:
    """Each row's height in inches, the header first, with columns ``widths`` inches wide: its
    tallest cell's wrapped lines and the cell's margins."""
    regular, bold = pdf_fonts()
    lines = [max(_lines(str(name), bold, w) for name, w in zip(table.columns, widths, strict=True))]
    lines += [
        max(_lines(cell_text(v), regular, w) for v, w in zip(row, widths, strict=True))
        for row in table.itertuples(index=False)
    ]
    return [n * TABLE_PT * TABLE_LINE / 72 + 2 * CELL_MARGIN_Y for n in lines]


def table_widths(slide: Any) -> list[float]:
    """A table slide's column widths: those of the whole table when it was cut into parts (so
    every part lines up the same), else measured from its own rows."""
    if slide.column_widths:
        return list(slide.column_widths)
    return column_widths(slide.table, body_box(slide).w)


def table_parts(table: pd.DataFrame, box: Box) -> tuple[list[pd.DataFrame], list[float]]:
    """``table`` cut into as few runs of rows as fit ``box`` each, under the header repeated,
    as even in length as they can be (20 rows that need two slides go 10 and 10, not 18 and 2),
    and the column widths every part shares. A row too tall for the box alone gets a part of
    its own."""
    widths = column_widths(table, box.w)
    if table.empty:
        return [table], widths
    heights = row_heights(table, widths)
    header, rows = heights[0], heights[1:]
    for parts in range(1, len(rows) + 1):
        size = math.ceil(len(rows) / parts)
        starts = range(0, len(rows), size)
        if all(header + sum(rows[i : i + size]) <= box.h for i in starts):
            return [table.iloc[i : i + size].reset_index(drop=True) for i in starts], widths
    return [table.iloc[[i]].reset_index(drop=True) for i in range(len(rows))], widths
