"""Benchmark: build the board pack (PowerPoint + PDF + a PNG per chart).

    .venv/bin/python bench/bench_pack.py [--db PATH] [--runs 5]

Prints, for a database (default: a freshly seeded sample programme in a temporary folder):
- the whole ``python -m etl pack`` command in a new process, as a schedule runs it: Python start,
  composing, starting one Chromium, drawing every chart, writing the files (median of runs);
- inside one process: composing the slides, then drawing charts and documents, the first time
  (the browser starts) and warm (the app's case: its Chromium is already running).
Figures only; the target (under 10 s for a 10-slide pack) is judged in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import seed_sample  # noqa: E402
from wdp.boardpack import PackFilters, compose, render_pack  # noqa: E402
from wdp.db import open_database  # noqa: E402


def _command(db: Path, out: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "etl", "pack", "--db", str(db), "--out", str(out), "--json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database (default: the sample, seeded now)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = args.db or seed_sample(folder / "sample.duckdb")
        command = [_command(db, folder / f"out{i}") for i in range(args.runs)]
        report = command[0][1]
        slides = len(report["slides"])
        charts = sum(1 for f in report["files"] if f.endswith(".png"))

        compose_s, render_s = [], []
        for _ in range(args.runs + 1):
            started = time.perf_counter()
            deck = compose(open_database(db), PackFilters())
            composed = time.perf_counter()
            render_pack(deck)
            compose_s.append(composed - started)
            render_s.append(time.perf_counter() - composed)

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(f"Board pack: {slides} slides, {charts} charts, database {db.name}")
    print(f"{'stage':52} {'median s':>9} {'runs':>5}")
    rows = [
        ("python -m etl pack (new process, whole command)", [t for t, _ in command]),
        ("compose the slides (queries + headlines)", compose_s),
        ("draw charts + PPTX + PDF, first (starts Chromium)", render_s[:1]),
        ("draw charts + PPTX + PDF, warm (browser running)", render_s[1:]),
    ]
    for name, values in rows:
        print(f"{name:52} {median(values):9.2f} {len(values):5d}")
    per_chart = median(render_s[1:]) / max(charts, 1)
    print(f"warm drawing per chart (incl. documents): {per_chart:.2f} s")
    print("target: a 10-slide pack in under 10 s (whole command)")


if __name__ == "__main__":
    main()
