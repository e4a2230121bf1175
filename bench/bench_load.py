"""Benchmark: validate and load a return whose largest sheet has 5,000 rows.

    .venv/bin/python bench/bench_load.py [--rows 5000] [--runs 5]

Prints the median of several runs for each stage (bare calamine read of the workbook, our read,
validation, the database write) and the whole ``load_return`` into a fresh copy of a reference
database, with rows/s and the ratio to the bare read. Figures only: no pass/fail here.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

import python_calamine  # noqa: E402

from etl.load import load_return  # noqa: E402
from etl.reference import read_gp_practices  # noqa: E402
from etl.sample import Return, write_return  # noqa: E402
from etl.seed import (  # noqa: E402
    BENCHMARK_FILE,
    REGISTER_FILE,
    load_reference,
    read_benchmark,
    read_register,
)
from etl.validate import validate_workbook  # noqa: E402
from etl.workbook import read_workbook  # noqa: E402
from wdp.config import SAMPLE_DIR  # noqa: E402
from wdp.db import (  # noqa: E402
    open_database,
)
from wdp.domain import Course, ReportingPeriod, StaffRole  # noqa: E402


def big_return(rows: int) -> Return:
    """A valid Stoke return for 2017-18 Q1 with ``rows`` distinct Training rows."""
    from tests.helpers import valid_return

    period = ReportingPeriod(2017, 1)
    ret = valid_return(period)
    practices = sorted(read_gp_practices().query("status_code == 'A'")["ods_code"])
    months = [dt.date(2017, m, 1) for m in (4, 5, 6)]
    combos = ((m, p, r, c) for p in practices for m in months for r in StaffRole for c in Course)
    ret.training = [
        [m, p, None, r.label, c.label, (i % 7) + 1]
        for i, (m, p, r, c) in zip(range(rows), combos, strict=False)
    ]
    return ret


def _stage_times(path: Path, reference, master: Path, work: Path, runs: int) -> dict:
    """Every stage timed in each of ``runs`` rounds, interleaved so that noise from other work on
    the machine falls on all of them alike; medians, and ratios within each round."""
    from etl import workbook as wb_module

    inspect = getattr(wb_module, "inspect_xlsx", None)  # the hostile-file checks, when present

    def bare_read():
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        return [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]

    times: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {"read_validate": [], "load": []}

    def timed(name: str, fn):
        start = time.perf_counter()
        result = fn()
        times.setdefault(name, []).append(time.perf_counter() - start)
        return result

    validated = None
    for i in range(runs):
        timed("bare", bare_read)
        if inspect is not None:
            timed("inspect", lambda: inspect(path))
        workbook, _ = timed("read", lambda: read_workbook(path))
        validated = timed("validate", lambda wb=workbook: validate_workbook(wb, reference))
        assert validated.ok, [i.describe() for i in validated.errors[:5]]
        db = work / f"run{i}.duckdb"
        shutil.copy(master, db)
        database = open_database(db)
        with database.session(write=True):
            report = timed("load", lambda database=database: load_return(database, path))
            assert report.status == "accepted", report.errors[:3]
        bare = times["bare"][-1]
        ratios["read_validate"].append((times["read"][-1] + times["validate"][-1]) / bare)
        ratios["load"].append(times["load"][-1] / bare)
    return {
        "seconds": {k: statistics.median(v) for k, v in times.items()},
        "ratios": {k: statistics.median(v) for k, v in ratios.items()},
        "rows": sum(validated.row_counts.values()),
    }


def measure(rows: int = 5000, runs: int = 5) -> dict:
    """Medians of ``runs`` rounds for a return whose largest sheet has ``rows`` rows."""
    work = Path(tempfile.mkdtemp(prefix="wdp-bench-"))
    try:
        path = write_return(big_return(rows), work / "big_return.xlsx")
        master = work / "reference.duckdb"
        database = open_database(master, create=True)
        with database.write() as tx:
            load_reference(tx)
            tx.replace_reference("ref_pathfinder", read_register(SAMPLE_DIR / REGISTER_FILE))
            tx.replace_reference("benchmark_screening", read_benchmark(SAMPLE_DIR / BENCHMARK_FILE))
        reference = database.validation_reference()
        result = _stage_times(path, reference, master, work, runs)
        result.update(largest_sheet=rows, file_kb=path.stat().st_size / 1e3, runs=runs)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


LABELS = {
    "bare": "bare calamine read (floor)",
    "inspect": "  of read_workbook: hostile-file checks",
    "read": "read_workbook (checks + calamine)",
    "validate": "validate_workbook",
    "load": "load_return (all: hash, audit, read, validate, write)",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = measure(args.rows, args.runs)
    if args.json:
        print(json.dumps(result))
        return
    total_rows = result["rows"]
    print(
        f"Machine: {platform.processor() or platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores; median of {args.runs} interleaved runs"
    )
    print(
        f"Return: largest sheet {args.rows:,} rows (Training), {total_rows:,} rows in all, "
        f"{result['file_kb']:.0f} kB"
    )
    print(f"{'stage':55} {'seconds':>8} {'rows/s':>10}")
    for key, label in LABELS.items():
        if key in result["seconds"]:
            seconds = result["seconds"][key]
            print(f"{label:55} {seconds:8.3f} {total_rows / seconds:10,.0f}")
    print(f"read + validate / bare read: {result['ratios']['read_validate']:.1f}x")
    print(f"load_return / bare read: {result['ratios']['load']:.1f}x (target: within 2x)")


if __name__ == "__main__":
    main()
