"""Importing public screening data, and checking our statistics against the publisher's."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.fingertips import describe_indicator, import_file
from tests.helpers import db_on, open_db
from wdp.config import SCREENING_DIR
from wdp.stats import wilson_interval

CERVICAL_27 = SCREENING_DIR / "fingertips_93560_cervical_coverage_25_49_2010_2024.csv"
BREAST_14 = SCREENING_DIR / "phe_phof_breast_coverage_53_70_2010_2016.csv"
CERVICAL_14 = SCREENING_DIR / "phe_phof_cervical_coverage_25_64_2010_2016.csv"
PHE_IDS = {
    BREAST_14: (22001, "Breast screening coverage 53-70"),
    CERVICAL_14: (22002, "Cervical screening coverage 25-64"),
}


def public_tables(con) -> dict[str, list]:
    return {
        t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
        for t in ("public_indicator", "public_indicator_value")
    }


def run_import(db: Path, path: Path, **kwargs):
    if path in PHE_IDS and not kwargs:
        kwargs = dict(zip(("indicator_id", "indicator_name"), PHE_IDS[path], strict=True))
    with open_db(db) as con:
        return import_file(db_on(con), path, **kwargs).as_dict()


def rewrite(source: Path, target: Path, edit) -> Path:
    """Copy an export, changing rows with ``edit(row_index, row_dict)``."""
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        edit(i, row)
    with target.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_current_layout_imports_with_limits_and_judgements_matching_the_publisher(
    reference_db: Path,
) -> None:
    report = run_import(reference_db, CERVICAL_27)
    assert report["status"] == "imported"
    assert (report["indicator_id"], report["layout"]) == (93560, "fingertips_27")
    assert report["rows_read"] == 6102
    assert report["rows_skipped"] == {
        "not a geography (ONS 2011 area classification)": 340,
        "no value published (e.g. an area outside its lifetime)": 150,
    }
    assert report["rows_loaded"] == 6102 - 340 - 150
    ci = report["ci_check"]
    assert ci["rows_compared"] == report["rows_loaded"]
    assert ci["max_abs_diff_95"] < 0.005  # 2022-24 are published to 5 decimal places
    assert ci["rows_beyond_rounding_95"] == 0
    england = report["england_comparison"]
    assert england["rows_compared"] > 5500
    assert england["agree"] == england["rows_compared"]


def test_the_check_finds_the_publishers_narrow_99_8_limits_for_2020_to_2022(
    reference_db: Path,
) -> None:
    """Not assuming the publisher is right: Fingertips' 99.8% limits for 2020-22 are too narrow."""
    ci = run_import(reference_db, CERVICAL_27)["ci_check"]
    assert ci["rows_beyond_rounding_998"] == 1158
    assert ci["likely_reasons"] == {
        "the published 99.8% limits are the width of a 99.5% interval": 1158
    }
    assert {e["time_period"] for e in ci["examples"]} <= {"2020", "2021", "2022"}


@pytest.mark.parametrize("path", [BREAST_14, CERVICAL_14], ids=["breast", "cervical"])
def test_older_phe_layout_imports_with_limits_matching_to_rounding(
    reference_db: Path, path: Path
) -> None:
    report = run_import(reference_db, path)
    assert (report["status"], report["layout"]) == ("imported", "phe_14")
    assert report["rows_read"] == 3206
    assert report["rows_skipped"]["not a geography (ONS 2011 area classification)"] == 273
    ci = report["ci_check"]
    assert ci["rows_compared"] > 2600
    assert ci["rows_beyond_rounding_95"] == 0
    # Breast 2015 is published to one decimal place, so differences reach (not pass) 0.05.
    assert ci["max_abs_diff_95"] < (0.05 if path == BREAST_14 else 1e-6)
    assert report["england_comparison"]["rows_compared"] == 0  # this layout has no judgement
    assert sum(report["breakdowns_kept"].values()) >= 276  # England's deprivation deciles


def test_a_wrong_published_limit_is_found(reference_db: Path, tmp_path: Path) -> None:
    nudged = {}

    def nudge(i: int, row: dict) -> None:
        if not nudged and row["Area Type"] == "District" and row["Lower CI 95.0 limit"]:
            row["Lower CI 95.0 limit"] = str(float(row["Lower CI 95.0 limit"]) - 0.3)
            nudged["csv_row"] = i + 2  # the header is line 1

    report = run_import(reference_db, rewrite(CERVICAL_27, tmp_path / "tampered.csv", nudge))
    ci = report["ci_check"]
    assert ci["rows_beyond_rounding_95"] == 1
    assert ci["max_abs_diff_95"] == pytest.approx(0.3, abs=0.01)
    example = next(e for e in ci["examples"] if e["csv_row"] == nudged["csv_row"])
    assert example["reason"] == "unexplained"


def test_a_wrong_published_judgement_is_found(reference_db: Path, tmp_path: Path) -> None:
    flipped = {}

    def flip(i: int, row: dict) -> None:
        if (
            not flipped
            and row["Compared to England value or percentiles"] == "Better"
            and row["Area Type"] == "District"
        ):
            row["Compared to England value or percentiles"] = "Worse"
            flipped["area"] = row["Area Code"]

    report = run_import(reference_db, rewrite(CERVICAL_27, tmp_path / "flipped.csv", flip))
    england = report["england_comparison"]
    assert england["disagree"] == 1
    assert england["examples"][0]["area_code"] == flipped["area"]
    assert (england["examples"][0]["published"], england["examples"][0]["ours"]) == (
        "worse",
        "better",
    )


def test_our_limits_are_computed_not_copied(reference_db: Path) -> None:
    run_import(reference_db, CERVICAL_27)
    with open_db(reference_db, read_only=True) as con:
        rows = con.execute(
            "SELECT count, denominator, lower_95, upper_95, lower_998, upper_998 "
            "FROM public_indicator_value WHERE count IS NOT NULL"
        ).df()
    lower, upper = wilson_interval(rows["count"], rows["denominator"])
    assert np.allclose(rows["lower_95"], lower) and np.allclose(rows["upper_95"], upper)
    lower, upper = wilson_interval(rows["count"], rows["denominator"], z=3.090232306167813)
    assert np.allclose(rows["lower_998"], lower) and np.allclose(rows["upper_998"], upper)


def test_pre_2019_codes_are_mapped_and_the_published_code_kept(reference_db: Path) -> None:
    report = run_import(reference_db, BREAST_14)
    assert report["old_codes_mapped"] > 0
    with open_db(reference_db, read_only=True) as con:
        mapped = dict(
            con.execute(
                "SELECT area_code, current_area_code FROM public_indicator_value "
                "WHERE area_code IN ('E06000028', 'E07000190') AND time_period = '2016'"
            ).fetchall()
        )
    # Bournemouth -> BCP (2019); Taunton Deane -> Somerset West and Taunton -> Somerset (2023)
    assert mapped == {"E06000028": "E06000058", "E07000190": "E06000066"}


def test_same_file_again_is_unchanged_and_a_newer_export_replaces_it(
    reference_db: Path, tmp_path: Path
) -> None:
    assert run_import(reference_db, CERVICAL_27)["status"] == "imported"
    with open_db(reference_db, read_only=True) as con:
        before = public_tables(con)
    assert run_import(reference_db, CERVICAL_27)["status"] == "unchanged"
    with open_db(reference_db, read_only=True) as con:
        assert public_tables(con) == before

    def drop_2024(i: int, row: dict) -> None:
        if row["Time period"] == "2024":
            row["Value"] = ""

    newer = rewrite(CERVICAL_27, tmp_path / "newer.csv", drop_2024)
    report = run_import(reference_db, newer)
    assert report["status"] == "imported"
    with open_db(reference_db, read_only=True) as con:
        periods = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT time_period FROM public_indicator_value WHERE indicator_id = 93560"
            ).fetchall()
        }
        imports = con.execute("SELECT status FROM public_import ORDER BY import_id").fetchall()
    assert "2024" not in periods and "2023" in periods
    assert [s for (s,) in imports] == ["imported", "unchanged", "imported"]


def test_a_csv_of_another_layout_is_refused_naming_missing_columns(
    reference_db: Path, tmp_path: Path
) -> None:
    run_import(reference_db, CERVICAL_27)
    with open_db(reference_db, read_only=True) as con:
        before = public_tables(con)
    other = tmp_path / "other.csv"
    pd.DataFrame({"Area Code": ["E06000021"], "Value": [70.1], "Year": [2019]}).to_csv(
        other, index=False
    )
    report = run_import(reference_db, other)
    assert report["status"] == "rejected"
    assert "'Area Name'" in report["errors"][0] and "'Denominator'" in report["errors"][0]
    with open_db(reference_db, read_only=True) as con:
        assert public_tables(con) == before
        assert con.execute(
            "SELECT status FROM public_import ORDER BY import_id DESC LIMIT 1"
        ).fetchone() == ("rejected",)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (bytes(range(256)) * 20, "noise.csv", "could not be read as a CSV"),
        (b"PK\x03\x04 not really", "coverage.xlsx", "not a CSV file"),
    ],
    ids=["binary", "workbook"],
)
def test_unreadable_files_are_refused_plainly(
    reference_db: Path, tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = run_import(reference_db, path)
    assert report["status"] == "rejected" and message in report["errors"][0]


def test_older_layout_without_an_indicator_id_is_refused(reference_db: Path) -> None:
    with open_db(reference_db) as con:
        report = import_file(db_on(con), BREAST_14).as_dict()
    assert report["status"] == "rejected"
    assert "--indicator-id" in report["errors"][0]


def test_any_indicator_in_the_same_layout_loads(reference_db: Path, tmp_path: Path) -> None:
    def recode(i: int, row: dict) -> None:
        row["Indicator ID"] = "91720"
        row["Indicator Name"] = "Cancer screening uptake: bowel cancer (aged 60 to 74 years old)"

    report = run_import(reference_db, rewrite(CERVICAL_27, tmp_path / "bowel.csv", recode))
    assert (report["status"], report["indicator_id"]) == ("imported", 91720)
    with open_db(reference_db, read_only=True) as con:
        meta = con.execute(
            "SELECT programme, measure FROM public_indicator WHERE indicator_id = 91720"
        ).fetchone()
    assert meta == ("bowel", "uptake")


def mixed(tmp_path: Path, name: str = "mixed.csv") -> Path:
    """The cervical export with every other row re-labelled as a second indicator (as a
    Fingertips profile download holds several)."""

    def mix(i: int, row: dict) -> None:
        if i % 2:
            row["Indicator ID"] = "12345"
            row["Indicator Name"] = "Cancer screening uptake: cervical cancer (made up)"

    return rewrite(CERVICAL_27, tmp_path / name, mix)


def indicator_rows(setting) -> dict[int, int]:
    with open_db(setting, read_only=True) as con:
        return dict(
            con.execute(
                "SELECT indicator_id, count(*) FROM public_indicator_value GROUP BY 1"
            ).fetchall()
        )


def test_a_file_with_several_indicators_imports_each_with_its_own_report(
    reference_db: Path, tmp_path: Path
) -> None:
    report = run_import(reference_db, mixed(tmp_path))
    assert report["status"] == "imported"
    assert (report["indicator_id"], report["indicator_name"]) == (None, None)
    assert report["rows_read"] == 6102  # the file's own figures, as for one indicator
    each = {e["indicator_id"]: e for e in report["indicators"]}
    assert set(each) == {93560, 12345}
    assert each[12345]["indicator_name"].endswith("(made up)")
    assert {e["status"] for e in each.values()} == {"imported"}
    assert sum(e["rows_read"] for e in each.values()) == 6102
    assert sum(e["rows_loaded"] for e in each.values()) == report["rows_loaded"]
    for entry in each.values():
        assert {"rows_skipped", "ci_check", "england_comparison"} <= set(entry)
        assert entry["ci_check"]["rows_beyond_rounding_95"] == 0
    assert indicator_rows(reference_db) == {i: e["rows_loaded"] for i, e in each.items()}
    with open_db(reference_db, read_only=True) as con:
        meta = con.execute(
            "SELECT indicator_id, programme, measure, is_synthetic FROM public_indicator ORDER BY 1"
        ).fetchall()
        imports = con.execute("SELECT status, indicator_id FROM public_import").fetchall()
    assert meta == [(12345, "cervical", "uptake", False), (93560, "cervical", "coverage", False)]
    assert imports == [("imported", None)]  # one audit row per file


def test_several_indicators_again_are_unchanged_and_each_is_replaced_by_a_newer_file(
    reference_db: Path, tmp_path: Path
) -> None:
    run_import(reference_db, CERVICAL_27)
    alone = indicator_rows(reference_db)[93560]
    assert run_import(reference_db, mixed(tmp_path))["status"] == "imported"
    replaced = indicator_rows(reference_db)
    assert replaced[93560] < alone  # the file's half of 93560 replaced the whole export's
    with open_db(reference_db, read_only=True) as con:
        before = public_tables(con)
    again = run_import(reference_db, mixed(tmp_path))
    assert again["status"] == "unchanged"
    assert {e["status"] for e in again["indicators"]} == {"unchanged"}
    with open_db(reference_db, read_only=True) as con:
        assert public_tables(con) == before
    # One of them imported again from elsewhere: the mixed file then replaces that one only
    # (each indicator is unchanged exactly when its rows came from this very file).
    run_import(reference_db, CERVICAL_27)
    third = run_import(reference_db, mixed(tmp_path))
    statuses = {e["indicator_id"]: e["status"] for e in third["indicators"]}
    assert third["status"] == "imported"
    assert statuses == {93560: "imported", 12345: "unchanged"}
    assert indicator_rows(reference_db) == replaced


def test_a_several_indicator_file_loads_all_of_them_or_none(
    reference_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wdp.db import public

    run_import(reference_db, CERVICAL_27)
    with open_db(reference_db, read_only=True) as con:
        before = public_tables(con)

    def fail(*args, **kwargs):
        raise RuntimeError("the machine stopped half-way")

    # The audit row is written after every indicator's rows: failing there undoes them all.
    monkeypatch.setattr(public, "_insert_import", fail)
    with pytest.raises(RuntimeError, match="half-way"):
        run_import(reference_db, mixed(tmp_path))
    monkeypatch.undo()
    with open_db(reference_db, read_only=True) as con:
        assert public_tables(con) == before


def test_an_indicator_with_nothing_to_load_refuses_the_whole_file(
    reference_db: Path, tmp_path: Path
) -> None:
    def blank_second(i: int, row: dict) -> None:
        if i % 2:
            row["Indicator ID"], row["Value"] = "12345", ""

    report = run_import(reference_db, rewrite(CERVICAL_27, tmp_path / "blank.csv", blank_second))
    assert report["status"] == "rejected"
    assert "indicator(s) 12345" in report["errors"][0]
    assert indicator_rows(reference_db) == {}


def test_a_file_without_any_indicator_id_is_refused(reference_db: Path, tmp_path: Path) -> None:
    def unnamed(i: int, row: dict) -> None:
        row["Indicator ID"] = ""

    report = run_import(reference_db, rewrite(CERVICAL_27, tmp_path / "unnamed.csv", unnamed))
    assert report["status"] == "rejected" and "no indicator id" in report["errors"][0]


HEADER = CERVICAL_27.open(encoding="utf-8-sig").readline().strip().split(",")
GP_INDICATOR = (91340, "Cancer screening uptake: breast cancer (aged 50 to 70 years old)")


def gp_export(path: Path, rows: list[tuple[str, str, str, str, int, int]], *, ident=GP_INDICATOR):
    """A GP-level export in the Fingertips layout: (area code, name, area type, parent code,
    count, denominator) for 2017/18 and 2018/19 (the second year's counts one higher)."""
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER)
        writer.writeheader()
        for year in (2017, 2018):
            for code, name, area_type, parent, count, denominator in rows:
                count += year - 2017
                low, high = wilson_interval(count, denominator)
                writer.writerow(
                    {h: "" for h in HEADER}
                    | {
                        "Indicator ID": ident[0],
                        "Indicator Name": ident[1],
                        "Parent Code": parent,
                        "Area Code": code,
                        "Area Name": name,
                        "Area Type": area_type,
                        "Sex": "Female",
                        "Age": "50-70 yrs",
                        "Time period": f"{year}/{(year + 1) % 100:02d}",
                        "Value": 100 * count / denominator,
                        "Lower CI 95.0 limit": low,
                        "Upper CI 95.0 limit": high,
                        "Count": count,
                        "Denominator": denominator,
                        "Time period Sortable": year * 10000,
                        "Time period range": "1y",
                    }
                )
    return path


GP_ROWS = [
    ("E92000001", "England", "England", "", 1_400_000, 2_000_000),
    ("U12345", "Example PCN", "PCNs", "E38000123", 1_300, 2_000),
    ("A81001", "The Densham Surgery", "GPs", "U12345", 600, 1_000),
    ("M83038", "Orchard Surgery", "GPs", "U12345", 790, 1_000),
    ("E85001", "A practice whose code starts with E", "GPs", "U12345", 640, 1_000),
]


def test_gp_practice_rows_are_kept_as_practices_and_never_recoded(
    reference_db: Path, tmp_path: Path
) -> None:
    report = run_import(reference_db, gp_export(tmp_path / "gp.csv", GP_ROWS))
    assert report["status"] == "imported" and report["indicator_id"] == 91340
    assert report["rows_loaded"] == 10 and report["gp_practice_rows"] == 6
    assert report["old_codes_mapped"] == 0
    assert report["ci_check"]["rows_beyond_rounding_95"] == 0
    with open_db(reference_db, read_only=True) as con:
        rows = con.execute(
            "SELECT area_code, current_area_code, area_type, published_area_type, "
            "compared_to_england FROM public_indicator_value WHERE time_period = '2017/18' "
            "ORDER BY area_code"
        ).fetchall()
    assert rows == [
        ("A81001", "A81001", "gp_practice", "GPs", "worse"),
        ("E85001", "E85001", "gp_practice", "GPs", "worse"),
        ("E92000001", "E92000001", "england", "England", "not_compared"),
        ("M83038", "M83038", "gp_practice", "GPs", "better"),
        ("U12345", "U12345", "pcn", "PCNs", "worse"),
    ]
    run_import(reference_db, CERVICAL_27)
    with open_db(reference_db, read_only=True) as con:
        # the league tables and maps list only indicators with areas to rank
        assert db_on(con).public_indicators()["indicator_id"].tolist() == [93560]


def test_indicator_names_say_programme_and_measure() -> None:
    assert describe_indicator("Cancer screening coverage: breast cancer") == {
        "programme": "breast",
        "measure": "coverage",
    }
    assert describe_indicator("Emergency admissions") == {"programme": None, "measure": None}


@pytest.mark.process
def test_import_fingertips_cli_prints_the_report_as_json(reference_db: Path) -> None:
    from tests.processes import etl

    result = etl("import-fingertips", str(CERVICAL_27), "--json", db=reference_db)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in (
        "file",
        "indicator_id",
        "indicator_name",
        "rows_read",
        "rows_loaded",
        "rows_skipped",
        "ci_check",
        "england_comparison",
    ):
        assert key in report
    assert {"rows_compared", "max_abs_diff_95", "max_abs_diff_998"} <= set(report["ci_check"])
    assert {"rows_compared", "agree"} <= set(report["england_comparison"])
    refused = etl("import-fingertips", str(BREAST_14), db=reference_db)
    assert refused.returncode == 1 and "--indicator-id" in refused.stdout


def test_each_published_figure_is_stored_once(reference_db: Path) -> None:
    """The import de-duplicates on the natural key (the table has no unique index, for speed)."""
    for path in (CERVICAL_27, BREAST_14):
        run_import(reference_db, path)
    with open_db(reference_db, read_only=True) as con:
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT (indicator_id, area_code, sex, age, category_type, "
            "category, time_period)) FROM public_indicator_value"
        ).fetchone()
    assert total == distinct > 8000
