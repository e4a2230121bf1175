"""Fetching an indicator from the Fingertips API: against a real HTTP server on 127.0.0.1 that this
test starts, serving a file in the Fingertips layout; what was asked for, what was imported, and
every way the download can fail said plainly, with nothing imported."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from etl.fetch import FetchError, Request, area_type_id, download, fetch_indicator
from etl.gp_panel import INDICATORS, panel_frame, write_export
from tests.helpers import db_on, open_db

GP_PRACTICES = pd.DataFrame(
    {
        "practice_code": ["M83038", "P81103", "Y01008"],
        "practice_name": ["Orchard Surgery", "North Preston Medical Practice", "Bay Medical Group"],
        "imd_score": [24.5, 19.9, 33.9],
        "list_size": [10604, 9918, 53874],
        "rural": [False, False, False],
        "region": ["Y60", "Y62", "Y62"],
        "parent_code": ["U36512", "U09100", "U27624"],
        "first_year": [2012, 2012, 2012],
        "go_live_year": pd.array([2017, 2017, None], dtype="Int64"),
    }
)


class Fingertips:
    """A stand-in for the Fingertips API: answers every GET with ``body`` (and ``status``), and
    records the requests it was sent."""

    def __init__(self, body: bytes, *, status: int = 200, content_type: str = "text/csv") -> None:
        self.body, self.status, self.content_type = body, status, content_type
        self.requests: list[tuple[str, dict[str, list[str]]]] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                api.requests.append((parts.path, parse_qs(parts.query)))
                self.send_response(api.status)
                self.send_header("Content-Type", api.content_type)
                self.send_header("Content-Length", str(len(api.body)))
                self.end_headers()
                self.wfile.write(api.body)

            def log_message(self, *args) -> None:  # quiet
                pass

        return Handler


@pytest.fixture
def serve() -> Iterator:
    """``serve(Fingertips(...))`` -> the base URL of a server on 127.0.0.1 answering as it."""
    servers = []

    def start(api: Fingertips) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), api.handler())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def gp_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Breast screening uptake for three practices, 2012/13 to 2023/24, as Fingertips writes it."""
    path = tmp_path_factory.mktemp("api") / "gp.csv"
    return write_export(panel_frame(GP_PRACTICES, INDICATORS[0]), path).read_bytes()


def test_fetch_asks_for_every_gp_practice_and_imports_the_download(
    reference_db, serve, gp_csv: bytes
) -> None:
    api = Fingertips(gp_csv)
    base = serve(api)
    with open_db(reference_db) as con:
        db = db_on(con)
        report, source = fetch_indicator(db, Request(91340, area_type_id("gp")), base=base)
        panel = db.gp_indicator_panel(indicator_id=91340)
    assert api.requests == [
        (
            "/api/all_data/csv/by_indicator_id",
            {
                "indicator_ids": ["91340"],
                "child_area_type_id": ["7"],
                "parent_area_type_id": ["15"],
                "include_sortable_time_periods": ["yes"],
            },
        )
    ]
    assert source.startswith(f"{base}/api/all_data/csv/by_indicator_id?indicator_ids=91340&")
    assert (report.status, report.indicator_id, report.layout) == (
        "imported",
        91340,
        "fingertips_27",
    )
    assert report.details["gp_practice_rows"] == 36
    assert sorted(panel["practice_code"].unique()) == ["M83038", "P81103", "Y01008"]
    assert panel["year"].tolist()[:3] == [2012, 2013, 2014]


@pytest.mark.parametrize(
    ("api", "message"),
    [
        (Fingertips(b"Not found", status=404), "answered HTTP 404"),
        (Fingertips(b"<!DOCTYPE html><html>Down</html>", content_type="text/html"), "web page"),
        (Fingertips(b'{"error": "bad indicator"}', content_type="application/json"), "not a CSV"),
        (Fingertips(b""), "empty answer"),
        (Fingertips(b"Indicator ID,Indicator Name,Area Code\r\n"), "no data for indicator 91340"),
    ],
    ids=["http-error", "html", "json", "empty", "header-only"],
)  # fmt: skip
def test_a_failed_download_says_why_and_imports_nothing(
    reference_db, serve, api: Fingertips, message: str
) -> None:
    base = serve(api)
    with open_db(reference_db) as con:
        db = db_on(con)
        with pytest.raises(FetchError, match=message):
            fetch_indicator(db, Request(91340, 7), base=base)
        assert con.execute("SELECT count(*) FROM public_import").fetchone()[0] == 0


def test_a_download_past_the_size_limit_is_stopped(serve, gp_csv: bytes, tmp_path: Path) -> None:
    base = serve(Fingertips(gp_csv))
    with pytest.raises(FetchError, match="passed the 0 MB limit"):
        download(Request(91340, 7), tmp_path / "x.csv", base=base, max_bytes=1000)


def test_no_connection_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"Could not reach Fingertips at http://127\.0\.0\.1:9"):
        download(Request(91340, 7), tmp_path / "x.csv", base="http://127.0.0.1:9")


def test_an_unknown_area_type_is_refused() -> None:
    assert [area_type_id(t) for t in ("gp", "District", "502", "region")] == [7, 501, 502, 6]
    with pytest.raises(ValueError, match="--area-type 'ward'"):
        area_type_id("ward")


@pytest.mark.process
def test_fetch_fingertips_cli_imports_prints_json_and_fails_plainly(
    reference_db, serve, gp_csv: bytes
) -> None:
    from tests.processes import etl

    api = Fingertips(gp_csv)
    env = {"WDP_FINGERTIPS_URL": serve(api) + "/"}
    first = etl("fetch-fingertips", "--indicator", "91340", "--json", db=reference_db, env=env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    for key in (
        "file",
        "status",
        "indicator_id",
        "indicator_name",
        "layout",
        "rows_read",
        "rows_loaded",
        "rows_skipped",
        "ci_check",
        "england_comparison",
        "errors",
        "source_url",
    ):
        assert key in report
    assert (report["status"], report["indicator_id"]) == ("imported", 91340)
    again = etl("fetch-fingertips", "--indicator", "91340", db=reference_db, env=env)
    assert again.returncode == 0 and "UNCHANGED" in again.stdout
    assert len(api.requests) == 2 and api.requests[0][0] == "/api/all_data/csv/by_indicator_id"

    down = {"WDP_FINGERTIPS_URL": serve(Fingertips(b"oops", status=503))}
    failed = etl("fetch-fingertips", "--indicator", "91340", db=reference_db, env=down)
    assert failed.returncode == 2 and "answered HTTP 503" in failed.stderr
    assert failed.stdout == ""
    bad = etl("fetch-fingertips", "--indicator", "91340", "--area-type", "ward", db=reference_db)
    assert bad.returncode == 2 and "--area-type 'ward'" in bad.stderr
