"""Paths and settings, declared once: the only module that reads the environment.

Every path the product reads at run time lives under the project's own ``data/`` folder; nothing
reads ``../shared``. Each environment variable the product reads is declared in ``ENVIRONMENT``
with what it does (the README lists them); it is read when asked for, not at import, so a test or
a second database in one process sees the current value.

The NHS identity colours (``Colour``) and the upload limit are defined here and nowhere else;
``.streamlit/config.toml`` repeats a few for Streamlit's theme and a test keeps the two equal.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SAMPLE_DIR = DATA_DIR / "sample"
SCREENING_DIR = DATA_DIR / "screening"  # public screening exports (real data)
DEFAULT_DB = DATA_DIR / "wdp.duckdb"


# ------------------------------------------------------------------------------------------------
# The environment
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnvironmentVariable:
    name: str
    help: str


DB_ENV_VAR = "WDP_DB"
ENVIRONMENT = {
    "database": EnvironmentVariable(
        DB_ENV_VAR,
        "The database the app and every CLI command use (`--db` overrides it for a command): a "
        "DuckDB file, default data/wdp.duckdb, or PostgreSQL-backed storage, "
        "`postgresql://USER@HOST:PORT/DATABASE`, its password in ~/.pgpass or PGPASSWORD (README: "
        "Several app processes).",
    ),
    "uploads": EnvironmentVariable(
        "WDP_UPLOADS",
        "The folder where uploaded returns are kept; default `uploads/` beside the DuckDB file, "
        "or data/uploads for PostgreSQL storage (use a folder every app machine shares).",
    ),
    "lock_timeout": EnvironmentVariable(
        "WDP_LOCK_TIMEOUT_S",
        "Seconds a reader or writer waits for another process's hold on the database before "
        "saying it is busy; default 15.",
    ),
    "debug": EnvironmentVariable(
        "WDP_DEBUG",
        "Set to 1 to let the CLI show a traceback for an unexpected problem (a genuine bug).",
    ),
    "chromium": EnvironmentVariable(
        "BROWSER_PATH",
        "The Chromium that draws board-pack charts; default the `chromium` on the PATH.",
    ),
    "fingertips_url": EnvironmentVariable(
        "WDP_FINGERTIPS_URL",
        "Where `python -m etl fetch-fingertips` downloads indicators from: the OHID Fingertips "
        "site, whose API is under /api; default https://fingertips.phe.org.uk.",
    ),
    "trusted_proxies": EnvironmentVariable(
        "WDP_TRUSTED_PROXIES",
        "Addresses of the proxies in front of the app (comma-separated, e.g. 127.0.0.1): from "
        "them, X-Forwarded-For says who the person is (sign-in limits count per person, not per "
        "proxy). Default none: the connecting address is the person's.",
    ),
    "smtp_url": EnvironmentVariable(
        "WDP_SMTP_URL",
        "The mail server reminders go through when GOV.UK Notify is not configured: "
        "`smtp://HOST:PORT` (STARTTLS when the server offers it), `smtp+starttls://HOST:PORT` "
        "(STARTTLS required) or `smtps://HOST:PORT` (TLS from the start). Its username and "
        "password go in the secrets file's [smtp] section, never in this URL.",
    ),
    "smtp_from": EnvironmentVariable(
        "WDP_SMTP_FROM",
        "The address reminders sent by SMTP come from, e.g. `WDP programme <wdp@example.nhs.uk>`; "
        "needed with WDP_SMTP_URL.",
    ),
    "notify_base_url": EnvironmentVariable(
        "WDP_NOTIFY_BASE_URL",
        "GOV.UK Notify's API address; default https://api.notifications.service.gov.uk (change "
        "it only to point at a stand-in for testing; plain http is refused except on this "
        "machine).",
    ),
    "app_url": EnvironmentVariable(
        "WDP_APP_URL",
        "The address people reach the app at, for the links in reminders (e.g. "
        "`https://wdp.example.nhs.uk`); default http://localhost:8501.",
    ),
    "contact_email": EnvironmentVariable(
        "WDP_CONTACT_EMAIL",
        "Where people report a problem with the dashboard, an accessibility problem included "
        "(the Accessibility statement names it); default england.wdp@nhs.net.",
    ),
    "secrets": EnvironmentVariable(
        "WDP_SECRETS",
        "The secrets file the command line reads (the GOV.UK Notify API key and template ids, "
        "the SMTP username and password); default .streamlit/secrets.toml, the file the app "
        "reads.",
    ),
}


def _env(setting: str) -> str | None:
    return os.environ.get(ENVIRONMENT[setting].name) or None


SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_setting(setting: str | os.PathLike[str]) -> bool:
    """Whether a database setting names PostgreSQL-backed storage (a URL), not a DuckDB file."""
    return str(setting).startswith(SERVER_SCHEMES)


def database_setting(explicit: str | os.PathLike[str] | None = None) -> str:
    """The database setting as given (``--db``, else ``WDP_DB``, else the default): a DuckDB
    file's path or a ``postgresql://`` URL; what ``wdp.db.open_database`` opens, and what caches
    key a database by."""
    setting = str(explicit) if explicit else (_env("database") or str(DEFAULT_DB))
    return setting if is_server_setting(setting) else str(Path(setting))


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The DuckDB file a setting names (an explicit argument, else ``WDP_DB``, else the
    default); for a PostgreSQL URL, the default file's place (only its folder is used)."""
    setting = database_setting(explicit)
    return DEFAULT_DB if is_server_setting(setting) else Path(setting)


def trusted_proxies() -> frozenset[str]:
    """The proxies whose X-Forwarded-For header is believed (``WDP_TRUSTED_PROXIES``)."""
    return frozenset(a.strip() for a in (_env("trusted_proxies") or "").split(",") if a.strip())


def uploads_dir() -> Path:
    """Where uploaded workbooks are kept, under random names (never in anything the app serves):
    ``WDP_UPLOADS``, else beside the database file. Back it up with the machine."""
    explicit = _env("uploads")
    return Path(explicit) if explicit else db_path().parent / "uploads"


DEFAULT_FINGERTIPS_URL = "https://fingertips.phe.org.uk"


def fingertips_url() -> str:
    """The Fingertips site the fetch command downloads from (``WDP_FINGERTIPS_URL``), without a
    trailing slash."""
    return (_env("fingertips_url") or DEFAULT_FINGERTIPS_URL).rstrip("/")


DEFAULT_NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
DEFAULT_SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"


def smtp_url() -> str | None:
    """The mail server reminders go through (``WDP_SMTP_URL``), or None: SMTP not configured."""
    return _env("smtp_url")


def smtp_from() -> str | None:
    """The From address of reminders sent by SMTP (``WDP_SMTP_FROM``)."""
    return _env("smtp_from")


def notify_base_url() -> str:
    """GOV.UK Notify's API address (``WDP_NOTIFY_BASE_URL``), without a trailing slash."""
    return (_env("notify_base_url") or DEFAULT_NOTIFY_BASE_URL).rstrip("/")


DEFAULT_APP_URL = "http://localhost:8501"


def app_url() -> str:
    """Where people reach the app (``WDP_APP_URL``), for links in reminders; no trailing slash."""
    return (_env("app_url") or DEFAULT_APP_URL).rstrip("/")


DEFAULT_CONTACT_EMAIL = "england.wdp@nhs.net"


def contact_email() -> str:
    """Where people report a problem with the dashboard (``WDP_CONTACT_EMAIL``)."""
    return _env("contact_email") or DEFAULT_CONTACT_EMAIL


def secrets_setting() -> Path | None:
    """The secrets file named by ``WDP_SECRETS``, or None: use ``DEFAULT_SECRETS_FILE`` (which,
    unlike a named file, may be absent)."""
    explicit = _env("secrets")
    return Path(explicit) if explicit else None


def lock_timeout_s() -> float:
    """How long a writer or reader waits for another process's lock on the database."""
    return float(_env("lock_timeout") or 15.0)


def debug() -> bool:
    return bool(_env("debug"))


def chromium_path() -> str | None:
    """The Chromium that draws board-pack charts (None: not installed)."""
    return _env("chromium") or shutil.which("chromium") or shutil.which("chrome")


# ------------------------------------------------------------------------------------------------
# Limits and rules
# ------------------------------------------------------------------------------------------------

# Largest workbook accepted (bytes). A real return is well under 1 MB; the cap keeps a hostile
# upload from exhausting memory before validation even starts. The browser's upload widget has the
# same limit (``server.maxUploadSize`` in .streamlit/config.toml, in MiB; a test keeps them equal).
MAX_RETURN_BYTES = 20 * 1024 * 1024

# A sign-in ends after this long without any interaction, and in any case this long after signing
# in (with a password or with an NHS account alike).
SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 12
# A session's last activity is written at most this often (each page view reads the session;
# writing on every one would make every view a write).
SESSION_TOUCH_SECONDS = 60

# Password guessing: each failed attempt for an email address (whether or not it has an account)
# is answered more slowly (1, 2, 4, ... seconds, at most MAX_FAILURE_DELAY_S), and the
# LOCK_AFTER_FAILURES-th within FAILURE_WINDOW_MINUTES locks it for LOCK_MINUTES. One client
# address may fail ADDRESS_FAILURE_LIMIT times in that window, whatever emails it tries.
LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15
FAILURE_WINDOW_MINUTES = 15
MAX_FAILURE_DELAY_S = 4.0
ADDRESS_FAILURE_LIMIT = 20

# Passwords: at least this long, and not one of the most common (data/security).
MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS_FILE = DATA_DIR / "security" / "common_passwords_10k.txt"

# Who a person signed in by their NHS account but without an account here is told to ask.
SUPPORT_CONTACT = "the WDP programme team (your programme director can add you)"

# Champions the programme itself reports having trained ("about 350"): a reference line.
REPORTED_CHAMPIONS = 350

# A quarterly return is due this many days after its reporting period ends (the submission
# tracker on the Pathfinder status page marks later returns "late").
RETURN_DUE_DAYS = 30


# ------------------------------------------------------------------------------------------------
# Words shown wherever data is shown
# ------------------------------------------------------------------------------------------------

# Label shown wherever sample data is displayed.
SYNTHETIC_LABEL = "Synthetic sample data: not real pathfinder figures"

OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
PUBLIC_DATA_LABEL = "Public data: OHID Fingertips / PHE screening coverage. " + OGL_ATTRIBUTION

# Shown beside every map drawn on ONS boundaries.
GEOGRAPHY_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right 2024."
)


# ------------------------------------------------------------------------------------------------
# NHS identity colours (england.nhs.uk/nhsidentity), and the pale tints tables put behind dark text
# ------------------------------------------------------------------------------------------------


class Colour:
    """Every colour the product draws with. Meaning is never carried by colour alone: a word or a
    shape always goes with it (``wdp.domain``'s symbols)."""

    BLUE = "#005EB8"  # NHS Blue: the primary colour
    DARK_BLUE = "#003087"
    BRIGHT_BLUE = "#0072CE"
    LIGHT_BLUE = "#41B6E6"
    TEXT = "#212B32"  # NHS black
    DARK_GREY = "#425563"
    MID_GREY = "#768692"
    PALE_GREY = "#AEB7BD"
    LIGHT_GREY = "#E8EDEE"
    NEUTRAL_GREY = "#C8CDD0"
    BORDER_GREY = "#D8DDE0"
    BACKGROUND_GREY = "#F0F4F5"
    WHITE = "#FFFFFF"
    RED = "#DA291C"
    WARM_YELLOW = "#FFB81C"
    ORANGE = "#ED8B00"
    GREEN = "#009639"
    DARK_GREEN = "#006747"
    TEXT_GREEN = "#007F3B"  # NHS.UK's green: dark enough for text and thin lines on white
    PURPLE = "#330072"
    RED_TINT = "#F7D4D1"
    AMBER_TINT = "#FFE9C2"
    GREEN_TINT = "#CCEBD7"
    YELLOW_TINT = "#FFEB99"
