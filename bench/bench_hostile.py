"""Benchmark: each hostile or broken file (tests/hostile.py) through ``python -m etl load``.

    .venv/bin/python bench/bench_hostile.py [--runs 3] [--db SEEDED.duckdb]

Every case runs in a fresh process against a fresh copy of the seeded sample database; prints
the median wall and CPU time (Python start-up included) and the largest peak RSS of the process (its
VmHWM), with the outcome and the first message, as a Markdown table. Also two legitimate files
at the reader's limits (99,000 rows x 20 columns; 50 rows x 16,384 columns). Figures only; the
limits the issue sets (5 s, 500 MB) are asserted, generously, in tests/test_hostile.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl.utils import get_column_letter  # noqa: E402

from bench.common import seed_sample  # noqa: E402
from tests.hostile import (  # noqa: E402
    CASES,
    _sheet_xml,
    rewrite_zip,
    run_cli,
    sheet_member,
    write_valid,
)


def at_limit(folder: Path, rows: int, columns: int, name: str) -> Path:
    """A valid return whose Guide sheet is filled with ``rows`` x ``columns`` numbers."""
    src = write_valid(folder / f"{name}_source.xlsx")
    letters = [get_column_letter(c) for c in range(1, columns + 1)]
    lines = (
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in letters) + "</row>"
        for r in range(1, rows + 1)
    )
    path = rewrite_zip(
        src, folder / f"{name}.xlsx", replace={sheet_member(src, "Guide"): _sheet_xml(lines)}
    )
    src.unlink()
    return path


def run(path: Path, db: Path) -> tuple[float, float, float, dict]:
    done = run_cli("load", path, "--db", db, "--json")
    return done.seconds, done.cpu_seconds, done.peak_mb, json.loads(done.stdout.splitlines()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="a seeded sample database (built when not given)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        master = Path(args.db) if args.db else folder / "seeded.duckdb"
        if not args.db:
            seed_sample(master)
        files = [(case.name, case.make(folder)) for case in CASES]
        files.append(("limit_rows (legit)", at_limit(folder, 99_000, 20, "limit_rows")))
        files.append(("limit_columns (legit)", at_limit(folder, 50, 16_384, "limit_columns")))
        print(
            f"| case | file size | outcome | wall time (median of {args.runs}) | CPU time | "
            "peak RSS | message |"
        )
        print("|---|---:|---|---:|---:|---:|---|")
        for name, path in files:
            times, cpus, peaks = [], [], []
            for _ in range(args.runs):
                db = folder / "run.duckdb"
                shutil.copy(master, db)
                seconds, cpu, peak, report = run(path, db)
                times.append(seconds)
                cpus.append(cpu)
                peaks.append(peak)
            issues = report["errors"] or report["warnings"]
            message = issues[0]["message"][:70] if issues else ""
            print(
                f"| {name} | {path.stat().st_size / 1024:,.0f} KB | {report['status']} | "
                f"{statistics.median(times):.2f} s | {statistics.median(cpus):.2f} s | "
                f"{max(peaks):.0f} MB | {message} |"
            )


if __name__ == "__main__":
    main()
