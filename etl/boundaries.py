"""Build the simplified ONS boundaries the app draws maps with (a build step, not run time).

    python -m etl.boundaries [SOURCE_DIR]     # default: ../shared/data/geography/boundaries

Keeps England's features, their code and name only, with coordinates rounded to 3 decimal places
(about 100 m: invisible at the scale of a national map), consecutive repeats dropped and rings
that collapse removed. Writes compact GeoJSON into ``data/geography/boundaries/``. The app reads
only those copies (``wdp.geo``). Source: ONS Open Geography Portal, OGL v3, OS data © Crown
copyright and database right 2024 (``data/geography/SOURCES.md``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from wdp.config import DATA_DIR

OUT_DIR = DATA_DIR / "geography" / "boundaries"
DEFAULT_SOURCE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "geography" / ("boundaries")
)
# source file -> (output file, code property, name property)
LAYERS = {
    "Local_Authority_Districts_May_2024_Boundaries_UK_BSC.geojson": (
        "lad24_england.geojson",
        "LAD24CD",
        "LAD24NM",
    ),
    "Counties_and_Unitary_Authorities_December_2023_Boundaries_UK_BSC.geojson": (
        "ctyua23_england.geojson",
        "CTYUA23CD",
        "CTYUA23NM",
    ),
    "Integrated_Care_Boards_April_2023_EN_BSC.geojson": (
        "icb23_england.geojson",
        "ICB23CD",
        "ICB23NM",
    ),
    "Regions_December_2023_Boundaries_EN_BUC.geojson": (
        "rgn23_england.geojson",
        "RGN23CD",
        "RGN23NM",
    ),
}
DECIMALS = 3


def simplify_ring(ring: list[list[float]]) -> list[list[float]] | None:
    points: list[list[float]] = []
    for x, y, *_ in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not points or point != points[-1]:
            points.append(point)
    if points and points[0] != points[-1]:
        points.append(points[0])
    return points if len(points) >= 4 else None


def simplify_geometry(geometry: dict[str, Any]) -> dict[str, Any] | None:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    kept = []
    for polygon in polygons:
        rings = [r for r in (simplify_ring(ring) for ring in polygon) if r is not None]
        if rings:
            kept.append(rings)
    if not kept:
        return None
    return (
        {"type": "Polygon", "coordinates": kept[0]}
        if len(kept) == 1
        else {"type": "MultiPolygon", "coordinates": kept}
    )


def build(source: Path, out: Path = OUT_DIR) -> dict[str, tuple[int, int]]:
    """Write each layer; return {file: (bytes before, bytes after)}."""
    out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, (target, code, label) in LAYERS.items():
        path = source / name
        data = json.loads(path.read_text(encoding="utf-8"))
        features = []
        for feature in data["features"]:
            props = feature["properties"]
            if not str(props[code]).startswith("E"):
                continue
            geometry = simplify_geometry(feature["geometry"])
            if geometry is not None:
                features.append(
                    {
                        "type": "Feature",
                        "id": props[code],
                        "properties": {"code": props[code], "name": props[label]},
                        "geometry": geometry,
                    }
                )
        text = json.dumps(
            {"type": "FeatureCollection", "features": features}, separators=(",", ":")
        )
        (out / target).write_text(text, encoding="utf-8")
        sizes[target] = (path.stat().st_size, len(text.encode()))
    return sizes


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    for file, (before, after) in build(source).items():
        print(f"{file}: {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB")
