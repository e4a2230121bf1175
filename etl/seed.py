"""Build a database: reference data, the pathfinder register, benchmarks, and the sample returns.

``python -m etl seed`` runs this. The sample programme's returns go through ``load_return``, the
same path a pathfinder lead's upload takes: there is no side door. ``data/sample/manifest.json``
lists the files in submission order with the outcome each must have (a few are meant to be
rejected, so the history shows both); seeding fails loudly if any file's outcome differs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from etl.fingertips import ImportReport, import_file
from etl.gp_panel import import_gp_panel
from etl.load import LoadReport, load_return
from etl.models import Choice, Code, Count, Day, OptDay
from etl.reference import (
    read_area_changes,
    read_area_parents,
    read_areas,
    read_icbs,
    read_practice_list,
    read_practice_profiles,
    read_screening_services,
)
from etl.workbook import display_value
from wdp.config import REFERENCE_DIR, SAMPLE_DIR, SCREENING_DIR
from wdp.db import Database, Transaction
from wdp.domain import AreaType, Issue, Measure, Programme
from wdp.study import StudyNotReady, choose_indicator, fix_plan, load_plan

REGISTER_FILE = "pathfinders.csv"
BENCHMARK_FILE = "national_breast_uptake_by_service.csv"
MANIFEST_FILE = "manifest.json"
SAMPLE_LOADER = "sample-programme"


class CsvError(ValueError):
    """A reference CSV that cannot be loaded; carries the issues found."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(i.describe() for i in issues))
        self.issues = issues


class PathfinderEntry(BaseModel):
    """One row of the pathfinder register (``pathfinders.csv``)."""

    model_config = ConfigDict(str_strip_whitespace=True)
    pathfinder_code: Code
    pathfinder_name: str
    place: str
    lad_code: Code
    region_code: Code
    lead_organisation: str
    is_synthetic: bool


class Standard(BaseModel):
    """A national screening standard (``data/reference/screening_standards.csv``)."""

    model_config = ConfigDict(str_strip_whitespace=True)
    programme: Choice(Programme)
    measure: Choice(Measure)
    age: str | None
    level: Literal["acceptable", "achievable", "lower_threshold"]
    threshold: float = Field(gt=0, le=100)
    valid_from: OptDay
    valid_to: OptDay
    source: str
    note: str | None


class BenchmarkRow(BaseModel):
    """A national benchmark figure (``national_*.csv``): one area, programme, measure, period."""

    model_config = ConfigDict(str_strip_whitespace=True)
    source: str
    is_synthetic: bool
    area_type: Choice(AreaType)
    area_code: Code
    programme: Choice(Programme)
    measure: Choice(Measure)
    period_start: Day
    period_end: Day
    numerator: Count
    denominator: Count


def _read_csv_rows(path: Path, model: type[BaseModel]) -> pd.DataFrame:
    """Validate every row of a CSV with ``model``; raise CsvError listing every bad cell."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [f for f in model.model_fields if f not in frame.columns]
    if missing:
        raise CsvError([Issue(path.name, 1, m, None, "This column is missing.") for m in missing])
    rows, issues = [], []
    for i, raw in enumerate(frame.to_dict("records"), start=2):
        try:
            row = model.model_validate({k: (v if v != "" else None) for k, v in raw.items()})
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                column = str(err["loc"][0]) if err["loc"] else None
                issues.append(
                    Issue(path.name, i, column, display_value(raw.get(column)), err["msg"])
                )
            continue
        rows.append({k: getattr(v, "value", v) for k, v in row.model_dump().items()})
    if issues:
        raise CsvError(issues)
    return pd.DataFrame(rows)


def read_register(path: Path) -> pd.DataFrame:
    return _read_csv_rows(path, PathfinderEntry)


def read_benchmark(path: Path) -> pd.DataFrame:
    frame = _read_csv_rows(path, BenchmarkRow)
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


STANDARDS_FILE = "screening_standards.csv"


def read_standards(path: Path = REFERENCE_DIR / STANDARDS_FILE) -> pd.DataFrame:
    frame = _read_csv_rows(path, Standard)
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


# The shipped reference tables (ODS practices and their profiles, ONS areas and changes,
# services, standards) and the reader of each file.
REFERENCE_READERS = {
    "ref_standard": read_standards,
    "ref_gp_practice": read_practice_list,
    "ref_area": read_areas,
    "ref_area_change": read_area_changes,
    "ref_screening_service": read_screening_services,
    "ref_area_parent": read_area_parents,
    "ref_icb": read_icbs,
    "ref_practice_profile": read_practice_profiles,
}


def load_reference(tx: Transaction) -> dict[str, int]:
    """Replace the shipped reference tables, in the caller's transaction; rows per table."""
    return {table: tx.replace_reference(table, read()) for table, read in REFERENCE_READERS.items()}


def init_database(db: Database, *, register: Path | None) -> dict[str, int]:
    """A database ready for real returns: reference data and, if given, the pathfinder register
    (one transaction: a bad register leaves the database as it was)."""
    frame = read_register(register) if register is not None else None
    with db.write() as tx:
        counts = load_reference(tx)
        if frame is not None:
            counts["ref_pathfinder"] = tx.replace_reference("ref_pathfinder", frame)
    return counts


def import_public_data(db: Database, directory: Path = SCREENING_DIR) -> list[ImportReport]:
    """Import the shipped public screening exports listed in the folder's manifest."""
    manifest = json.loads((directory / "manifest.json").read_text())
    return [
        import_file(
            db,
            directory / entry["file"],
            indicator_id=entry.get("indicator_id"),
            indicator_name=entry.get("indicator_name"),
            imported_by=SAMPLE_LOADER,
        )
        for entry in manifest["files"]
    ]


# Demo accounts for the sample programme only (wdp.auth refuses them on any other database);
# listed in the README.
DEMO_ACCOUNTS = (
    ("director@example.nhs.uk", "director", None, "demo-director-2017"),
    ("lead.stoke@example.nhs.uk", "lead", "WDP-STK", "demo-lead-stoke"),
    ("lead.preston@example.nhs.uk", "lead", "WDP-PRE", "demo-lead-preston"),
    ("viewer@example.nhs.uk", "viewer", None, "demo-viewer-2017"),
    ("admin@example.nhs.uk", "admin", None, "demo-admin-2017"),
)


def create_demo_accounts(tx: Transaction) -> int:
    from wdp.auth import hash_password

    for email, role, pathfinder, password in DEMO_ACCOUNTS:
        tx.save_account(
            email=email,
            role=role,
            pathfinder_code=pathfinder,
            password_hash=hash_password(password),
            is_demo=True,
        )
    return len(DEMO_ACCOUNTS)


@dataclass
class SeedResult:
    reference: dict[str, int] = field(default_factory=dict)
    reports: list[LoadReport] = field(default_factory=list)
    public: list[ImportReport] = field(default_factory=list)
    gp_panel: ImportReport | None = None
    evaluation_plans: list[dict[str, Any]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "returns": [
                {"file": Path(r.file).name, "status": r.status, "errors": len(r.errors)}
                for r in self.reports
            ],
            "public": [
                {
                    "file": Path(r.file).name,
                    "status": r.status,
                    "indicator_id": r.indicator_id,
                    "rows_loaded": r.details.get("rows_loaded", 0),
                }
                for r in self.public
            ],
            "gp_panel": None if self.gp_panel is None else _panel_summary(self.gp_panel),
            "evaluation_plans": self.evaluation_plans,
            "unexpected": self.unexpected,
        }


def _panel_summary(report: ImportReport) -> dict[str, Any]:
    """The synthetic GP panel's import, per indicator."""
    return {
        "file": Path(report.file).name,
        "status": report.status,
        "rows_loaded": report.details.get("rows_loaded", 0),
        "indicators": [
            {
                "indicator_id": entry["indicator_id"],
                "indicator_name": entry["indicator_name"],
                "rows_loaded": entry["rows_loaded"],
            }
            for entry in report.details.get("indicators", [])
        ],
    }


def seed(db: Database, *, sample_dir: Path = SAMPLE_DIR) -> SeedResult:
    """Reference data, public screening data, the sample register and benchmarks, every sample
    return, then the synthetic GP-practice panel made for those returns (``etl.gp_panel``), on
    one connection (``db`` may be a new file: open it with ``create``)."""
    with db.session(write=True):
        return _seed(db, sample_dir)


def _seed(db: Database, sample_dir: Path) -> SeedResult:
    result = SeedResult()
    register = read_register(sample_dir / REGISTER_FILE)
    benchmark = read_benchmark(sample_dir / BENCHMARK_FILE)
    with db.write() as tx:
        result.reference = load_reference(tx)
        result.reference["ref_pathfinder"] = tx.replace_reference("ref_pathfinder", register)
        result.reference["benchmark_screening"] = tx.replace_reference(
            "benchmark_screening", benchmark
        )
    with db.write() as tx:  # (accounts live apart from the programme's data on PostgreSQL)
        result.reference["account (demo)"] = create_demo_accounts(tx)
    result.public = import_public_data(db)
    for report in result.public:
        if report.status == "rejected":
            result.unexpected.append(f"{Path(report.file).name}: {'; '.join(report.errors)}")
    manifest = json.loads((sample_dir / MANIFEST_FILE).read_text())
    for entry in manifest["returns"]:
        submitted = entry.get("submitted_at")
        report = load_return(
            db,
            sample_dir / entry["file"],
            loaded_by=SAMPLE_LOADER,
            loaded_at=dt.datetime.fromisoformat(submitted) if submitted else None,
        )
        result.reports.append(report)
        expected = (
            {entry["expect"], "unchanged"} if entry["expect"] == "accepted" else {entry["expect"]}
        )
        if report.status not in expected:
            result.unexpected.append(
                f"{entry['file']}: expected {entry['expect']}, got {report.status}"
                + "".join(f"\n  - {i.describe()}" for i in report.errors[:5])
            )
    # The public GP-practice panel (synthetic), made for the returns just loaded.
    result.gp_panel = import_gp_panel(db)
    if result.gp_panel.status == "rejected":
        problems = "; ".join(result.gp_panel.errors)
        result.unexpected.append(f"the synthetic GP-practice panel: {problems}")
    else:
        result.evaluation_plans = fix_sample_plans(db)
    return result


def fix_sample_plans(db: Database) -> list[dict[str, Any]]:
    """The sample's analysis plans, one per programme on its preferred measure (uptake where there
    is one), fixed from the baseline years like any plan; a plan already there is kept (seeding
    again changes nothing). Breast coverage is left without one, to show how a plan is fixed."""
    plans = []
    for programme in Programme:
        try:
            indicator = choose_indicator(db, programme=programme.value)
            chosen = int(indicator["indicator_id"])
            plan = load_plan(db, indicator_id=chosen) or fix_plan(
                db, indicator_id=chosen, fixed_by=SAMPLE_LOADER
            )
        except StudyNotReady:
            continue
        plans.append(
            {
                "indicator_id": plan.indicator_id,
                "plan_id": plan.plan_id,
                "fixed_at": plan.fixed_at.isoformat(timespec="seconds"),
                "practices": len(plan.practices),
            }
        )
    return plans
