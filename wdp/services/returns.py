"""Loading returns: the load itself (the CLI's `load` and the Upload page's Confirm), the
preview before confirming, the template, and the quarter a lead is due to return next."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from etl.load import LoadReport, check_return, load_return
from etl.template import build_template
from etl.validate import ValidatedReturn
from wdp.auth import User
from wdp.db import Database
from wdp.db.queries import ValidationReference
from wdp.domain import Issue, ReportingPeriod


def load_returns(
    db: Database,
    files: Iterable[Path | str],
    *,
    loaded_by: str | None = None,
    file_names: Iterable[str | None] | None = None,
    user: User | None = None,
) -> Iterator[LoadReport]:
    """Validate and load each file, one transaction per file, on one connection; a report per
    file as it is done. A lead (``user``) may submit only for their own pathfinder: anything else
    is refused by the load itself, whatever the page or command did."""
    names = list(file_names) if file_names is not None else None
    only = user.scope if user is not None else None
    by = loaded_by or (user.email if user is not None else None)
    with db.session(write=True):
        for i, file in enumerate(files):
            name = names[i] if names is not None else None
            yield load_return(db, file, loaded_by=by, file_name=name, only_pathfinder=only)


def load_upload(db: Database, path: Path, *, user: User, file_name: str) -> LoadReport:
    """Load one uploaded file for a signed-in person (the Upload page's Confirm)."""
    return next(load_returns(db, [path], file_names=[file_name], user=user))


def check_upload(
    db: Database, path: Path, *, user: User, reference: ValidationReference | None = None
) -> tuple[ValidatedReturn | None, list[Issue]]:
    """Validate an upload without loading it (the preview before Confirm); a lead's return for
    another pathfinder is refused here as it would be by the load. ``reference``: the codes to
    check against, when the caller already has them (the app caches them)."""
    reference = reference if reference is not None else db.validation_reference()
    return check_return(path, reference, only_pathfinder=user.scope)


def next_period_due(db: Database, pathfinder_code: str | None) -> str | None:
    """The period a pathfinder is expected to return next: the one after their latest return."""
    if not pathfinder_code:
        return None
    overview = db.pathfinder_overview()
    latest = overview.loc[overview["pathfinder_code"] == pathfinder_code, "latest_period"]
    latest = latest.dropna()
    if latest.empty:
        return None
    period = ReportingPeriod.parse(str(latest.iloc[0]))
    return period.next().label if period else None


def template_bytes(*, pathfinder_code: str | None, reporting_period: str | None) -> bytes:
    """The current return template as .xlsx bytes, pre-filled when a pathfinder and period are
    known (``python -m etl template`` writes the same workbook to a file)."""
    buffer = io.BytesIO()
    build_template(pathfinder_code=pathfinder_code, reporting_period=reporting_period).save(buffer)
    return buffer.getvalue()
