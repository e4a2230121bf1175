"""The board pack built from the sample programme: PowerPoint, the same pages as PDF, PNGs.

Real files, read back with the libraries a reader's tools use: python-pptx for the deck, pypdf for
the PDF's text and pypdfium2 to turn every PDF page into an image and check something is drawn.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from wdp.boardpack import BoardPack, PackFilters, compose, render_pack
from wdp.config import OGL_ATTRIBUTION, SYNTHETIC_LABEL
from wdp.db import open_database

ROOT = Path(__file__).resolve().parent.parent
PACK = [sys.executable, "-m", "etl", "pack"]
PRESTON, NOBODY = "lead.preston@example.nhs.uk", "nobody@example.nhs.uk"
pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        not any(Path(p).exists() for p in ("/usr/bin/chromium", "/usr/bin/chrome")),
        reason="charts are drawn by Debian's chromium (`make chromium`; `make test` installs it)",
    ),
]


@pytest.fixture(scope="module")
def pack(seeded_db: Path) -> BoardPack:
    deck = compose(open_database(seeded_db), PackFilters(programme="cervical", measure="coverage"))
    return render_pack(deck)


@pytest.fixture(scope="module")
def stoke_pack(seeded_db: Path) -> BoardPack:
    """A lead's pack: the database is scoped to their pathfinder, as the app and CLI do."""
    stoke = open_database(seeded_db, scope="WDP-STK")
    deck = compose(stoke, PackFilters(pathfinder="WDP-STK"), audience="Stoke-on-Trent lead")
    return render_pack(deck)


def _slides(data: bytes):
    return list(Presentation(io.BytesIO(data)).slides)


def _texts(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return "\n".join(parts)


def test_deck_has_a_slide_per_key_view_with_titles_and_notes(pack: BoardPack) -> None:
    slides = _slides(pack.pptx)
    assert len(slides) == len(pack.deck.slides) >= 10
    titles = [s.shapes.title.text for s in slides]
    assert titles == [s.title for s in pack.deck.slides]
    assert titles[0] == "WDP programme board pack"
    assert titles[-1] == "Definitions and sources"
    for wanted in (
        "Headline results",
        "Champions trained to date",
        "Pathfinder status (RAG) by quarter",
        "Quarterly returns received",
    ):
        assert wanted in titles
    for slide, spec in zip(slides, pack.deck.slides, strict=True):
        notes = slide.notes_slide.notes_text_frame.text
        assert notes and notes == spec.notes
        if spec.kind != "title":
            assert spec.headline in _texts(slide)  # the one-line headline is on the slide


def test_title_slide_names_period_data_date_audience_and_synthetic_data(pack: BoardPack) -> None:
    text = _texts(_slides(pack.pptx)[0])
    assert "Reporting period: to 2018-19 Q1" in text
    assert "Data as of:" in text
    assert "Prepared for: WDP programme board" in text
    assert SYNTHETIC_LABEL in text
    assert "Cervical" in text and "Coverage" in text  # the filters it was built for


def test_one_picture_per_chart_slide_and_none_elsewhere(pack: BoardPack) -> None:
    for slide, spec in zip(_slides(pack.pptx), pack.deck.slides, strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == (1 if spec.figure is not None else 0), spec.key
        if pictures:
            assert pictures[0].image.content_type == "image/png"
            assert pictures[0].image.size[0] >= 2000  # drawn at 2x for a projector
            descr = pictures[0]._element.nvPicPr.cNvPr.get("descr")
            assert spec.title in descr  # alt text for screen readers
    assert len(pack.images) == len(pack.deck.chart_slides) >= 5


def test_table_slides_are_native_tables(pack: BoardPack) -> None:
    for slide, spec in zip(_slides(pack.pptx), pack.deck.slides, strict=True):
        tables = [s for s in slide.shapes if s.has_table]
        assert len(tables) == (1 if spec.table is not None else 0), spec.key
        if tables:
            grid = tables[0].table
            assert [c.text for c in grid.rows[0].cells] == [str(c) for c in spec.table.columns]
            assert len(grid.rows) == len(spec.table) + 1


def test_headlines_are_computed_from_the_data(pack: BoardPack) -> None:
    by_key = {s.key: s for s in pack.deck.slides}
    assert by_key["headlines"].headline == (
        "North Midlands breast screening uptake rank rose from 58th to 11th"
    )
    assert by_key["champions"].headline.startswith("347 Digital Health Champions trained to")
    assert "14 of 20 pathfinders reporting ● Green in 2018-19 Q1" in by_key["rag"].headline
    assert by_key["returns"].headline.startswith("20 of 20 returns received for 2018-19 Q1")


def test_spc_slide_carries_its_variation_and_assurance_icons(pack: BoardPack) -> None:
    spc = next(s for s in pack.deck.slides if s.key == "spc")
    assert {b.kind for b in spc.badges} == {"Variation", "Assurance"}
    slide = _slides(pack.pptx)[pack.deck.slides.index(spc)]
    text = _texts(slide)
    for badge in spc.badges:
        assert f"{badge.kind}: {badge.text}" in text


def test_sources_slide_has_definitions_ogl_and_synthetic_note(pack: BoardPack) -> None:
    text = _texts(_slides(pack.pptx)[-1])
    assert "Coverage:" in text and "Uptake:" in text and "Rank:" in text
    assert OGL_ATTRIBUTION in text
    assert "Office for National Statistics" in text
    assert "synthetic sample data" in text.lower()
    assert "public screening figures are real" in text


def test_pdf_has_the_same_pages_as_the_deck(pack: BoardPack) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pack.pdf))
    assert len(reader.pages) == len(pack.deck.slides)
    for page, spec in zip(reader.pages, pack.deck.slides, strict=True):
        text = " ".join(page.extract_text().split())
        first_words = " ".join(spec.title.split()[:4])
        assert first_words in text, spec.key
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width / height - 16 / 9) < 0.01
        if spec.figure is not None:
            assert page.images, f"{spec.key}: no chart image on the PDF page"


def test_every_pdf_page_renders_to_an_image_with_content(pack: BoardPack) -> None:
    document = pypdfium2.PdfDocument(pack.pdf)
    assert len(document) == len(pack.deck.slides)
    for index in range(len(document)):
        image = document[index].render(scale=0.5).to_pil().convert("L")
        low, high = image.getextrema()
        assert high - low > 100, f"page {index + 1} is blank"
        # Charts fill the page: far more dark pixels than a page of a title and a footer.
        if pack.deck.slides[index].figure is not None:
            dark = sum(image.histogram()[:200])
            assert dark > 0.02 * image.width * image.height


# ------------------------------------------------------------------------------------------------
# Every table stays on its slide, above the source line
# ------------------------------------------------------------------------------------------------

EMU_PER_INCH = 914400
# A line of table text as PowerPoint and LibreOffice space it: about 1.2 times the type size
# (LibreOffice measured 0.2435 inches a row for 11 pt with 0.03-inch margins).
LINE_SPACING = 1.2
WIDE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # wider than Arial


def _lines(text: str, width_in: float, size: float) -> int:
    """How many lines ``text`` takes in a cell this wide: wrapped between words in DejaVu Sans,
    which is wider than Arial, so never fewer lines than PowerPoint needs."""
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "WideTest" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WideTest", str(WIDE_FONT)))
    lines = (simpleSplit(part, "WideTest", size, width_in * 72) for part in text.split("\n"))
    return sum(max(1, len(wrapped)) for wrapped in lines)


def _drawn_table_bottom(shape) -> float:
    """Where a PowerPoint table ends, in inches from the slide's top, as a viewer draws it: each
    row as tall as declared, or as its wrapped text and margins need if that is more (a viewer
    grows the row; python-pptx's declared heights alone would hide an overflow)."""
    grid = shape.table
    bottom = shape.top / EMU_PER_INCH
    for row in grid.rows:
        needed = 0.0
        for cell, column in zip(row.cells, grid.columns, strict=True):
            runs = [r for p in cell.text_frame.paragraphs for r in p.runs]
            size = runs[0].font.size.pt if runs and runs[0].font.size else 18.0
            width = (column.width - cell.margin_left - cell.margin_right) / EMU_PER_INCH
            text_in = _lines(cell.text_frame.text, width, size) * size * LINE_SPACING / 72
            needed = max(needed, text_in + (cell.margin_top + cell.margin_bottom) / EMU_PER_INCH)
        bottom += max(row.height / EMU_PER_INCH, needed)
    return bottom


def _pdf_table_bottom(page) -> float | None:
    """The lowest line of table text on a PDF page, in inches from the top (None: no table).
    Table cells are the page's only text in the table's type size."""
    from wdp.boardpack.render import TABLE_PT

    height = float(page.mediabox.height)
    lowest: list[float] = []

    def visit(text, cm, tm, font, size) -> None:
        if text.strip() and abs(size * tm[3] - TABLE_PT) < 0.1:
            baseline = height - (tm[5] * cm[3] + cm[5])
            lowest.append((baseline + 0.25 * TABLE_PT) / 72)  # its descenders

    page.extract_text(visitor_text=visit)
    return max(lowest, default=None)


@pytest.mark.parametrize("which", ["pack", "stoke_pack"])
def test_no_table_leaves_its_slide_or_covers_the_source_line(which: str, request) -> None:
    """The status table of 20 pathfinders ran past the slide's foot: every table, in the deck and
    in the PDF, for the programme's pack and a lead's, ends above the footer (the source line)."""
    from wdp.boardpack.render import FOOTER, SLIDE_H

    built: BoardPack = request.getfixturevalue(which)
    pages = pypdf.PdfReader(io.BytesIO(built.pdf)).pages
    tables = 0
    for slide, page, spec in zip(_slides(built.pptx), pages, built.deck.slides, strict=True):
        for shape in (s for s in slide.shapes if s.has_table):
            tables += 1
            bottom = _drawn_table_bottom(shape)
            assert bottom <= FOOTER.y < SLIDE_H, f"{spec.key}: the table ends at {bottom:.2f} in"
        if spec.table is not None:
            bottom = _pdf_table_bottom(page)
            assert bottom is not None and bottom <= FOOTER.y, f"{spec.key} (PDF): ends at {bottom}"
    assert tables >= 3


def test_a_long_table_is_continued_on_the_next_slide(pack: BoardPack) -> None:
    """All 20 pathfinders are shown, over as many slides as they need, each saying so."""
    parts = [s for s in pack.deck.slides if s.key.startswith("status_table")]
    assert sum(len(s.table) for s in parts) == 20
    assert len(parts) >= 2
    assert all(s.title.endswith("(continued)") for s in parts[1:])
    assert not parts[0].title.endswith("(continued)")
    assert len({s.key for s in pack.deck.slides}) == len(pack.deck.slides)  # keys stay unique
    assert max(len(s.table) for s in parts) - min(len(s.table) for s in parts) <= 1  # even


def test_lead_pack_holds_only_their_pathfinder(stoke_pack: BoardPack, pack: BoardPack) -> None:
    text = "\n".join(_texts(s) for s in _slides(stoke_pack.pptx))
    assert "Stoke-on-Trent" in text
    for other in ("Preston", "Bradford", "Blackpool", "Great Yarmouth"):
        # Other pathfinders' names appear nowhere but in public league data they could see anyway
        tables = [s for s in stoke_pack.deck.slides if s.key in ("status_table", "returns")]
        assert all(other not in t.table.to_string() for t in tables)
    by_key = {s.key: s for s in stoke_pack.deck.slides}
    assert by_key["champions"].headline.startswith("30 Digital Health Champions")
    assert "~350" not in by_key["champions"].headline  # the programme figure is not theirs
    assert by_key["champions_by_pathfinder"].figure.data[0].y == ("Stoke-on-Trent",)
    assert len(stoke_pack.deck.slides) == len(_slides(stoke_pack.pptx))


def test_pack_command_writes_deck_pdf_and_pngs(seeded_db_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    result = subprocess.run(
        [*PACK, "--db", str(seeded_db_copy), "--out", str(out), "--as", PRESTON, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    files = [Path(f) for f in report["files"]]
    assert files[0].suffix == ".pptx" and files[1].suffix == ".pdf"
    pngs = [f for f in files if f.suffix == ".png"]
    assert pngs and all(f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in pngs)
    slides = _slides(files[0].read_bytes())
    assert len(slides) == len(report["slides"]) == len(pypdf.PdfReader(files[1]).pages)
    assert "WDP-PRE pathfinder lead" in _texts(slides[0]) or "WDP-PRE" in _texts(slides[0])


def test_pack_command_refuses_an_unknown_account(seeded_db_copy: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [*PACK, "--db", str(seeded_db_copy), "--out", str(tmp_path / "p"), "--as", NOBODY],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no enabled account 'nobody@example.nhs.uk'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "p").exists()


def test_an_empty_programme_still_gets_a_pack_naming_what_is_missing(reference_db: Path) -> None:
    deck = compose(open_database(reference_db))
    keys = [s.key for s in deck.slides]
    assert keys[0] == "title" and keys[-1] == "sources"
    assert "Champions trained to date" in deck.left_out
    assert "Not included (no data loaded)" in " ".join(deck.slides[-1].bullets)
