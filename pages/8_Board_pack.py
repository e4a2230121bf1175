"""Board pack and presentation mode: the programme's key views as PowerPoint, PDF and PNG, and
on the projector one slide at a time. Widgets in wdp.ui.board_pack; slides in wdp.boardpack."""

import streamlit as st

from wdp.ui import board_pack, page

if board_pack.is_presenting():
    page.setup(__file__, show_title=False, banner=False)
    board_pack.present(board_pack.current_deck())
    st.stop()

page.setup(__file__)
st.caption(
    "The key views of the dashboard as slides, each with a headline computed from the data, for "
    "the filters in the link that brought you here (reporting period, pathfinder, programme, "
    "measure). A pathfinder lead's pack holds only their pathfinder and public data."
)
audience = st.text_input("Prepared for", value=board_pack.default_audience(), max_chars=120)
deck = board_pack.current_deck(audience)
st.button(
    "Present on a projector",
    on_click=board_pack.start_presenting,
    args=(deck.slides[0].key,),
    icon=":material/present_to_all:",
    type="primary",
    key="present_start",
    help="Full screen, large type, one slide at a time (the link can be shared)",
)
board_pack.download_section(deck, audience)
st.subheader("Slides")
board_pack.slide_list(deck)
