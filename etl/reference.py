"""Read the reference data the product ships in ``data/reference`` into table-shaped DataFrames.

Sources and licences are in ``data/reference/SOURCES.md``. Reading is pure (no database): the
loader in ``etl.seed`` writes these frames through ``wdp.db.writes``.

Local authority codes change (2019 Dorset/BCP, 2023 Cumbria, North Yorkshire, Somerset, ...).
``read_areas`` lists every English LA code we know, old and new, each with the current code it maps
to through the ONS change table, so a return may use an old code and still be understood.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from wdp.config import REFERENCE_DIR

GP_FILE = "epraccur_gp_practices_england_setting4_dec2023.csv"
LTLA14_FILE = "ons_ltla14_lookup.csv"
LTLA23_FILE = "ons_names_codes_ltla23.csv"
CTY23_FILE = "ons_names_codes_cty23.csv"
RGN_FILE = "ons_names_codes_rgn22.csv"
CTRY_FILE = "ons_names_codes_ctry22.csv"
CHANGES_FILE = "ons_ltla_changes_2018_2025.csv"
SERVICES_FILE = "screening_services.csv"

# epraccur has no header row; these are the ODS layout's columns we keep (1-based position).
GP_COLUMNS = {
    1: "ods_code",
    2: "practice_name",
    3: "nhs_region_code",
    4: "icb_code",
    10: "postcode",
    11: "open_date",
    12: "close_date",
    13: "status_code",
    15: "sub_icb_code",
}
# Change types that replace an LA code with another LA code (the others are combined-authority
# membership or abolition and do not re-code an area).
RECODING_TYPES = ("merger", "new_code")


def _csv(name: str, directory: Path | None = None) -> pd.DataFrame:
    return pd.read_csv(
        (directory or REFERENCE_DIR) / name, dtype=str, encoding="utf-8-sig", keep_default_na=False
    )


def read_gp_practices(directory: Path | None = None) -> pd.DataFrame:
    raw = pd.read_csv(
        (directory or REFERENCE_DIR) / GP_FILE, header=None, dtype=str, keep_default_na=False
    )
    frame = raw[[i - 1 for i in GP_COLUMNS]].set_axis(list(GP_COLUMNS.values()), axis=1)
    for column in ("open_date", "close_date"):
        frame[column] = pd.to_datetime(frame[column].where(frame[column] != ""), format="%Y%m%d")
        frame[column] = frame[column].dt.date
    frame["practice_name"] = frame["practice_name"].str.title()
    return frame.drop_duplicates("ods_code").reset_index(drop=True)


def read_area_changes(directory: Path | None = None) -> pd.DataFrame:
    changes = _csv(CHANGES_FILE, directory).rename(
        columns={
            "oldcd": "old_code",
            "oldnm": "old_name",
            "newcd": "new_code",
            "newnm": "new_name",
            "type": "change_type",
            "start": "start_year",
        }
    )
    changes["start_year"] = changes["start_year"].astype(int)
    changes["new_code"] = changes["new_code"].replace("", None)
    changes["new_name"] = changes["new_name"].replace("", None)
    return changes


def read_areas(directory: Path | None = None) -> pd.DataFrame:
    """Every English LA, county, region and England, old codes included, with the current code."""
    ltla14 = _csv(LTLA14_FILE, directory)
    ltla14 = ltla14[ltla14["ltlacd"].str.startswith("E")]
    current_lad = _csv(LTLA23_FILE, directory)
    current_lad = current_lad[current_lad["areacd"].str.startswith("E")]
    changes = read_area_changes(directory)
    recodes = changes[changes["change_type"].isin(RECODING_TYPES)]
    successor = dict(zip(recodes["old_code"], recodes["new_code"], strict=True))
    region_of = dict(zip(ltla14["ltlacd"], ltla14["rgncd"], strict=True))

    def current_code(code: str) -> str:
        seen = set()
        while code in successor and code not in seen:
            seen.add(code)
            code = successor[code]
        return code

    counties = _csv(CTY23_FILE, directory)
    regions = _csv(RGN_FILE, directory)
    in_england = ("E",)
    # (codes, names, kind, which codes) in order of preference: the newest names first, so a
    # code keeps its current name. A kind of None: a county when the code is E10, else a
    # local authority (recoded areas; combined authorities are left out).
    sources = (
        (recodes["new_code"], recodes["new_name"], None, ("E06", "E07", "E08", "E09", "E10")),
        (current_lad["areacd"], current_lad["areanm"], "local_authority", in_england),
        (ltla14["ltlacd"], ltla14["ltlanm"], "local_authority", in_england),
        (recodes["old_code"], recodes["old_name"], "local_authority", in_england),
        (counties["areacd"], counties["areanm"], "county", in_england),
        (ltla14["ctycd"], ltla14["ctynm"], "county", ("E10",)),
        (regions["areacd"], regions["areanm"], "region", in_england),
        (pd.Series(["E92000001"]), pd.Series(["England"]), "country", in_england),
    )
    rows: dict[str, dict] = {}
    for codes, names, kind, prefixes in sources:
        for code, name in zip(codes, names, strict=True):
            if code in rows or not code.startswith(prefixes):
                continue
            area_kind = kind or ("county" if code.startswith("E10") else "local_authority")
            rows[code] = {"area_code": code, "area_name": name, "area_kind": area_kind}

    frame = pd.DataFrame(rows.values())
    terminated = set(changes.loc[changes["change_type"] == "termination", "old_code"])
    frame["current_code"] = [
        None if code in terminated else current_code(code) for code in frame["area_code"]
    ]
    frame["is_current"] = frame["area_code"] == frame["current_code"]
    # A code created since 2014 takes the region of the areas it replaced.
    for old, new in zip(recodes["old_code"], recodes["new_code"], strict=True):
        if old in region_of and new not in region_of:
            region_of[new] = region_of[old]
    frame["region_code"] = [
        region_of.get(code, region_of.get(current or ""))
        for code, current in zip(frame["area_code"], frame["current_code"], strict=True)
    ]
    frame.loc[frame["area_kind"] == "region", "region_code"] = frame["area_code"]
    return frame.sort_values("area_code").reset_index(drop=True)


@cache
def read_screening_services(directory: Path | None = None) -> pd.DataFrame:
    return _csv(SERVICES_FILE, directory)


ICB_HEXMAP = "nhs-icb-2022.hexjson"


def read_area_parents(directory: Path | None = None) -> pd.DataFrame:
    """Roll-ups for every current English district or unitary authority: its county (or itself,
    for a unitary, metropolitan district or London borough) and its region."""
    areas = read_areas(directory)
    ltla14 = _csv(LTLA14_FILE, directory)
    county_of = {c: p for c, p in zip(ltla14["ltlacd"], ltla14["ctycd"], strict=True) if p}
    changes = read_area_changes(directory)
    recodes = changes[changes["change_type"].isin(RECODING_TYPES)]
    predecessors: dict[str, list[str]] = {}
    for old, new in zip(recodes["old_code"], recodes["new_code"], strict=True):
        predecessors.setdefault(new, []).append(old)

    def county(code: str) -> str:
        if not code.startswith("E07"):
            return code  # unitary, metropolitan district, London borough: its own upper tier
        queue = [code]
        while queue:
            candidate = queue.pop(0)
            if candidate in county_of:
                return county_of[candidate]
            queue += predecessors.get(candidate, [])
        return code

    current = areas[(areas["area_kind"] == "local_authority") & areas["is_current"]]
    rows = []
    for code, region in zip(current["area_code"], current["region_code"], strict=True):
        rows.append({"area_code": code, "parent_kind": "county_ua", "parent_code": county(code)})
        if isinstance(region, str) and region:
            rows.append({"area_code": code, "parent_kind": "region", "parent_code": region})
    return pd.DataFrame(rows)


def read_icbs(hexmap_dir: Path | None = None) -> pd.DataFrame:
    """Integrated care boards: ODS code (as on the GP practice list), ONS code, name, region."""
    import json

    from wdp.config import DATA_DIR

    path = (hexmap_dir or DATA_DIR / "geography" / "hexmaps") / ICB_HEXMAP
    hexes = json.loads(path.read_text(encoding="utf-8"))["hexes"]
    return pd.DataFrame(
        [
            {
                "icb_ods_code": code,
                "icb_ons_code": h["STP21CD"],
                "icb_name": h["ICS22NM"].strip(),
                "nhs_region_code": h.get("NHSER21CDH"),
                "nhs_region_name": h.get("NHSER21NM"),
            }
            for code, h in hexes.items()
        ]
    )
