"""The board pack in the app: downloads (PowerPoint, PDF, a PNG per chart) and presentation mode.

Both draw the same ``Deck`` (``wdp.boardpack.content``), built for the URL's filters from what the
reader may see: a lead's deck comes from a connection scoped to their pathfinder, and choosing a
pathfinder in the filters builds that pathfinder's deck the same way.

Presentation mode is the URL parameter ``present=1`` (with ``slide=KEY``): no sidebar or Streamlit
chrome, large type, light colours whatever the viewer's theme, one slide per screen with Previous
and Next, and the filters kept in the URL so a copied link opens the same slide.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from string import Template
from typing import Any

import streamlit as st

from wdp import services
from wdp.boardpack import Deck, PackFilters, compose, render_pack
from wdp.boardpack.render import cell_text, figure_png, footer_text, slide_figure
from wdp.config import SYNTHETIC_LABEL, Colour, chromium_path, database_setting
from wdp.db import open_database
from wdp.ui import filters
from wdp.ui.auth import current_user
from wdp.ui.data import CACHE_MAX_ENTRIES, CACHE_TTL_S, database, explained
from wdp.ui.page import chart_config


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _deck(
    setting: str, version: Any, chosen: PackFilters, scope: str | None, audience: str
) -> Deck:
    return compose(open_database(setting, scope=scope), chosen, audience=audience)


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _files(
    setting: str, version: Any, chosen: PackFilters, scope: str | None, audience: str
) -> dict[str, Any]:
    pack = render_pack(_deck(setting, version, chosen, scope, audience))
    return {"stem": pack.stem, "pptx": pack.pptx, "pdf": pack.pdf}


PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _pack_key(audience: str | None) -> tuple[str, Any, PackFilters, str | None, str]:
    """What this reader's pack is built from, as a cache key: the link's filters, limited by
    ``services.pack_view`` to what they may see (a lead's pack is always their own pathfinder's)."""
    with explained():
        view = services.pack_view(
            database(),
            PackFilters.from_params(filters.from_url().as_params()),
            user=current_user(),
            audience=audience,
        )
        version = view.db.data_version()
        return database_setting(), version, view.filters, view.db.scope, view.audience


def current_deck(audience: str | None = None) -> Deck:
    with explained():
        return _deck(*_pack_key(audience))


def pack_maker(audience: str | None = None) -> Callable[[str], bytes]:
    """A function giving the PowerPoint or PDF for the current filters, drawn when first asked
    for (a download's deferred data), then cached. The filters and the reader's scope are read
    now, in the page's run: the download is served outside it."""
    key = _pack_key(audience)
    return lambda kind: _files(*key)[kind]


def default_audience() -> str:
    return services.default_audience(current_user())


# ------------------------------------------------------------------------------------------------
# Downloads
# ------------------------------------------------------------------------------------------------


def download_section(deck: Deck, audience: str) -> None:
    """PowerPoint and PDF of the whole pack, and each chart on its own as PNG."""
    if chromium_path() is None:
        st.error(
            "Board packs draw their charts with Chromium, which is not installed on this server. "
            "Install it with `make chromium` and reload this page."
        )
        return
    stem = f"wdp-board-pack-{(deck.period or 'no-data').replace(' ', '-')}"

    maker = pack_maker(audience)

    downloads = (  # (kind, label, MIME type, icon, primary)
        ("pptx", "Board pack (PowerPoint)", PPTX_MIME, ":material/download:", True),
        ("pdf", "Same pages as PDF", "application/pdf", ":material/picture_as_pdf:", False),
    )
    for column, (kind, label, mime, icon, primary) in zip(
        st.columns([1, 1, 2]), downloads, strict=False
    ):
        column.download_button(
            label,
            lambda kind=kind: maker(kind),
            file_name=f"{stem}.{kind}",
            mime=mime,
            icon=icon,
            type="primary" if primary else "secondary",
            on_click="ignore",
            key=f"pack_{kind}",
        )
    st.caption(
        f"{len(deck.slides)} slides; the file is drawn when you press the button (a few seconds). "
        "The same pack comes from `python -m etl pack`, for a schedule."
    )


def slide_list(deck: Deck) -> None:
    """Every slide: its title and headline, with a PNG download for each chart."""
    for number, slide in enumerate(deck.slides, start=1):
        with st.container(border=True):
            text, action = st.columns([5, 1])
            text.markdown(f"**{number}. {slide.title}**")
            if slide.headline:
                text.caption(slide.headline)
            if slide.figure is not None:
                action.download_button(
                    "PNG",
                    _png(slide.figure),
                    file_name=f"{number:02d}-{slide.key}.png",
                    mime="image/png",
                    icon=":material/image:",
                    on_click="ignore",
                    key=f"png_{slide.key}",
                    help="This chart on its own, as drawn in the pack",
                )
            action.button(
                "Present",
                on_click=start_presenting,
                args=(slide.key,),
                icon=":material/present_to_all:",
                key=f"present_from_{slide.key}",
                help="Open presentation mode at this slide",
            )
    if deck.left_out:
        st.caption("Not in this pack (no data loaded): " + "; ".join(deck.left_out) + ".")


def _png(figure):
    return lambda: figure_png(figure)


def start_presenting(slide: str) -> None:
    st.query_params["present"] = "1"
    st.query_params["slide"] = slide


# ------------------------------------------------------------------------------------------------
# Presentation mode
# ------------------------------------------------------------------------------------------------

PRESENT_CSS = Template(
    """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], footer { display: none !important; }
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    background: $WHITE !important; color: $TEXT !important; }
[data-testid="stMainBlockContainer"] { padding: 1.5rem 3rem 1rem 3rem; max-width: 100%; }
.wdp-slide-title { font-size: 2.6rem; font-weight: 700; color: $BLUE; line-height: 1.15;
    margin: 0 0 0.4rem 0; }
.wdp-slide-headline { font-size: 1.7rem; font-weight: 600; color: $TEXT; margin-bottom: 0.6rem; }
.wdp-slide-bullets li { font-size: 1.35rem; color: $TEXT; margin-bottom: 0.5rem; }
.wdp-slide-footer { font-size: 0.95rem; color: $DARK_GREY; }
.wdp-badge { display: inline-block; color: $WHITE; font-weight: 700; font-size: 1.1rem;
    border-radius: 0.4rem; padding: 0.2rem 0.8rem; margin-right: 0.6rem; }
.wdp-slide-table table { font-size: 1.1rem; width: 100%; border-collapse: collapse; }
.wdp-slide-table th { background: $BLUE; color: $WHITE; text-align: left; padding: 0.3rem; }
.wdp-slide-table td { padding: 0.25rem 0.3rem; border-bottom: 1px solid $BORDER_GREY; }
</style>
"""
).substitute({k: v for k, v in vars(Colour).items() if not k.startswith("_")})


def is_presenting() -> bool:
    return st.query_params.get("present") == "1"


def _go(slide: str) -> None:
    st.query_params["slide"] = slide


def _exit() -> None:
    for name in ("present", "slide"):
        st.query_params.pop(name, None)


def _navigation(keys: list[str], index: int) -> None:
    """Previous, where we are, Next, Exit: buttons, and the arrow keys and Escape."""
    back, where, forward, leave = st.columns([1, 2, 1, 1], vertical_alignment="center")
    back.button(
        "◀ Previous",
        on_click=_go,
        args=(keys[index - 1],),
        disabled=index == 0,
        key="present_previous",
        width="stretch",
        shortcut="ArrowLeft",
    )
    where.markdown(
        f"<div style='text-align:center;font-size:1.1rem'>Slide {index + 1} of {len(keys)} "
        "· ← → keys</div>",
        unsafe_allow_html=True,
    )
    forward.button(
        "Next ▶",
        on_click=_go,
        args=(keys[min(index + 1, len(keys) - 1)],),
        disabled=index == len(keys) - 1,
        key="present_next",
        type="primary",
        width="stretch",
        shortcut="ArrowRight",
    )
    leave.button("Exit", on_click=_exit, key="present_exit", width="stretch", shortcut="Escape")


def present(deck: Deck) -> None:
    """One slide on the whole screen, with Previous and Next above it."""
    st.html(PRESENT_CSS)
    keys = [s.key for s in deck.slides]
    wanted = st.query_params.get("slide")
    index = keys.index(wanted) if wanted in keys else 0
    slide = deck.slides[index]
    _navigation(keys, index)
    st.html(
        f'<div class="wdp-slide-title" role="heading" aria-level="1">{escape(slide.title)}</div>'
    )
    if slide.headline:
        st.html(f'<div class="wdp-slide-headline">{escape(slide.headline)}</div>')
    if slide.badges:
        st.html(
            "".join(
                f'<span class="wdp-badge" style="background:{b.colour}">'
                f"{escape(b.symbol)} {escape(b.kind)}: {escape(b.text)}</span>"
                for b in slide.badges
            )
        )
    if slide.figure is not None:
        figure = slide_figure(slide.figure)
        figure.update_layout(height=520, font={"size": 18})
        st.plotly_chart(
            figure, theme=None, config=chart_config(slide.key), key=f"present_{slide.key}"
        )
        if slide.notes:  # the chart in words (its speaker notes), one keyboard step away
            with st.expander(f"About this chart: {slide.title}"):
                st.markdown(escape(slide.notes))
    elif slide.table is not None:
        shown = slide.table.map(cell_text)
        st.html(f'<div class="wdp-slide-table">{shown.to_html(index=False, escape=True)}</div>')
    elif slide.bullets:
        items = "".join(f"<li>{escape(b)}</li>" for b in slide.bullets)
        st.html(f'<ul class="wdp-slide-bullets">{items}</ul>')
    footer = footer_text(deck, slide) or (SYNTHETIC_LABEL if deck.synthetic else "")
    st.html(f'<div class="wdp-slide-footer">{escape(footer)}</div>')
