"""Board pack and presentation mode: the programme's key views as PowerPoint, PDF and PNG, and
on the projector one slide at a time. Render only: see wdp.ui.present and wdp.boardpack."""

import streamlit as st

from wdp import ui
from wdp.ui import present

if present.is_presenting():
    ui.setup_page("Board pack", show_title=False, banner=False)
    present.present(present.current_deck(present.default_audience()))
    st.stop()

ui.setup_page("Board pack")
st.caption(
    "The key views of the dashboard as slides, each with a headline computed from the data, for "
    "the filters in the link that brought you here (reporting period, pathfinder, programme, "
    "measure). A pathfinder lead's pack holds only their pathfinder and public data."
)
audience = st.text_input("Prepared for", value=present.default_audience(), max_chars=120)
deck = present.current_deck(audience)
st.button(
    "Present on a projector",
    on_click=present.start_presenting,
    args=(deck.slides[0].key,),
    icon="📽️",
    type="primary",
    key="present_start",
    help="Full screen, large type, one slide at a time (the link can be shared)",
)
present.download_section(deck, audience)
st.subheader("Slides")
present.slide_list(deck)
