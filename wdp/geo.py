"""Shipped geography read at run time (from the project's own ``data/geography``, never ../shared).

Hex maps (Open Innovations, MIT) place every local authority as one equal hexagon, so small urban
areas are as visible as large rural ones.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

from wdp.config import DATA_DIR

HEXMAP_DIR = DATA_DIR / "geography" / "hexmaps"
LAD_HEXMAP = "uk-local-authority-districts-2023.hexjson"


@cache
def read_hexmap(name: str = LAD_HEXMAP, directory: Path = HEXMAP_DIR) -> pd.DataFrame:
    """England's hexes: area code, name, column q, row r (odd-r layout), region code."""
    data = json.loads((directory / name).read_text(encoding="utf-8"))
    if data.get("layout") != "odd-r":
        raise ValueError(f"{name}: expected an odd-r hex layout, got {data.get('layout')!r}")
    rows = [
        {
            "area_code": code,
            "area_name": (h.get("n") or "").strip(),
            "q": int(h["q"]),
            "r": int(h["r"]),
            "region_code": h.get("region"),
        }
        for code, h in data["hexes"].items()
        if code.startswith("E")
    ]
    return pd.DataFrame(rows)


BOUNDARY_DIR = DATA_DIR / "geography" / "boundaries"
BOUNDARY_FILES = {
    "district_ua": "lad24_england.geojson",
    "county_ua": "ctyua23_england.geojson",
    "region": "rgn23_england.geojson",
    "icb": "icb23_england.geojson",
}


@cache
def read_boundaries(level: str, directory: Path = BOUNDARY_DIR) -> dict:
    """Simplified ONS boundaries (GeoJSON, WGS84) for an area level; features keyed by code."""
    return json.loads((directory / BOUNDARY_FILES[level]).read_text(encoding="utf-8"))


def boundary_codes(level: str) -> set[str]:
    return {f["properties"]["code"] for f in read_boundaries(level)["features"]}
