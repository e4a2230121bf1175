"""Filters that live in the URL and carry across pages, and the page menu that carries them.

Every filter is a query parameter (``?period=2017-18+Q3&pathfinder=WDP-STK``), so a copied link
reproduces the view. Each page shows the filters it uses in the sidebar; a change writes the URL;
the menu's links pass the current filters on to the next page. A value in the URL that is not one
of the options (an old link, a typo) is ignored, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import streamlit as st
from streamlit.errors import StreamlitAPIException

from wdp.domain import LabelledEnum
from wdp.ui.pages import BOARD_PACK, PAGES, PageSpec

ALL = "All"


@dataclass(frozen=True)
class Filters:
    """The current selection; ``None`` means all."""

    period: str | None = None
    pathfinder: str | None = None
    programme: str | None = None
    measure: str | None = None
    indicator: str | None = None  # a public indicator id (Fingertips)
    year: str | None = None  # a public indicator's time period
    area: str | None = None

    def as_params(self) -> dict[str, str]:
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name))}


FILTER_NAMES = tuple(f.name for f in fields(Filters))
LABELS = {
    "period": "Reporting period",
    "pathfinder": "Pathfinder",
    "programme": "Programme",
    "measure": "Measure",
    "indicator": "Public indicator",
    "year": "Year",
    "area": "Area",
}


def from_url() -> Filters:
    """The filters as the URL gives them (unchecked: pages check them against their options)."""
    params = st.query_params
    return Filters(**{name: params.get(name) or None for name in FILTER_NAMES})


def _write(name: str, widget_key: str) -> None:
    value = st.session_state[widget_key]
    if value is None or value == ALL:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value


def select(
    name: str,
    options: Sequence[str],
    *,
    labels: dict[str, str] | None = None,
    allow_all: bool = True,
    default: str | None = None,
    page: str = "page",
) -> str | None:
    """A sidebar filter bound to the URL parameter ``name``; returns the chosen option or None.

    ``options`` are the values kept in the URL (codes); ``labels`` what people read.
    """
    if name not in FILTER_NAMES:
        raise ValueError(f"unknown filter {name!r}")
    choices = ([ALL] if allow_all else []) + list(options)
    wanted = st.query_params.get(name)
    if wanted not in options:
        wanted = (
            default
            if default in options
            else (ALL if allow_all else (choices[0] if choices else None))
        )
    widget_key = f"{page}_filter_{name}"
    # Keep the widget in step with the URL (a link may have brought new filters).
    if st.session_state.get(widget_key) != wanted:
        st.session_state[widget_key] = wanted
    labels = labels or {}
    value = st.sidebar.selectbox(
        LABELS[name],
        choices,
        key=widget_key,
        format_func=lambda v: labels.get(v, v),
        on_change=_write,
        args=(name, widget_key),
    )
    if value not in (None, ALL) and st.query_params.get(name) != value:
        st.query_params[name] = value  # a default chosen for the person goes into the URL too
    return None if value in (None, ALL) else value


def select_member(name: str, enum: type[LabelledEnum], default: LabelledEnum, *, page: str) -> str:
    """A sidebar filter choosing one member of a vocabulary (codes in the URL, labels shown)."""
    chosen = select(
        name,
        enum.codes(),
        labels={m.value: m.label for m in enum},
        allow_all=False,
        default=default.value,
        page=page,
    )
    return chosen or default.value


def menu(page: PageSpec, current: Filters | None = None) -> None:
    """The page menu in the sidebar (``wdp.ui.pages``); each link carries the current filters.
    A page with a key view also gets "Present this view": presentation mode, same filters, at
    the slide showing that view."""
    from wdp.ui.auth import current_user

    current = current or from_url()
    user = current_user()
    for spec in PAGES:
        if not spec.exists:
            continue
        if user is not None and not spec.allows(user.role):
            continue  # signed-out people still see the link: the page asks them to sign in
        try:
            st.sidebar.page_link(
                spec.script, label=spec.label, icon=spec.icon, query_params=current.as_params()
            )
        except StreamlitAPIException:
            # A page run on its own (AppTest.from_file) has no registered siblings to link to.
            return
    if page.slide is not None and BOARD_PACK.exists:
        st.sidebar.page_link(
            BOARD_PACK.script,
            label="Present this view",
            icon=":material/present_to_all:",
            query_params={**current.as_params(), "present": "1", "slide": page.slide},
            help="Full screen for a projector: large type, one view at a time, same filters",
        )
    st.sidebar.divider()
