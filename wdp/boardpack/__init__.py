"""Board packs: the programme's key views as a PowerPoint deck, the same pages as a PDF, and each
chart as a PNG, built from the database for the current filters and the reader's role.

    db = open_database()                               # a lead's: open_database().scoped(code)
    deck = compose(db, PackFilters(programme="cervical"), audience="Programme board")
    pack = render_pack(deck)                           # one Chromium for all the charts
    pack.write(Path("out"))                            # board_pack.pptx, board_pack.pdf, charts/

``python -m etl pack`` builds one without a browser session, so it can be scheduled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wdp.boardpack.content import Deck, PackFilters, Slide, compose
from wdp.boardpack.render import BoardPackError, chart_images, figure_png, to_pdf, to_pptx

__all__ = [
    "BoardPack",
    "BoardPackError",
    "Deck",
    "PackFilters",
    "Slide",
    "compose",
    "figure_png",
    "render_pack",
]


@dataclass
class BoardPack:
    deck: Deck
    pptx: bytes
    pdf: bytes
    images: dict[str, bytes]  # slide key -> PNG

    @property
    def stem(self) -> str:
        period = re.sub(r"[^A-Za-z0-9]+", "-", self.deck.period or "no-data").strip("-")
        return f"wdp-board-pack-{period}"

    def png_name(self, key: str) -> str:
        number = next(i for i, s in enumerate(self.deck.slides, start=1) if s.key == key)
        return f"{number:02d}-{key}.png"

    def write(self, folder: Path) -> list[Path]:
        """The deck, the PDF and every chart's PNG into ``folder``; returns the paths written."""
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / f"{self.stem}.pptx", folder / f"{self.stem}.pdf"]
        written[0].write_bytes(self.pptx)
        written[1].write_bytes(self.pdf)
        charts = folder / "charts"
        charts.mkdir(exist_ok=True)
        for key, png in self.images.items():
            path = charts / self.png_name(key)
            path.write_bytes(png)
            written.append(path)
        return written


def render_pack(deck: Deck) -> BoardPack:
    """Draw the deck: charts once (one browser), then PowerPoint and PDF from the same images."""
    images = chart_images(deck)
    return BoardPack(deck, to_pptx(deck, images), to_pdf(deck, images), images)
