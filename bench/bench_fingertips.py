"""Benchmark: import a 1,000,000-row file in the Fingertips layout.

    .venv/bin/python bench/bench_fingertips.py [--rows 1000000] [--runs 3]

The file is the shipped 93560 export repeated with shifted time periods until it has ``--rows``
rows (every row a distinct key). Prints the median import time and rows/s, and the same for
DuckDB's own ``read_csv`` of the file into a table (the floor), and their ratio. Figures only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from etl.fingertips import import_file  # noqa: E402
from etl.seed import load_reference  # noqa: E402
from wdp.config import SCREENING_DIR  # noqa: E402
from wdp.db import open_database  # noqa: E402

SOURCE = SCREENING_DIR / "fingertips_93560_cervical_coverage_25_49_2010_2024.csv"


def big_file(path: Path, rows: int) -> int:
    with SOURCE.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        body = list(reader)
    period = header.index("Time period")
    sortable = header.index("Time period Sortable")
    written = 0
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        copy = 0
        while written < rows:
            for row in body:
                if written >= rows:
                    break
                year = int(row[period]) + 100 * copy  # a distinct period per copy
                out = list(row)
                out[period], out[sortable] = str(year), str(year * 10000)
                writer.writerow(out)
                written += 1
            copy += 1
    return written


def measure(rows: int = 1_000_000, runs: int = 5) -> dict:
    """Medians of ``runs`` rounds, each a ``read_csv`` of the file and an import of it."""
    work = Path(tempfile.mkdtemp(prefix="wdp-bench-ft-"))
    try:
        path = work / "big_export.csv"
        written = big_file(path, rows)
        master = work / "reference.duckdb"
        with open_database(master, create=True).write() as tx:
            load_reference(tx)
        floors, imports, ratios, report = [], [], [], None
        for i in range(runs):  # interleaved, so the machine's noise falls on both alike
            con = duckdb.connect()
            start = time.perf_counter()
            con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
            floors.append(time.perf_counter() - start)
            con.close()
            db = work / f"run{i}.duckdb"
            shutil.copy(master, db)
            start = time.perf_counter()
            report = import_file(open_database(db), path)
            imports.append(time.perf_counter() - start)
            db.unlink()
            ratios.append(imports[-1] / floors[-1])
        assert report is not None and report.status == "imported", report.errors
        return {
            "rows": written,
            "file_mb": path.stat().st_size / 1e6,
            "rows_loaded": report.details["rows_loaded"],
            "read_csv_s": statistics.median(floors),
            "import_s": statistics.median(imports),
            "ratio": statistics.median(ratios),
            "runs": runs,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    r = measure(args.rows, args.runs)
    if args.json:
        print(json.dumps(r))
        return
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, duckdb {duckdb.__version__}; median of {args.runs} "
        "interleaved runs"
    )
    print(
        f"File: {r['rows']:,} rows x 27 columns, {r['file_mb']:.0f} MB; {r['rows_loaded']:,} loaded"
    )
    print(f"{'step':44} {'seconds':>8} {'rows/s':>11}")
    for label, seconds in (
        ("DuckDB read_csv into a table (floor)", r["read_csv_s"]),
        ("import-fingertips (parse, check, load)", r["import_s"]),
    ):
        print(f"{label:44} {seconds:8.2f} {r['rows'] / seconds:11,.0f}")
    print(f"import / read_csv (median of per-run ratios): {r['ratio']:.1f}x (target: within 3x)")


if __name__ == "__main__":
    main()
