"""The Campaign activity page's outputs note and definitions.

Scope (reporting period to date, pathfinder) is shared with the Trained staff page:
``wdp.ui.training.read_scope``.
"""

from __future__ import annotations

from wdp.ui.training import SOURCE

PAGE = "activity"
TOP_POSTS = 10


OUTPUTS_NOTE = (
    "**These are campaign outputs, not health outcomes.** Posts, reach, engagements, Messenger "
    "enquiries and appointments booked say how far the champions' social-media work travelled. "
    "They do not show that more people were screened: reach is not uptake. For screening "
    "coverage and uptake see the Screening uptake page."
)

DEFINITIONS = {
    "Posts": "posts and messages published on practice Facebook pages, community groups and "
    "Messenger, summed over the monthly totals per channel and the single notable posts.",
    "Reach": "people who saw the content, from each platform's insights, summed over posts and "
    "months. The same person seeing two posts is counted twice, so this is not a count of "
    "people, and it is not screening uptake.",
    "Engagements": "reactions, comments, shares and clicks, summed.",
    "Messenger enquiries": "questions received by Messenger or direct message, summed.",
    "Appointments booked": "screening appointments the practices recorded as booked as a result "
    "of the campaign, where known. Bookings, not attendances: a booked appointment may not be "
    "kept.",
    "Blank counts": "a count a pathfinder left blank is left out of the total and shown as "
    "'not returned', never as 0. A month with no activity returned at all has no bar.",
    "Top posts": "single notable posts (returned with a post title, one post per row) ranked "
    "by reach. Their counts are also in the totals above.",
    "Reporting period": "an NHS financial-year quarter: 2017-18 Q1 is April to June 2017. "
    "Figures are to date: every quarter up to and including the one chosen.",
    "Source": SOURCE.replace("Training sheet", "Activity sheet"),
}
