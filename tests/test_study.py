"""The evaluation study on a real database: the plan fixed before results, the study on it, the
command line's contract, the Evaluation page and the board-pack slide.

The sample programme (seeded) carries a synthetic public GP-practice panel with a known injected
effect (data/sample/README.md: breast uptake +1.5 points) and plans fixed at seed time for each
programme's preferred indicator; breast coverage (94063) is left without a plan.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests import apptest
from tests.helpers import open_db
from wdp import services, study
from wdp.boardpack.content import PackFilters, compose
from wdp.db import open_database

ROOT = Path(__file__).resolve().parent.parent
BREAST_UPTAKE, BREAST_COVERAGE = 91340, 94063
TRUE_EFFECT = 1.5  # data/sample/README.md
PAGE = "pages/9_Evaluation.py"


def test_the_sample_has_plans_fixed_before_results(seeded_db) -> None:
    db = open_database(seeded_db)
    plan = study.load_plan(db, indicator_id=BREAST_UPTAKE)
    assert plan is not None and plan.fixed_by == "sample-programme"
    assert study.load_plan(db, indicator_id=BREAST_COVERAGE) is None  # left to show the way
    assert max(plan.baseline_years) < plan.first_go_live
    arms = plan.practices["arm"].value_counts()
    assert arms["comparison"] == 3 * arms["pathfinder"]  # k = 3, no region ran short
    assert "Verdict rule" in plan.plan_text


def test_comparison_practices_are_eligible(seeded_db) -> None:
    db = open_database(seeded_db)
    plan = study.load_plan(db, indicator_id=BREAST_UPTAKE)
    practices = plan.practices
    comparison = practices[practices["arm"] == "comparison"]
    treated = set(practices.loc[practices["arm"] == "pathfinder", "practice_code"])
    in_areas = set(db.pathfinder_area_practices()["practice_code"])
    profiles = db.practice_profiles().set_index("practice_code")
    assert not set(comparison["practice_code"]) & (treated | in_areas)
    assert comparison["practice_code"].is_unique
    region = profiles["region_code"]
    assert (
        comparison["practice_code"].map(region).to_numpy()
        == comparison["matched_to"].map(region).to_numpy()
    ).all()


def test_outcomes_after_go_live_cannot_change_the_comparison_practices(
    seeded_db_copy, monkeypatch
) -> None:
    """The plan reads only years before the first go-live: whatever the later figures say (here
    every figure from go-live on is replaced by nonsense), the same practices are chosen."""
    db = open_database(seeded_db_copy)
    before = study.load_plan(db, indicator_id=BREAST_UPTAKE)
    real = type(db).read

    def later_figures_scrambled(self, name, *args, **kwargs):
        frame = real(self, name, *args, **kwargs)
        if name == "gp_indicator_panel":
            later = frame["year"] >= before.first_go_live
            frame.loc[later, "numerator"] = frame.loc[later, "denominator"] // 7
        return frame

    monkeypatch.setattr(type(db), "read", later_figures_scrambled)
    again = services.fix_evaluation_plan(
        db, fixed_by="tester", indicator_id=BREAST_UPTAKE, replace=True
    )
    columns = ["practice_code", "arm", "matched_to"]
    assert (
        again.practices[columns]
        .sort_values(columns)
        .reset_index(drop=True)
        .equals(before.practices[columns].sort_values(columns).reset_index(drop=True))
    )


def test_a_plan_is_superseded_only_when_asked_and_both_stay_on_record(seeded_db_copy) -> None:
    db = open_database(seeded_db_copy)
    first = study.load_plan(db, indicator_id=BREAST_UPTAKE)
    with pytest.raises(services.PlanAlreadyFixed, match="--replace"):
        services.fix_evaluation_plan(db, fixed_by="someone", indicator_id=BREAST_UPTAKE)
    second = services.fix_evaluation_plan(
        db, fixed_by="someone", indicator_id=BREAST_UPTAKE, replace=True
    )
    assert second.plan_id != first.plan_id
    assert study.load_plan(db, indicator_id=BREAST_UPTAKE).plan_id == second.plan_id
    history = db.evaluation_plans()
    old = history[history["plan_id"] == first.plan_id].iloc[0]
    assert pd.notna(old["superseded_at"]) and old["fixed_by"] == "sample-programme"


def test_the_study_finds_the_injected_effect(seeded_db) -> None:
    found = services.evaluate(open_database(seeded_db), indicator_id=BREAST_UPTAKE)
    lo, hi = found.result.pooled.ci95
    assert lo < TRUE_EFFECT < hi and lo > 0
    assert found.verdict.startswith("Breast screening uptake rose ")
    assert not found.result.pre_trend.flag  # no differential trend was injected
    assert any("synthetic" in c for c in found.caveats)
    assert any("2020/21" in c for c in found.caveats)  # the COVID break, named
    placebo = next(s for s in found.sensitivity if s.label == "Placebo go-live")
    assert placebo.ci95[0] < 0 < placebo.ci95[1]  # before go-live there is nothing to find
    labels = {s.label for s in found.sensitivity}
    assert {
        "COVID year kept in",
        "Nearest match only",
        "Another comparison group",
        "Leave one pathfinder out",
    } <= labels
    unmatched = next(s for s in found.sensitivity if s.label == "Another comparison group")
    assert unmatched.n_comparison > found.result.n_comparison  # every eligible practice
    assert "Coverage instead" in labels


def test_one_pathfinder_gets_its_own_study_and_a_synthetic_control(seeded_db) -> None:
    db = open_database(seeded_db)
    found = services.evaluate(db, indicator_id=BREAST_UPTAKE, pathfinder="WDP-STK")
    assert list(found.result.by_group["group"]) == ["WDP-STK"]
    assert found.synthetic is not None and 0 < found.synthetic.p_value <= 1
    with pytest.raises(study.StudyNotReady, match="no practices in the plan"):
        services.evaluate(db, indicator_id=BREAST_UPTAKE, pathfinder="WDP-NOPE")


def test_a_lead_sees_their_own_pathfinder_only(seeded_db) -> None:
    lead = open_database(seeded_db).scoped("WDP-STK")
    plan = study.load_plan(lead, indicator_id=BREAST_UPTAKE)
    assert set(plan.practices["pathfinder_code"]) == {"WDP-STK"}
    found = services.evaluate(lead, indicator_id=BREAST_UPTAKE)
    assert list(found.result.by_group["group"]) == ["WDP-STK"]


def test_what_is_missing_is_said(seeded_db, tmp_path, databases) -> None:
    db = open_database(seeded_db)
    with pytest.raises(study.StudyNotReady, match="evaluation-plan --indicator 94063"):
        services.evaluate(db, indicator_id=BREAST_COVERAGE)
    with pytest.raises(study.StudyNotReady, match="fetch-fingertips --indicator 12345"):
        services.evaluate(db, indicator_id=12345)
    empty = databases.new(tmp_path, "empty.duckdb")
    from etl.seed import init_database

    init_database(open_database(empty, create=True), register=None)
    with pytest.raises(study.StudyNotReady, match="No GP-practice screening figures"):
        services.evaluate(open_database(empty))


@pytest.mark.process
def test_the_command_line_prints_the_contract(seeded_db_copy) -> None:
    def etl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "etl", *args, "--db", str(seeded_db_copy)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )

    done = etl("evaluate", "--programme", "breast", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in (
        "indicator",
        "plan_fixed_at",
        "treated_practices",
        "comparison_practices",
        "pooled",
        "pathfinders",
        "pre_trend",
        "min_detectable_pp",
        "verdict",
    ):
        assert key in result, key
    assert result["indicator"] == BREAST_UPTAKE
    assert set(result["pooled"]) >= {"estimate_pp", "ci95", "p"}
    assert set(result["pathfinders"][0]) >= {"code", "estimate_pp", "ci95", "p_holm"}
    assert set(result["pre_trend"]) == {"p", "flag"}

    missing = etl("evaluate", "--indicator", str(BREAST_COVERAGE), "--json")
    assert missing.returncode == 2 and "No analysis plan" in missing.stderr
    assert "Traceback" not in missing.stderr
    fixed = etl("evaluation-plan", "--indicator", str(BREAST_COVERAGE), "--by", "Dr Test", "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["fixed_by"] == "Dr Test"
    again = etl("evaluation-plan", "--indicator", str(BREAST_COVERAGE))
    assert again.returncode == 2 and "--replace" in again.stderr
    now = etl("evaluate", "--indicator", str(BREAST_COVERAGE), "--json")
    assert now.returncode == 0 and json.loads(now.stdout)["plan_fixed_by"] == "Dr Test"


def test_the_page_shows_the_verdict_and_its_plan(monkeypatch, seeded_db) -> None:
    at = apptest.as_account(monkeypatch, seeded_db, "director@example.nhs.uk", PAGE)
    assert not at.exception
    assert any("rose" in s.value for s in at.success)
    shown = apptest.html_shown(at) + " ".join(c.value for c in at.caption)
    assert "Analysis plan fixed on" in shown
    labels = [m.label for m in at.metric]
    assert "Before/after alone" in labels and "Smallest detectable change" in labels
    assert [h.value for h in at.subheader][1:] == [
        "Were the comparison practices comparable?",
        "Does the answer hold under other choices?",
    ]


def test_without_a_plan_a_director_may_fix_one_and_a_viewer_may_not(
    monkeypatch, seeded_db_copy
) -> None:
    at = apptest.as_account(
        monkeypatch, seeded_db_copy, "viewer@example.nhs.uk", PAGE, measure="coverage"
    )
    assert any("No analysis plan" in i.value for i in at.info)
    assert not _has_button(at)
    at = apptest.as_account(
        monkeypatch, seeded_db_copy, "director@example.nhs.uk", PAGE, measure="coverage"
    )
    at.button(key="evaluation_fix_plan").click().run(timeout=120)
    assert not at.exception
    plan = study.load_plan(open_database(seeded_db_copy), indicator_id=BREAST_COVERAGE)
    assert plan is not None and plan.fixed_by == "director@example.nhs.uk"


def _has_button(at) -> bool:
    return any(b.key == "evaluation_fix_plan" for b in at.button)


def test_a_lead_sees_their_pathfinder_on_the_page(monkeypatch, seeded_db) -> None:
    at = apptest.as_account(monkeypatch, seeded_db, "lead.stoke@example.nhs.uk", PAGE)
    assert not at.exception
    assert at.subheader[0].value.startswith("Stoke-on-Trent: ")
    assert not any(f.label == "Pathfinder" for f in at.selectbox)  # nothing else to choose


def test_the_board_pack_says_whether_it_worked(seeded_db, tmp_path) -> None:
    deck = compose(open_database(seeded_db), PackFilters(programme="breast"))
    slide = next(s for s in deck.slides if s.key == "evaluation")
    assert slide.headline.startswith("Breast screening uptake rose")
    assert "fixed" in slide.notes and str(BREAST_UPTAKE) in slide.source
    no_plan = compose(open_database(seeded_db), PackFilters(programme="breast", measure="coverage"))
    assert not any(s.key == "evaluation" for s in no_plan.slides)
    assert "Evaluation against matched practices" in no_plan.left_out


def test_plan_tables_hold_what_the_plan_says(seeded_db) -> None:
    with open_db(seeded_db) as con:
        rows = con.execute(
            "SELECT arm, count(*) FROM evaluation_practice e JOIN evaluation_plan p "
            "USING (plan_id) WHERE p.indicator_id = ? AND p.superseded_at IS NULL GROUP BY 1",
            [BREAST_UPTAKE],
        ).fetchall()
    assert dict(rows)["comparison"] == 3 * dict(rows)["pathfinder"]
