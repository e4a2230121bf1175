"""Read the reference data the product ships in ``data/reference`` into table-shaped DataFrames.

Sources and licences are in ``data/reference/SOURCES.md``. Reading is pure (no database): the
loader in ``etl.seed`` writes these frames through ``wdp.db.writes``.

Local authority codes change (2019 Dorset/BCP, 2023 Cumbria, North Yorkshire, Somerset, ...).
``read_areas`` lists every English LA code we know, old and new, each with the current code it maps
to through the ONS change table, so a return may use an old code and still be understood.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from wdp.config import REFERENCE_DIR
from wdp.domain import Issue

GP_FILE = "epraccur_gp_practices_england_setting4_dec2023.csv"
# The same ODS extract's practices in other prescribing settings that the national practice files
# (OHID deprivation scores, NHS Payments) name: closed practices ODS re-set to "other", walk-in
# centres, special allocation schemes. Kept to check the codes older returns use.
GP_OTHER_SETTINGS_FILE = "epraccur_gp_practices_england_other_settings_dec2023.csv"
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


def _read_epraccur(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    frame = raw[[i - 1 for i in GP_COLUMNS]].set_axis(list(GP_COLUMNS.values()), axis=1)
    for column in ("open_date", "close_date"):
        frame[column] = pd.to_datetime(frame[column].where(frame[column] != ""), format="%Y%m%d")
        frame[column] = frame[column].dt.date
    frame["practice_name"] = frame["practice_name"].str.title()
    return frame.drop_duplicates("ods_code").reset_index(drop=True)


def read_gp_practices(directory: Path | None = None) -> pd.DataFrame:
    """The current ODS list of GP practices (prescribing setting 4), closed ones included."""
    return _read_epraccur((directory or REFERENCE_DIR) / GP_FILE)


def read_practice_list(directory: Path | None = None) -> pd.DataFrame:
    """Every GP practice a return may name (``ref_gp_practice``), with when it was open:

    - the current ODS list (``read_gp_practices``), as published;
    - practices of the same ODS extract in other prescribing settings that the national practice
      files name (``GP_OTHER_SETTINGS_FILE``), with their ODS dates and status. Their region and
      commissioner codes are left out: they are December 2023's, not those of when the practice
      was open, and walk-in centres or closed practices are no comparison practices;
    - practices only the national practice files name (OHID deprivation scores, NHS Payments:
      ``read_practice_profiles``), closed and dropped from ODS since: status C, no dates, their
      name as those files give it. Validation accepts them up to the year of the latest list
      naming them (``ref_practice_profile``).
    """
    folder = directory or REFERENCE_DIR
    current = read_gp_practices(folder)
    other = _read_epraccur(folder / GP_OTHER_SETTINGS_FILE)
    other = other[~other["ods_code"].isin(current["ods_code"])]
    other = other.assign(nhs_region_code=None, icb_code=None, sub_icb_code=None)
    profiles = read_practice_profiles(folder)
    known = set(current["ods_code"]) | set(other["ods_code"])
    gone = profiles[~profiles["practice_code"].isin(known)]
    archived = pd.DataFrame(
        {
            "ods_code": gone["practice_code"],
            "practice_name": gone["practice_name"].fillna(gone["practice_code"]).str.title(),
            "status_code": "C",
        }
    )
    frame = pd.concat([current, other, archived], ignore_index=True)
    return frame.astype(current.dtypes.to_dict())


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


# ------------------------------------------------------------------------------------------------
# GP practice profiles (deprivation, list size, rurality) for matching comparison practices
# ------------------------------------------------------------------------------------------------

IMD_FILE = "IMD_raw_practice_93553_2010_2015_2019.csv"
# NHS Payments to General Practice, one file per financial year (the year is the file's).
PAYMENTS_FILES = {
    "2016-17": "nhs_payments_to_general_practice_16-17.csv",
    "2017-18": "nhs_payments_to_general_practice_17-18.csv",
    "2018-19": "nhs_payments_to_general_practice_18-19.csv",
    "2019-20": "nhs_payments_to_general_practice_19-20.csv",
}
IMD_EDITION = 2019  # the edition matching uses; a practice without it keeps its latest
PRACTICE_CODE = r"[A-Z][0-9A-Z]{5}"
# The columns wanted from each file, matched by name (the years spell them differently, e.g.
# "PracticeRurality" and "Practice Rurality"): our name -> the header, compared without case,
# spaces or punctuation. Columns marked optional are absent in some years.
IMD_COLUMNS = {
    "edition": "Year",
    "practice_code": "AreaCode",
    "practice_name": "AreaName",
    "imd_score": "Value",
}
PAYMENTS_COLUMNS = {
    "practice_code": "Practice Code",
    "practice_name": "Practice Name",
    "nhs_region_code": "NHS England (Region) code",
    "ccg_code": "CCG Code",
    "pcn_code": "PCN Code",  # from 2019-20
    "rurality": "Practice Rurality",
    "list_size": "Number of Registered Patients (Last Known Figure)",
}
OPTIONAL_COLUMNS = {"pcn_code"}
NO_VALUE = {"", "missing", "MISSING"}  # (after trimming)


class ImdRow(BaseModel):
    """One practice's deprivation score in one IMD edition (OHID Fingertips indicator 93553)."""

    practice_code: str = Field(pattern=PRACTICE_CODE)
    practice_name: str | None
    # The file says 93553 (the IMD 2019 indicator) on every row; its "Year" is the edition.
    edition: int = Field(ge=2004, le=2100)  # IMD editions: 2004, 2007, 2010, 2015, 2019, ...
    imd_score: float = Field(ge=0)


class PaymentsRow(BaseModel):
    """One practice in one year of NHS Payments to General Practice (only what matching needs)."""

    practice_code: str = Field(pattern=PRACTICE_CODE)
    practice_name: str | None
    nhs_region_code: str | None
    ccg_code: str | None
    pcn_code: str | None = None
    # Published "Urban" / "Rural" ("MISSING" where the year did not say: no value).
    rurality: Literal["urban", "rural"] | None
    list_size: float = Field(ge=0)  # some years publish a quarterly average (4095.25)


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _validated(
    path: Path, wanted: dict[str, str], model: type[BaseModel], extra: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The file's wanted columns (found by name), every row validated by ``model``; raises
    ``etl.seed.CsvError`` naming each bad cell's file, line and column (the first 50).

    Cells are trimmed, blanks (the 2018-19 file writes a missing date as ' ') and "MISSING" are
    no value, and words are lower-cased, column by column, before pydantic checks each row."""
    from etl.seed import CsvError  # (etl.seed reads this module: imported when needed)

    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    by_name = {_squash(c): c for c in header}
    found = {ours: by_name.get(_squash(theirs)) for ours, theirs in wanted.items()}
    missing = [wanted[o] for o, c in found.items() if c is None and o not in OPTIONAL_COLUMNS]
    if missing:
        raise CsvError([Issue(path.name, 1, m, None, "This column is missing.") for m in missing])
    present = {ours: column for ours, column in found.items() if column is not None}
    raw = pd.read_csv(
        path,
        usecols=list(present.values()),
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    columns = {}
    for ours, theirs in present.items():
        cells = raw[theirs].str.strip()
        if ours == "rurality":
            cells = cells.str.lower()
        columns[ours] = [None if c in NO_VALUE else c for c in cells.tolist()]
    records = [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]
    adapter = TypeAdapter(list[model])
    try:
        rows = adapter.validate_python(records)
    except ValidationError as error:
        issues = []
        for problem in error.errors(include_url=False)[:50]:
            index, field = problem["loc"][0], problem["loc"][-1]
            value = records[int(index)].get(str(field))
            issues.append(
                Issue(path.name, int(index) + 2, present.get(str(field)), value, problem["msg"])
            )
        raise CsvError(issues) from None
    return pd.DataFrame(adapter.dump_python(rows)).assign(**(extra or {}))


def read_practice_profiles(directory: Path | None = None) -> pd.DataFrame:
    """One row per GP practice in the IMD or payments files: deprivation score (the 2019
    edition, else the latest the practice has), list size (the last known figure, from the
    latest year it appears), rurality (the latest year that says urban or rural), and the NHS
    region, CCG and PCN codes of its latest year."""
    folder = directory or REFERENCE_DIR
    imd = _validated(folder / IMD_FILE, IMD_COLUMNS, ImdRow)
    imd["preferred"] = imd["edition"] == IMD_EDITION
    imd = imd.sort_values(["practice_code", "preferred", "edition"]).groupby("practice_code").last()
    payments = pd.concat(
        [
            _validated(folder / name, PAYMENTS_COLUMNS, PaymentsRow, {"year": year})
            for year, name in PAYMENTS_FILES.items()
        ],
        ignore_index=True,
    ).sort_values(["practice_code", "year"])
    latest = payments.groupby("practice_code").last()  # (each column's latest value)
    newest = payments.drop_duplicates("practice_code", keep="last").set_index("practice_code")
    codes = sorted(set(imd.index) | set(latest.index))
    frame = pd.DataFrame({"practice_code": codes}).set_index("practice_code")
    frame["practice_name"] = imd["practice_name"].combine_first(latest["practice_name"].str.title())
    frame["imd_score"] = imd["imd_score"]
    frame["imd_edition"] = imd["edition"].astype("Int64")
    frame["list_size"] = newest["list_size"].round().astype("Int64")
    frame["list_size_year"] = newest["year"]
    for column in ("rurality", "nhs_region_code", "ccg_code", "pcn_code"):
        frame[column] = latest[column]
    return frame.reset_index()
