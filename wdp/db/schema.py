"""Table definitions and migrations.

The schema is versioned: ``MIGRATIONS`` is an append-only list, each entry applied once in its own
transaction and recorded in ``schema_version``. Opening a database for writing runs whatever is
missing, so an older file is upgraded in place and nothing in it is lost. Never edit a released
migration; add a new one.

Return tables hold exactly the fields of their sheet model (``etl.models``) after two bookkeeping
columns, ``submission_id`` and ``source_row`` (the Excel row the data came from), plus any derived
columns named in ``DERIVED_COLUMNS``. ``tests/test_contract.py`` keeps them equal.
"""

from __future__ import annotations

from typing import Any

import duckdb

BOOKKEEPING_COLUMNS = ("submission_id", "source_row")
# Columns a table has beyond its model's fields, computed while loading.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {"screening": ("current_area_code",)}

SCHEMA_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description VARCHAR NOT NULL,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
)"""

REF_PATHFINDER = """
CREATE TABLE ref_pathfinder (
    pathfinder_code   VARCHAR PRIMARY KEY,
    pathfinder_name   VARCHAR NOT NULL,
    place             VARCHAR,
    lad_code          VARCHAR,
    region_code       VARCHAR,
    lead_organisation VARCHAR,
    is_synthetic      BOOLEAN NOT NULL DEFAULT FALSE
)"""

REF_GP_PRACTICE = """
CREATE TABLE ref_gp_practice (
    ods_code        VARCHAR PRIMARY KEY,
    practice_name   VARCHAR NOT NULL,
    nhs_region_code VARCHAR,
    icb_code        VARCHAR,
    postcode        VARCHAR,
    open_date       DATE,
    close_date      DATE,
    status_code     VARCHAR,
    sub_icb_code    VARCHAR
)"""

REF_AREA = """
CREATE TABLE ref_area (
    area_code    VARCHAR PRIMARY KEY,
    area_name    VARCHAR NOT NULL,
    area_kind    VARCHAR NOT NULL,   -- local_authority | county | region | country
    current_code VARCHAR,            -- the code it maps to today; NULL when abolished outright
    is_current   BOOLEAN NOT NULL,
    region_code  VARCHAR
)"""

REF_AREA_CHANGE = """
CREATE TABLE ref_area_change (
    old_code    VARCHAR NOT NULL,
    old_name    VARCHAR,
    new_code    VARCHAR,
    new_name    VARCHAR,
    change_type VARCHAR NOT NULL,
    start_year  INTEGER NOT NULL
)"""

REF_SCREENING_SERVICE = """
CREATE TABLE ref_screening_service (
    service_code VARCHAR PRIMARY KEY,
    service_name VARCHAR NOT NULL,
    programme    VARCHAR NOT NULL,
    region_code  VARCHAR
)"""

SUBMISSION_SEQUENCE = "CREATE SEQUENCE submission_id_seq START 1"

# Every load attempt, accepted or not: the audit trail and the returns themselves.
SUBMISSION = """
CREATE TABLE submission (
    submission_id             BIGINT PRIMARY KEY,
    file_name                 VARCHAR NOT NULL,
    content_sha256            VARCHAR NOT NULL,
    file_bytes                BIGINT,
    loaded_by                 VARCHAR NOT NULL,
    loaded_at                 TIMESTAMP NOT NULL,
    status                    VARCHAR NOT NULL
        CHECK (status IN ('accepted', 'rejected', 'unchanged')),
    pathfinder_code           VARCHAR,
    reporting_period          VARCHAR,
    submitted_by_role         VARCHAR,
    submitted_by_organisation VARCHAR,
    contact_email             VARCHAR,
    template_version          VARCHAR,
    period_start              DATE,
    period_end                DATE,
    row_counts                JSON,
    errors                    JSON,
    warnings                  JSON,
    repeats_submission_id     BIGINT   -- for 'unchanged': the accepted submission it repeats
)"""

TRAINING = """
CREATE TABLE training (
    submission_id     BIGINT NOT NULL,
    source_row        INTEGER NOT NULL,
    month             DATE NOT NULL,
    practice_code     VARCHAR,
    organisation      VARCHAR,
    staff_role        VARCHAR NOT NULL,
    course            VARCHAR NOT NULL,
    champions_trained BIGINT NOT NULL CHECK (champions_trained >= 0)
)"""

ACTIVITY = """
CREATE TABLE activity (
    submission_id       BIGINT NOT NULL,
    source_row          INTEGER NOT NULL,
    month               DATE NOT NULL,
    channel             VARCHAR NOT NULL,
    practice_code       VARCHAR,
    organisation        VARCHAR,
    post_title          VARCHAR,
    posts               BIGINT NOT NULL CHECK (posts >= 0),
    reach               BIGINT CHECK (reach >= 0),
    engagements         BIGINT CHECK (engagements >= 0),
    messenger_enquiries BIGINT CHECK (messenger_enquiries >= 0),
    appointments_booked BIGINT CHECK (appointments_booked >= 0)
)"""

SCREENING = """
CREATE TABLE screening (
    submission_id     BIGINT NOT NULL,
    source_row        INTEGER NOT NULL,
    area_type         VARCHAR NOT NULL,
    area_code         VARCHAR NOT NULL,   -- as submitted (may be a pre-2019 LA code)
    programme         VARCHAR NOT NULL,
    measure           VARCHAR NOT NULL,
    period_start      DATE NOT NULL,
    period_end        DATE NOT NULL,
    numerator         BIGINT NOT NULL CHECK (numerator >= 0),
    denominator       BIGINT NOT NULL CHECK (denominator > 0),
    current_area_code VARCHAR NOT NULL,   -- area_code mapped through the ONS change table
    CHECK (numerator <= denominator),
    CHECK (period_start <= period_end)
)"""

PATHFINDER_STATUS = """
CREATE TABLE pathfinder_status (
    submission_id BIGINT NOT NULL,
    source_row    INTEGER NOT NULL,
    stage         VARCHAR NOT NULL,
    rag           VARCHAR NOT NULL,
    commentary    VARCHAR NOT NULL,
    go_live_date  DATE
)"""

MILESTONE = """
CREATE TABLE milestone (
    submission_id BIGINT NOT NULL,
    source_row    INTEGER NOT NULL,
    milestone     VARCHAR NOT NULL,
    due_date      DATE NOT NULL,
    status        VARCHAR NOT NULL,
    rag           VARCHAR NOT NULL,
    commentary    VARCHAR
)"""

RISK = """
CREATE TABLE risk (
    submission_id BIGINT NOT NULL,
    source_row    INTEGER NOT NULL,
    risk          VARCHAR NOT NULL,
    likelihood    VARCHAR NOT NULL,
    impact        VARCHAR NOT NULL,
    rag           VARCHAR NOT NULL,
    mitigation    VARCHAR,
    status        VARCHAR NOT NULL
)"""

# National benchmark figures that do not come in returns, e.g. uptake for every breast screening
# service (needed to rank a pathfinder's service nationally).
BENCHMARK_SCREENING = """
CREATE TABLE benchmark_screening (
    source       VARCHAR NOT NULL,
    is_synthetic BOOLEAN NOT NULL,
    area_type    VARCHAR NOT NULL,
    area_code    VARCHAR NOT NULL,
    programme    VARCHAR NOT NULL,
    measure      VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    numerator    BIGINT NOT NULL CHECK (numerator >= 0),
    denominator  BIGINT NOT NULL CHECK (denominator > 0),
    CHECK (numerator <= denominator),
    PRIMARY KEY (source, area_type, area_code, programme, measure, period_start, period_end)
)"""

# The return that counts for each pathfinder and period: the last accepted one.
CURRENT_SUBMISSION_VIEW = """
CREATE OR REPLACE VIEW current_submission AS
SELECT *
FROM submission
WHERE status = 'accepted'
QUALIFY row_number() OVER (
    PARTITION BY pathfinder_code, reporting_period ORDER BY submission_id DESC) = 1
"""


def _current_view(table: str) -> str:
    return f"""
CREATE OR REPLACE VIEW current_{table} AS
SELECT c.pathfinder_code, c.reporting_period, c.period_start AS reporting_start,
       c.period_end AS reporting_end, t.*
FROM {table} t JOIN current_submission c USING (submission_id)
"""


# A screening figure may be repeated in later returns; the latest reporting period's value counts.
LATEST_SCREENING_VIEW = """
CREATE OR REPLACE VIEW latest_screening AS
SELECT *
FROM current_screening
QUALIFY row_number() OVER (
    PARTITION BY pathfinder_code, area_type, current_area_code, programme, measure,
                 period_start, period_end
    ORDER BY reporting_end DESC, submission_id DESC) = 1
"""

# --- Public benchmark data (OHID Fingertips exports) and geography (migration 3) ---------------

# One row per indicator imported: what it measures and the last import's report.
PUBLIC_INDICATOR = """
CREATE TABLE public_indicator (
    indicator_id   INTEGER PRIMARY KEY,
    indicator_name VARCHAR NOT NULL,
    programme      VARCHAR,            -- breast | cervical | bowel, read from the name when it says
    measure        VARCHAR,            -- coverage | uptake | ..., likewise
    polarity       VARCHAR NOT NULL DEFAULT 'high_is_good',
    layout         VARCHAR NOT NULL,   -- fingertips_27 | phe_14
    source_file    VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    imported_at    TIMESTAMP NOT NULL,
    rows_loaded    BIGINT NOT NULL,
    report         JSON
)"""

# Published values with the publisher's limits and judgement kept apart from our own (computed
# from Count and Denominator; never copied), so the two can be compared.
PUBLIC_INDICATOR_VALUE = """
CREATE TABLE public_indicator_value (
    indicator_id          INTEGER NOT NULL,
    area_code             VARCHAR NOT NULL,   -- as published (may be a pre-2019 code)
    current_area_code     VARCHAR NOT NULL,   -- mapped through the ONS change table
    area_name             VARCHAR,
    area_type             VARCHAR NOT NULL,   -- england | region | county_ua | district_ua | ...
    published_area_type   VARCHAR NOT NULL,
    sex                   VARCHAR NOT NULL,
    age                   VARCHAR NOT NULL,
    category_type         VARCHAR NOT NULL,   -- '' or an inequality breakdown (e.g. deprivation)
    category              VARCHAR NOT NULL,
    time_period           VARCHAR NOT NULL,
    time_period_sortable  INTEGER NOT NULL,
    value                 DOUBLE,
    count                 DOUBLE,
    denominator           DOUBLE,
    published_lower_95    DOUBLE,
    published_upper_95    DOUBLE,
    published_lower_998   DOUBLE,
    published_upper_998   DOUBLE,
    published_compared_to_england VARCHAR,
    lower_95              DOUBLE,             -- ours: Wilson score, 95%
    upper_95              DOUBLE,
    lower_998             DOUBLE,             -- ours: Wilson score, 99.8%
    upper_998             DOUBLE,
    compared_to_england   VARCHAR,            -- ours: better | similar | worse | not_compared
    value_note            VARCHAR
    -- one row per (indicator_id, area_code, sex, age, category_type, category, time_period):
    -- the import de-duplicates on that key before inserting (a unique index here would cost
    -- more than the rest of a million-row import; tests/test_fingertips.py checks it)
)"""

# Every import attempt, like ``submission`` for returns.
PUBLIC_IMPORT = """
CREATE TABLE public_import (
    import_id      BIGINT PRIMARY KEY,
    file_name      VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    indicator_id   INTEGER,
    imported_by    VARCHAR NOT NULL,
    imported_at    TIMESTAMP NOT NULL,
    status         VARCHAR NOT NULL CHECK (status IN ('imported', 'unchanged', 'rejected')),
    report         JSON
)"""

PUBLIC_IMPORT_SEQUENCE = "CREATE SEQUENCE public_import_id_seq START 1"

# National standards change over time: dated, with their source (DOMAIN.md).
REF_STANDARD = """
CREATE TABLE ref_standard (
    programme   VARCHAR NOT NULL,
    measure     VARCHAR NOT NULL,
    age         VARCHAR,
    level       VARCHAR NOT NULL CHECK (level IN ('acceptable', 'achievable', 'lower_threshold')),
    threshold   DOUBLE NOT NULL,      -- percent
    valid_from  DATE,
    valid_to    DATE,
    source      VARCHAR NOT NULL,
    note        VARCHAR
)"""

# Roll-ups: each current district or unitary authority's county/UA, region and ICB.
REF_AREA_PARENT = """
CREATE TABLE ref_area_parent (
    area_code   VARCHAR NOT NULL,
    parent_kind VARCHAR NOT NULL,   -- county_ua | region | icb
    parent_code VARCHAR NOT NULL,
    PRIMARY KEY (area_code, parent_kind)
)"""

# Integrated care boards: ODS (Q-code, as on the GP practice list) and ONS (E54) codes.
REF_ICB = """
CREATE TABLE ref_icb (
    icb_ods_code     VARCHAR PRIMARY KEY,
    icb_ons_code     VARCHAR NOT NULL,
    icb_name         VARCHAR NOT NULL,
    nhs_region_code  VARCHAR,
    nhs_region_name  VARCHAR
)"""

# Wilson score limits in percent, as Fingertips computes them (wdp/stats.py is the Python twin;
# a test keeps them equal). NULL where count/denominator is not a proportion.
WILSON_MACROS = [
    f"""
CREATE OR REPLACE MACRO wilson_{side}(c, n, z) AS
    CASE WHEN c IS NOT NULL AND n > 0 AND c >= 0 AND c <= n THEN
        100 * ((c / n) + z * z / (2 * n) {sign} z * sqrt((c / n) * (1 - c / n) / n
              + z * z / (4 * n * n))) / (1 + z * z / n)
    END"""
    for side, sign in (("lower", "-"), ("upper", "+"))
]

# Pathfinder screening figures with their value and 95% / 99.8% Wilson limits, in percent.
LATEST_SCREENING_CI_VIEW = """
CREATE OR REPLACE VIEW latest_screening_ci AS
SELECT *,
       100.0 * numerator / denominator AS value,
       wilson_lower(numerator, denominator, 1.959963984540054) AS lower_95,
       wilson_upper(numerator, denominator, 1.959963984540054) AS upper_95,
       wilson_lower(numerator, denominator, 3.090232306167813) AS lower_998,
       wilson_upper(numerator, denominator, 3.090232306167813) AS upper_998
FROM latest_screening
"""

RETURN_TABLES = ("training", "activity", "screening", "pathfinder_status", "milestone", "risk")

MIGRATIONS: list[tuple[int, str, list[Any]]] = [
    (
        1,
        "reference data, submissions and return tables",
        [
            REF_PATHFINDER,
            REF_GP_PRACTICE,
            REF_AREA,
            REF_AREA_CHANGE,
            REF_SCREENING_SERVICE,
            SUBMISSION_SEQUENCE,
            SUBMISSION,
            TRAINING,
            ACTIVITY,
            SCREENING,
            PATHFINDER_STATUS,
            MILESTONE,
            RISK,
        ],
    ),
    (
        2,
        "national benchmark figures and current-return views",
        [
            BENCHMARK_SCREENING,
            CURRENT_SUBMISSION_VIEW,
            *(_current_view(t) for t in RETURN_TABLES),
            LATEST_SCREENING_VIEW,
        ],
    ),
]

MIGRATIONS.append(
    (
        3,
        "public indicators (Fingertips), national standards and geography roll-ups",
        [
            PUBLIC_INDICATOR,
            PUBLIC_INDICATOR_VALUE,
            PUBLIC_IMPORT_SEQUENCE,
            PUBLIC_IMPORT,
            REF_STANDARD,
            REF_AREA_PARENT,
            REF_ICB,
        ],
    )
)
MIGRATIONS.append(
    (
        4,
        "Wilson interval macros and pathfinder figures with CIs",
        [*WILSON_MACROS, LATEST_SCREENING_CI_VIEW],
    )
)

# People who sign in without an identity provider (issue 5). Passwords are stored only as
# scrypt hashes (wdp.auth); the database file is outside git.
ACCOUNT = """
CREATE TABLE account (
    email           VARCHAR PRIMARY KEY,     -- lower case
    role            VARCHAR NOT NULL CHECK (role IN ('director', 'lead', 'viewer', 'admin')),
    pathfinder_code VARCHAR,                 -- a lead's own pathfinder
    password_hash   VARCHAR,                 -- NULL: signs in through the identity provider only
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (role <> 'lead' OR pathfinder_code IS NOT NULL)
)"""

MIGRATIONS.append((5, "accounts for sign-in and roles", [ACCOUNT]))

# Every load starts by committing a row here, before the transaction that stores the return, and
# that transaction closes it (``submission_id``, ``finished_at``). A load killed half-way (power
# cut, SIGKILL) leaves its attempt open: the history shows it as "Not completed", while the data
# tables are exactly as before. Kept apart from ``submission`` so that nothing counting accepted
# or rejected returns ever sees an unfinished attempt.
LOAD_ATTEMPT_SEQUENCE = "CREATE SEQUENCE load_attempt_id_seq START 1"
LOAD_ATTEMPT = """
CREATE TABLE load_attempt (
    attempt_id    BIGINT PRIMARY KEY,
    file_name     VARCHAR NOT NULL,
    loaded_by     VARCHAR NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,         -- NULL: the load never finished
    submission_id BIGINT             -- the audit row of its outcome
)"""

MIGRATIONS.append(
    (6, "load attempts, so a load that never finished shows", [LOAD_ATTEMPT_SEQUENCE, LOAD_ATTEMPT])
)

# Signing in (issue 13). A local sign-in is a row here, found from the cookie by the SHA-256 of a
# random session id that only the browser holds; signing out, expiry or an admin ends it (and so
# the cookie) for every app process at once. Provider sign-ins get a row too, keyed by their ID
# token, so they can be audited and ended the same way.
SIGN_IN_SESSION = """
CREATE TABLE sign_in_session (
    token_hash     VARCHAR PRIMARY KEY,   -- SHA-256 of the session id in the cookie (hex)
    email          VARCHAR NOT NULL,
    method         VARCHAR NOT NULL CHECK (method IN ('form', 'provider')),
    client_address VARCHAR,
    created_at     TIMESTAMP NOT NULL,
    last_seen_at   TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,    -- the longest a sign-in lasts, however active
    ended_at       TIMESTAMP,             -- signed out, expired, or ended by an admin
    end_reason     VARCHAR
)"""
SIGN_IN_EVENT_SEQUENCE = "CREATE SEQUENCE sign_in_event_id_seq START 1"
# Who signed in, out, failed, was locked or unlocked, and every change to an account: when, how
# (the form, the identity provider, the Admin page, the command line) and from which address.
SIGN_IN_EVENT = """
CREATE TABLE sign_in_event (
    event_id       BIGINT PRIMARY KEY,
    occurred_at    TIMESTAMP NOT NULL,
    event          VARCHAR NOT NULL,
    email          VARCHAR,               -- the account, or the address a failed attempt typed
    method         VARCHAR NOT NULL,      -- form | provider | admin | cli
    client_address VARCHAR,
    by_whom        VARCHAR,               -- who made an account change or an unlock
    detail         VARCHAR
)"""
# Failed password attempts per email address, whether or not it has an account (so a lock says
# nothing about which addresses exist).
SIGN_IN_GUARD = """
CREATE TABLE sign_in_guard (
    email            VARCHAR PRIMARY KEY,
    failures         INTEGER NOT NULL,
    first_failure_at TIMESTAMP NOT NULL,
    last_failure_at  TIMESTAMP NOT NULL,
    locked_until     TIMESTAMP
)"""
# Where to take someone back to after signing in with the identity provider (whose callback
# always lands on the home page): a page and its filters, behind a one-use random key.
SIGN_IN_RETURN = """
CREATE TABLE sign_in_return (
    key_hash   VARCHAR PRIMARY KEY,
    target     VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
)"""
# The key that signs session cookies, made once per database so every app process shares it.
APP_SECRET = """
CREATE TABLE app_secret (
    name       VARCHAR PRIMARY KEY,
    value      VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
)"""


def _signing_key(con: duckdb.DuckDBPyConnection) -> None:
    import secrets

    con.execute(
        "INSERT INTO app_secret (name, value) VALUES ('session_signing_key', ?)",
        [secrets.token_hex(32)],
    )


_signing_key.tables = ("app_secret",)  # type: ignore[attr-defined]  # (where the step writes)


MIGRATIONS.append(
    (
        7,
        "sign-in sessions, audit, guard against guessing, return-to, the cookie signing key",
        [
            SIGN_IN_SESSION,
            SIGN_IN_EVENT_SEQUENCE,
            SIGN_IN_EVENT,
            SIGN_IN_GUARD,
            SIGN_IN_RETURN,
            APP_SECRET,
            _signing_key,
        ],
    )
)

# Inserts leave event_id to the table (PostgreSQL-backed storage cannot call a sequence from
# DuckDB's SQL; a column default works on both).
MIGRATIONS.append(
    (
        8,
        "sign-in event ids from the column's default",
        [
            "ALTER TABLE sign_in_event ALTER COLUMN event_id "
            "SET DEFAULT nextval('sign_in_event_id_seq')"
        ],
    )
)

# GP practices' deprivation, list size and rurality, for matching comparison practices
# (etl.reference.read_practice_profiles: OHID Fingertips IMD scores and NHS Payments to General
# Practice, data/reference/SOURCES.md). One row per practice, open or closed.
REF_PRACTICE_PROFILE = """
CREATE TABLE ref_practice_profile (
    practice_code   VARCHAR PRIMARY KEY,   -- ODS code
    practice_name   VARCHAR,
    imd_score       DOUBLE CHECK (imd_score >= 0),   -- population-weighted IMD score
    imd_edition     INTEGER,               -- 2019, else the latest edition known (2015, 2010)
    list_size       BIGINT CHECK (list_size >= 0),   -- registered patients, last known figure
    list_size_year  VARCHAR,               -- the financial year that figure is from, '2019-20'
    rurality        VARCHAR CHECK (rurality IN ('urban', 'rural')),  -- as NHS Payments publish
    nhs_region_code VARCHAR,               -- as published that year (Q-codes to 2018-19, then Y)
    ccg_code        VARCHAR,               -- the CCG that year (ODS code, e.g. 05W)
    pcn_code        VARCHAR                -- from 2019-20
)"""


MIGRATIONS.append(
    (
        9,
        "GP practice profiles; public indicators say whether they are synthetic",
        [
            REF_PRACTICE_PROFILE,
            # (DuckLake adds a column with a literal default only: 'false', not false, which
            # DuckDB parses as an expression. Rows already there take the default: real data.)
            "ALTER TABLE public_indicator ADD COLUMN is_synthetic BOOLEAN DEFAULT 'false'",
        ],
    )
)

# The evaluation's analysis plans (wdp.study): each fixed, with its time and author, before any
# result is shown, and never changed; a new plan for the indicator supersedes the last (both kept).
EVALUATION_PLAN = """
CREATE TABLE evaluation_plan (
    plan_id                  INTEGER PRIMARY KEY,
    indicator_id             INTEGER NOT NULL,      -- the public GP-practice indicator evaluated
    fixed_at                 TIMESTAMP NOT NULL,    -- UTC
    fixed_by                 VARCHAR NOT NULL,
    first_go_live            INTEGER NOT NULL,      -- financial year (2017 = 2017/18)
    baseline_first           INTEGER NOT NULL,
    baseline_last            INTEGER NOT NULL,
    exclude_years            VARCHAR NOT NULL,      -- '2020', or '' for none
    comparisons_per_practice INTEGER NOT NULL CHECK (comparisons_per_practice >= 1),
    plan_text                VARCHAR NOT NULL,      -- the plan as written, verdict rule included
    balance_json             VARCHAR NOT NULL,      -- the balance table when it was fixed
    caveats_json             VARCHAR NOT NULL,
    superseded_at            TIMESTAMP,             -- NULL: the plan in force
    CHECK (baseline_first <= baseline_last AND baseline_last < first_go_live)
)"""

# The practices of a plan: the pathfinders' and the comparison practices matched to them. A
# comparison practice carries the pathfinder of the practice it stands beside (so a lead's
# scoped view shows their own pathfinder's comparison practices and no one else's).
EVALUATION_PRACTICE = """
CREATE TABLE evaluation_practice (
    plan_id         INTEGER NOT NULL,
    practice_code   VARCHAR NOT NULL,
    arm             VARCHAR NOT NULL CHECK (arm IN ('pathfinder', 'comparison')),
    pathfinder_code VARCHAR,
    go_live_year    INTEGER,
    matched_to      VARCHAR,                        -- a comparison practice's pathfinder practice
    distance        DOUBLE,
    PRIMARY KEY (plan_id, practice_code)
)"""

MIGRATIONS.append((10, "the evaluation's analysis plans", [EVALUATION_PLAN, EVALUATION_PRACTICE]))

# Reminders (issue 16, wdp.services.reminders). Every message is reserved here under its
# reference (wdp.reminders names each uniquely) before it is sent, claimed by one run at a time,
# and closed with the provider's id or its error: whatever runs twice, at once, or stops half-way,
# no message is sent twice. Leads see the rows about their own pathfinder.
REMINDER_MESSAGE = """
CREATE TABLE reminder_message (
    reference        VARCHAR PRIMARY KEY,
    recipient        VARCHAR NOT NULL,      -- the work email on the account
    kind             VARCHAR NOT NULL
        CHECK (kind IN ('due_soon', 'due_today', 'late', 'rejected', 'digest')),
    pathfinder_code  VARCHAR,               -- NULL: a directors' digest
    reporting_period VARCHAR,
    subject          VARCHAR NOT NULL,
    body             VARCHAR NOT NULL,
    link             VARCHAR NOT NULL,
    personalisation  VARCHAR NOT NULL,      -- JSON: a Notify template's own placeholders
    requested_by     VARCHAR,               -- NULL: the schedule; else who sent it from the app
    status           VARCHAR NOT NULL
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,    -- UTC, as every time here
    next_attempt_at  TIMESTAMP,             -- pending: not before this
    claimed_at       TIMESTAMP,             -- sending: since when, and by which run
    claimed_by       VARCHAR,
    sent_at          TIMESTAMP,
    provider         VARCHAR,               -- notify | smtp
    provider_id      VARCHAR,               -- Notify's notification id, or the Message-ID
    last_error       VARCHAR                -- plain English
)"""
# Leads an admin has stopped reminders for, and why (removing the row starts them again; both
# are recorded in the sign-in log, with the account changes).
REMINDER_OPT_OUT = """
CREATE TABLE reminder_opt_out (
    email         VARCHAR PRIMARY KEY,
    reason        VARCHAR NOT NULL,
    opted_out_by  VARCHAR NOT NULL,
    opted_out_at  TIMESTAMP NOT NULL
)"""
# The rules' settings an admin changed (wdp.reminders.ReminderSettings has the defaults).
REMINDER_SETTING = """
CREATE TABLE reminder_setting (
    name        VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL,
    changed_by  VARCHAR NOT NULL,
    changed_at  TIMESTAMP NOT NULL
)"""

MIGRATIONS.append(
    (
        11,
        "reminders: the message log, opt-outs and settings",
        [REMINDER_MESSAGE, REMINDER_OPT_OUT, REMINDER_SETTING],
    )
)

LATEST_VERSION = MIGRATIONS[-1][0]

# On PostgreSQL-backed storage (wdp.db.lake) these are plain PostgreSQL tables, with their keys
# and checks: accounts and sign-ins need exactly-once behaviour and change a row at a time. The
# programme's data (every other table) is in DuckLake, whose rules are kept by wdp.db.rules.
PLAIN_TABLES = frozenset(
    {
        "account",
        "sign_in_session",
        "sign_in_event",
        "sign_in_guard",
        "sign_in_return",
        "app_secret",
        "reminder_message",
        "reminder_opt_out",
        "reminder_setting",
    }
)
PLAIN_SEQUENCES = frozenset({"sign_in_event_id_seq"})


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection, *, target: int = LATEST_VERSION) -> int:
    """Apply missing migrations up to ``target``, each in its own transaction.

    Returns the version the database is at afterwards.
    """
    con.execute(SCHEMA_VERSION_TABLE)
    version = current_version(con)
    if version > LATEST_VERSION:
        from wdp.db.errors import DatabaseUnreadable as DatabaseError

        raise DatabaseError(
            f"This database has schema version {version}, newer than this program knows "
            f"({LATEST_VERSION}). Update the program before using this database."
        )
    for number, description, statements in MIGRATIONS:
        if number <= version or number > target:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                if callable(statement):  # a step that needs values made in Python
                    statement(con)
                else:
                    con.execute(statement)
            con.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [number, description],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        version = number
    return version


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]
