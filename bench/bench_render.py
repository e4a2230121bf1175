"""Benchmark: each page's time to render in Chromium, and the app server's peak memory.

    .venv/bin/python bench/bench_render.py [--db PATH] [--runs 5]

Starts ``streamlit run dashboard.py`` on a copy of the database (the sample programme when no
``--db`` is given) with a benchmark admin account added, so every page can be opened; signs in
in Debian's chromium (driven by Playwright); then visits every page through the app's own menu.
A page's render time runs from the click on its menu link to the last change to the page once its
script run is over (the app root's ``data-test-script-state`` is ``notRunning`` and nothing has
changed for 0.75 s), timed by the browser. Cold: the first visit after the server started
(nothing cached); warm: the median of ``--runs`` later visits. The server process's resident
memory (RSS, children included) is sampled every 50 ms throughout; the peak is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import seed_sample  # noqa: E402
from tests.appserver import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app  # noqa: E402
from wdp.ui.pages import PAGES  # noqa: E402

EMAIL, PASSWORD = "bench.admin@example.nhs.uk", "bench-admin-password-2017"
TIMEOUT_MS = 120_000
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'

# Watches the app from just before a click: when it last changed, and whether a script run began.
# React may apply a fast run's "running" and "notRunning" states in one render, so the end of a
# visit is the last change to the page once the run is over, not a state transition.
WATCH = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__watch) window.__watch.disconnect();
  window.__clickAt = performance.now();
  window.__lastChange = window.__clickAt;
  window.__watch = new MutationObserver(() => { window.__lastChange = performance.now(); });
  window.__watch.observe(app, {attributes: true, childList: true, subtree: true,
                               characterData: true});
}"""
# The run is over and nothing on the page has changed for QUIET_MS.
SETTLED = """(quiet) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app.getAttribute('data-test-script-state') === 'notRunning'
      && performance.now() - window.__lastChange > quiet;
}"""
QUIET_MS = 750


class RssSampler:
    """Samples a process tree's resident memory in a thread; ``peak_mb`` is the highest seen."""

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_mb = max(self.peak_mb, self._rss() / 1e6)
            except psutil.Error:
                return
            self._stop.wait(self.interval_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _prepare(db: Path, work: Path) -> Path:
    """A copy of ``db`` with the benchmark admin account (the original is never written)."""
    from wdp import services
    from wdp.db import open_database

    copy = work / "app.duckdb"
    shutil.copy(db, copy)
    change = services.save_account(
        open_database(copy), email=EMAIL, role="admin", password=PASSWORD
    )
    assert change.saved, change.problems
    return copy


def _url_path(script: str) -> str:
    """The link Streamlit gives a page script: ``pages/1_Trained_staff.py`` -> ``Trained_staff``."""
    if script == "dashboard.py":
        return ""
    return Path(script).stem.split("_", 1)[1]


def _visit(page, base: str, script: str) -> float:
    """Click the page's menu link; seconds until its run was over and the page last changed."""
    path = _url_path(script)
    page.wait_for_selector(READY)
    page.evaluate(WATCH)
    page.locator(
        f'[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href="{path}"]'
    ).click()
    page.wait_for_url(lambda url: url.split("?")[0].rstrip("/") == f"{base}/{path}".rstrip("/"))
    page.wait_for_function(SETTLED, arg=QUIET_MS, polling=100)
    return page.evaluate("window.__lastChange - window.__clickAt") / 1000


def measure(db: str | Path, *, runs: int = 5) -> dict:
    """Cold and warm render seconds per page label, app open time, and peak server RSS (MB)."""
    from playwright.sync_api import sync_playwright

    pages = [(spec.script, spec.label) for spec in PAGES if spec.exists]
    work = Path(tempfile.mkdtemp(prefix="wdp-bench-render-"))
    try:
        app_db = _prepare(Path(db), work)
        server, url = start_app(app_db, work / "server.log")
        results: dict = {"pages": {}, "open_s": None, "peak_rss_mb": None}
        try:
            with RssSampler(server.pid) as sampler, sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(TIMEOUT_MS)
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(READY)
                results["open_s"] = time.perf_counter() - start
                page.goto(f"{url}/Upload")
                page.get_by_role("textbox", name="Email").fill(EMAIL)
                page.get_by_role("textbox", name="Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.get_by_text("Signed in as").first.wait_for()
                times: dict[str, list[float]] = {label: [] for _, label in pages}
                for _ in range(runs + 1):  # the first round is the cold one
                    for script, label in pages:
                        times[label].append(_visit(page, url, script))
                browser.close()
            results["peak_rss_mb"] = sampler.peak_mb
            for label, seconds in times.items():
                results["pages"][label] = {
                    "cold_s": seconds[0],
                    "warm_s": statistics.median(seconds[1:]),
                }
        finally:
            stop_app(server)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database to serve (default: build the sample)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    db = args.db
    if db is None:
        folder = Path(tempfile.mkdtemp(prefix="wdp-bench-render-db-"))
        db = str(seed_sample(folder / "sample.duckdb"))
    results = measure(db, runs=args.runs)
    if args.json:
        print(json.dumps(results))
        return
    print(f"Database {db}; warm = median of {args.runs} visits; seconds")
    print(f"open the app (first page, cold): {results['open_s']:.2f}")
    print(f"{'page':28} {'cold s':>7} {'warm s':>7}")
    for label, r in results["pages"].items():
        print(f"{label:28} {r['cold_s']:7.2f} {r['warm_s']:7.2f}")
    print(f"peak server memory (RSS): {results['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
