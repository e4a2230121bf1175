"""Several app processes behind nginx, over PostgreSQL-backed storage, on this machine.

    make cluster                 # python deploy/cluster.py start --replicas 2
    make cluster-stop            # python deploy/cluster.py stop

``start`` brings up, in ``.cluster/`` (ignored by git): a throw-away PostgreSQL (Debian's, as the
``postgres`` user, on 127.0.0.1), the sample programme loaded into it through the same load path
as ever, ``REPLICAS`` app processes serving without the file watcher, and nginx in front of them
with sticky sessions on http://localhost:8080. It prints the database URL (so ``python -m etl
summary --db URL`` works against it) and the app's. ``stop`` ends it all and removes the folder.

The tests start the same cluster, on free ports in a folder of their own (``Cluster``), to kill a
process or restart the database under load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # (run as a script: `python deploy/cluster.py`)
    sys.path.insert(0, str(ROOT))

from deploy.services import PostgresServer, port_open  # noqa: E402

FOLDER = ROOT / ".cluster"
SITE_TEMPLATE = Path(__file__).with_name("nginx-site.conf")
HEALTH_TIMEOUT_S = 90.0


def app_command(port: int, *, address: str = "127.0.0.1") -> list[str]:
    """The served app: `streamlit run dashboard.py` without the file watcher (README)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard.py",
        "--server.headless",
        "true",
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(url: str, timeout_s: float, *, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(
                f"{url} did not answer its health check in {timeout_s:.0f} s.\n{tail}"
            )
        time.sleep(0.25)


def render_site(upstreams: list[int], listen: int) -> str:
    """``deploy/nginx-site.conf`` with these app ports and this listening port."""
    lines, done = [], False
    for line in SITE_TEMPLATE.read_text().splitlines():
        if line.rstrip().endswith("# @UPSTREAM@"):
            if not done:
                indent = line[: len(line) - len(line.lstrip())]
                lines += [
                    f"{indent}server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;"
                    for port in upstreams
                ]
                done = True
            continue
        if line.rstrip().endswith("# @LISTEN@"):
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}listen 127.0.0.1:{listen};"
        lines.append(line)
    return "\n".join(lines) + "\n"


@dataclass
class Cluster:
    """The processes of one local cluster and where they keep their state."""

    folder: Path = FOLDER
    replicas: int = 2
    port: int = 8080
    pg_port: int = 5433
    first_app_port: int = 8601
    app_pids: dict[int, int] = field(default_factory=dict)  # port -> pid
    nginx_pid: int | None = None

    # -- where things are ----------------------------------------------------------------------

    @property
    def postgres(self) -> PostgresServer:
        return PostgresServer(self.folder / "postgres", self.pg_port)

    @property
    def database_url(self) -> str:
        return self.postgres.url("wdp")

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def app_ports(self) -> list[int]:
        return [self.first_app_port + i for i in range(self.replicas)]

    def app_url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}"

    @property
    def state_file(self) -> Path:
        return self.folder / "state.json"

    def save(self) -> None:
        data = asdict(self)
        data["folder"] = str(self.folder)
        self.state_file.write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path = FOLDER) -> Cluster | None:
        path = folder / "state.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        data["folder"] = Path(data["folder"])
        data["app_pids"] = {int(k): v for k, v in data["app_pids"].items()}
        return cls(**data)

    # -- starting ------------------------------------------------------------------------------

    def start(self, *, seed: bool = True, log=print) -> None:
        for port in [self.port, self.pg_port, *self.app_ports]:
            if port_open(port):
                raise RuntimeError(
                    f"Port {port} is already in use on this machine; stop what uses it (or an "
                    "earlier cluster: make cluster-stop) and try again."
                )
        self.folder.mkdir(parents=True, exist_ok=True)
        self.save()
        log(f"PostgreSQL on 127.0.0.1:{self.pg_port} ...")
        server = self.postgres
        server.init()
        server.start()
        if seed:
            log("Loading the sample programme into it (the same load path as `make run`) ...")
            self.seed()
        self.start_apps(log=log)
        self.start_nginx(log=log)

    def environment(self) -> dict[str, str]:
        secret_file = self.folder / "cookie_secret"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_hex(32))
            secret_file.chmod(0o600)
        return {
            **os.environ,
            "WDP_DB": self.database_url,
            "WDP_UPLOADS": str(self.folder / "uploads"),
            "WDP_TRUSTED_PROXIES": "127.0.0.1",
            # Every process must sign Streamlit's own cookies (upload XSRF tokens) alike, or an
            # upload after a failover is refused.
            "STREAMLIT_SERVER_COOKIE_SECRET": secret_file.read_text().strip(),
        }

    def seed(self) -> None:
        setting = f"{self.database_url}?data_path={self.folder / 'lake'}"
        result = subprocess.run(
            [sys.executable, "-m", "etl", "seed", "--db", setting],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if result.returncode != 0:
            raise RuntimeError(f"Seeding the sample programme failed:\n{result.stderr}")

    def start_app(self, port: int) -> int:
        log = (self.folder / f"app-{port}.log").open("ab")
        process = subprocess.Popen(
            app_command(port),
            cwd=ROOT,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives `make cluster`; stopped by `make cluster-stop`
        )
        log.close()
        self.app_pids[port] = process.pid
        self.save()
        return process.pid

    def start_apps(self, *, log=print) -> None:
        for port in self.app_ports:
            self.start_app(port)
        for port in self.app_ports:
            wait_healthy(self.app_url(port), HEALTH_TIMEOUT_S, log=self.folder / f"app-{port}.log")
        log(f"{self.replicas} app processes on ports {', '.join(map(str, self.app_ports))}")

    def start_nginx(self, *, log=print) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        prefix = self.folder / "nginx"
        for sub in ("tmp", "logs"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
            (prefix / sub).chmod(0o1777)  # nginx's workers run as an unprivileged user
        (prefix / "site.conf").write_text(render_site(self.app_ports, self.port))
        (prefix / "nginx.conf").write_text(
            f"""# Rendered by deploy/cluster.py for the local cluster (make cluster).
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
worker_processes auto;
events {{ worker_connections 4096; }}
http {{
    # Which process answered each request (and for whom: the route cookie), for the tests.
    log_format routed '$remote_addr [$time_local] "$request" $status route=$cookie_wdp_route '
                      'upstream=$upstream_addr';
    access_log {prefix}/logs/access.log routed;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/site.conf;
}}
"""
        )
        result = subprocess.run(
            [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"nginx did not start: {result.stderr.strip()}")
        wait_healthy(f"http://127.0.0.1:{self.port}", 30)
        self.nginx_pid = int((prefix / "nginx.pid").read_text())
        self.save()
        log(f"nginx on {self.url}, sticky sessions over {self.replicas} processes")

    # -- stopping ------------------------------------------------------------------------------

    def stop_app(self, port: int, sig: int = signal.SIGTERM) -> None:
        pid = self.app_pids.pop(port, None)
        if pid is not None:
            _end(pid, sig)
        self.save()

    def stop(self) -> None:
        for port in list(self.app_pids):
            self.stop_app(port)
        if self.nginx_pid:
            _end(self.nginx_pid, signal.SIGQUIT)
            self.nginx_pid = None
        with contextlib.suppress(subprocess.CalledProcessError, RuntimeError):
            self.postgres.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a zombie child of this process counts as gone
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def _end(pid: int, sig: int, *, wait_s: float = 10.0) -> None:
    """Send ``sig`` to the process (and its group); SIGKILL if it is still there later."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
    deadline = time.monotonic() + wait_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/cluster.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start PostgreSQL, the app processes and nginx")
    start.add_argument("--replicas", type=int, default=2)
    start.add_argument("--port", type=int, default=8080)
    start.add_argument("--pg-port", type=int, default=5433)
    commands.add_parser("stop", help="stop everything and remove .cluster/")
    commands.add_parser("status", help="what is running")
    args = parser.parse_args(argv)

    running = Cluster.load()
    if args.command == "stop":
        if running is None:
            print("No cluster is running (nothing in .cluster/).")
            return 0
        running.stop()
        print("Stopped the app processes, nginx and PostgreSQL; removed .cluster/.")
        return 0
    if args.command == "status":
        if running is None:
            print("No cluster is running.")
            return 0
        alive = {port: _alive(pid) for port, pid in running.app_pids.items()}
        print(json.dumps({"url": running.url, "database": running.database_url, "apps": alive}))
        return 0
    if running is not None:
        print(
            f"A cluster is already running: {running.url} (database {running.database_url}). "
            "`make cluster-stop` ends it."
        )
        return 0
    if args.replicas < 1:
        print("--replicas must be at least 1.", file=sys.stderr)
        return 2
    cluster = Cluster(replicas=args.replicas, port=args.port, pg_port=args.pg_port)
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or ""
        print(f"The cluster did not start: {error} {detail}".strip(), file=sys.stderr)
        cluster.stop()
        return 2
    print()
    print(f"The dashboard:  {cluster.url}   (sign in with a demo account: README)")
    print(f"The database:   {cluster.database_url}")
    print(f"                e.g. python -m etl summary --db {cluster.database_url}")
    print("Stop it all:    make cluster-stop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
