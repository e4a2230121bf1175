"""Benchmark: validate and load a return whose largest sheet has 5,000 rows.

    .venv/bin/python bench/bench_load.py [--rows 5000] [--runs 5]

Prints the median of several runs for each stage (bare calamine read of the workbook, our read,
validation, the database write) and the whole ``load_return`` into a fresh copy of a reference
database, with rows/s and the ratio to the bare read. Figures only: no pass/fail here.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from etl.models import Course, ReportingPeriod, StaffRole  # noqa: E402
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
from wdp.db import queries, writes  # noqa: E402
from wdp.db.connection import open_db  # noqa: E402


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


def median_time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wdp-bench-"))
    try:
        path = write_return(big_return(args.rows), work / "big_return.xlsx")
        master = work / "reference.duckdb"
        with open_db(master, create=True) as con:
            load_reference(con)
            writes.replace_reference(
                con, "ref_pathfinder", read_register(SAMPLE_DIR / REGISTER_FILE)
            )
            writes.replace_reference(
                con, "benchmark_screening", read_benchmark(SAMPLE_DIR / BENCHMARK_FILE)
            )
            reference = queries.validation_reference(con)

        def bare_read():
            wb = python_calamine.CalamineWorkbook.from_path(str(path))
            return [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]

        t_bare, _ = median_time(bare_read, args.runs)
        t_read, (workbook, _) = median_time(lambda: read_workbook(path), args.runs)
        t_validate, validated = median_time(
            lambda: validate_workbook(workbook, reference), args.runs
        )
        assert validated.ok, [i.describe() for i in validated.errors[:5]]

        loads = []
        for i in range(args.runs):
            db = work / f"run{i}.duckdb"
            shutil.copy(master, db)
            with open_db(db) as con:
                start = time.perf_counter()
                report = load_return(con, path)
                loads.append(time.perf_counter() - start)
                assert report.status == "accepted", report.errors[:3]
        t_load = statistics.median(loads)
        total_rows = sum(validated.row_counts.values())
        print(
            f"Machine: {platform.processor() or platform.machine()}, "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{__import__('os').cpu_count()} cores; median of {args.runs} runs"
        )
        print(
            f"Return: largest sheet {args.rows:,} rows (Training), {total_rows:,} rows in all, "
            f"{path.stat().st_size / 1e3:.0f} kB"
        )
        print(f"{'stage':34} {'seconds':>8} {'rows/s':>10}")
        for label, seconds in (
            ("bare calamine read (floor)", t_bare),
            ("read_workbook", t_read),
            ("validate_workbook", t_validate),
            ("load_return: hash+read+validate+write", t_load),
        ):
            print(f"{label:34} {seconds:8.3f} {total_rows / seconds:10,.0f}")
        print(f"load_return / bare read: {t_load / t_bare:.1f}x")
        print(
            f"Target (issue 2): under 1 s for a 5,000-row return -> "
            f"{'met' if t_load < 1 else 'MISSED'} ({t_load:.3f} s)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
