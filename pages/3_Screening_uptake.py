"""Screening uptake by area: the public benchmark for every English area, and the pathfinders'
own figures, for one programme and one measure at a time. Render only: see wdp.ui.screening."""

import streamlit as st

from wdp import ui
from wdp.ui import screening as view

ui.setup_page("Screening uptake by area")
view.headline_cards()
programme, measure = view.programme_and_measure()
areas = view.pathfinder_areas()
highlight = set(areas["lad_code"].dropna())

public, pathfinders = st.tabs(["England: every area (public data)", "Pathfinders (returns)"])
with public:
    view.public_benchmark(programme, measure, highlight)
with pathfinders:
    view.pathfinder_section(programme, measure)

ui.definitions(
    {
        "Coverage": "people screened within the look-back period / all eligible people (breast: "
        "women 53-70, last 36 months; cervical: 25-49 within 3.5 years, 50-64 within 5.5 years; "
        "bowel: 60-74 within 30 months).",
        "Uptake": "people invited in a period who were screened within 6 months of invitation / "
        "people invited.",
        "First-time attendance": "first-invitation attendances, compared between screening cycles.",
        "Rank": "position among all areas or services for one measure and period (1 = highest).",
        "95% confidence interval": "Wilson score interval computed from the count and denominator, "
        "as OHID Fingertips does; checked against the published limits on every import.",
        "Better / Similar / Worse than England": "the area's 95% interval lies wholly above / "
        "overlaps / lies wholly below England's value (for screening, higher is better).",
        "Sources": "public figures: OHID Fingertips and PHE (Open Government Licence v3.0); "
        "pathfinder figures: the pathfinders' quarterly returns (the current return counts).",
    }
)
