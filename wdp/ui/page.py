"""Page furniture every page shares: set-up (config, menu, sign-in gate, heading, the synthetic
label), charts with their data and download, definitions, attributions, links between pages.

A page starts with ``summary = page.setup(__file__)``: its spec (``wdp.ui.pages``) gives the
title and who may open it, so a page never repeats either. Each page also runs on its own
(AppTest), so nothing here relies on state that only the entry script sets.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from wdp.auth import User
from wdp.config import PUBLIC_DATA_LABEL, SYNTHETIC_LABEL
from wdp.ui import auth
from wdp.ui.data import explained, reads
from wdp.ui.exports import download_csv
from wdp.ui.filters import from_url, menu
from wdp.ui.pages import APP_TITLE, OVERVIEW, PageSpec, spec_for

# An emoji, not a ":material/...:" icon: those make the browser fetch a favicon from the internet.
PAGE_ICON = "📊"


# Captions in NHS secondary-text grey, #4C6272, at full strength: 6.4:1 on white and 5.8:1 on the
# sidebar's pale grey, where Streamlit draws them at 60% opacity (2.6:1 here), under the 4.5:1
# WCAG 2.2 AA asks of small text (tests/e2e/test_accessibility.py checks every
# page with axe-core).
SECONDARY_TEXT = "#4C6272"
ACCESSIBLE_STYLE = f"""<style>
[data-testid="stCaptionContainer"], kbd[aria-label^="Shortcut"] {{
    opacity: 1 !important;  /* Streamlit fades captions and shortcut hints to 60% */
}}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stCaptionContainer"] li, kbd[aria-label^="Shortcut"] {{
    color: {SECONDARY_TEXT} !important;  /* and a button's keyboard shortcut (4.0:1) */
}}
</style>"""


def setup(script: str, *, show_title: bool = True, banner: bool = True) -> dict[str, Any]:
    """Set up the page whose script this is; return the database summary.

    Stops the page with a sentence when there is no usable database, when a real programme's
    data needs sign-in first, when the identity provider signed in someone with no account here,
    or when the signed-in person's role may not open it (checked here, on the server, whatever
    the menu showed). Presentation mode draws its own heading and carries the synthetic label on
    every slide (``show_title``, ``banner``).
    """
    spec = spec_for(script)
    page_title = APP_TITLE if spec == OVERVIEW else f"{spec.title} · {APP_TITLE}"
    st.set_page_config(page_title=page_title, page_icon=PAGE_ICON, layout="wide")
    st.html(ACCESSIBLE_STYLE)
    auth.new_page_run()
    auth.start_provider_sign_in_if_asked()
    with explained():
        auth.return_after_provider_sign_in(spec)
        visitor = auth.visitor()
        menu(spec)
        auth.sidebar_status(spec)
    if show_title:
        st.title(spec.title)
    if visitor.no_account is not None:
        auth.no_account_here(visitor.no_account)
        st.stop()
    # The sample programme is an open demonstration; a real programme's data needs sign-in.
    if spec.public:
        return {}
    if visitor.user is None and not reads.is_sample_database():
        st.info("Sign in to see the programme's figures.")
        auth.sign_in_controls(spec)
        st.stop()
    summary = reads.database_summary()
    if banner:
        synthetic_banner(summary["synthetic_pathfinders"] > 0)
    if spec.roles:
        require(spec)
    return summary


def require(spec: PageSpec) -> User:
    """The signed-in person, when the page allows their role; otherwise a way to sign in (or a
    sentence saying the page is not for them), and the page stops."""
    user = auth.current_user()
    if user is None:
        st.info("Sign in to continue.")
        auth.sign_in_controls(spec)
        st.stop()
    if not spec.allows(user.role):
        st.error(
            f"Your account ({user.role.label.lower()}) cannot use this page. Ask the programme "
            "team if you need access."
        )
        st.stop()
    return user


def signed_in_user(script: str) -> User:
    """The person using a page that needs a role (``setup`` has already checked it)."""
    return require(spec_for(script))


def synthetic_banner(is_synthetic: bool) -> None:
    """The label every view of the sample programme carries."""
    if is_synthetic:
        st.warning(f"**{SYNTHETIC_LABEL}**", icon=":material/science:")


def format_timestamp(value: str | dt.datetime | None) -> str:
    if value is None:
        return "never"
    stamp = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return stamp.strftime("%d %b %Y %H:%M")


def chart_config(filename: str) -> dict[str, Any]:
    """Plotly's toolbar: the camera button downloads the chart on its own as a PNG, at twice
    the screen's resolution, named after the chart's data file."""
    stem = filename.rsplit(".", 1)[0]
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": stem, "scale": 2},
    }


def show_chart(
    figure: Any,
    data: pd.DataFrame,
    *,
    key: str,
    filename: str,
    note: str | None = None,
    data_label: str | None = None,
) -> None:
    """A chart, then its data as a table with a CSV download (every chart has both): the table
    is the chart's text alternative, one keyboard step away, named after the chart so a screen
    reader's list of controls says which chart it belongs to."""
    st.plotly_chart(figure, key=key, config=chart_config(filename))
    if note:
        st.caption(note)
    with st.expander(data_label or chart_data_label(figure)):
        st.dataframe(data, hide_index=True)
        download_csv(data, filename=filename, key=f"{key}_csv")


def chart_data_label(figure: Any) -> str:
    """ "Data behind this chart: <its title>" (the title without its markup)."""
    title = getattr(getattr(getattr(figure, "layout", None), "title", None), "text", None)
    if not title:
        return "Data behind this chart"
    plain = re.sub(r"<[^>]+>", " ", str(title))
    return f"Data behind this chart: {' '.join(plain.split())}"


def definitions(items: dict[str, str], *, title: str = "Definitions") -> None:
    """What each measure means: numerator, denominator, source, method."""
    with st.expander(title):
        for term, meaning in items.items():
            st.markdown(f"**{term}**: {meaning}")


def public_data_note() -> None:
    """The attribution public data carries wherever it is shown."""
    st.caption(PUBLIC_DATA_LABEL)


def no_returns_yet(what: str = "") -> None:
    """The sentence a page shows before any return is loaded; stops the page."""
    st.info(
        f"No returns have been loaded yet{what}. Load a pathfinder's return with "
        "`python -m etl load FILE.xlsx`, or build the sample programme with `python -m etl seed`."
    )
    st.stop()


def page_link(script: str, label: str) -> None:
    """A link to another page, carrying the filters, when that page exists."""
    spec = spec_for(script)
    if spec.exists:
        # A page run on its own (AppTest) has no sibling pages registered to link to.
        with contextlib.suppress(StreamlitAPIException):
            st.page_link(
                spec.script,
                label=label,
                icon=":material/arrow_forward:",
                query_params=from_url().as_params(),
            )
