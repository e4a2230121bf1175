"""Import OHID Fingertips indicator exports as the national benchmark.

``python -m etl import-fingertips FILE... [--indicator-id N --indicator-name TEXT] [--json]``

Both layouts in use are read: the current 27-column "all data for one indicator" export, and the
older 14-column PHE one (which carries no indicator id or name: give them on the command line).
Any indicator in those layouts loads; nothing here knows which screening indicators exist.

Per file: the same file again is ``unchanged``; a new export of an indicator replaces its rows in
one transaction; a file of another layout is ``rejected`` naming the missing columns, and nothing is
loaded. The report proves our statistics: our Wilson limits and England judgements, computed from
Count and Denominator, against the ones the publisher printed in the same file.

Areas: local-authority-style rows (England, regions, counties, districts, unitary authorities) as
before, their retired codes mapped to today's; GP practices (Fingertips area type "GPs", ODS codes
such as A81001) are kept as the ``gp_practice`` level, their codes as published (never mapped
through the ONS code changes); PCN, sub-ICB, ICB and NHS region rows get levels of their own.

Several indicators in one file (a Fingertips profile or multi-indicator download): every indicator
in it is imported, each replacing that indicator's rows, all in one transaction (all or none).
The report's figures are the whole file's; ``indicators`` lists one report per indicator (its
``status`` imported or unchanged), and the top-level ``indicator_id`` and ``indicator_name`` are
null, since no one indicator describes the file. The file is ``unchanged`` when every indicator in
it was last imported from this same file.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from etl.load import default_loader
from wdp.db import Database, DatabaseNotSetUp, UnreadableInput, public
from wdp.files import file_sha256

Status = Literal["imported", "unchanged", "rejected"]
PROGRAMMES = ("breast", "cervical", "bowel")
MEASURES = ("coverage", "uptake", "first-time attendance")
# An indicator whose name ends so is generated, not published (the sample programme's GP panel).
SYNTHETIC_SUFFIX = "(synthetic)"


@dataclass
class ImportReport:
    """What happened to one file (``--json`` prints ``as_dict()``)."""

    file: str
    status: Status
    indicator_id: int | None = None
    indicator_name: str | None = None
    layout: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        figures = {
            "rows_read": 0,
            "rows_loaded": 0,
            "rows_skipped": {},
            "ci_check": {"rows_compared": 0, "max_abs_diff_95": None, "max_abs_diff_998": None},
            "england_comparison": {"rows_compared": 0, "agree": 0},
            **self.details,
        }
        return {
            "file": self.file,
            "status": self.status,
            "indicator_id": self.indicator_id,
            "indicator_name": self.indicator_name,
            "layout": self.layout,
            **figures,
            "errors": self.errors,
        }


def describe_indicator(name: str) -> dict[str, str | None]:
    """Programme and measure when the indicator's name says them (else None)."""
    lowered = name.lower()
    programme = next((p for p in PROGRAMMES if p in lowered), None)
    measure = next((m for m in MEASURES if m in lowered), None)
    return {
        "programme": programme,
        "measure": measure.replace("-", "_").replace(" ", "_") if measure else None,
    }


def import_file(
    db: Database,
    path: str | Path,
    *,
    indicator_id: int | None = None,
    indicator_name: str | None = None,
    imported_by: str | None = None,
    synthetic: bool = False,
) -> ImportReport:
    """Import one export. Never raises for a bad file: the report says what was wrong.

    One connection for the whole import (its staging tables live on it); each step that changes
    the database is a transaction of its own, the swap of the indicator's rows included.
    """
    if not db.has_area_codes():
        raise DatabaseNotSetUp(
            "This database has no ONS area codes, so old codes cannot be mapped. Run "
            "`python -m etl init` (or `python -m etl seed`) first."
        )
    path = Path(path)
    report = ImportReport(str(path), "rejected")
    audit: dict[str, Any] = {
        "file_name": path.name,
        "imported_by": imported_by or default_loader(),
        "imported_at": dt.datetime.now(),
    }
    # The file's SHA-256 is computed in a second thread while DuckDB reads the file (hashlib
    # releases the GIL): it is needed only to record the import or to find it unchanged.
    with ThreadPoolExecutor(max_workers=1) as pool, db.session(write=True):
        audit["_digest"] = pool.submit(file_sha256, path)
        try:
            return _import(db, path, report, audit, indicator_id, indicator_name, synthetic)
        except OSError as error:
            report.errors.append(f"The file could not be read: {error.strerror}.")
            return report
        finally:
            with db.write() as tx:
                tx.drop_staging()


def _settle(audit: dict[str, Any]) -> None:
    """Wait for the file's SHA-256 (raises the ``OSError`` if it could not be read)."""
    digest: Future | None = audit.pop("_digest", None)
    if digest is not None:
        audit["content_sha256"] = digest.result()[0]


def _reject(
    db: Database, report: ImportReport, audit: dict[str, Any], message: str
) -> ImportReport:
    _settle(audit)
    report.errors.append(message)
    with db.write() as tx:
        tx.record_import(
            {
                **audit,
                "status": "rejected",
                "indicator_id": report.indicator_id,
                "report": report.as_dict(),
            }
        )
    return report


def _import(
    db: Database, path, report, audit, indicator_id, indicator_name, synthetic
) -> ImportReport:
    if path.suffix.lower() not in (".csv", ".txt"):
        return _reject(
            db,
            report,
            audit,
            f"{path.name} is not a CSV file. Download the "
            "indicator from Fingertips as CSV ('all data for one indicator').",
        )
    try:
        with db.write() as tx:
            columns = tx.stage_csv(path)
    except UnreadableInput as error:
        return _reject(db, report, audit, f"{path.name} could not be read as a CSV file ({error}).")
    layout, missing = public.detect_layout(columns)
    if layout is None:
        return _reject(
            db,
            report,
            audit,
            f"{path.name} is not a Fingertips indicator export: it has no column(s) "
            f"{', '.join(repr(m) for m in missing)}. Export the indicator as "
            "'all data for one indicator' CSV.",
        )
    report.layout = layout
    if public.LAYOUTS[layout]["indicator_id"] is None and (
        indicator_id is None or not indicator_name
    ):
        return _reject(
            db,
            report,
            audit,
            f"{path.name} is in the older PHE layout, which does not say which "
            "indicator it holds. Give it with --indicator-id and --indicator-name.",
        )
    if public.LAYOUTS[layout]["indicator_id"] is not None:
        indicator_id = indicator_name = None  # the file says; never second-guess it
    try:
        with db.write() as tx:
            tx.stage_rows(path, layout, indicator_id=indicator_id, indicator_name=indicator_name)
    except UnreadableInput as error:  # a malformed line past the header is found only here
        return _reject(db, report, audit, f"{path.name} could not be read as a CSV file ({error}).")
    with db.write() as tx:
        found = tx.staged_indicators()
    named = {i: n for i, n, _ in found if i is not None}
    if not named:
        return _reject(
            db,
            report,
            audit,
            f"{path.name} holds no indicator id; an export names its indicator in every row "
            "('Indicator ID').",
        )
    if len(named) == 1:
        report.indicator_id, report.indicator_name = next(iter(named.items()))
        audit["indicator_id"] = report.indicator_id
    with db.write() as tx:
        report.details = tx.staged_report()
        if len(named) > 1:  # a profile download: every indicator in it, each with its report
            report.details["indicators"] = [
                {"indicator_id": i, "indicator_name": n, **tx.staged_report(indicator_id=i)}
                for i, n in named.items()
            ]
    _settle(audit)
    unchanged = {i for i in named if db.indicator_fingerprint(i) == audit["content_sha256"]}
    for entry in report.details.get("indicators", []):
        entry["status"] = "unchanged" if entry["indicator_id"] in unchanged else "imported"
    if len(unchanged) == len(named):
        report.status = "unchanged"
        with db.write() as tx:
            tx.record_import({**audit, "status": "unchanged", "report": report.as_dict()})
        return report
    empty = [
        i
        for i, figures in _per_indicator(report).items()
        if figures["rows_loaded"] == 0 and i not in unchanged
    ]
    if empty:
        what = (
            f"{path.name} has no rows with a value to load"
            if len(named) == 1
            else f"{path.name} has no rows with a value to load for indicator(s) "
            f"{', '.join(map(str, empty))}; nothing in it was loaded"
        )
        return _reject(db, report, audit, what + ".")
    report.status = "imported"
    replaced = [
        (
            {
                "indicator_id": i,
                "indicator_name": name,
                "layout": layout,
                "is_synthetic": synthetic or (name or "").lower().endswith(SYNTHETIC_SUFFIX),
                **describe_indicator(name or ""),
            },
            figures,
        )
        for i, figures in _per_indicator(report).items()
        if i not in unchanged
        for name in (named[i],)
    ]
    with db.write() as tx:  # every indicator in the file, or none of them
        tx.replace_indicators(indicators=replaced, report=report.as_dict(), audit=audit)
    return report


def _per_indicator(report: ImportReport) -> dict[int, dict[str, Any]]:
    """Each indicator's figures: the file's own for a one-indicator file."""
    entries = report.details.get("indicators")
    if entries is None:
        return {report.indicator_id: report.as_dict()}  # type: ignore[dict-item]
    return {e["indicator_id"]: e for e in entries}
