"""Draw a ``Deck`` as PNG images, a PowerPoint deck and the same pages as a PDF.

- Charts become PNGs in one headless Chromium per process (kaleido's server, started once and
  reused: about 0.15 s a chart instead of 3.5 s), Debian's ``chromium`` from PATH; nothing is
  downloaded.
- PowerPoint (python-pptx): 16:9, a real title on every slide (screen readers, the outline view),
  the headline, one picture per chart slide with its alt text, native tables, the source line,
  speaker notes.
- PDF (reportlab): the same pages at the same positions, without a browser or LibreOffice.

Both documents share one layout (``wdp.boardpack.layout``: positions in inches, and every
table row's measured height), so their pages match and no table runs past the source line.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import threading
import warnings
from pathlib import Path

import plotly.graph_objects as go

from wdp.boardpack.content import Deck, Slide
from wdp.boardpack.layout import (
    BADGES,
    CELL_MARGIN_X,
    CELL_MARGIN_Y,
    COVER_BODY,
    COVER_SUBTITLE,
    COVER_TITLE,
    FOOTER,
    FOOTER_PT,
    HEADLINE,
    HEADLINE_PT,
    PAGE,
    SLIDE_H,
    SLIDE_W,
    TABLE_LINE,
    TABLE_PT,
    TITLE,
    TITLE_PT,
    Box,
    body_box,
    cell_text,
    pdf_fonts,
    row_heights,
    safe,
    table_widths,
)
from wdp.config import SYNTHETIC_LABEL, Colour
from wdp.config import chromium_path as config_chromium_path

log = logging.getLogger(__name__)

# A chart's size in CSS pixels, the body box's shape: 1,100 px across 12.3 inches puts the charts'
# 17 px type at about 14 pt on the slide. Drawn at 2x for projectors.
IMAGE_PX = (1100, 443)
IMAGE_SCALE = 2
BROWSER_TABS = 2


class BoardPackError(RuntimeError):
    """A pack could not be drawn; the message says why in plain English."""


# ------------------------------------------------------------------------------------------------
# Charts as PNG: one Chromium per process
# ------------------------------------------------------------------------------------------------

_kaleido_lock = threading.Lock()
_kaleido_started = False


def chromium_path() -> str | None:
    return config_chromium_path()


def _start_kaleido() -> None:
    global _kaleido_started
    if _kaleido_started:
        return
    path = chromium_path()
    if path is None:
        raise BoardPackError(
            "Charts in a board pack are drawn by Chromium, which is not installed on this "
            "machine. Install it with `make chromium` (Debian's chromium package) and try again."
        )
    os.environ.setdefault("BROWSER_PATH", path)
    import kaleido

    # Two tabs: charts are drawn two at a time (this machine has two cores).
    kaleido.start_sync_server(n=BROWSER_TABS, silence_warnings=True)
    _kaleido_started = True
    atexit.register(_stop_kaleido)


def _stop_kaleido() -> None:
    global _kaleido_started
    if _kaleido_started:
        import kaleido

        # The interpreter is exiting; the browser goes with it whatever happens here.
        with contextlib.suppress(Exception):
            kaleido.stop_sync_server(silence_warnings=True)
        _kaleido_started = False


def slide_figure(figure: go.Figure) -> go.Figure:
    """A page's chart restyled for a slide: no title (the slide has one), larger type, white."""
    styled = go.Figure(figure)
    styled.update_layout(
        title=None,
        template="plotly_white",
        font={"family": "Arial, Helvetica, sans-serif", "size": 17, "color": Colour.TEXT},
        margin={"t": 40, "l": 20, "r": 30, "b": 20},
        paper_bgcolor="white",
        plot_bgcolor="white",
        autosize=False,
        width=None,
        height=None,
    )
    # Many rows of categories (a row per pathfinder): smaller labels, and every one of them shown.
    rows = max(
        (len(t.y) for t in styled.data if t.y is not None and isinstance(next(iter(t.y), 0), str)),
        default=0,
    )
    if rows > 12:
        styled.update_yaxes(tickfont={"size": 12}, tickmode="linear", dtick=1)
        styled.update_traces(textfont={"size": 11}, selector={"type": "bar"})
    return styled


def figure_png(figure: go.Figure, *, width: int = IMAGE_PX[0], height: int = IMAGE_PX[1]) -> bytes:
    """One chart as PNG bytes, drawn by this process's Chromium."""
    with _kaleido_lock:
        _start_kaleido()
        try:
            with warnings.catch_warnings():  # plotly warns that the server ignores its options
                warnings.simplefilter("ignore", UserWarning)
                return slide_figure(figure).to_image(
                    format="png", width=width, height=height, scale=IMAGE_SCALE
                )
        except Exception as error:
            raise BoardPackError(
                f"A chart could not be drawn ({type(error).__name__}: {error})."
            ) from error


def chart_images(deck: Deck) -> dict[str, bytes]:
    """Every chart slide's picture, by slide key: drawn together, in the browser's tabs at once."""
    import tempfile

    import kaleido

    slides = deck.chart_slides
    if not slides:
        return {}
    opts = {"format": "png", "width": IMAGE_PX[0], "height": IMAGE_PX[1], "scale": IMAGE_SCALE}
    with _kaleido_lock, tempfile.TemporaryDirectory(prefix="wdp-pack-") as folder:
        _start_kaleido()
        paths = {s.key: Path(folder) / f"{s.key}.png" for s in slides}
        specs = [
            {"fig": slide_figure(s.figure).to_dict(), "path": str(paths[s.key]), "opts": opts}
            for s in slides
        ]
        try:
            kaleido.write_fig_from_object_sync(fig_dicts=specs, cancel_on_error=True)
            return {key: path.read_bytes() for key, path in paths.items()}
        except Exception as error:
            raise BoardPackError(
                f"The charts could not be drawn ({type(error).__name__}: {error})."
            ) from error


# ------------------------------------------------------------------------------------------------
# PowerPoint
# ------------------------------------------------------------------------------------------------


def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def _text(shapes, box: Box, lines: list[str], *, size: int, colour=Colour.TEXT, bold=False):
    from pptx.util import Inches, Pt

    frame = shapes.add_textbox(Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))
    text = frame.text_frame
    text.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = text.paragraphs[0] if i == 0 else text.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = "Arial"
        run.font.color.rgb = _rgb(colour)
        paragraph.space_after = Pt(size * 0.5)
    return frame


def _set_title(slide, box: Box, text: str, size: int) -> None:
    from pptx.util import Inches, Pt

    title = slide.shapes.title
    title.left, title.top = Inches(box.x), Inches(box.y)
    title.width, title.height = Inches(box.w), Inches(box.h)
    title.text = text
    frame = title.text_frame
    frame.word_wrap = True
    for paragraph in frame.paragraphs:
        paragraph.alignment = 1  # left
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = True
            run.font.name = "Arial"
            run.font.color.rgb = _rgb(Colour.BLUE)


def _fit(box: Box, width_px: int, height_px: int) -> Box:
    """The largest box of the picture's aspect ratio inside ``box``, centred."""
    ratio = width_px / height_px
    w, h = box.w, box.w / ratio
    if h > box.h:
        w, h = box.h * ratio, box.h
    return Box(box.x + (box.w - w) / 2, box.y, w, h)


def _pptx_table(slide, box: Box, spec: Slide) -> None:
    """A native table, each row as tall as the layout measured it (``layout.row_heights``), so
    it ends where the composer planned: above the source line."""
    from pptx.util import Inches

    table, widths = spec.table, table_widths(spec)
    heights = row_heights(table, widths)
    rows, cols = len(table) + 1, len(table.columns)
    shape = slide.shapes.add_table(
        rows, cols, Inches(box.x), Inches(box.y), Inches(box.w), Inches(sum(heights))
    )
    grid = shape.table
    for j, width in enumerate(widths):
        grid.columns[j].width = Inches(width)
    for i, height in enumerate(heights):
        grid.rows[i].height = Inches(height)
    for j, name in enumerate(table.columns):
        _cell(grid.cell(0, j), str(name), bold=True, colour=Colour.WHITE, fill=Colour.BLUE)
    for i, row in enumerate(table.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            _cell(
                grid.cell(i, j),
                cell_text(value),
                fill=Colour.BACKGROUND_GREY if i % 2 == 0 else Colour.WHITE,
            )


def _cell(cell, text: str, *, bold=False, colour=Colour.TEXT, fill=Colour.WHITE) -> None:
    from pptx.util import Inches, Pt

    cell.fill.solid()
    cell.fill.fore_color.rgb = _rgb(fill)
    cell.margin_top = cell.margin_bottom = Inches(CELL_MARGIN_Y)
    cell.margin_left = cell.margin_right = Inches(CELL_MARGIN_X)
    frame = cell.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(TABLE_PT)
            run.font.bold = bold
            run.font.name = "Arial"
            run.font.color.rgb = _rgb(colour)


def _badges_pptx(slide, slide_spec: Slide) -> None:
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches, Pt

    x = BADGES.x
    for badge in slide_spec.badges:
        label = f"{badge.symbol}  {badge.kind}: {badge.text}"
        width = 0.6 + 0.095 * len(label)
        shape = slide.shapes.add_shape(
            MSO_SHAPE.ROUNDED_RECTANGLE, Inches(x), Inches(BADGES.y), Inches(width), Inches(0.38)
        )
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(badge.colour)
        shape.line.fill.background()
        frame = shape.text_frame
        frame.text = label
        for run in frame.paragraphs[0].runs:
            run.font.size = Pt(13)
            run.font.bold = True
            run.font.name = "Arial"
            run.font.color.rgb = _rgb(Colour.WHITE)
        x += width + 0.2


def footer_text(deck: Deck, slide: Slide) -> str:
    parts = [slide.source] if slide.source else []
    if deck.synthetic:
        parts.append(SYNTHETIC_LABEL + ".")
    return " ".join(parts)


def to_pptx(deck: Deck, images: dict[str, bytes]) -> bytes:
    """The deck as a PowerPoint file (bytes)."""
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    presentation.core_properties.title = deck.title
    presentation.core_properties.subject = f"{deck.audience}; to {deck.period}"
    presentation.core_properties.author = "WDP programme dashboard"
    title_only = presentation.slide_layouts[5]
    total = len(deck.slides)
    for number, spec in enumerate(deck.slides, start=1):
        slide = presentation.slides.add_slide(title_only)
        if spec.kind == "title":
            _set_title(slide, COVER_TITLE, spec.title, 40)
            _text(slide.shapes, COVER_SUBTITLE, [spec.headline], size=22, colour=Colour.DARK_GREY)
            _cover_lines_pptx(slide, deck, spec)
        else:
            _set_title(slide, TITLE, spec.title, TITLE_PT if len(spec.title) < 70 else 22)
            _text(
                slide.shapes,
                HEADLINE,
                [spec.headline],
                size=HEADLINE_PT,
                colour=Colour.TEXT,
                bold=True,
            )
            _badges_pptx(slide, spec)
            box = body_box(spec)
            if spec.figure is not None:
                placed = _fit(box, *IMAGE_PX)
                picture = slide.shapes.add_picture(
                    io.BytesIO(images[spec.key]),
                    Inches(placed.x),
                    Inches(placed.y),
                    Inches(placed.w),
                    Inches(placed.h),
                )
                picture.name = f"Chart: {spec.key}"
                picture._element.nvPicPr.cNvPr.set("descr", f"{spec.title}. {spec.headline}")
            elif spec.table is not None:
                _pptx_table(slide, box, spec)
            elif spec.bullets:
                _text(slide.shapes, box, [f"• {b}" for b in spec.bullets], size=14)
        footer = footer_text(deck, spec)
        if footer:
            _text(slide.shapes, FOOTER, [footer], size=FOOTER_PT, colour=Colour.DARK_GREY)
        _text(slide.shapes, PAGE, [f"{number} / {total}"], size=FOOTER_PT, colour=Colour.DARK_GREY)
        slide.notes_slide.notes_text_frame.text = spec.notes
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def _cover_lines_pptx(slide, deck: Deck, spec: Slide) -> None:
    lines = [b for b in spec.bullets if b != SYNTHETIC_LABEL]
    frame = _text(slide.shapes, COVER_BODY, lines, size=20)
    if deck.synthetic:
        from pptx.util import Pt

        paragraph = frame.text_frame.add_paragraph()
        run = paragraph.add_run()
        run.text = SYNTHETIC_LABEL
        run.font.size, run.font.bold, run.font.name = Pt(20), True, "Arial"
        run.font.color.rgb = _rgb(Colour.RED)


# ------------------------------------------------------------------------------------------------
# PDF: the same pages
# ------------------------------------------------------------------------------------------------


def to_pdf(deck: Deck, images: dict[str, bytes]) -> bytes:
    """The deck's pages as a PDF: the same slides in the same places."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.utils import ImageReader, simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    regular, bold = pdf_fonts()
    out = io.BytesIO()
    width, height = SLIDE_W * 72, SLIDE_H * 72
    pdf = Canvas(out, pagesize=(width, height))
    pdf.setTitle(deck.title)
    pdf.setAuthor("WDP programme dashboard")
    pdf.setSubject(f"{deck.audience}; to {deck.period}")

    def text(box: Box, lines: list[str], size: float, colour=Colour.TEXT, font=regular) -> float:
        """Wrapped lines from the box's top; returns the y (in inches from the top) reached."""
        pdf.setFont(font, size)
        pdf.setFillColor(HexColor(colour))
        y = box.y * 72 + size
        for line in lines:
            for part in simpleSplit(safe(line), font, size, box.w * 72) or [""]:
                pdf.drawString(box.x * 72, height - y, part)
                y += size * 1.2
            y += size * 0.5
        return y / 72

    total = len(deck.slides)
    for number, spec in enumerate(deck.slides, start=1):
        if spec.kind == "title":
            text(COVER_TITLE, [spec.title], 40, Colour.BLUE, bold)
            text(COVER_SUBTITLE, [spec.headline], 22, Colour.DARK_GREY)
            lines = [b for b in spec.bullets if b != SYNTHETIC_LABEL]
            reached = text(COVER_BODY, lines, 20)
            if deck.synthetic:
                text(
                    Box(COVER_BODY.x, reached, COVER_BODY.w, 0.5),
                    [SYNTHETIC_LABEL],
                    20,
                    Colour.RED,
                    bold,
                )
        else:
            text(TITLE, [spec.title], TITLE_PT if len(spec.title) < 70 else 22, Colour.BLUE, bold)
            text(HEADLINE, [spec.headline], HEADLINE_PT, Colour.TEXT, bold)
            _badges_pdf(pdf, spec, height, bold)
            box = body_box(spec)
            if spec.figure is not None:
                placed = _fit(box, *IMAGE_PX)
                pdf.drawImage(
                    ImageReader(io.BytesIO(images[spec.key])),
                    placed.x * 72,
                    height - (placed.y + placed.h) * 72,
                    placed.w * 72,
                    placed.h * 72,
                )
            elif spec.table is not None:
                _pdf_table(pdf, box, spec, height, regular, bold)
            elif spec.bullets:
                text(box, [f"• {b}" for b in spec.bullets], 14)
        footer = footer_text(deck, spec)
        if footer:
            text(FOOTER, [footer], FOOTER_PT, Colour.DARK_GREY)
        text(PAGE, [f"{number} / {total}"], FOOTER_PT, Colour.DARK_GREY)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _badges_pdf(pdf, spec: Slide, height: float, bold: str) -> None:
    from reportlab.lib.colors import HexColor, white

    x = BADGES.x * 72
    for badge in spec.badges:
        label = safe(f"{badge.symbol}  {badge.kind}: {badge.text}")
        w = pdf.stringWidth(label, bold, 13) + 24
        y = height - (BADGES.y + 0.38) * 72
        pdf.setFillColor(HexColor(badge.colour))
        pdf.roundRect(x, y, w, 0.38 * 72, 6, stroke=0, fill=1)
        pdf.setFillColor(white)
        pdf.setFont(bold, 13)
        pdf.drawString(x + 12, y + 9, label)
        x += w + 0.2 * 72


def _pdf_table(pdf, box: Box, spec: Slide, height: float, regular: str, bold: str) -> None:
    """The table at the top of ``box``, its rows as tall as in the deck (``layout.row_heights``)."""
    from reportlab.lib.colors import HexColor, white
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    leading = TABLE_PT * TABLE_LINE
    body = ParagraphStyle("cell", fontName=regular, fontSize=TABLE_PT, leading=leading)
    head = ParagraphStyle("head", parent=body, fontName=bold, textColor=white)

    def para(value: str, style) -> Paragraph:
        escaped = safe(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped, style)

    table, widths = spec.table, table_widths(spec)
    data = [[para(str(c), head) for c in table.columns]]
    data += [[para(cell_text(v), body) for v in row] for row in table.itertuples(index=False)]
    heights = [h * 72 for h in row_heights(table, widths)]
    widths = [w * 72 for w in widths]
    grid = Table(data, colWidths=widths, rowHeights=heights, repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), HexColor(Colour.BLUE)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_MARGIN_Y * 72),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_MARGIN_Y * 72),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_MARGIN_X * 72),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_MARGIN_X * 72),
    ]
    style += [
        ("BACKGROUND", (0, i), (-1, i), HexColor(Colour.BACKGROUND_GREY))
        for i in range(2, len(data), 2)
    ]
    grid.setStyle(TableStyle(style))
    _, used = grid.wrapOn(pdf, box.w * 72, box.h * 72)
    grid.drawOn(pdf, box.x * 72, height - box.y * 72 - used)
