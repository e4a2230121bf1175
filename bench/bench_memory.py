"""Benchmark: the app server's peak memory while every page is visited in Chromium.

    .venv/bin/python bench/bench_memory.py [--db PATH] [--runs 3] [--json]

Serves ``--db`` (default: a national database built now by ``bench/national.py``, ~5 minutes)
with ``streamlit run``, visits every page through the menu as a signed-in admin (``--runs`` + 1
rounds; see ``bench/bench_render.py``) and samples the server process's resident memory (RSS,
children included) every 50 ms. Prints the peak. ``make bench`` takes this figure from its render
run of the national database; this script measures it on its own. Figures only (target: under
600 MB at national scale).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import measure


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database to serve (default: build the national one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    db = args.db
    if db is None:
        from national import build

        db = str(Path(tempfile.mkdtemp(prefix="wdp-bench-memory-")) / "national.duckdb")
        build(db)
    results = measure(db, runs=args.runs)
    if args.json:
        print(json.dumps({"peak_rss_mb": results["peak_rss_mb"]}))
        return
    print(f"Database {db}: every page visited {args.runs + 1} times in Chromium")
    print(f"peak server memory (RSS, children included): {results['peak_rss_mb']:.0f} MB")
    print(f"target: under 600 MB -> {'met' if results['peak_rss_mb'] < 600 else 'MISSED'}")


if __name__ == "__main__":
    main()
