"""The evaluation's use cases: fix an analysis plan, run the study on it (``wdp.study``).

The rule written once here: a plan is fixed before results are seen and is not replaced silently:
fixing another for an indicator that has one needs ``replace`` (the old one stays on record as
superseded, with its date). Who may fix one is the caller's check (the app lets directors and
admins; the command line is the programme team's).
"""

from __future__ import annotations

import datetime as dt

from wdp.db import Database
from wdp.study import Plan, Study, StudyNotReady, choose_indicator, fix_plan, load_plan, run_study


class PlanAlreadyFixed(StudyNotReady):
    """A plan is in force for the indicator; replacing it must be asked for."""


def fix_evaluation_plan(
    db: Database,
    *,
    fixed_by: str,
    indicator_id: int | None = None,
    programme: str | None = None,
    measure: str | None = None,
    replace: bool = False,
    now: dt.datetime | None = None,
) -> Plan:
    indicator = choose_indicator(
        db, indicator_id=indicator_id, programme=programme, measure=measure
    )
    chosen = int(indicator["indicator_id"])
    existing = load_plan(db, indicator_id=chosen)
    if existing is not None and not replace:
        raise PlanAlreadyFixed(
            f"An analysis plan for indicator {chosen} was fixed on "
            f"{existing.fixed_at:%d %B %Y %H:%M} UTC by {existing.fixed_by}. A plan is not "
            "changed once results may have been seen; to supersede it (both stay on record), "
            "ask for --replace."
        )
    return fix_plan(db, indicator_id=chosen, fixed_by=fixed_by, now=now)


def plan_for(
    db: Database,
    *,
    indicator_id: int | None = None,
    programme: str | None = None,
    measure: str | None = None,
) -> Plan:
    """The plan in force for the chosen indicator; StudyNotReady says how to fix one."""
    indicator = choose_indicator(
        db, indicator_id=indicator_id, programme=programme, measure=measure
    )
    chosen = int(indicator["indicator_id"])
    plan = load_plan(db, indicator_id=chosen)
    if plan is None:
        raise StudyNotReady(
            f"No analysis plan is fixed for indicator {chosen} ({indicator['indicator_name']}). "
            "Fix it before looking at any result: `python -m etl evaluation-plan --indicator "
            f"{chosen}` (or the Evaluation page, as a director)."
        )
    return plan


def evaluate(
    db: Database,
    *,
    indicator_id: int | None = None,
    programme: str | None = None,
    measure: str | None = None,
    pathfinder: str | None = None,
    sensitivity: bool = True,
) -> Study:
    plan = plan_for(db, indicator_id=indicator_id, programme=programme, measure=measure)
    if pathfinder is not None and pathfinder not in plan.pathfinder_codes():
        raise StudyNotReady(
            f"{pathfinder} has no practices in the plan for indicator {plan.indicator_id} "
            "(none named in its returns, or no go-live date when the plan was fixed)."
        )
    return run_study(db, plan, pathfinder=pathfinder, sensitivity=sensitivity)
