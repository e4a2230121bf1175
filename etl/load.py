"""Load return workbooks: validate, then write all of a file or none of it, and audit every attempt.

Outcomes per file:
- ``accepted``: valid; its rows are stored and it becomes the return that counts for its pathfinder
  and period (a later accepted file for the same pair supersedes it; both stay in the history);
- ``unchanged``: byte-for-byte the same as a file already accepted; nothing is stored twice;
- ``rejected``: not valid, or could not be stored; nothing of it is stored but the attempt and its
  full error report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from etl.validate import ValidatedReturn, validate_workbook
from etl.workbook import read_workbook
from wdp.db import Database, DatabaseBusy, DatabaseError, DatabaseNotSetUp
from wdp.db.queries import ValidationReference
from wdp.domain import Issue, ReportingPeriod
from wdp.files import file_sha256

log = logging.getLogger(__name__)
Status = Literal["accepted", "rejected", "unchanged"]


@dataclass
class LoadReport:
    """What happened to one file: the contract printed by ``python -m etl load --json``."""

    file: str
    status: Status
    rows: dict[str, int] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    submission_id: int | None = None
    pathfinder_code: str | None = None
    reporting_period: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "rows": self.rows,
            "errors": [i.as_dict() for i in self.errors],
            "warnings": [i.as_dict() for i in self.warnings],
            "submission_id": self.submission_id,
            "pathfinder_code": self.pathfinder_code,
            "reporting_period": self.reporting_period,
        }


def default_loader() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


def _record(validated: ValidatedReturn | None) -> dict[str, Any]:
    """Submission columns taken from a (possibly partly) validated return."""
    if validated is None:
        return {}
    if validated.details is None:  # not valid: keep what it claims to be, for the history
        record: dict[str, Any] = dict(validated.claimed)
        period = ReportingPeriod.parse(record.get("reporting_period", ""))
        if period is not None:
            record.update(period_start=period.start, period_end=period.end)
        return record
    d = validated.details
    record = d.model_dump(exclude={"template_version"})
    record["template_version"] = d.template_version
    if validated.period is not None:
        record["period_start"] = validated.period.start
        record["period_end"] = validated.period.end
    return record


def check_return(
    path: Path, reference: ValidationReference, *, only_pathfinder: str | None = None
) -> tuple[ValidatedReturn | None, list[Issue]]:
    """Read and validate a workbook without loading it (the upload preview uses this too)."""
    workbook, issues = read_workbook(path)
    if workbook is None:
        return None, issues
    validated = validate_workbook(workbook, reference)
    details = validated.details
    if only_pathfinder and details is not None and details.pathfinder_code != only_pathfinder:
        validated.errors.insert(
            0,
            Issue(
                "Details",
                None,
                "Pathfinder code",
                details.pathfinder_code,
                f"This return is for {details.pathfinder_code}; you can submit returns only for "
                f"{only_pathfinder}. Check the Details sheet.",
            ),
        )
        validated.frames = {}
    return validated, validated.errors


def load_return(
    db: Database,
    path: str | Path,
    *,
    loaded_by: str | None = None,
    file_name: str | None = None,
    loaded_at: dt.datetime | None = None,
    only_pathfinder: str | None = None,
) -> LoadReport:
    """Validate and load one workbook. Never raises for bad input: the report says what's wrong.

    Raises ``DatabaseNotSetUp`` only when the database itself is not ready (no reference data).
    ``loaded_at`` defaults to now; the sample programme sets it to replay its history.
    ``only_pathfinder`` refuses a return for any other pathfinder (a lead's upload).

    Two transactions: the attempt is committed first, so a load killed half-way still shows as
    not completed; then the outcome (the return's rows and its audit record, or the rejection)
    commits all together or not at all. Run it in ``db.session(write=True)`` to keep one
    connection, and the right to write, for the whole load.
    """
    missing = db.missing_reference_data()
    if missing:
        raise DatabaseNotSetUp(
            f"This database lacks reference data ({', '.join(missing)}), so returns cannot be "
            "checked. Set it up "
            "with `python -m etl init --register PATHFINDERS.csv` (or `python -m etl seed` for the "
            "sample programme), then load again."
        )
    path = Path(path)
    name = file_name or path.name
    loaded_by = loaded_by or default_loader()
    base: dict[str, Any] = {
        "file_name": name,
        "loaded_by": loaded_by,
        "loaded_at": loaded_at or dt.datetime.now(),
    }
    with db.write() as tx:
        attempt = tx.start_attempt(
            file_name=name, loaded_by=loaded_by, started_at=base["loaded_at"]
        )
    try:
        sha, size = file_sha256(path)
    except OSError as error:
        issue = Issue(None, None, None, None, f"The file could not be read: {error.strerror}.")
        with db.write() as tx:
            submission_id = tx.write_submission(
                {**base, "content_sha256": "", "status": "rejected", "errors": [issue.as_dict()]},
                attempt_id=attempt,
            )
        return LoadReport(str(path), "rejected", errors=[issue], submission_id=submission_id)
    base.update(content_sha256=sha, file_bytes=size)

    repeat = db.accepted_submission_with_hash(sha)
    if repeat is not None:
        with db.write() as tx:
            submission_id = tx.write_submission(
                {**base, "status": "unchanged", "repeats_submission_id": repeat},
                attempt_id=attempt,
            )
            original = tx.submission_record(repeat)
        return LoadReport(
            str(path),
            "unchanged",
            rows=original["row_counts"],
            submission_id=submission_id,
            pathfinder_code=original["pathfinder_code"],
            reporting_period=original["reporting_period"],
        )

    validated, issues = check_return(
        path, db.validation_reference(), only_pathfinder=only_pathfinder
    )
    warnings = validated.warnings if validated else []
    rows = validated.row_counts if validated else {}
    record = {
        **base,
        **_record(validated),
        "row_counts": rows,
        "errors": [i.as_dict() for i in issues],
        "warnings": [i.as_dict() for i in warnings],
    }
    report = LoadReport(
        str(path),
        "rejected",
        rows=rows,
        errors=list(issues),
        warnings=warnings,
        pathfinder_code=record.get("pathfinder_code"),
        reporting_period=record.get("reporting_period"),
    )
    if validated is not None and validated.ok:
        try:
            with db.write() as tx:
                report.submission_id = tx.write_submission(
                    {**record, "status": "accepted"}, validated.frames, attempt_id=attempt
                )
            report.status = "accepted"
            return report
        except DatabaseBusy:
            # Another writer, or the database server went away: nothing of it was stored. The
            # person is told to try again; the attempt is closed if the database lets us now
            # (else it stays listed as not completed, which is also true).
            with contextlib.suppress(DatabaseError), db.write() as tx:
                tx.close_attempt(attempt_id=attempt)
            raise
        except Exception as error:  # anything at all: the transaction has rolled back
            log.exception("loading %s failed; rolled back", name)
            issue = Issue(
                None,
                None,
                None,
                None,
                "The return was valid but could not be saved, so nothing of it was "
                f"loaded ({type(error).__name__}). Try again; if it happens again, "
                "send the file to the programme team.",
            )
            report.errors = [issue]
            record["errors"] = [issue.as_dict()]
    with db.write() as tx:
        report.submission_id = tx.write_submission(
            {**record, "status": "rejected"}, attempt_id=attempt
        )
    return report
