"""Benchmark: the app under many simultaneous browser sessions.

    .venv/bin/python bench/bench_sessions.py [--sessions 20] [--rounds 3] [--db PATH]

Starts `streamlit run dashboard.py` on a free port against a copy of a seeded sample database
(built in a temporary folder unless --db is given), opens SESSIONS browser contexts in one
Debian Chromium at once, and has each load Overview, Screening uptake and Trained staff ROUNDS
times, all sessions in parallel. A page time runs from navigation until the page's script run has
finished (its heading is drawn and `[data-testid="stStatusWidget"]` has gone), each a full page
load (a new Streamlit session), the slowest way a person can arrive. Prints p50/p95/max per page
and overall beside one session alone (same run), the CPU the app server and Chromium used (both
share this machine's cores, so the browser's rendering of twenty pages competes with the server),
and counts pages that showed an exception. Figures only: no pass/fail here.
"""

from __future__ import annotations

import argparse
import asyncio
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

from bench.common import seed_sample  # noqa: E402
from tests.appserver import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app  # noqa: E402

PAGES = {
    "Overview": ("/", "WDP programme dashboard"),
    "Screening uptake": ("/Screening_uptake", "Screening uptake by area"),
    "Trained staff": ("/Trained_staff", "Trained staff"),
}
TIMEOUT_MS = 120_000


async def load_page(page, url: str, heading: str) -> tuple[float, bool]:
    """Seconds from navigation until the script run finished; whether an exception showed."""
    start = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
    await page.get_by_role("heading", name=heading).first.wait_for(timeout=TIMEOUT_MS)
    await page.locator('[data-testid="stStatusWidget"]').wait_for(
        state="detached", timeout=TIMEOUT_MS
    )
    seconds = time.perf_counter() - start
    failed = await page.locator('[data-testid="stException"]').count() > 0
    return seconds, failed


async def session(browser, base: str, rounds: int, results: list, index: int) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        for round_number in range(rounds):
            names = list(PAGES)
            # Different sessions start on different pages, so every page is under load at once.
            names = names[index % len(names) :] + names[: index % len(names)]
            for name in names:
                path, heading = PAGES[name]
                seconds, failed = await load_page(page, base + path, heading)
                results.append((name, round_number, seconds, failed))
    finally:
        await context.close()


def browser_processes() -> list:
    import psutil

    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name():
                found.append(child)
        except psutil.Error:
            pass
    return found


def cpu_seconds(processes: list) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except Exception:  # a renderer that has exited
            pass
    return total


async def run(base: str, sessions: int, rounds: int, server_pid: int) -> dict:
    """Warm up, then one session alone (the baseline), then all sessions at once."""
    import psutil
    from playwright.async_api import async_playwright

    server = psutil.Process(server_pid)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # One view of each page first (the server's caches fill once, as in normal use).
            await session(browser, base, 1, [], 0)
            alone: list = []
            await session(browser, base, rounds, alone, 0)
            chromium = browser_processes()
            server_before, browser_before = cpu_seconds([server]), cpu_seconds(chromium)
            results: list = []
            start = time.perf_counter()
            await asyncio.gather(
                *(session(browser, base, rounds, results, i) for i in range(sessions))
            )
            wall = time.perf_counter() - start
            chromium = browser_processes()
            return {
                "alone": alone,
                "results": results,
                "wall": wall,
                "server_cpu": cpu_seconds([server]) - server_before,
                "browser_cpu": cpu_seconds(chromium) - browser_before,
            }
        finally:
            await browser.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", help="a seeded database to copy (default: seed one)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wdp-bench-sessions-"))
    server = None
    try:
        db = work / "wdp.duckdb"
        if args.db:
            shutil.copy(args.db, db)
        else:
            seed_sample(db)
        server, base = start_app(db, work / "server.log")
        load_before = os.getloadavg()[0]
        measured = asyncio.run(run(base, args.sessions, args.rounds, server.pid))
        load_after = os.getloadavg()[0]
    finally:
        if server is not None:
            stop_app(server)
        shutil.rmtree(work, ignore_errors=True)

    results, wall = measured["results"], measured["wall"]
    print(
        f"{args.sessions} simultaneous browser sessions x {args.rounds} rounds x {len(PAGES)} "
        f"pages = {len(results)} page loads in {wall:.1f} s "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})"
    )
    print(f"{'page':20} {'n':>4} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'alone p50 s':>12}")
    for name in [*PAGES, "all pages"]:
        times = [s for n, _, s, _ in results if name in (n, "all pages")]
        alone = [s for n, _, s, _ in measured["alone"] if name in (n, "all pages")]
        print(
            f"{name:20} {len(times):4} {statistics.median(times):7.2f} "
            f"{percentile(times, 95):7.2f} {max(times):7.2f} {statistics.median(alone):12.2f}"
        )
    # Where the time went: the app server's CPU against the browser's (both on this machine).
    print(
        f"CPU during the {args.sessions}-session run: app server {measured['server_cpu']:.1f} s "
        f"({1000 * measured['server_cpu'] / len(results):.0f} ms a page), Chromium "
        f"{measured['browser_cpu']:.1f} s ({1000 * measured['browser_cpu'] / len(results):.0f} "
        "ms a page)"
    )
    failed = sum(f for *_, f in results)
    print(f"pages that showed an exception: {failed}")
    # The machine is shared: say how busy it was (1-minute load average, before and after).
    print(f"load average: {load_before:.1f} before, {load_after:.1f} after")


if __name__ == "__main__":
    main()
