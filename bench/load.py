"""Capacity: page views per second and latency, for 1 and for N app processes, in one run.

    .venv/bin/python bench/load.py                        # 1 and 2 processes, 4..32 people
    .venv/bin/python bench/load.py --processes 1,2 --people 4,8,16,24 --duration 60
    .venv/bin/python bench/load.py --watcher              # `make run` with and without the
                                                          # file watcher (embedded, 1 process)
    .venv/bin/python bench/load.py --url http://localhost:8080 --people 8   # a running app

No browsers: each simulated person speaks Streamlit's own websocket protocol (the message classes
ship in the ``streamlit`` package, ``streamlit.proto``), as the browser's JavaScript does. A person
signs in once through the app's sign-in form (a director, a pathfinder lead or a viewer; the demo
accounts of the sample programme), then again and again: opens the app (the HTML, then a new
websocket session, running the page they arrived at with its query string), moves through a few
pages by the menu (a rerun of the next page in the same session, as ``st.page_link`` does),
thinking 0.5-1.5 s between views, and leaves. A page view's time runs from the request to the
run's ``script_finished``; an exception on the page, an error alert, a page not found, a refused
or dropped connection or no answer within 60 s is an error.

Each level runs ``--warmup`` seconds unmeasured, then ``--duration`` seconds measured. The
cluster (a throw-away PostgreSQL with the sample programme, N app processes without the file
watcher, nginx with sticky sessions: ``deploy/cluster.py``) is started by the run itself on free
ports. Prints a table and writes it as JSON (``--out``); figures only, no pass/fail here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from deploy.cluster import Cluster, app_command, wait_healthy  # noqa: E402
from deploy.services import free_port, free_port_block  # noqa: E402

VIEW_TIMEOUT_S = 60.0
THINK_S = (0.5, 1.5)
VIEWS_PER_VISIT = (3, 6)

# Who visits, and what they open (page address, weight). A lead sees only their pathfinder.
PEOPLE = (
    ("director@example.nhs.uk", "demo-director-2017", 0.4),
    ("lead.stoke@example.nhs.uk", "demo-lead-stoke", 0.3),
    ("lead.preston@example.nhs.uk", "demo-lead-preston", 0.1),
    ("viewer@example.nhs.uk", "demo-viewer-2017", 0.2),
)
PAGES = (
    ("", 0.30),  # Overview
    ("Trained_staff", 0.20),
    ("Pathfinder_status", 0.15),
    ("Screening_uptake", 0.20),
    ("Campaign_activity", 0.15),
)
FILTERS = (
    {},
    {"period": "2018-19 Q1"},
    {"period": "2017-18 Q4"},
    {"pathfinder": "WDP-STK"},
    {"pathfinder": "WDP-PRE", "period": "2018-19 Q1"},
)


@dataclass
class Tally:
    """What one level measured."""

    times: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    measuring: bool = False

    def error(self, kind: str) -> None:
        if self.measuring:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def view(self, seconds: float) -> None:
        if self.measuring:
            self.times.append(seconds)


@dataclass
class Visitor:
    """One simulated person's own record (for tests that follow people through a failure):
    their proxy route cookie and every view as (monotonic time, problem or None, signed in)."""

    email: str = ""
    route: str | None = None
    views: list[tuple[float, str | None, bool]] = field(default_factory=list)

    def saw(self, problem: str | None, signed_in: bool) -> None:
        self.views.append((time.monotonic(), problem, signed_in))


def _pick(options):
    return random.choices([o[:-1] for o in options], weights=[o[-1] for o in options])[0]


def _rerun(page: str, query: dict[str, str], page_hash: str = "") -> bytes:
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = urlencode(query)
    state.page_name = page
    state.page_script_hash = page_hash
    state.context_info.timezone = "Europe/London"
    state.context_info.locale = "en-GB"
    return msg.SerializeToString()


def _problems(msg: ForwardMsg) -> str | None:
    kind = msg.WhichOneof("type")
    if kind == "page_not_found":
        return "page not found"
    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        element = msg.delta.new_element
        which = element.WhichOneof("type")
        if which == "exception":
            return "exception"
        if which == "alert" and element.alert.format == element.alert.ERROR:
            return "error alert"
    return None


@dataclass
class Run:
    """One page run as the client saw it."""

    seconds: float
    problem: str | None
    navigation: ForwardMsg | None
    signed_in: bool  # the sidebar said "Signed in as"


async def _run_page(ws, request: bytes) -> Run:
    """Send a rerun and read until its run finishes."""
    start = time.perf_counter()
    await ws.send(request)
    problem, navigation, signed_in = None, None, False
    while True:
        raw = await asyncio.wait_for(ws.recv(), VIEW_TIMEOUT_S)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        problem = problem or _problems(msg)
        if kind == "navigation":
            navigation = msg
        if kind == "delta" and msg.delta.new_element.WhichOneof("type") == "markdown":
            signed_in = signed_in or "Signed in as" in msg.delta.new_element.markdown.body
        if kind == "script_finished":
            if msg.script_finished not in (
                ForwardMsg.FINISHED_SUCCESSFULLY,
                ForwardMsg.FINISHED_EARLY_FOR_RERUN,
            ):
                problem = problem or "script did not finish"
            return Run(time.perf_counter() - start, problem, navigation, signed_in)


async def person(
    base: str, tally: Tally, stop: asyncio.Event, visitor: Visitor | None = None
) -> None:
    email, password = _pick(PEOPLE)
    visitor = visitor or Visitor()
    visitor.email = email

    def failed(kind: str) -> None:
        tally.error(kind)
        visitor.saw(kind, False)

    ws_base = base.replace("http", "ws", 1)
    async with httpx.AsyncClient(base_url=base, timeout=VIEW_TIMEOUT_S) as http:
        try:  # sign in once, through the form, as a person does
            form = await http.get("/sign-in", params={"next": "/"})
            token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
            signed = await http.post(
                "/sign-in",
                data={"email": email, "password": password, "csrf": token, "next": "/"},
            )
            if signed.status_code != 303:
                failed(f"sign-in {signed.status_code}")
                return
        except (httpx.HTTPError, AttributeError):
            failed("sign-in failed")
            return
        visitor.route = http.cookies.get("wdp_route")
        while not stop.is_set():
            page, query = _pick(PAGES)[0], random.choice(FILTERS)
            start = time.perf_counter()
            try:
                await http.get("/" + page, params=query)  # the HTML (scripts: browser-cached)
                cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
                async with connect(
                    f"{ws_base}/_stcore/stream",
                    subprotocols=["streamlit"],
                    additional_headers={"Cookie": cookie, "Origin": base},
                    max_size=None,
                    open_timeout=VIEW_TIMEOUT_S,
                ) as ws:
                    run = await _run_page(ws, _rerun(page, query))
                    tally.view(time.perf_counter() - start)  # arriving: HTML, session, page
                    visitor.saw(run.problem, run.signed_in)
                    if run.problem:
                        tally.error(run.problem)
                    hashes = {
                        p.url_pathname: p.page_script_hash
                        for p in (run.navigation.navigation.app_pages if run.navigation else [])
                    }
                    for _ in range(random.randint(*VIEWS_PER_VISIT) - 1):
                        await asyncio.sleep(random.uniform(*THINK_S))
                        if stop.is_set():
                            break
                        page, query = _pick(PAGES)[0], random.choice(FILTERS)
                        run = await _run_page(ws, _rerun(page, query, hashes.get(page, "")))
                        tally.view(run.seconds)
                        visitor.saw(run.problem, run.signed_in)
                        if run.problem:
                            tally.error(run.problem)
            except TimeoutError:
                failed("no answer in 60 s")
            except (OSError, httpx.HTTPError) as error:
                failed(f"connection: {type(error).__name__}")
            except Exception as error:  # a dropped websocket, a refused handshake
                if os.environ.get("WDP_LOAD_DEBUG"):
                    raise
                failed(f"{type(error).__name__}")
            await asyncio.sleep(random.uniform(*THINK_S))


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def level(base: str, people: int, warmup: float, duration: float, pids: list[int]) -> dict:
    tally, stop = Tally(), asyncio.Event()
    crowd = [asyncio.create_task(person(base, tally, stop)) for _ in range(people)]
    await asyncio.sleep(warmup)
    tally.measuring = True
    before = [_cpu_seconds(pid) for pid in pids]
    own_before, started = _own_cpu_seconds(), time.perf_counter()
    await asyncio.sleep(duration)
    tally.measuring = False
    elapsed = time.perf_counter() - started
    each = [_cpu_seconds(pid) - b for pid, b in zip(pids, before, strict=True)]
    cpu, own = sum(each), _own_cpu_seconds() - own_before
    stop.set()
    await asyncio.wait(crowd, timeout=VIEW_TIMEOUT_S + 5)
    for task in crowd:
        task.cancel()
    times = sorted(tally.times)

    def pct(p: float) -> float | None:
        return round(times[min(len(times) - 1, int(p * len(times)))], 3) if times else None

    return {
        "people": people,
        "views": len(times),
        "views_per_s": round(len(times) / elapsed, 2),
        "p50_s": pct(0.50),
        "p95_s": pct(0.95),
        "p99_s": pct(0.99),
        "mean_s": round(statistics.fmean(times), 3) if times else None,
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "app_cpu_s_per_view": round(cpu / len(times), 3) if times else None,
        "app_cpu_cores_busy": round(cpu / elapsed, 2),
        "each_process_cores_busy": [round(c / elapsed, 2) for c in each],
        "load_generator_cores_busy": round(own / elapsed, 2),
    }


def _print(row: dict, processes: int | str) -> None:
    print(
        f"{processes!s:>9} {row['people']:>6} {row['views_per_s']:>8.2f} {row['p50_s'] or 0:>7.2f} "
        f"{row['p95_s'] or 0:>7.2f} {row['p99_s'] or 0:>7.2f} {row['errors']:>6} "
        f"{row['app_cpu_cores_busy']:>6.2f} {row['app_cpu_s_per_view'] or 0:>8.3f} "
        f"{row['load_generator_cores_busy']:>6.2f}  "
        + " ".join(f"{c:.2f}" for c in row["each_process_cores_busy"]),
        flush=True,
    )


HEADER = (
    f"{'processes':>9} {'people':>6} {'views/s':>8} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} "
    f"{'errors':>6} {'cores':>6} {'cpu/view':>8} {'client':>6}  cores per process"
)


def run_levels(base: str, people: list[int], args, pids: list[int], label) -> list[dict]:
    rows = []
    for count in people:
        row = asyncio.run(level(base, count, args.warmup, args.duration, pids))
        row["processes"] = label
        _print(row, label)
        rows.append(row)
    return rows


def cluster_runs(args) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="wdp-load-"))
    folder.chmod(0o755)  # (PostgreSQL runs as its own user inside it)
    base_port = free_port_block(max(args.processes))
    cluster = Cluster(
        folder=folder,
        replicas=1,
        port=free_port(),
        pg_port=free_port(),
        first_app_port=base_port,
    )
    rows = []
    try:
        print("Starting PostgreSQL and loading the sample programme ...", flush=True)
        cluster.folder.mkdir(parents=True, exist_ok=True)
        cluster.postgres.init()
        cluster.postgres.start()
        cluster.seed()
        print(HEADER, flush=True)
        for processes in args.processes:
            cluster.replicas = processes
            cluster.start_apps(log=lambda *_: None)
            cluster.start_nginx(log=lambda *_: None)
            pids = list(cluster.app_pids.values())
            rows += run_levels(cluster.url, args.people, args, pids, processes)
            for port in list(cluster.app_pids):
                cluster.stop_app(port)
            from deploy.cluster import _end

            _end(cluster.nginx_pid, 3)
            cluster.nginx_pid = None
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def watcher_runs(args) -> list[dict]:
    """`make run` as shipped before and after: one process on the embedded DuckDB file, with
    Streamlit's file watcher on (auto) and off (none)."""
    import subprocess

    from bench.common import seed_sample

    folder = Path(tempfile.mkdtemp(prefix="wdp-load-watcher-"))
    db = seed_sample(folder / "wdp.duckdb")
    rows = []
    print(HEADER, flush=True)
    try:
        for watcher in ("auto", "none"):
            port = free_port()
            command = app_command(port)
            command[command.index("--server.fileWatcherType") + 1] = watcher
            log = (folder / f"app-{watcher}.log").open("wb")
            server = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, "WDP_DB": str(db)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                wait_healthy(url, 90)
                rows += run_levels(url, args.people, args, [server.pid], f"1 {watcher}")
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", default="1,2", help="app processes, e.g. 1,2")
    parser.add_argument("--people", default="4,8,16,32", help="simultaneous people per level")
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--watcher", action="store_true", help="embedded, watcher on vs off")
    parser.add_argument("--url", help="load a running app instead (no cluster is started)")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--out", type=Path, help="write the rows as JSON here")
    args = parser.parse_args()
    args.processes = [int(p) for p in args.processes.split(",")]
    args.people = [int(p) for p in args.people.split(",")]
    random.seed(args.seed)
    print(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}; think "
        f"{THINK_S[0]}-{THINK_S[1]} s; {VIEWS_PER_VISIT[0]}-{VIEWS_PER_VISIT[1]} views a visit; "
        f"{args.warmup:.0f} s warm-up, {args.duration:.0f} s measured per level",
        flush=True,
    )
    if args.url:
        print(HEADER)
        rows = run_levels(args.url.rstrip("/"), args.people, args, [], "given")
    elif args.watcher:
        rows = watcher_runs(args)
    else:
        rows = cluster_runs(args)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
