"""The accessibility statement (Public Sector Bodies (Websites and Mobile Applications) (No. 2)
Accessibility Regulations 2018), in the standard form GOV.UK publishes: what is accessible, what
is not and why, how to report a problem, the enforcement procedure, and when it was last tested.

``LAST_TESTED`` is the date the checks below last passed in full (``make test`` runs them:
tests/e2e/test_accessibility.py, axe-core on every page as every role, and the keyboard-only
test); update it, and the list of known problems, when they are run for a release.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from wdp.config import contact_email

LAST_TESTED = dt.date(2026, 12, 2)
STATEMENT_PREPARED = dt.date(2026, 12, 2)
STANDARD = "Web Content Accessibility Guidelines version 2.2, level AA"

# What is not yet accessible, and why: each an honest sentence a person can act on.
KNOWN_PROBLEMS = (
    "Charts are pictures. Each has its figures as a table one click away (the 'Data behind "
    "this chart' section under it, named after the chart), with a CSV download, and no chart "
    "relies on colour alone: ratings carry shapes (◆ Red, ▲ Amber, ● Green) and words.",
    "Tables are drawn by Streamlit's data grid. You can move around them with the arrow keys "
    "and screen readers read them as a grid, but some screen readers announce the cells "
    "unevenly; every table downloads as a CSV file, which any spreadsheet reads.",
    "The maps colour areas by their figures; the same figures are in the table beside each map.",
    "The board pack's PDF is not tagged for screen readers. The PowerPoint version has a title "
    "on every slide and its tables as real tables: use it, or the dashboard itself.",
    "Signing in with an NHS account happens on Microsoft's pages, which Microsoft's own "
    "accessibility statement covers.",
)


def statement() -> None:
    """The statement, as a page."""
    email = contact_email()
    st.markdown(
        """
This statement applies to the WDP programme dashboard, run by NHS England's Widening Digital
Participation programme. We want as many people as possible to be able to use it. For example,
that means you should be able to:

- change colours, contrast levels and fonts using your browser or device settings;
- zoom in up to 400% without the text spilling off the screen;
- navigate everything using just a keyboard, or speech recognition software;
- listen to most of it using a screen reader (including the most recent versions of JAWS, NVDA
  and VoiceOver).

We have also made the text as simple as we can. [AbilityNet](https://mcmw.abilitynet.org.uk/)
has advice on making your device easier to use if you have a disability.

### How accessible this website is

We know some parts are not fully accessible:
"""
    )
    st.markdown("\n".join(f"- {problem}" for problem in KNOWN_PROBLEMS))
    st.markdown(
        f"""
### Feedback and contact information

If you need information on this website in a different format, such as accessible PDF, large
print, easy read, audio recording or braille, email **{email}**. We will consider your request
and get back to you within 5 working days.

### Reporting accessibility problems with this website

We are always looking to improve the accessibility of this website. If you find any problems not
listed on this page or think we are not meeting accessibility requirements, email **{email}**.

### Enforcement procedure

The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector
Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the
'accessibility regulations'). If you are not happy with how we respond to your complaint,
[contact the Equality Advisory and Support Service (EASS)](https://www.equalityadvisoryservice.com/).

### Technical information about this website's accessibility

NHS England is committed to making its websites accessible, in accordance with the Public Sector
Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018.

**Compliance status.** This website is partially compliant with the {STANDARD}, due to the
non-compliances listed above ("How accessible this website is").

### What we are doing to improve accessibility

Every change to the dashboard is checked before release: an automated accessibility check
(axe-core, the WCAG 2.0, 2.1 and 2.2 A and AA rules) runs on every page as each kind of user
(director, pathfinder lead, viewer, admin), in presentation mode, on the Upload page after an
upload with errors and on the Evaluation page, and must find nothing; and a test signs in, uploads
a return, reads its error summary and confirms it using the keyboard alone.

### Preparation of this accessibility statement

This statement was prepared on {STATEMENT_PREPARED:%-d %B %Y}. This website was last tested on
**{LAST_TESTED:%-d %B %Y}**, by the development team, with the automated and keyboard-only tests
described above.
"""
    )
