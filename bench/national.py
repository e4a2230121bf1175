"""Build a synthetic national-scale database, reproducible from a seed.

    .venv/bin/python bench/national.py OUT.duckdb [--seed 2017] [--quarters 40]
                                                  [--public-rows 1000000]

What it holds (every figure synthetic, every pathfinder marked ``is_synthetic``):
- the reference data and the shipped public screening exports, loaded by ``etl.seed``;
- one pathfinder per integrated care board (42), together covering **every practice in the
  shipped GP list** (8,226; a practice reports only for the quarters it was open);
- ``--quarters`` quarterly returns per pathfinder (40: ten years), each with a Screening row per
  practice for each of the three programmes, plus Training, Activity, Status, Milestones and Risks
  rows. These are written in bulk through ``wdp.db.writes.write_submission`` (the load path's own
  writer, one transaction per return), not through .xlsx files: writing and reading 1,680
  workbooks would add about ten minutes and measure openpyxl, which returns never go through
  (``bench/bench_load.py`` measures the workbook path);
- at least ``--public-rows`` public indicator rows, written as Fingertips-layout CSV files (GP
  practice, local authority, region and England rows, quarterly) and imported through the real
  ``etl.fingertips.import_file`` path.

The same seed gives the same rows. Prints what it built and how long each part took.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.fingertips import import_file  # noqa: E402
from etl.models import TEMPLATE_VERSION  # noqa: E402
from etl.seed import (  # noqa: E402
    BENCHMARK_FILE,
    import_public_data,
    load_reference,
    read_benchmark,
)
from wdp.config import SAMPLE_DIR, SCREENING_DIR  # noqa: E402
from wdp.db import writes  # noqa: E402
from wdp.db.embedded import EmbeddedDatabase, open_db  # noqa: E402
from wdp.domain import (  # noqa: E402
    Channel,
    Course,
    Level,
    MilestoneStatus,
    Rag,
    ReportingPeriod,
    RiskStatus,
    StaffRole,
)
from wdp.stats import Z95, Z998, compare_to_benchmark, wilson_interval  # noqa: E402

PROGRAMMES = ("breast", "cervical", "bowel")
# Typical eligible population per practice and coverage, by programme.
ELIGIBLE = {"breast": 900, "cervical": 2200, "bowel": 1800}
COVERAGE = {"breast": 0.70, "cervical": 0.72, "bowel": 0.66}
LOADER = "bench:national"
# Synthetic public indicators, imported until --public-rows is reached.
PUBLIC_INDICATORS = (
    (990001, "Synthetic breast screening coverage by practice (benchmark data)", "breast"),
    (990002, "Synthetic cervical screening coverage by practice (benchmark data)", "cervical"),
    (990003, "Synthetic bowel screening coverage by practice (benchmark data)", "bowel"),
    (990004, "Synthetic bowel screening uptake by practice (benchmark data)", "bowel"),
    (990005, "Synthetic breast screening uptake by practice (benchmark data)", "breast"),
    (990006, "Synthetic cervical screening uptake by practice (benchmark data)", "cervical"),
)
FINGERTIPS_HEADER = (
    (SCREENING_DIR / "fingertips_93560_cervical_coverage_25_49_2010_2024.csv")
    .open(encoding="utf-8-sig")
    .readline()
    .strip()
    .split(",")
)


def quarters_ending(last: ReportingPeriod, count: int) -> list[ReportingPeriod]:
    periods = []
    year, quarter = last.year, last.quarter
    for _ in range(count):
        periods.append(ReportingPeriod(year, quarter))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return periods[::-1]


def _register(con) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One synthetic pathfinder per ICB; every practice assigned to one."""
    icbs = con.execute("SELECT icb_ods_code, icb_name FROM ref_icb ORDER BY icb_ods_code").df()
    register = pd.DataFrame(
        {
            "pathfinder_code": "WDP-" + icbs["icb_ods_code"],
            "pathfinder_name": icbs["icb_name"].str.replace("Integrated Care Board", "ICB"),
            "place": icbs["icb_name"],
            "lad_code": None,
            "region_code": None,
            "lead_organisation": icbs["icb_name"] + " (synthetic national roll-out)",
            "is_synthetic": True,
        }
    )
    practices = con.execute(
        "SELECT ods_code, icb_code, open_date, close_date FROM ref_gp_practice ORDER BY ods_code"
    ).df()
    known = set(icbs["icb_ods_code"])
    codes = list(register["pathfinder_code"])
    # A practice on a retired ICB/CCG code goes to a pathfinder chosen by a stable hash.
    practices["pathfinder_code"] = [
        f"WDP-{icb}"
        if icb in known
        else codes[int(hashlib.md5(code.encode()).hexdigest(), 16) % len(codes)]
        for code, icb in zip(practices["ods_code"], practices["icb_code"], strict=True)
    ]
    return register, practices


def _open_in(practices: pd.DataFrame, period: ReportingPeriod) -> pd.Series:
    opened = pd.to_datetime(practices["open_date"])
    closed = pd.to_datetime(practices["close_date"])
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    return (opened.isna() | (opened <= end)) & (closed.isna() | (closed >= start))


def _screening_counts(
    rng: np.random.Generator, practices: pd.DataFrame, periods: list[ReportingPeriod]
) -> dict[str, np.ndarray]:
    """Per programme, [period, practice] eligible and screened counts (a slow trend + noise)."""
    n, q = len(practices), len(periods)
    out = {}
    for programme in PROGRAMMES:
        base = rng.lognormal(np.log(ELIGIBLE[programme]), 0.5, n)
        eligible = np.maximum(
            20, np.rint(base[None, :] * (1 + 0.002 * np.arange(q))[:, None])
        ).astype(np.int64)
        level = np.clip(rng.normal(COVERAGE[programme], 0.07, n), 0.3, 0.95)
        trend = np.linspace(-0.02, 0.02, q)[:, None]
        rate = np.clip(level[None, :] + trend + rng.normal(0, 0.015, (q, n)), 0.05, 0.99)
        out[programme] = np.stack([eligible, rng.binomial(eligible, rate)])
    return out


def _frames(
    rng: np.random.Generator,
    code: str,
    name: str,
    period: ReportingPeriod,
    index: int,
    members: pd.DataFrame,
    counts: dict[str, np.ndarray],
) -> dict[str, pd.DataFrame]:
    """One return's rows, in the columns ``etl.validate`` produces."""
    months = [period.start.replace(month=(period.start.month - 1 + k) % 12 + 1) for k in range(3)]
    if period.quarter == 4:  # Jan-Mar: the months are in the next calendar year
        months = [dt.date(period.start.year, m, 1) for m in (1, 2, 3)]
    rows = members.index.to_numpy()
    codes = members["ods_code"].to_numpy()
    screening = []
    for programme in PROGRAMMES:
        den, num = counts[programme][0][index, rows], counts[programme][1][index, rows]
        screening.append(
            pd.DataFrame(
                {
                    "area_type": "gp_practice",
                    "area_code": codes,
                    "programme": programme,
                    "measure": "coverage",
                    "period_start": pd.Timestamp(period.start),
                    "period_end": pd.Timestamp(period.end),
                    "numerator": num,
                    "denominator": den,
                    "current_area_code": codes,
                }
            )
        )
    screening = pd.concat(screening, ignore_index=True)
    screening.insert(0, "source_row", np.arange(len(screening)) + 2)

    trained_at = rng.choice(codes, size=min(len(codes), max(1, len(codes) // 12)), replace=False)
    roles, courses = list(StaffRole), list(Course)
    training = pd.DataFrame(
        {
            "month": pd.to_datetime([months[i] for i in rng.integers(0, 3, len(trained_at))]),
            "practice_code": trained_at,
            "organisation": None,
            "staff_role": [roles[i].value for i in rng.integers(0, len(roles), len(trained_at))],
            "course": [courses[i].value for i in rng.integers(0, len(courses), len(trained_at))],
            "champions_trained": rng.integers(1, 5, len(trained_at)),
        }
    )
    training.insert(0, "source_row", np.arange(len(training)) + 2)

    channels = [Channel.FACEBOOK_PAGE, Channel.COMMUNITY_GROUP, Channel.MESSENGER]
    activity = pd.DataFrame(
        [
            {
                "month": pd.Timestamp(m),
                "channel": c.value,
                "practice_code": None,
                "organisation": name,
                "post_title": None,
                "posts": int(rng.integers(5, 40)),
                "reach": int(rng.integers(1_000, 60_000)),
                "engagements": int(rng.integers(50, 4_000)),
                "messenger_enquiries": int(rng.integers(0, 60)),
                "appointments_booked": int(rng.integers(0, 25)),
            }
            for m in months
            for c in channels
        ]
    )
    activity.insert(0, "source_row", np.arange(len(activity)) + 2)

    live = index >= 2
    rags = list(Rag)
    status = pd.DataFrame(
        {
            "source_row": [2],
            "stage": ["live" if live else "planning"],
            "rag": [rags[int(rng.integers(0, 3))].value],
            "commentary": [f"Synthetic national roll-out, quarter {index + 1}."],
            "go_live_date": [pd.Timestamp(period.start) if index == 2 else pd.NaT],
        }
    )
    status["go_live_date"] = pd.to_datetime(status["go_live_date"])
    milestone = pd.DataFrame(
        {
            "source_row": [2, 3],
            "milestone": ["Champions trained in every practice", "Practice pages live"],
            "due_date": pd.to_datetime([period.end, period.end]),
            "status": [MilestoneStatus.IN_PROGRESS.value, MilestoneStatus.COMPLETE.value],
            "rag": [Rag.AMBER.value, Rag.GREEN.value],
            "commentary": [None, None],
        }
    )
    risk = pd.DataFrame(
        {
            "source_row": [2],
            "risk": ["Practice staff time for training"],
            "likelihood": [Level.MEDIUM.value],
            "impact": [Level.HIGH.value],
            "rag": [Rag.AMBER.value],
            "mitigation": ["Training in protected learning time"],
            "status": [RiskStatus.OPEN.value],
        }
    )
    return {
        "training": training,
        "activity": activity,
        "screening": screening,
        "pathfinder_status": status,
        "milestone": milestone,
        "risk": risk,
    }


def write_returns(
    con, rng: np.random.Generator, practices: pd.DataFrame, periods: list[ReportingPeriod]
) -> dict[str, int]:
    counts = _screening_counts(rng, practices, periods)
    names = dict(
        con.execute("SELECT pathfinder_code, pathfinder_name FROM ref_pathfinder").fetchall()
    )
    totals = {"returns": 0}
    for index, period in enumerate(periods):
        open_now = practices[_open_in(practices, period)]
        for code, members in open_now.groupby("pathfinder_code", sort=True):
            frames = _frames(rng, code, names[code], period, index, members, counts)
            sha = hashlib.sha256(f"national|{code}|{period.label}".encode()).hexdigest()
            record = {
                "file_name": f"{code}_{period.label.replace(' ', '_')}.xlsx",
                "content_sha256": sha,
                "file_bytes": 0,
                "loaded_by": LOADER,
                "loaded_at": dt.datetime.combine(period.end + dt.timedelta(days=20), dt.time(9)),
                "pathfinder_code": code,
                "reporting_period": period.label,
                "submitted_by_role": "Pathfinder lead",
                "submitted_by_organisation": names[code],
                "contact_email": f"wdp.{code.lower()}@nhs.net",
                "template_version": TEMPLATE_VERSION,
                "period_start": period.start,
                "period_end": period.end,
                "row_counts": {
                    "Training": len(frames["training"]),
                    "Activity": len(frames["activity"]),
                    "Screening": len(frames["screening"]),
                    "Status": 1,
                    "Milestones": len(frames["milestone"]),
                    "Risks": len(frames["risk"]),
                },
                "errors": [],
                "warnings": [],
                "status": "accepted",
            }
            with EmbeddedDatabase.on(con).write() as tx:
                tx.write_submission(record, frames)
            totals["returns"] += 1
            for table, frame in frames.items():
                totals[table] = totals.get(table, 0) + len(frame)
    return totals


def _public_frame(
    rng: np.random.Generator,
    indicator: tuple[int, str, str],
    areas: pd.DataFrame,
    practices: pd.DataFrame,
    periods: list[ReportingPeriod],
) -> pd.DataFrame:
    """One indicator's rows in the Fingertips 27-column layout."""
    ident, name, programme = indicator
    parts = []
    for period in periods:
        open_now = practices[_open_in(practices, period)]
        block = pd.concat(
            [
                areas[["code", "name", "type"]],
                pd.DataFrame(
                    {"code": open_now["ods_code"], "name": open_now["ods_code"], "type": "GPs"}
                ),
            ],
            ignore_index=True,
        )
        block["period"] = f"{period.year}/{(period.year + 1) % 100:02d} Q{period.quarter}"
        block["sortable"] = period.year * 10000 + period.quarter * 100
        parts.append(block)
    frame = pd.concat(parts, ignore_index=True)
    n = len(frame)
    is_gp = (frame["type"] == "GPs").to_numpy()
    size = np.where(is_gp, ELIGIBLE[programme], 60 * ELIGIBLE[programme])
    den = np.maximum(20, np.rint(rng.lognormal(np.log(size), 0.4, n))).astype(np.int64)
    den[frame["type"].to_numpy() == "England"] *= 400
    rate = np.clip(rng.normal(COVERAGE[programme], 0.06, n), 0.05, 0.99)
    count = rng.binomial(den, rate)
    value = 100 * count / den
    lo95, hi95 = wilson_interval(count, den, z=Z95)
    lo998, hi998 = wilson_interval(count, den, z=Z998)
    england = (
        pd.Series(np.where(frame["type"] == "England", value, np.nan))
        .groupby(frame["period"])
        .transform("max")
    )
    compared = compare_to_benchmark(lo95, hi95, england.to_numpy())
    compared = np.where(frame["type"] == "England", "", np.char.capitalize(compared.astype(str)))
    columns = {h: "" for h in FINGERTIPS_HEADER}
    columns.update(
        {
            "Indicator ID": ident,
            "Indicator Name": name,
            "Area Code": frame["code"],
            "Area Name": frame["name"],
            "Area Type": frame["type"],
            "Sex": "Persons",
            "Age": "All ages",
            "Time period": frame["period"],
            "Value": value,
            "Lower CI 95.0 limit": lo95,
            "Upper CI 95.0 limit": hi95,
            "Lower CI 99.8 limit": lo998,
            "Upper CI 99.8 limit": hi998,
            "Count": count,
            "Denominator": den,
            "Compared to England value or percentiles": compared,
            "Time period Sortable": frame["sortable"],
            "Time period range": "3m",
        }
    )
    return pd.DataFrame(columns)[FINGERTIPS_HEADER]


def import_public(
    con,
    rng: np.random.Generator,
    practices: pd.DataFrame,
    periods: list[ReportingPeriod],
    *,
    at_least: int,
    workdir: Path,
) -> dict[str, int]:
    areas = con.execute(
        """
        SELECT area_code AS code, area_name AS name,
               CASE area_kind WHEN 'country' THEN 'England' WHEN 'region' THEN 'Region'
                              WHEN 'county' THEN 'County' ELSE 'District & UA' END AS type
        FROM ref_area WHERE area_code = current_code ORDER BY area_code
        """
    ).df()
    loaded, files = 0, 0
    for indicator in PUBLIC_INDICATORS:
        if loaded >= at_least:
            break
        path = workdir / f"indicator_{indicator[0]}.csv"
        _public_frame(rng, indicator, areas, practices, periods).to_csv(
            path, index=False, quoting=csv.QUOTE_MINIMAL
        )
        report = import_file(EmbeddedDatabase.on(con), path, imported_by=LOADER)
        if report.status != "imported":
            raise RuntimeError(f"{path.name}: {report.status} {report.errors}")
        loaded += report.details["rows_loaded"]
        files += 1
        path.unlink()
    return {"public_files": files, "public_rows_loaded": loaded}


def build(
    path: str | Path,
    *,
    seed: int = 2017,
    quarters: int = 40,
    public_rows: int = 1_000_000,
    last: ReportingPeriod | None = None,
) -> dict[str, float | int]:
    """Build the national database at ``path`` (which must not exist). Returns what it built."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; the generator only builds new files")
    rng = np.random.default_rng(seed)
    periods = quarters_ending(last or ReportingPeriod(2026, 2), quarters)
    figures: dict[str, float | int] = {"seed": seed, "quarters": quarters}
    started = time.perf_counter()
    with open_db(path, create=True) as con:
        with EmbeddedDatabase.on(con).write() as tx:
            load_reference(tx)
            tx.replace_reference("benchmark_screening", read_benchmark(SAMPLE_DIR / BENCHMARK_FILE))
        for report in import_public_data(EmbeddedDatabase.on(con)):
            if report.status == "rejected":
                raise RuntimeError(f"{report.file}: {report.errors}")
        register, practices = _register(con)
        writes.replace_reference(con, "ref_pathfinder", register)
        figures["pathfinders"] = len(register)
        figures["practices"] = len(practices)
        figures["reference_s"] = time.perf_counter() - started

        step = time.perf_counter()
        figures.update(write_returns(con, rng, practices, periods))
        figures["returns_s"] = time.perf_counter() - step

        step = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="wdp-national-") as work:
            figures.update(
                import_public(
                    con, rng, practices, periods, at_least=public_rows, workdir=Path(work)
                )
            )
        figures["public_s"] = time.perf_counter() - step
        con.execute("CHECKPOINT")
    figures["total_s"] = time.perf_counter() - started
    figures["file_mb"] = round(path.stat().st_size / 1e6, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the database file to create (must not exist)")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--public-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    figures = build(args.out, seed=args.seed, quarters=args.quarters, public_rows=args.public_rows)
    for key, value in figures.items():
        print(f"{key:22} {value:,.1f}" if isinstance(value, float) else f"{key:22} {value:,}")


if __name__ == "__main__":
    main()
