"""GP practices for the evaluation: their profiles (read from the shipped public files), the
public GP-practice panels and the reads over them, which practices are the pathfinders', and the
sample programme's synthetic panel with its known effect."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl.fingertips import import_file
from etl.gp_panel import EFFECTS, INDICATORS, choose_practices, import_gp_panel, panel_frame
from etl.reference import (
    IMD_FILE,
    PAYMENTS_FILES,
    read_gp_practices,
    read_practice_list,
    read_practice_profiles,
)
from etl.seed import CsvError
from tests.helpers import db_on, open_db
from wdp.config import REFERENCE_DIR, SCREENING_DIR
from wdp.db import open_database

HEADER = (
    (SCREENING_DIR / "fingertips_93560_cervical_coverage_25_49_2010_2024.csv")
    .open(encoding="utf-8-sig")
    .readline()
    .strip()
    .split(",")
)


@pytest.fixture(scope="module")
def profiles() -> pd.DataFrame:
    return read_practice_profiles().set_index("practice_code")


# ------------------------------------------------------------------------------------------------
# Practice profiles
# ------------------------------------------------------------------------------------------------


def test_a_profile_per_practice_with_the_2019_deprivation_edition_else_the_latest(
    profiles: pd.DataFrame,
) -> None:
    assert profiles.index.is_unique and len(profiles) == 8495
    # (the IMD file starts with a byte-order mark: its first column is still found)
    assert profiles.loc["A81001", ["imd_score", "imd_edition"]].tolist() == pytest.approx(
        [32.36093926, 2019]
    )
    assert profiles.loc["A81003", "imd_edition"] == 2015  # closed before the 2019 edition
    assert profiles["imd_edition"].value_counts().to_dict() == {2019: 6980, 2015: 921, 2010: 560}


def test_list_size_rurality_and_codes_are_each_practices_latest_known(
    profiles: pd.DataFrame,
) -> None:
    stoke = profiles.loc["M83038"]  # Orchard Surgery, Stoke-on-Trent
    assert (stoke["list_size"], stoke["list_size_year"], stoke["rurality"]) == (
        10604,
        "2019-20",
        "urban",
    )
    assert (stoke["nhs_region_code"], stoke["ccg_code"], stoke["pcn_code"]) == (
        "Y60",
        "05W",
        "U36512",
    )
    closed = profiles.loc["A81003"]  # last in the 2016-17 payments
    assert (closed["list_size_year"], closed["nhs_region_code"], closed["pcn_code"]) == (
        "2016-17",
        "Q74",
        None,
    )
    assert set(profiles["rurality"].dropna()) == {"urban", "rural"}  # "MISSING" is no value
    assert profiles["list_size"].min() >= 0


def _copy_reference(tmp_path: Path) -> Path:
    folder = tmp_path / "reference"
    folder.mkdir()
    for name in (IMD_FILE, *PAYMENTS_FILES.values()):
        shutil.copy(REFERENCE_DIR / name, folder / name)
    return folder


def _edit(path: Path, edit) -> None:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    rows = edit(rows)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def test_columns_are_found_by_name_whatever_the_year_calls_or_orders_them(
    tmp_path: Path, profiles: pd.DataFrame
) -> None:
    folder = _copy_reference(tmp_path)

    def shuffle(rows: list[list[str]]) -> list[list[str]]:
        rows[0] = ["practice_rurality" if h == "Practice Rurality" else h.upper() for h in rows[0]]
        return [list(reversed(r)) for r in rows]

    _edit(folder / PAYMENTS_FILES["2019-20"], shuffle)
    again = read_practice_profiles(folder).set_index("practice_code")
    pd.testing.assert_frame_equal(again, profiles)


def test_a_bad_cell_is_named_with_its_file_line_and_column(tmp_path: Path) -> None:
    folder = _copy_reference(tmp_path)

    def break_line_3(rows: list[list[str]]) -> list[list[str]]:
        column = rows[0].index("Number of Registered Patients (Last Known Figure)")
        rows[2][column] = "-40"
        rurality = rows[0].index("Practice Rurality")
        rows[4][rurality] = "Suburban"
        return rows

    _edit(folder / PAYMENTS_FILES["2018-19"], break_line_3)
    with pytest.raises(CsvError) as caught:
        read_practice_profiles(folder)
    found = {(i.sheet, i.row, i.column) for i in caught.value.issues}
    assert found == {
        ("nhs_payments_to_general_practice_18-19.csv", 3, "Number of Registered Patients "
         "(Last Known Figure)"),
        ("nhs_payments_to_general_practice_18-19.csv", 5, "Practice Rurality"),
    }  # fmt: skip


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    folder = _copy_reference(tmp_path)
    _edit(folder / IMD_FILE, lambda rows: [[c for c in r[:5]] for r in rows])  # no Value
    with pytest.raises(CsvError, match="Value"):
        read_practice_profiles(folder)


def test_init_loads_the_profiles_and_the_read_adds_each_practices_current_region(
    reference_db,
) -> None:
    with open_db(reference_db, read_only=True) as con:
        found = db_on(con).practice_profiles().set_index("practice_code")
    assert len(found) == 8495
    stoke = found.loc["M83038"]
    assert (stoke["region_code"], stoke["region_name"], stoke["icb_code"]) == (
        "Y60",
        "Midlands",
        "QNC",
    )
    assert stoke["imd_score"] == pytest.approx(24.459118, abs=1e-6)
    assert found.loc["A81003", "status_code"] == "C"


def test_the_practice_list_keeps_practices_the_current_ods_list_no_longer_has() -> None:
    practices = read_practice_list().set_index("ods_code")
    assert practices.index.is_unique and len(practices) == 8226 + 103 + 276
    leabrooks = practices.loc["C81079"]  # closed 2015, listed by ODS in setting 0 since
    assert leabrooks[["practice_name", "status_code", "open_date", "close_date"]].tolist() == [
        "Leabrooks Medical Centre",
        "C",
        dt.date(1974, 4, 1),
        dt.date(2015, 9, 30),
    ]
    assert leabrooks[["nhs_region_code", "icb_code", "sub_icb_code"]].isna().all()
    flatt = practices.loc["A82042"]  # only the 2010 deprivation scores name it
    assert (flatt["practice_name"], flatt["status_code"]) == ("Flatt Walks Surgery", "C")
    assert pd.isna(flatt["open_date"]) and pd.isna(flatt["close_date"])
    current = read_gp_practices().set_index("ods_code")
    pd.testing.assert_frame_equal(practices.loc[current.index], current)  # as published


# ------------------------------------------------------------------------------------------------
# GP-practice panels of public indicators
# ------------------------------------------------------------------------------------------------


def gp_file(path: Path, rows: list[tuple[str, str, int, int]], *, ident: int = 91340) -> Path:
    """A GP-level export: (practice, time period, count, denominator) rows."""
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER)
        writer.writeheader()
        for code, period, count, denominator in rows:
            writer.writerow(
                {h: "" for h in HEADER}
                | {
                    "Indicator ID": ident,
                    "Indicator Name": "Breast cancer screening uptake (test)",
                    "Area Code": code,
                    "Area Name": code,
                    "Area Type": "GPs",
                    "Sex": "Female",
                    "Age": "50-70 yrs",
                    "Time period": period,
                    "Value": 100 * count / denominator,
                    "Count": count,
                    "Denominator": denominator,
                    "Time period Sortable": int(period[:4]) * 10000 + 100 * (" Q" in period),
                }
            )
    return path


def test_a_panel_has_a_row_per_practice_and_year_starting_the_financial_year(
    reference_db, tmp_path: Path
) -> None:
    path = gp_file(
        tmp_path / "gp.csv",
        [
            ("M83038", "2016/17", 700, 1000),
            ("M83038", "2017/18", 720, 1000),
            ("M83038", "2017/18 Q1", 180, 250),  # a quarter: not a year's figure
            ("P81103", "2017/18", 650, 900),
        ],
    )
    with open_db(reference_db) as con:
        db = db_on(con)
        assert import_file(db, path).status == "imported"
        panel = db.gp_indicator_panel(indicator_id=91340)
        listed = db.gp_indicators()
    assert panel.to_dict("records") == [
        {"practice_code": "M83038", "year": 2016, "numerator": 700, "denominator": 1000,
         "value": 70.0},
        {"practice_code": "M83038", "year": 2017, "numerator": 720, "denominator": 1000,
         "value": 72.0},
        {"practice_code": "P81103", "year": 2017, "numerator": 650, "denominator": 900,
         "value": pytest.approx(72.2222222)},
    ]  # fmt: skip
    assert listed[["indicator_id", "practices", "is_synthetic"]].values.tolist() == [
        [91340, 2, False]
    ]
    assert listed.loc[0, "years"].tolist() == [2016, 2017]


# ------------------------------------------------------------------------------------------------
# The pathfinders' practices
# ------------------------------------------------------------------------------------------------


def test_the_practices_each_pathfinder_names_with_its_go_live_year(seeded_db) -> None:
    with open_db(seeded_db, read_only=True) as con:
        named = db_on(con).pathfinder_practices()
        training = con.execute(
            "SELECT DISTINCT pathfinder_code, practice_code FROM current_training "
            "WHERE practice_code IS NOT NULL"
        ).fetchall()
    assert set(training) <= set(zip(named["pathfinder_code"], named["practice_code"], strict=True))
    assert named["pathfinder_code"].nunique() == 20
    stoke = named[named["pathfinder_code"] == "WDP-STK"]
    # Stoke went live in August 2017: the 2017/18 financial year; Barking in February 2018, too.
    assert set(stoke["go_live_date"].astype(str)) == {"2017-08-01"}
    assert set(stoke["go_live_year"]) == {2017}
    barking = named[named["pathfinder_code"] == "WDP-BAR"]
    assert set(barking["go_live_date"].astype(str)) == {"2018-02-01"}
    assert set(barking["go_live_year"]) == {2017}


def test_a_pathfinders_area_is_the_ccgs_of_the_practices_it_names(seeded_db) -> None:
    with open_db(seeded_db, read_only=True) as con:
        db = db_on(con)
        area = db.pathfinder_area_practices()
        named = db.pathfinder_practices()
        profiles = db.practice_profiles().set_index("practice_code")
    pairs = set(zip(named["pathfinder_code"], named["practice_code"], strict=True))
    flagged = area[area["named"]]
    assert set(zip(flagged["pathfinder_code"], flagged["practice_code"], strict=True)) == pairs
    stoke = area[area["pathfinder_code"] == "WDP-STK"]
    assert set(stoke["lad_code"]) == {"E06000021"}
    # the area: the CCGs of the practices Stoke names, every practice in them (Stoke-on-Trent CCG
    # 05W included); a practice the payments never listed matches on its sub-ICB location
    named_here = named.loc[named["pathfinder_code"] == "WDP-STK", "practice_code"]
    assert set(stoke["area_code"]) == set(profiles.loc[list(named_here), "ccg_code"])
    assert "05W" in set(stoke["area_code"])
    assert set(profiles.index[profiles["ccg_code"] == "05W"]) <= set(stoke["practice_code"])
    unlisted = stoke[~stoke["practice_code"].isin(profiles.index)]
    assert set(unlisted["area_code"]) <= set(stoke["area_code"])


def test_a_lead_sees_only_their_own_pathfinders_practices(seeded_db) -> None:
    everyone = open_database(seeded_db).pathfinder_practices()
    stoke = open_database(seeded_db, scope="WDP-STK")
    named, area = stoke.pathfinder_practices(), stoke.pathfinder_area_practices()
    assert set(named["pathfinder_code"]) == set(area["pathfinder_code"]) == {"WDP-STK"}
    assert len(named) == (everyone["pathfinder_code"] == "WDP-STK").sum() > 0
    others = set(everyone.loc[everyone["pathfinder_code"] != "WDP-STK", "practice_code"])
    # (a practice both named elsewhere and inside Stoke's CCGs would still show, unflagged)
    assert not others & set(area.loc[area["named"], "practice_code"])


# ------------------------------------------------------------------------------------------------
# The sample programme's synthetic panel
# ------------------------------------------------------------------------------------------------


def test_seed_imports_a_labelled_synthetic_panel_through_the_import(seeded_db) -> None:
    with open_db(seeded_db, read_only=True) as con:
        db = db_on(con)
        listed = db.gp_indicators().set_index("indicator_id")
        league = db.public_indicators()
        summary = db.database_summary()
        imports = con.execute(
            "SELECT file_name, status, imported_by FROM public_import "
            "WHERE file_name LIKE '%gp_practices_synthetic%'"
        ).fetchall()
    assert set(listed.index) == set(EFFECTS) == {91340, 94063, 92601, 93725}
    assert listed["is_synthetic"].all()
    assert all(name.endswith(" (synthetic)") for name in listed["indicator_name"])
    assert all(years.tolist() == list(range(2012, 2024)) for years in listed["years"])
    assert listed["practices"].between(2900, 3000).all()
    assert not set(league["indicator_id"]) & set(EFFECTS)  # not on the league tables
    assert summary["gp_indicator_rows"] > 100_000
    assert imports == [("fingertips_gp_practices_synthetic.csv", "imported", "sample-programme")]


def _did(panel: pd.DataFrame, treated: set[str], excluded: set[str]) -> float:
    """Change in mean rate, 2017/18-2019/20 against 2012/13-2016/17, treated minus comparison."""
    panel = panel[~panel["practice_code"].isin(excluded - treated)].assign(
        rate=lambda f: 100 * f["numerator"] / f["denominator"],
        treated=lambda f: f["practice_code"].isin(treated),
    )
    pre = panel[panel["year"] <= 2016].groupby(["treated", "practice_code"])["rate"].mean()
    post = (
        panel[panel["year"].between(2017, 2019)]
        .groupby(["treated", "practice_code"])["rate"]
        .mean()
    )
    change = (post - pre).dropna().groupby(level="treated").mean()
    return change[True] - change[False]


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: str(i.indicator_id))
def test_the_pathfinders_practices_carry_the_documented_effect(seeded_db, indicator) -> None:
    with open_db(seeded_db, read_only=True) as con:
        db = db_on(con)
        panel = db.gp_indicator_panel(indicator_id=indicator.indicator_id)
        treated = set(db.pathfinder_practices()["practice_code"])
        area = set(db.pathfinder_area_practices()["practice_code"])
    assert treated <= set(panel["practice_code"])
    # A simple two-period comparison recovers the truth to within its noise (~0.4 points).
    assert _did(panel, treated, area) == pytest.approx(indicator.effect_pp, abs=0.5)


def test_the_panel_is_the_same_for_the_same_returns_and_seed(seeded_db_copy) -> None:
    with open_db(seeded_db_copy) as con:
        db = db_on(con)
        practices = choose_practices(db)
        assert practices.equals(choose_practices(db))
        first = panel_frame(practices, INDICATORS[0])
        pd.testing.assert_frame_equal(first, panel_frame(practices, INDICATORS[0]))
        assert import_gp_panel(db).status == "unchanged"  # byte for byte the seeded file
