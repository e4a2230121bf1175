"""Paths and settings, declared once.

Every path the product reads at run time lives under the project's own ``data/`` folder; nothing
reads ``../shared``. The database path comes from ``WDP_DB`` when set, else ``data/wdp.duckdb``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SAMPLE_DIR = DATA_DIR / "sample"
SCREENING_DIR = DATA_DIR / "screening"  # public screening exports (real data)
DEFAULT_DB = DATA_DIR / "wdp.duckdb"

# Environment variable that overrides the database path for the app and the CLI.
DB_ENV_VAR = "WDP_DB"

# Largest workbook accepted (bytes). A real return is well under 1 MB; the cap keeps a hostile
# upload from exhausting memory before validation even starts.
MAX_RETURN_BYTES = 20 * 1024 * 1024

# How long a writer or reader waits for another process's lock on the DuckDB file (seconds);
# WDP_LOCK_TIMEOUT_S overrides it for a process.
LOCK_TIMEOUT_S = float(os.environ.get("WDP_LOCK_TIMEOUT_S") or 15.0)

# A sign-in with a local account ends after this long without any interaction, and in any case
# this long after signing in (the identity provider's own cookie governs an NHS account's).
SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 12

# Champions the programme itself reports having trained ("about 350"): a reference line.
REPORTED_CHAMPIONS = 350

# Label shown wherever sample data is displayed.
SYNTHETIC_LABEL = "Synthetic sample data: not real pathfinder figures"

OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
PUBLIC_DATA_LABEL = "Public data: OHID Fingertips / PHE screening coverage. " + OGL_ATTRIBUTION


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the database path: an explicit argument, else ``WDP_DB``, else the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV_VAR)
    return Path(env) if env else DEFAULT_DB


# A quarterly return is due this many days after its reporting period ends (the submission
# tracker on the Pathfinder status page marks later returns "late").
RETURN_DUE_DAYS = 30

# Shown beside every map drawn on ONS boundaries.
GEOGRAPHY_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right 2024."
)
