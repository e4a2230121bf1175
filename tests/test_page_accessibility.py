"""The accessibility statement page through AppTest: open to anyone, even where a real
programme's data needs sign-in, in the standard form, with the date it was last tested."""

from __future__ import annotations

from tests import apptest
from wdp.ui.accessibility import LAST_TESTED
from wdp.ui.pages import PAGES

PAGE = "pages/10_Accessibility.py"


def text_of(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_statement_is_open_to_anyone_even_on_a_real_programme(monkeypatch, reference_db):
    at = apptest.as_account(monkeypatch, reference_db, None, PAGE)  # signed out, not the sample
    assert not at.exception
    assert at.title[0].value == "Accessibility statement"
    text = text_of(at)
    assert "Sign in to see" not in text
    for part in (
        "How accessible this website is",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Equality Advisory and Support Service",
        "partially compliant with the Web Content Accessibility Guidelines version 2.2",
        f"last tested on\n**{LAST_TESTED:%-d %B %Y}**",
    ):
        assert part in text, part


def test_the_contact_is_the_configured_one(monkeypatch, seeded_db):
    monkeypatch.setenv("WDP_CONTACT_EMAIL", "wdp.help@nhs.net")
    at = apptest.as_account(monkeypatch, seeded_db, None, PAGE)
    assert "email **wdp.help@nhs.net**" in text_of(at)


def test_every_page_links_to_it_in_the_menu():
    assert [s.label for s in PAGES if s.script == PAGE] == ["Accessibility"]
    assert all(s.icon.startswith(":material/") for s in PAGES)  # no emoji: no tofu boxes
