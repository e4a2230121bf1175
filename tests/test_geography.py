"""Shipped boundaries and hex maps, and maps drawn from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import open_db
from wdp import geo
from wdp.db import screening


@pytest.mark.parametrize("level", list(geo.BOUNDARY_FILES))
def test_shipped_boundaries_are_small_english_and_closed(level: str) -> None:
    path = geo.BOUNDARY_DIR / geo.BOUNDARY_FILES[level]
    assert path.stat().st_size < 1_000_000
    data = json.loads(path.read_text())
    assert data["type"] == "FeatureCollection" and data["features"]
    for feature in data["features"]:
        assert feature["properties"]["code"].startswith("E")
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            for ring in polygon:
                assert ring[0] == ring[-1] and len(ring) >= 4


def test_every_local_authority_with_2024_figures_is_drawn(seeded_db: Path) -> None:
    from wdp.charts.screening import choropleth_figure, hex_map_figure

    with open_db(seeded_db, read_only=True) as con:
        league = screening.league_table(
            con, indicator_id=93560, time_period="2024", level="district_ua"
        )
        codes = screening.current_codes(con)
    drawn = {codes.get(c, c) for c in geo.boundary_codes("district_ua")}
    assert set(league["current_area_code"]) <= drawn
    for figure in (
        choropleth_figure(geo.read_boundaries("district_ua"), league, title="t", code_map=codes),
        hex_map_figure(geo.read_hexmap(), league, title="t", code_map=codes),
    ):
        names = {trace.name for trace in figure.data}
        assert "No data" not in names  # Barnsley and Sheffield matched through the 2025 recode
        assert "▲ Better than England" in names


def test_hex_map_covers_england() -> None:
    hexes = geo.read_hexmap()
    assert len(hexes) == 296 and hexes["area_code"].str.startswith("E").all()


def test_geography_attribution_names_the_licence() -> None:
    from wdp.config import GEOGRAPHY_ATTRIBUTION

    assert "Open Government Licence" in GEOGRAPHY_ATTRIBUTION
    assert "OS data" in GEOGRAPHY_ATTRIBUTION


def test_every_current_local_authority_rolls_up_to_a_county_or_unitary_and_a_region(
    reference_db: Path,
) -> None:
    from wdp.db import queries

    with open_db(reference_db, read_only=True) as con:
        rollup = queries.area_rollup(con).set_index("area_code")
        practices = queries.practice_rollup(con).set_index("ods_code")
    assert len(rollup) >= 296
    assert rollup["region_code"].notna().all() and rollup["county_ua_code"].notna().all()
    assert rollup.loc["E07000123", "county_ua_name"] == "Lancashire"  # Preston, two-tier
    assert rollup.loc["E06000066", "county_ua_code"] == "E06000066"  # Somerset, unitary 2023
    assert rollup.loc["E07000244", "county_ua_code"] == "E10000029"  # East Suffolk (2019)
    assert rollup.loc["E06000021", "region_name"] == "West Midlands"  # Stoke-on-Trent
    preston = practices.loc["P81103"]
    assert "Lancashire and South Cumbria" in preston["icb_name"]
    assert preston["icb_ons_code"].startswith("E54")
    active = practices[practices["status_code"] == "A"]
    assert active["icb_name"].notna().mean() > 0.99


def test_districts_merged_since_are_not_drawn_with_one_predecessors_value(seeded_db: Path) -> None:
    from wdp.charts.screening import choropleth_figure

    with open_db(seeded_db, read_only=True) as con:
        league = screening.league_table(
            con, indicator_id=22001, time_period="2016", level="district_ua"
        )
        codes = screening.current_codes(con)
    cumberland = league[league["current_area_code"] == "E06000063"]
    assert len(cumberland) > 1  # Allerdale, Carlisle, Copeland in 2016
    figure = choropleth_figure(
        geo.read_boundaries("district_ua"), league, title="t", code_map=codes
    )
    merged = [t for t in figure.data if t.name and t.name.startswith("◇ Merged since")]
    assert merged
    hover = next(t for t in figure.data if t.legendgroup == "merged" and t.customdata is not None)
    assert "Cumberland" in {row[0] for row in hover.customdata}
