"""Download an indicator from the OHID Fingertips API and import it
(``python -m etl fetch-fingertips --indicator N [--area-type gp]``).

The source: Fingertips' "all data" CSV for indicators by id,

    GET {WDP_FINGERTIPS_URL}/api/all_data/csv/by_indicator_id?indicator_ids=N
        &child_area_type_id=C&parent_area_type_id=P&include_sortable_time_periods=yes

as rOpenSci's fingertipsR builds it (``R/retrieve_data.R``, ``retrieve_indicator``); GP practices
are child area type 7, with England (15) as the parent so that one request holds every practice
(the form OHID's own examples use: ``child_area_type_id=7&parent_area_type_id=15``).
``include_sortable_time_periods=yes`` adds the "Time period Sortable" column, which makes the
download the 27-column layout ``etl.fingertips`` reads.

The body is streamed to a temporary file (never held in memory), refused past ``MAX_BYTES``, with
``TIMEOUT_S`` for each network wait and ``DEADLINE_S`` for the whole download; then it goes through
``etl.fingertips.import_file``, the path an exported file takes. Anything that stops the download
(no connection, an HTTP error, a body that is not CSV, too large, too slow, no data) is a
``FetchError`` with a plain sentence, and nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from etl.fingertips import ImportReport, import_file
from wdp import config
from wdp.db import Database, DatabaseNotSetUp

API_PATH = "/api/all_data/csv/by_indicator_id"
# Fingertips area type ids (the API's /api/area_types): the level of the areas downloaded.
AREA_TYPES = {
    "gp": 7,  # GP practices
    "district": 501,  # districts and unitary authorities (from April 2023)
    "county": 502,  # counties and unitary authorities (from April 2023)
    "region": 6,  # regions (statistical)
}
ENGLAND = 15  # the parent area type that holds every area of a level
MAX_BYTES = 300 * 1024 * 1024  # every GP practice for one indicator is ~30 MB
TIMEOUT_S = 60.0  # connecting, and each wait for more of the body
DEADLINE_S = 600.0  # the whole download
CHUNK = 1 << 16


class FetchError(Exception):
    """The download did not give an indicator export; the message says why, plainly."""


@dataclass(frozen=True)
class Request:
    indicator_id: int
    area_type_id: int
    parent_area_type_id: int = ENGLAND

    def url(self, base: str) -> str:
        return base.rstrip("/") + API_PATH

    def params(self) -> dict[str, str]:
        return {
            "indicator_ids": str(self.indicator_id),
            "child_area_type_id": str(self.area_type_id),
            "parent_area_type_id": str(self.parent_area_type_id),
            "include_sortable_time_periods": "yes",
        }

    def describe(self, base: str) -> str:
        """The full address, as a person could paste it into a browser."""
        return str(httpx.URL(self.url(base), params=self.params()))


def area_type_id(text: str) -> int:
    """``gp``, ``district``, ``county``, ``region`` or a Fingertips area type id."""
    key = text.strip().lower()
    if key in AREA_TYPES:
        return AREA_TYPES[key]
    if key.isdigit() and int(key) > 0:
        return int(key)
    raise ValueError(
        f"--area-type {text!r}: give one of {', '.join(AREA_TYPES)} or a Fingertips area type id "
        "(a number, e.g. 7 for GP practices)."
    )


def download(
    request: Request,
    target: Path,
    *,
    base: str | None = None,
    max_bytes: int = MAX_BYTES,
    timeout_s: float = TIMEOUT_S,
    deadline_s: float = DEADLINE_S,
) -> int:
    """Stream the indicator's CSV into ``target``; the bytes written. Raises ``FetchError``."""
    base = base or config.fingertips_url()
    where = request.describe(base)
    started = time.monotonic()
    written = 0
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=True) as client,
            client.stream("GET", request.url(base), params=request.params()) as response,
        ):
            if response.status_code >= 400:
                raise FetchError(
                    f"Fingertips answered HTTP {response.status_code} "
                    f"({response.reason_phrase or 'error'}) for {where}. Check the indicator id "
                    "and --area-type; nothing was imported."
                )
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise FetchError(_too_large(max_bytes))
            with target.open("wb") as out:
                for chunk in response.iter_bytes(CHUNK):
                    if written == 0:
                        _looks_like_csv(chunk, where)
                    written += len(chunk)
                    if written > max_bytes:
                        raise FetchError(_too_large(max_bytes))
                    if time.monotonic() - started > deadline_s:
                        raise FetchError(
                            f"The download from Fingertips took longer than {deadline_s:.0f} s "
                            "and was stopped; nothing was imported. Try again later."
                        )
                    out.write(chunk)
    except httpx.TimeoutException:
        raise FetchError(
            f"Fingertips did not answer within {timeout_s:.0f} s ({where}); nothing was "
            "imported. Try again later."
        ) from None
    except httpx.TransportError as error:
        raise FetchError(
            f"Could not reach Fingertips at {base} ({_reason(error)}); nothing was imported. "
            "Check the connection (or WDP_FINGERTIPS_URL), or download the CSV by hand and use "
            "`python -m etl import-fingertips FILE.csv`."
        ) from None
    if written == 0:
        raise FetchError(f"Fingertips sent an empty answer for {where}; nothing was imported.")
    if _data_lines(target) == 0:
        raise FetchError(
            f"Fingertips has no data for indicator {request.indicator_id} at area type "
            f"{request.area_type_id} (the download held only its header). Check the indicator "
            "id and --area-type."
        )
    return written


def _looks_like_csv(first: bytes, where: str) -> None:
    text = first.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"<", b"{", b"[") or b"," not in text.split(b"\n", 1)[0]:
        kind = "a web page" if text[:1] == b"<" else "something other than CSV"
        raise FetchError(
            f"Fingertips answered with {kind}, not a CSV file, for {where}; nothing was imported. "
            "Check WDP_FINGERTIPS_URL and the indicator id."
        )
    try:
        text[:200].decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError(
            f"Fingertips' answer for {where} is not text (not a CSV file); nothing was imported."
        ) from None


def _data_lines(path: Path) -> int:
    """Lines after the header (stops counting at the second)."""
    with path.open("rb") as f:
        f.readline()
        return sum(1 for _, line in zip(range(1), f, strict=False) if line.strip())


def _too_large(max_bytes: int) -> str:
    return (
        f"The download from Fingertips passed the {max_bytes // (1024 * 1024)} MB limit and was "
        "stopped; nothing was imported."
    )


def _reason(error: httpx.TransportError) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def fetch_indicator(
    db: Database,
    request: Request,
    *,
    base: str | None = None,
    imported_by: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> tuple[ImportReport, str]:
    """Download ``request`` and import it; the import's report and the address it came from.
    Raises ``FetchError`` (nothing imported) or a ``wdp.db`` error for the database."""
    base = base or config.fingertips_url()
    if not db.has_area_codes():  # (before downloading, not after)
        raise DatabaseNotSetUp(
            "This database has no reference data yet. Run `python -m etl init` (or "
            "`python -m etl seed`) first."
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"fingertips_{request.indicator_id}_area{request.area_type_id}_{stamp}.csv"
    with tempfile.TemporaryDirectory(prefix="wdp-fetch-") as folder:
        path = Path(folder) / name
        download(request, path, base=base, max_bytes=max_bytes)
        report = import_file(db, path, imported_by=imported_by)
    return report, request.describe(base)
