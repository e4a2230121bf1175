"""The sample programme's synthetic public GP-practice panel: screening uptake and coverage for a
few thousand real practices, 2012/13 to 2023/24, made up from a seed with a known effect in the
sample pathfinders' practices, and imported the way a real Fingertips download is.

No public GP-practice screening time series with numerators and denominators could be shipped, so
``python -m etl seed`` makes one (``wdp.evaluation.simulate.simulate_panel``), writes it as
Fingertips' 27-column "all data" layout (one file holding every indicator, as a profile download
does) to a temporary folder and imports it through ``etl.fingertips.import_file``: the real path,
reports and all. Every indicator's name ends
" (synthetic)", and ``public_indicator.is_synthetic`` says so, for pages to label it.

Practices (real ODS codes, real profiles from ``ref_practice_profile``): every open practice in a
sample pathfinder's area (``pathfinder_area_practices``), and open practices drawn from the same
NHS regions to make ``PRACTICES`` in all. A practice has no figures before the year it opened.

The truth (``data/sample/README.md``): the practices a pathfinder names in its returns
(``pathfinder_practices``) get ``EFFECTS[indicator]`` percentage points from the financial year
their pathfinder went live in (event time 0) onwards; nobody else gets any effect. COVID dips
2020/21; counts from 2021/22 are rounded to 5, as Fingertips publishes them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv

from etl.fingertips import ImportReport, import_file
from wdp.db import Database
from wdp.evaluation.simulate import simulate_panel
from wdp.stats import Z95, Z998, wilson_interval

SEED = 2017  # the panel's seed: the same returns and seed give the same panel
PRACTICES = 3000  # in all: the pathfinders' areas, then others from their regions
YEARS = range(2012, 2024)  # 2012/13 to 2023/24
LOADER = "sample-programme"


@dataclass(frozen=True)
class Indicator:
    """A GP-practice indicator as Fingertips publishes it (id, sex, age), made up here."""

    indicator_id: int
    name: str
    programme: str
    measure: str
    sex: str
    age: str
    effect_pp: float  # the injected effect in the pathfinders' practices, percentage points


INDICATORS = (
    Indicator(
        91340,
        "Breast cancer screening uptake: females 50-70 screened within 6 months of "
        "invitation (synthetic)",
        "breast",
        "uptake",
        "Female",
        "50-70 yrs",
        1.5,
    ),
    Indicator(
        94063,
        "Breast cancer screening coverage: eligible females 53-70 screened in the last 36 "
        "months (synthetic)",
        "breast",
        "coverage",
        "Female",
        "53-70 yrs",
        0.8,
    ),
    Indicator(
        92601,
        "Bowel cancer screening uptake: persons 60-74 screened within 6 months of invitation "
        "(synthetic)",
        "bowel",
        "uptake",
        "Persons",
        "60-74 yrs",
        1.0,
    ),
    Indicator(
        93725,
        "Cervical cancer screening coverage: eligible females 25-49 screened in the last 3.5 "
        "years (synthetic)",
        "cervical",
        "coverage",
        "Female",
        "25-49 yrs",
        0.5,
    ),
)
EFFECTS = {i.indicator_id: i.effect_pp for i in INDICATORS}

# The current Fingertips "all data" CSV layout (data/screening/fingertips_93560_*.csv's header).
FINGERTIPS_COLUMNS = (
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Column not used",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
)


def choose_practices(db: Database, *, total: int = PRACTICES, seed: int = SEED) -> pd.DataFrame:
    """The panel's practices, as ``simulate_panel`` takes them (practice_code, imd_score,
    list_size, rural, region), with practice_name, parent_code (PCN, else sub-ICB), the financial
    year it opened (``first_year``: no figures before it) and ``go_live_year`` (the pathfinders'
    named practices only)."""
    profiles = db.practice_profiles()
    named = db.pathfinder_practices().dropna(subset=["go_live_year"])
    area = db.pathfinder_area_practices()
    usable = profiles[
        (profiles["status_code"] == "A")
        & profiles["imd_score"].notna()
        & profiles["list_size"].fillna(0).gt(0)
        & profiles["region_code"].notna()
    ]
    in_area = usable[usable["practice_code"].isin(area["practice_code"])]
    regions = set(in_area["region_code"])
    others = usable[~usable["practice_code"].isin(in_area["practice_code"])]
    others = others[others["region_code"].isin(regions)].sort_values("practice_code")
    rng = np.random.default_rng(seed)
    wanted = max(0, min(len(others), total - len(in_area)))
    drawn = others.iloc[np.sort(rng.choice(len(others), size=wanted, replace=False))]
    chosen = pd.concat([in_area, drawn]).sort_values("practice_code", ignore_index=True)
    go_live = named.groupby("practice_code")["go_live_year"].min()
    opened = pd.to_datetime(chosen["open_date"])
    return pd.DataFrame(
        {
            "practice_code": chosen["practice_code"],
            "practice_name": chosen["practice_name"],
            "imd_score": chosen["imd_score"].astype(float),
            "list_size": chosen["list_size"].astype(int),
            "rural": chosen["rurality"].eq("rural").to_numpy(),
            "region": chosen["region_code"],
            "parent_code": chosen["pcn_code"].fillna(chosen["sub_icb_code"]),
            "first_year": (opened.dt.year - (opened.dt.month < 4)).fillna(min(YEARS)).astype(int),
            "go_live_year": chosen["practice_code"].map(go_live).astype("Int64"),
        }
    )


def panel_frame(practices: pd.DataFrame, indicator: Indicator, *, seed: int = SEED) -> pd.DataFrame:
    """One indicator's panel in Fingertips' layout (one row per practice and year from its
    ``first_year``). A year whose counts round to nothing is published without a value, as
    Fingertips does."""
    treated = {
        code: int(year)
        for code, year in zip(practices["practice_code"], practices["go_live_year"], strict=True)
        if pd.notna(year)
    }
    panel = simulate_panel(
        practices,
        treated,
        programme=indicator.programme,
        measure=indicator.measure,
        years=YEARS,
        effect_pp=indicator.effect_pp,
        seed=seed + indicator.indicator_id,
    )
    about = practices.set_index("practice_code")
    panel = panel[panel["year"] >= panel["practice_code"].map(about["first_year"])]
    count = panel["numerator"].to_numpy(dtype=float)
    denominator = panel["denominator"].to_numpy(dtype=float)
    published = denominator > 0
    value = np.divide(100 * count, denominator, out=np.full_like(count, np.nan), where=published)
    low95, high95 = wilson_interval(count, denominator, z=Z95)
    low998, high998 = wilson_interval(count, denominator, z=Z998)
    year = panel["year"].to_numpy()
    columns = {c: "" for c in FINGERTIPS_COLUMNS} | {
        "Indicator ID": indicator.indicator_id,
        "Indicator Name": indicator.name,
        "Parent Code": panel["practice_code"].map(about["parent_code"]).fillna("").to_numpy(),
        "Area Code": panel["practice_code"].to_numpy(),
        "Area Name": panel["practice_code"].map(about["practice_name"]).fillna("").to_numpy(),
        "Area Type": "GPs",
        "Sex": indicator.sex,
        "Age": indicator.age,
        "Time period": [f"{y}/{(y + 1) % 100:02d}" for y in year],
        "Value": value,
        "Lower CI 95.0 limit": low95,
        "Upper CI 95.0 limit": high95,
        "Lower CI 99.8 limit": low998,
        "Upper CI 99.8 limit": high998,
        "Count": np.where(published, count, np.nan),
        "Denominator": np.where(published, denominator, np.nan),
        "Compared to England value or percentiles": "Not compared",
        "Column not used": "Not compared",
        "Time period Sortable": year * 10000,
        "Time period range": "1y",
    }
    return pd.DataFrame(columns, index=range(len(panel)))[list(FINGERTIPS_COLUMNS)]


def write_export(frame: pd.DataFrame, path: Path) -> Path:
    """Write a Fingertips-layout frame as CSV (blanks for no value; ~5x faster than pandas'
    writer, which cost seconds a seed)."""
    pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def import_gp_panel(
    db: Database,
    *,
    total: int = PRACTICES,
    seed: int = SEED,
    indicators: Sequence[Indicator] = INDICATORS,
) -> ImportReport:
    """Make the panel for the database's current returns and import it: one export holding
    every indicator (as a Fingertips profile download does), through ``import_file``, so all of
    them are replaced in one transaction (one import costs less than one per indicator)."""
    practices = choose_practices(db, total=total, seed=seed)
    frame = pd.concat(
        [panel_frame(practices, indicator, seed=seed) for indicator in indicators],
        ignore_index=True,
    )
    with tempfile.TemporaryDirectory(prefix="wdp-gp-panel-") as folder:
        path = write_export(frame, Path(folder) / "fingertips_gp_practices_synthetic.csv")
        return import_file(db, path, imported_by=LOADER, synthetic=True)
