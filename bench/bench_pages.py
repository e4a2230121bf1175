"""Benchmark: each page's server-side script run, cold and warm, through Streamlit's AppTest.

    .venv/bin/python bench/bench_pages.py [--db PATH] [--runs 7]

Cold: the first run with caches cleared. Warm: the same session's script run again, with the
cached query results a real server would hold. Prints the median of ``--runs`` warm runs per page.
Pages run as a signed-in admin, who may open every page. Figures only; the target (issue 8)
is under 300 ms warm on the national database (bench/national.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import seed_sample  # noqa: E402

# AppTest runs pages without a server: silence its "no ScriptRunContext" warnings.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from wdp.ui.pages import PAGES  # noqa: E402


def session(script: Path) -> AppTest:
    """A browser session on a page, signed in as an admin (who may open every page)."""
    from wdp.auth import User

    at = AppTest.from_file(str(script), default_timeout=120)
    at.session_state["wdp_user"] = User("bench.admin@example.nhs.uk", "admin")
    return at


def time_run(at: AppTest) -> float:
    """One run of the page's script in that session, in seconds."""
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{at.exception[0].message}")
    return elapsed


def measure(db: str | Path, *, runs: int = 7) -> dict[str, dict[str, float]]:
    """Per page label: the cold run and the median of ``runs`` warm runs, in seconds."""
    os.environ["WDP_DB"] = str(db)
    results = {}
    for spec in PAGES:
        script, label = spec.script, spec.label
        path = ROOT / script
        if not path.exists():
            continue
        st.cache_data.clear()
        st.cache_resource.clear()
        at = session(path)
        cold = time_run(at)
        # Warm: the script run again, as a running server does for each visit once its caches
        # hold the queries (one AppTest, so AppTest's own start-up, ~50-100 ms of scanning
        # installed packages that a server does once at start, is not counted).
        warm = statistics.median(time_run(at) for _ in range(runs))
        results[label] = {"cold_s": cold, "warm_s": warm}
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database to measure (default: build the sample)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    db = args.db
    if db is None:
        db = str(seed_sample(Path(tempfile.mkdtemp(prefix="wdp-bench-pages-")) / "sample.duckdb"))
    results = measure(db, runs=args.runs)
    if args.json:
        print(json.dumps(results))
        return
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; database {db}; warm = median of {args.runs} runs"
    )
    print(f"{'page':28} {'cold ms':>8} {'warm ms':>8}")
    for label, r in results.items():
        print(f"{label:28} {1000 * r['cold_s']:8.0f} {1000 * r['warm_s']:8.0f}")


if __name__ == "__main__":
    main()
