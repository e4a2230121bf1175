"""The served app for browser tests and benchmarks: ``streamlit run dashboard.py`` on a free port.

    server, url = start_app(db, log)     # healthy, or AppServerError with the server's output
    try:
        ...
    finally:
        stop_app(server)

One copy of the command line and the browser's flags (as ``../shared/RECIPES.md`` gives them),
the health wait and the shutdown, used by ``tests/e2e/conftest.py`` and the ``bench/`` scripts
that drive a browser.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from deploy.cluster import app_command, healthy
from deploy.services import free_port

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 60.0
# Debian's chromium, with the flags this machine's closed network needs (RECIPES.md).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class AppServerError(RuntimeError):
    """The app did not start; the message says why and holds the server's output."""


def start_app(
    db: Path,
    log: Path,
    *,
    timeout_s: float = HEALTH_TIMEOUT_S,
    secrets: Path | None = None,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, str]:
    """Serve ``db`` (as ``WDP_DB``) and wait until the server answers its health check.
    ``secrets``: a secrets file of this server's own (an ``[auth]`` section, say); ``env``: more
    settings for the server (a mail server for reminders, say)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*app_command(port), *(["--secrets.files", str(secrets)] if secrets else [])]
    env = {**os.environ, **(env or {}), "WDP_DB": str(db)}
    with log.open("wb") as output:  # the child keeps its own copy of the file descriptor
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if server.poll() is not None or time.monotonic() > deadline:
            reason = (
                f"exited with code {server.returncode}"
                if server.poll() is not None
                else f"was not healthy after {timeout_s:.0f} s"
            )
            stop_app(server)
            raise AppServerError(
                f"`streamlit run dashboard.py` {reason}. Its output:\n"
                + log.read_text(errors="replace")
            )
        time.sleep(0.2)
    return server, url


def stop_app(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
