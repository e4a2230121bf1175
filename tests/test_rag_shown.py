"""A RAG rating is written one way wherever it is shown: its shape and its word, "▲ Amber", as
``wdp.domain.Rag`` decides. The Overview, the Status page and the board pack, read as a director.

A table's RAG column, a chart's legend, bar labels and hover text, and the sentences around them
are all read; a RAG word without its shape in front ("3 Red", "pathfinders Amber") is a failure.
CSV downloads of a shown table carry the same text as the table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import as_account
from wdp.boardpack import PackFilters, compose
from wdp.db import open_database
from wdp.domain import Rag

DIRECTOR = "director@example.nhs.uk"
SHOWN = {rag.shown for rag in Rag}  # "● Green", "▲ Amber", "◆ Red"
RAG_WORD = re.compile(r"\b(Red|Amber|Green)\b")


def bare_rags(texts: Iterable[str]) -> list[str]:
    """Each RAG word written without its shape, with the words before it (for the message)."""
    bare = []
    for text in texts:
        for found in RAG_WORD.finditer(text):
            rag = Rag.lookup(found[1])
            if not text[: found.start()].endswith(f"{rag.symbol} "):
                bare.append(text[max(0, found.start() - 30) : found.end()])
    return bare


def _strings(value: object) -> Iterator[str]:
    """The words a chart writes (trace names, hover templates, titles, annotations) from its
    JSON; not its data arrays, whose area names ("Amber Valley") are not ratings."""
    if isinstance(value, dict):
        for item in value.values():
            if isinstance(item, str):
                yield item
            else:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                yield from _strings(item)


def rags_on_page(at: AppTest) -> tuple[set[str], list[str]]:
    """The RAG cells of the page's tables, and every other text on it that names a RAG: charts
    (legend, bar labels, hover text), headings, captions, markdown and metrics."""
    cells = {str(v) for d in at.dataframe if "RAG" in d.value.columns for v in d.value["RAG"]}
    texts = [t for c in at.get("plotly_chart") for t in _strings(json.loads(c.proto.spec))]
    for kind in ("markdown", "caption", "subheader", "info", "success", "warning"):
        texts += [str(e.value) for e in at.get(kind)]
    texts += [f"{m.label} {m.value}" for m in at.metric]
    return cells, texts


def test_overview_and_status_page_write_a_rag_the_same_way(monkeypatch, seeded_db: Path) -> None:
    overview = as_account(monkeypatch, seeded_db, DIRECTOR, "dashboard.py")
    status = as_account(monkeypatch, seeded_db, DIRECTOR, "pages/2_Pathfinder_status.py")
    for at in (overview, status):
        assert not at.exception
    overview_cells, overview_texts = rags_on_page(overview)
    status_cells, status_texts = rags_on_page(status)
    # The same text for the same rating on both pages: "▲ Amber", never "Amber" alone.
    assert "▲ Amber" in overview_cells and "▲ Amber" in status_cells
    assert overview_cells - {"No return yet"} <= SHOWN
    assert status_cells <= SHOWN
    assert bare_rags(overview_texts) == []
    assert bare_rags(status_texts) == []


def test_board_pack_writes_a_rag_with_its_shape(seeded_db: Path) -> None:
    for db, filters in (
        (open_database(seeded_db), PackFilters()),
        (open_database(seeded_db, scope="WDP-PRE"), PackFilters(pathfinder="WDP-PRE")),
    ):
        deck = compose(db, filters)
        texts = [t for s in deck.slides for t in (s.title, s.headline, s.notes, *s.bullets)]
        texts += [
            t
            for s in deck.slides
            if s.figure is not None
            for t in _strings(json.loads(s.figure.to_json()))
        ]
        for slide in deck.slides:
            if slide.table is not None and "RAG" in slide.table.columns:
                assert set(slide.table["RAG"]) <= SHOWN, slide.key
        assert bare_rags(texts) == [], filters
