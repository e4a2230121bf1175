"""Benchmark: the same work on the embedded DuckDB file and on PostgreSQL-backed storage.

    .venv/bin/python bench/bench_storage.py [--runs 5]

Builds the sample programme on both (``python -m etl seed``'s own path), then times, on each: the
whole seed; loading one more return (``load_return``: read, validate, write, check the rules);
the named reads behind the Overview and the Screening uptake page (warm: the process already
connected); a sign-in check (what every page view of a signed-in person does); and the data
version (what every cached read asks first). Medians of ``--runs``. Starts its own throw-away
PostgreSQL. Figures only, no pass/fail here.
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

from deploy.services import free_port, start_postgres  # noqa: E402
from etl.load import load_return  # noqa: E402
from etl.sample import write_return  # noqa: E402
from etl.seed import seed  # noqa: E402
from tests.helpers import valid_return  # noqa: E402
from wdp.db import open_database  # noqa: E402
from wdp.domain import ReportingPeriod  # noqa: E402
from wdp.services import signin  # noqa: E402

READS = {
    "database_summary": {},
    "pathfinder_overview": {},
    "submission_history": {},
    "champions_by_month": {"period_end": None, "pathfinder": None},
    "pathfinder_figures": {"programme": "breast", "measure": "coverage"},
}


def median_ms(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(setting: str, folder: Path, runs: int) -> dict[str, float]:
    results: dict[str, float] = {}
    start = time.perf_counter()
    db = open_database(setting, create=True)
    seeded = seed(db)
    assert not seeded.unexpected, seeded.unexpected
    results["seed the sample programme (s)"] = time.perf_counter() - start
    db = open_database(setting)
    periods = [ReportingPeriod(2019, q) for q in (1, 2, 3, 4)] + [ReportingPeriod(2020, 1)]
    files = [write_return(valid_return(p), folder / f"r{p.year}{p.quarter}.xlsx") for p in periods]
    loads = iter(files)
    results["load one return (ms)"] = median_ms(
        lambda: load_return(db, next(loads), loaded_by="bench"), min(runs, len(files))
    )
    for name, kwargs in READS.items():
        db.read(name, **kwargs)  # warm
        results[f"read {name} (ms)"] = median_ms(lambda n=name, k=kwargs: db.read(n, **k), runs)
    attempt = signin.sign_in_with_password(
        db, "director@example.nhs.uk", "demo-director-2017", client_address="127.0.0.1"
    )
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    results["check a sign-in (ms)"] = median_ms(
        lambda: signin.check_session(db, attempt.cookie, now=later), runs
    )
    results["data version (ms)"] = median_ms(db.data_version, runs * 10)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wdp-bench-storage-"))
    folder.chmod(0o755)
    server = start_postgres(folder / "postgres", free_port())
    try:
        embedded = measure(str(folder / "wdp.duckdb"), folder, args.runs)
        lake_url = f"{server.url('wdp')}?data_path={folder / 'lake'}"
        lake = measure(lake_url, folder, args.runs)
    finally:
        from wdp.db import lake as lake_module

        lake_module.forget()
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{platform.node()}: {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}; medians of {args.runs}"
    )
    print(f"{'':40} {'DuckDB file':>12} {'PostgreSQL':>12} {'ratio':>7}")
    for key in embedded:
        a, b = embedded[key], lake[key]
        print(f"{key:40} {a:>12.1f} {b:>12.1f} {b / a:>6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
