"""Several app processes behind nginx over PostgreSQL storage (``make cluster``), when one process
dies under load.

The cluster is the one ``make cluster`` starts (``deploy/cluster.py``), on free ports in a folder
of its own: a throw-away PostgreSQL with the sample programme, two app processes, nginx with
sticky sessions. A person in Chromium is signed in, a crowd of simulated people (``bench/load.py``'s
protocol client) browses, and a return is being loaded from the command line, when the browser's
own process is killed (SIGKILL: no goodbye). Then: the person's page comes back from the other
process still signed in, and their upload there lands; the people on the other process saw no
error at all; the people on the killed one lost their page once and carried on signed in; the
command-line load landed whole; nothing half-loaded.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from bench.load import Tally, Visitor, person
from deploy.cluster import Cluster
from deploy.services import free_port, free_port_block
from tests.e2e.browser import WAIT_MS, full_page_screenshot, open_page, sign_in, signed_in_as
from tests.helpers import open_db, write_valid_return
from tests.processes import partial_returns
from wdp.domain import ReportingPeriod

pytestmark = [pytest.mark.postgres, pytest.mark.process, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NEXT_QUARTER = ReportingPeriod(2018, 2)  # after the sample programme's last returns
CROWD = 10


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="wdp-cluster-test-"))
    folder.chmod(0o755)  # PostgreSQL runs as its own user inside it
    running = Cluster(
        folder=folder,
        replicas=2,
        port=free_port(),
        pg_port=free_port(),
        first_app_port=free_port_block(2),
    )
    try:
        running.start(log=lambda *_: None)
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def upstreams(cluster: Cluster) -> dict[str, int]:
    """Route cookie -> the app port that answered its latest request (nginx's access log)."""
    seen: dict[str, int] = {}
    log = cluster.folder / "nginx" / "logs" / "access.log"
    for route, upstream in re.findall(r"route=(\S+) upstream=(.+)$", log.read_text(), re.M):
        last = upstream.split(",")[-1].strip()
        if route != "-" and ":" in last:
            seen[route] = int(last.rsplit(":", 1)[1])
    return seen


class Crowd:
    """Simulated people browsing in a thread of their own until ``stop``."""

    def __init__(self, url: str, people: int) -> None:
        self.url, self.tally = url, Tally()
        self.visitors = [Visitor() for _ in range(people)]
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        self._ready.wait(10)

    async def _run(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        await asyncio.gather(*(person(self.url, self.tally, self._stop, v) for v in self.visitors))

    def wait_until_everyone_has_seen_a_page(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not all(v.views for v in self.visitors) and time.monotonic() < deadline:
            time.sleep(0.5)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(120)


def current_returns(setting: str) -> list[tuple]:
    with open_db(setting) as con:
        return con.execute(
            "SELECT pathfinder_code, reporting_period FROM current_submission ORDER BY 1, 2"
        ).fetchall()


def test_a_process_killed_under_load_loses_nobody_and_nothing(
    cluster: Cluster, browser: Browser, tmp_path: Path, screenshot_dir: Path
) -> None:
    setting = cluster.database_url
    before = current_returns(setting)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    sign_in(page, cluster.url, "lead.stoke@example.nhs.uk", "demo-lead-stoke", next_path="/")
    assert "lead.stoke@example.nhs.uk" in (signed_in_as(page) or "")
    route = next(c["value"] for c in context.cookies() if c["name"] == "wdp_route")
    victim = upstreams(cluster)[route]
    (survivor,) = set(cluster.app_ports) - {victim}

    crowd = Crowd(cluster.url, CROWD)
    try:
        # Everyone browsing, on both processes: each has seen a page before the kill (on a busy
        # two-core machine ten people's first pages can take longer than a fixed pause).
        crowd.wait_until_everyone_has_seen_a_page(timeout=180)
        time.sleep(5)
        preston = write_valid_return(tmp_path / "preston.xlsx", NEXT_QUARTER, pathfinder="WDP-PRE")
        loading = subprocess.Popen(
            [sys.executable, "-m", "etl", "load", str(preston), "--db", setting, "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        where = upstreams(cluster)  # who was on which process when it died
        killed_at = time.monotonic()
        cluster.stop_app(victim, signal.SIGKILL)
        time.sleep(25)  # the crowd carries on against one process
    finally:
        crowd.stop()
    out, err = loading.communicate(timeout=120)
    assert loading.returncode == 0, err
    assert json.loads(out)["status"] == "accepted"

    # The person in the browser: their page comes back from the other process, signed in.
    open_page(page, cluster.url + "/Trained_staff", "Trained staff")
    assert "lead.stoke@example.nhs.uk" in (signed_in_as(page) or "")
    assert upstreams(cluster)[route] == survivor
    # ... and an upload there (Streamlit's XSRF cookie is signed alike by every process) lands.
    stoke = write_valid_return(tmp_path / "stoke.xlsx", NEXT_QUARTER)
    page.goto(cluster.url + "/Upload")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(stoke))
    expect(page.get_by_text("The return is valid")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="Confirm and load this return").click()
    expect(page.get_by_text("Loaded. Every page now shows the new figures.")).to_be_visible(
        timeout=WAIT_MS
    )
    full_page_screenshot(page, screenshot_dir / "cluster_after_failover.png")
    context.close()

    # The crowd, by the process each was on when it died (their route cookie in nginx's log).
    on_victim, on_survivor = [], []
    for visitor in crowd.visitors:
        assert visitor.route is not None, f"{visitor.email} never signed in: {visitor.views}"
        assert any(t < killed_at for t, _, _ in visitor.views), visitor
        (on_victim if where[visitor.route] == victim else on_survivor).append(visitor)
    print(
        f"crowd: {len(on_victim)} on the killed process, {len(on_survivor)} on the other; "
        f"{sum(len(v.views) for v in crowd.visitors)} views; problems: "
        f"{[p for v in crowd.visitors for _, p, _ in v.views if p]}"
    )
    assert on_survivor, "nobody was on the surviving process: the test proves nothing"
    for visitor in on_survivor:  # no error reached anyone else, and they stayed signed in
        assert all(p is None and signed for _, p, signed in visitor.views), visitor
    for visitor in on_victim:
        problems = [v for v in visitor.views if v[1] is not None]
        # Losing the page once, when the process died; nothing before, nothing after.
        assert all(killed_at <= t < killed_at + 65 for t, _, _ in problems), visitor
        after = [v for v in visitor.views if v[0] > max([killed_at, *(t for t, _, _ in problems)])]
        assert after and all(p is None and signed for _, p, signed in after), visitor

    # Nothing lost or half-loaded: exactly the two new returns, whole.
    after_returns = current_returns(setting)
    assert sorted(set(after_returns) - set(before)) == [
        ("WDP-PRE", NEXT_QUARTER.label),
        ("WDP-STK", NEXT_QUARTER.label),
    ]
    with open_db(setting) as con:
        assert partial_returns(con) == []
