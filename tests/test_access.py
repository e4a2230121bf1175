"""Access is enforced where data is read: a lead sees only their own pathfinder's returns, and a
real (not sample) database shows nothing until someone signs in."""

from __future__ import annotations

import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import as_account, metric
from tests.helpers import open_db
from wdp import services
from wdp.auth import User
from wdp.boardpack import PackFilters
from wdp.db import open_database, queries, writes
from wdp.domain import Role
from wdp.ui.pages import PAGES

STOKE_LEAD = User("lead.stoke@example.nhs.uk", "lead", "WDP-STK")


def run_as(monkeypatch, db: Path, page: str, user: User | None, **params: str) -> AppTest:
    """The page as ``user`` sees it once signed in (their account made first if need be)."""
    if user is not None and open_database(db).find_account(user.email) is None:
        with open_database(db).write() as tx:
            tx.save_account(
                email=user.email,
                role=user.role,
                pathfinder_code=user.pathfinder_code,
                password_hash=None,
            )
    return as_account(monkeypatch, db, user.email if user else None, page, **params)


def test_a_scoped_connection_sees_only_that_pathfinders_returns(seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        everyone = queries.database_summary(con)
        stoke = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = 'WDP-STK'"
        ).fetchone()[0]
    with open_db(seeded_db, read_only=True, scope="WDP-STK") as con:
        mine = queries.database_summary(con)
        history = queries.submission_history(con)
        preston = con.execute(
            "SELECT count(*) FROM latest_screening WHERE pathfinder_code = 'WDP-PRE'"
        ).fetchone()[0]
    assert mine["staff_trained"] == stoke < everyone["staff_trained"]
    assert set(history["pathfinder_code"]) == {"WDP-STK"}
    assert preston == 0


def test_a_lead_asking_for_another_pathfinder_gets_none(monkeypatch, seeded_db_copy: Path) -> None:
    seeded_db = seeded_db_copy
    at = run_as(monkeypatch, seeded_db, "pages/1_Trained_staff.py", STOKE_LEAD)
    with open_db(seeded_db, read_only=True) as con:
        stoke = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = 'WDP-STK'"
        ).fetchone()[0]
    assert metric(at, "Champions trained") == str(stoke)
    at = run_as(
        monkeypatch, seeded_db, "pages/1_Trained_staff.py", STOKE_LEAD, pathfinder="WDP-PRE"
    )
    assert not at.exception
    # Preston is not a pathfinder this lead can choose: the link's choice is ignored, as any
    # unknown filter value is, and the page shows Stoke's own figures, never Preston's.
    assert at.selectbox(key="training_filter_pathfinder").options == ["Stoke-on-Trent"]
    assert metric(at, "Champions trained") == str(stoke)
    overview = run_as(monkeypatch, seeded_db, "dashboard.py", STOKE_LEAD)
    assert metric(overview, "Champions trained") == str(stoke)


def test_a_real_database_shows_nothing_until_sign_in(
    monkeypatch, seeded_db: Path, tmp_path: Path, databases
) -> None:
    real = databases.copy(seeded_db, tmp_path, "real.duckdb")
    with open_db(real) as con:
        frame = con.execute("SELECT * FROM ref_pathfinder").df()
        writes.replace_reference(con, "ref_pathfinder", frame.assign(is_synthetic=False))
    at = run_as(monkeypatch, real, "dashboard.py", None)
    assert any("Sign in to see" in i.value for i in at.info)
    assert not at.metric
    director = User("d@nhs.net", "director")
    assert run_as(monkeypatch, real, "dashboard.py", director).metric


# ------------------------------------------------------------------------------------------------
# A lead sees their own pathfinder: never the others' names, padded with zeros
# ------------------------------------------------------------------------------------------------

PRESTON_LEAD, PRESTON = "lead.preston@example.nhs.uk", "WDP-PRE"  # a demo account of the sample
PUBLIC_DATA_PAGE = "pages/3_Screening_uptake.py"  # every area in England: places share names
TEXT_KINDS = ("markdown", "caption", "subheader", "info", "success", "warning", "error")


def _others(db: Path) -> re.Pattern[str]:
    """Any other pathfinder's name or code, as a whole word."""
    names = open_database(db).pathfinder_register()
    words = [w for code, name in names.items() if code != PRESTON for w in (code, name)]
    return re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")


def what_a_page_says_about_pathfinders(at: AppTest, *, public_data: bool) -> str:
    """The page's tables, charts, choices and sentences as one text. On the page of public data,
    where local authorities share pathfinders' names, only what it labels a pathfinder: columns
    and choices named so, and chart marks such as "Pathfinder area"."""
    parts: list[str] = []
    for table in at.dataframe:
        frame = table.value
        named = [c for c in frame.columns if "pathfinder" in str(c).lower()]
        parts += [frame[named].to_string()] if public_data else [frame.to_string()]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            said = json.dumps(trace, ensure_ascii=False)
            if (
                not public_data
                or "pathfinder" in f"{trace.get('name')} {trace.get('hovertemplate')}".lower()
            ):
                parts.append(said)
        if not public_data:
            parts.append(json.dumps(spec.get("layout", {}), ensure_ascii=False))
    for box in at.selectbox:
        if not public_data or "pathfinder" in box.label.lower():
            parts.append(" ".join(str(box.format_func(o)) for o in box.options))
    if not public_data:
        parts += [str(e.value) for kind in TEXT_KINDS for e in at.get(kind)]
        parts += [f"{m.label} {m.value} {m.help}" for m in at.metric]
    return "\n".join(parts)


def test_a_lead_sees_no_other_pathfinder_on_any_page(monkeypatch, seeded_db: Path) -> None:
    """Preston's lead: the register padded the others' hidden returns with zeros, so Trained
    staff listed 19 pathfinders that 'trained nobody'. Every page a lead may open names only
    Preston."""
    others = _others(seeded_db)
    pages = [s.script for s in PAGES if s.exists and s.allows(Role.LEAD)]
    assert "pages/1_Trained_staff.py" in pages and "pages/2_Pathfinder_status.py" in pages
    for script in pages:
        at = as_account(monkeypatch, seeded_db, PRESTON_LEAD, script)
        assert not at.exception, script
        said = what_a_page_says_about_pathfinders(at, public_data=script == PUBLIC_DATA_PAGE)
        assert not others.findall(said), f"{script} names {sorted(set(others.findall(said)))}"
        if script in ("dashboard.py", "pages/1_Trained_staff.py", "pages/2_Pathfinder_status.py"):
            assert "Preston" in said, script
        if script in ("pages/1_Trained_staff.py", "pages/4_Campaign_activity.py"):
            # Their figures are Preston's, and the charts say so (not "All pathfinders").
            assert "all pathfinders" not in said.lower(), script
    screening = as_account(monkeypatch, seeded_db, PRESTON_LEAD, PUBLIC_DATA_PAGE)
    preston_area = open_database(seeded_db).pathfinder_areas().set_index("pathfinder_code")
    area = screening.selectbox(key="screening_filter_area").value
    assert area == preston_area.loc[PRESTON, "lad_code"]  # their own area's trend, first


def test_a_leads_board_pack_names_no_other_pathfinder(seeded_db: Path) -> None:
    """Built as the app and `etl pack --as` build it, and from the lead's database alone (no
    pathfinder chosen): the scope is enough. Public slides of every area are left aside."""
    others = _others(seeded_db)
    lead = open_database(seeded_db).find_account(PRESTON_LEAD)
    user = User(lead.email, lead.role, lead.pathfinder_code)
    views = [
        services.pack_view(open_database(seeded_db), PackFilters(), user=user),
        services.PackView(open_database(seeded_db, scope=PRESTON), PackFilters(), "Preston lead"),
    ]
    for view in views:
        deck = services.compose_pack(view)
        for slide in deck.slides:
            if slide.key.startswith(("funnel", "spc")):
                continue  # every local authority in England, pathfinder or not
            said = [slide.title, slide.headline, slide.notes, *slide.bullets]
            if slide.table is not None:
                said.append(slide.table.to_string())
            if slide.figure is not None:
                said.append(slide.figure.to_json())
            found = sorted(set(others.findall("\n".join(said))))
            assert not found, f"{slide.key} ({view.filters.pathfinder}) names {found}"
