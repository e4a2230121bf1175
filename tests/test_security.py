"""Security: no secrets in git, SQL parameterised, uploads unserved under random names, XSRF on,
dependencies pinned, sessions that expire."""

from __future__ import annotations

import ast
import datetime as dt
import re
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import (
    ROOT,
    XLSX,
    as_account,
    html_shown,
    sign_in_cookie,
    signed_in,
    with_cookie,
)
from wdp.config import SAMPLE_DIR, SESSION_IDLE_MINUTES, SESSION_MAX_HOURS

# --------------------------------------------------------------------------------------------
# (a) No secrets in any file git tracks
# --------------------------------------------------------------------------------------------

SECRET_PATTERNS = {
    "a private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "a Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "a Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "a JSON web token": re.compile(
        r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+"
    ),
    "a connection string with a password": re.compile(r"\b[a-z+]+://[^/\s:@]+:[^/\s:@]{6,}@"),
    # key = "value" (or key: value) for anything named like a secret, with a value long enough to
    # be real; placeholders are allowed below.
    "a secret assigned a value": re.compile(
        r"(?i)\b(client_secret|cookie_secret|secret_key|api_key|access_key|auth_token|"
        r"password|passwd|token|secret)\b[\"']?\s*[:=]\s*[\"']([^\"'\s]{8,})[\"']"
    ),
}
# Values that are clearly not secrets: placeholders, and the sample programme's demo passwords,
# which are published in the README and work only on the synthetic sample database
# (tests/test_auth.py proves they are refused on any other database).
PLACEHOLDER = re.compile(r"(?i)change-me|your-|example|<[^>]+>|x{4,}|\.\.\.|^demo-[a-z0-9-]+$")
# Files that must never be tracked at all.
FORBIDDEN_FILES = re.compile(
    r"(^|/)(secrets\.toml|\.env(\..*)?|id_rsa|id_ed25519|credentials(\.json)?)$"
    r"|\.(pem|key|p12|pfx|duckdb|duckdb\.wal)$|(^|/)uploads/"
)


def tracked_files() -> list[str]:
    result = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    )
    return [name for name in result.stdout.split("\0") if name]


def find_secrets(name: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(line):
                value = match.group(match.lastindex or 0)
                if what == "a secret assigned a value" and PLACEHOLDER.search(value):
                    continue
                found.append(f"{name}:{number}: {what}")
    return found


def test_no_secrets_in_any_tracked_file() -> None:
    names = tracked_files()
    assert len(names) > 100  # really listing the repository
    forbidden = [n for n in names if FORBIDDEN_FILES.search(n)]
    assert forbidden == [], f"files that must never be in git: {forbidden}"
    found = []
    for name in names:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary (xlsx, parquet, images)
            continue
        found += find_secrets(name, data.decode("utf-8", errors="replace"))
    assert found == []


def test_the_real_secrets_file_is_ignored_by_git() -> None:
    for name in (".streamlit/secrets.toml", "data/wdp.duckdb", "data/uploads/x.xlsx", ".env"):
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT)
        assert ignored.returncode == 0 or name == ".env", name


@pytest.mark.parametrize(
    "line",
    [
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        "aws_access_key_id = AKIA" + "Q3EGRIXXJCW5KZ7N",
        'client_secret = "' + "Zq8~mN2" + 'pLk5vR9sT3wXy"',
        "token: 'ghp_" + "a" * 36 + "'",
        "postgresql://wdp:" + "s3cretpw@db.internal/wdp",
    ],
)
def test_the_secret_scan_finds_planted_secrets(line: str) -> None:
    assert find_secrets("planted.txt", line)


@pytest.mark.parametrize(
    "line",
    ['cookie_secret = "change-me"', 'client_secret = "your-client-secret"', 'password = "demo-x"'],
)
def test_the_secret_scan_passes_placeholders(line: str) -> None:
    assert find_secrets("example.toml", line) == []


# --------------------------------------------------------------------------------------------
# (b) SQL is parameterised: no value is ever formatted into SQL text
# --------------------------------------------------------------------------------------------

SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|FROM|WHERE|VALUES|MACRO)\b")
CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*$")  # a module constant: fixed SQL text or a number
# Every other expression formatted into SQL text, with why it cannot carry a value from outside.
# A new one makes the test fail until it is reviewed and listed (or turned into a ? parameter).
REVIEWED: dict[tuple[str, str], str] = {
    ("wdp/db/writes.py", "table"): "a table name checked against REFERENCE_TABLES/RETURN_TABLES",
    ("wdp/db/writes.py", "names"): "column names read from the table's own catalogue entry",
    ("wdp/db/writes.py", "', '.join(columns)"): "column names from the catalogue",
    ("wdp/db/writes.py", "placeholders"): "only '?, ?, ...': the values go as parameters",
    ("wdp/db/scope.py", "source(table)"): "the database's own catalogue name and a fixed table",
    ("wdp/db/scope.py", "table"): "from the fixed tuples of scoped and hidden tables",
    ("wdp/db/scope.py", "pathfinder_code"): (
        "the one value: DuckDB views take no parameters, so it must match [A-Z0-9-]{1,20} "
        "(PATHFINDER_CODE) first; anything else raises"
    ),
    ("wdp/db/rules.py", "table"): "a table named in the RULES constant",
    ("wdp/db/rules.py", "column"): "an id column named by the code (next_id's callers)",
    ("wdp/db/rules.py", "empty"): "built from a rule's column names (the RULES constant)",
    ("wdp/db/rules.py", "key"): "built from a rule's column names (the RULES constant)",
    ("wdp/db/rules.py", "self.condition"): "a rule's condition (the RULES constant)",
    ("wdp/db/rules.py", "flags"): "joined from the rules' own SQL (the RULES constant)",
    ("wdp/db/rules.py", "every_table"): "joined from the rules' own SQL (the RULES constant)",
    ("wdp/db/lake.py", "name"): "the database name from the setting, quoted as an identifier",
    ("wdp/db/lake.py", "table"): "from PLAIN_TABLES (the lead's empty views)",
    ("wdp/db/lake.py", "condition"): "one of two fixed conditions (a lead's views)",
    ("wdp/db/maintenance.py", "_quoted(table)"): "a table name from duckdb_tables(), quoted",
    ("wdp/db/copy.py", "highest - current"): "an integer computed from two integer reads",
    ("wdp/db/copy.py", "data.stem"): "an export's own file name, quoted as an identifier",
    ("wdp/db/copy.py", "reader"): "'read_parquet' or 'read_csv_auto'",
    ("wdp/db/copy.py", "_quote(str(data))"): "an export's file path, quoted as a string literal",
    ("wdp/db/copy.py", "table.select(cols, named=False)"): (
        "column names from the schema's own tables, intersected with the source's catalogue"
    ),
    ("wdp/db/copy.py", "relation"): "a fixed attached-database name and a schema table name",
    ("wdp/db/copy.py", "table.target"): "a table of the schema (the TABLES constant), qualified",
    ("wdp/db/copy.py", "names"): "the schema's own column names, quoted",
    ("wdp/db/copy.py", "select"): "the schema's own column names (the TABLES constant)",
    ("wdp/db/copy.py", "table.name"): "a table of the schema (the TABLES constant)",
    ("wdp/db/lake_backup.py", "table"): "a table name read from DuckLake's catalogue, quoted",
    ("wdp/db/schema.py", "table"): "from RETURN_TABLES (view definitions)",
    ("wdp/db/schema.py", "side"): "'lower' or 'upper' (macro definitions)",
    ("wdp/db/schema.py", "sign"): "'-' or '+' (macro definitions)",
    ("wdp/db/public.py", "only"): "'true' or 'indicator_id = ' and an int() of the id",
    ("wdp/db/public.py", "ident"): "a fixed column expression, or the placeholder '?'",
    ("wdp/db/public.py", "name"): "a fixed column expression, or the placeholder '?'",
    ("wdp/db/public.py", "sortable"): "a fixed column expression built from the layout",
    ("wdp/db/public.py", "names"): "joined from the VALUE_COLUMNS constant",
    ("wdp/db/public.py", "select"): "joined from the VALUE_COLUMNS constant",
    ("wdp/db/public.py", "keys"): "joined from the KEY_COLUMNS constant",
    ("wdp/db/public.py", "on_key"): "built from the KEY_COLUMNS constant and a staging table name",
    ("wdp/db/public.py", "table"): "from the fixed tuple of staging table names (drop_staging)",
}


def _is_fixed_call(node: ast.expr) -> bool:
    """A helper called only with literals or constants builds a fixed fragment."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return False
    return all(
        isinstance(a, ast.Constant)
        or (isinstance(a, ast.Name) and CONSTANT.match(a.id))
        or _is_fixed_call(a)
        for a in node.args
    )


def sql_interpolations(source: str, name: str) -> list[tuple[str, str, int]]:
    """(file, expression, line) for every expression formatted into SQL-looking text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        parts: list[ast.expr] = []
        text = ""
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            parts = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
        ):
            text = node.func.value.value
            parts = [*node.args, *(k.value for k in node.keywords)]
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod | ast.Add)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            text = node.left.value
            parts = [node.right]
        if not parts or not SQL_WORDS.search(text):
            continue
        for part in parts:
            if isinstance(part, ast.Name) and CONSTANT.match(part.id):
                continue
            if isinstance(part, ast.Constant) or _is_fixed_call(part):
                continue
            expression = ast.unparse(part)
            found.append((name, expression, node.lineno))
    return found


def test_sql_never_has_values_formatted_into_it() -> None:
    files = [
        *sorted((ROOT / "wdp" / "db").rglob("*.py")),
        *sorted((ROOT / "etl").rglob("*.py")),
        *sorted((ROOT / "wdp").glob("*.py")),
        *sorted((ROOT / "pages").glob("*.py")),
        ROOT / "dashboard.py",
    ]
    found = [
        hit
        for path in files
        for hit in sql_interpolations(path.read_text(), str(path.relative_to(ROOT)))
    ]
    unreviewed = [f"{n}:{line}: {{{e}}}" for n, e, line in found if (n, e) not in REVIEWED]
    assert unreviewed == [], "values formatted into SQL; use ? parameters:\n" + "\n".join(
        unreviewed
    )
    assert len(found) > 10  # the check really sees the code's SQL


def test_the_sql_check_catches_a_value_formatted_into_sql() -> None:
    bad = (
        "def lookup(con, code):\n"
        "    con.execute(f\"SELECT * FROM ref_pathfinder WHERE pathfinder_code = '{code}'\")\n"
        "    con.execute(\"DELETE FROM account WHERE email = '%s'\" % code)\n"
        '    con.execute("SELECT * FROM risk WHERE rag = \'" + code + "\'")\n'
        "    con.execute(\"UPDATE risk SET rag = '{}'\".format(code))\n"
        '    con.execute("SELECT * FROM risk WHERE rag = ?", [code])\n'
    )
    assert [e for _, e, _ in sql_interpolations(bad, "bad.py")] == ["code", "code", "code", "code"]


def test_the_one_value_formatted_into_a_view_is_checked_first() -> None:
    import duckdb

    from wdp.db import DatabaseError
    from wdp.db.scope import scope_to_pathfinder

    con = duckdb.connect()  # (the check comes before any SQL, whatever the storage)
    for hostile in ("WDP-STK' OR '1'='1", "x'; DROP TABLE submission; --", "wdp-stk"):
        with pytest.raises(DatabaseError, match="Not a pathfinder code"):
            scope_to_pathfinder(con, hostile, lambda table: table, [])
    assert not con.execute("SELECT * FROM duckdb_views() WHERE NOT internal").fetchall()


# --------------------------------------------------------------------------------------------
# (c) Uploads: random names, beside the database, never served
# --------------------------------------------------------------------------------------------


def test_uploads_are_kept_under_random_names_beside_the_database(
    monkeypatch: pytest.MonkeyPatch, seeded_db_copy: Path, tmp_path: Path
) -> None:
    if isinstance(seeded_db_copy, Path):
        uploads = seeded_db_copy.parent / "uploads"
    else:  # PostgreSQL storage: a folder every app machine shares, WDP_UPLOADS
        uploads = tmp_path / "shared-uploads"
        monkeypatch.setenv("WDP_UPLOADS", str(uploads))
    return_file = SAMPLE_DIR / "WDP-STK_2018-19_Q1.xlsx"
    hostile = "../../static/evil name <script>.xlsx"  # the name a browser sent
    at = signed_in(monkeypatch, seeded_db_copy, "lead.stoke@example.nhs.uk", "demo-lead-stoke")
    at.file_uploader[0].set_value((hostile, return_file.read_bytes(), XLSX)).run()
    assert not at.exception
    assert any("The return is valid" in s.value for s in at.success)
    (path,) = uploads.iterdir()
    assert re.fullmatch(r"[0-9a-f]{32}\.xlsx", path.name)  # 128 random bits; nothing of theirs
    assert path.read_bytes() == return_file.read_bytes()
    assert not path.is_relative_to(ROOT / "static")

    from wdp.ui.upload import save_upload

    monkeypatch.setenv("WDP_DB", str(seeded_db_copy))
    assert save_upload(b"x") != save_upload(b"x")  # never the same name twice


def test_the_default_uploads_folder_is_outside_git_and_nothing_is_served() -> None:
    from wdp.config import DEFAULT_DB

    uploads = DEFAULT_DB.parent / "uploads"
    check = subprocess.run(["git", "check-ignore", "-q", str(uploads / "a.xlsx")], cwd=ROOT)
    assert check.returncode == 0
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    # Streamlit serves files only from ./static, and only with enableStaticServing.
    assert config["server"].get("enableStaticServing", False) is False
    assert not (ROOT / "static").exists() or not any((ROOT / "static").iterdir())


# --------------------------------------------------------------------------------------------
# (d) XSRF protection on, CORS not disabled
# --------------------------------------------------------------------------------------------


def test_xsrf_protection_is_on_and_cors_not_disabled() -> None:
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["enableXsrfProtection"] is True
    assert server.get("enableCORS", True) is True
    from streamlit import config

    config.get_config_options(force_reparse=True)
    assert config.get_option("server.enableXsrfProtection") is True
    assert config.get_option("server.enableCORS") is True


# --------------------------------------------------------------------------------------------
# (e) Dependencies pinned
# --------------------------------------------------------------------------------------------

REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[a-z0-9,_-]+\])?==([0-9][^\s;#]*)$")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins, loose = {}, []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(("-r ", "-c ")):
            continue
        match = REQUIREMENT.match(line)
        if match is None:
            loose.append(line)
        else:
            pins[_normal(match.group(1))] = match.group(3)
    assert loose == [], f"{path.name}: not pinned with ==: {loose}"
    return pins


def test_every_dependency_is_pinned_and_in_the_constraints() -> None:
    constraints = _pins(ROOT / "constraints.txt")
    for name in ("requirements.txt", "requirements-dev.txt"):
        for package, version in _pins(ROOT / name).items():
            assert constraints.get(package) == version, f"{name}: {package}=={version}"
    # And what is installed is what is pinned (the tests ran against exactly this set).
    for package, version in _pins(ROOT / "requirements.txt").items():
        assert metadata.version(package) == version, package


# --------------------------------------------------------------------------------------------
# (f) Sessions expire
# --------------------------------------------------------------------------------------------


class Clock:
    """The clock sessions are judged by, started now and moved by the test."""

    def __init__(self) -> None:
        from wdp.services.signin import utc_now

        self.t = utc_now()

    def __call__(self) -> dt.datetime:
        return self.t

    def advance(self, *, minutes: float = 0, hours: float = 0) -> None:
        self.t += dt.timedelta(minutes=minutes, hours=hours)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from wdp.ui import auth

    moved = Clock()
    monkeypatch.setattr(auth, "now", moved)
    return moved


def _signed_in_as(at: AppTest) -> bool:
    return any("Signed in as" in c.value for c in at.sidebar.caption)


def _expired_message(at: AppTest) -> bool:
    shown = [w.value for w in at.warning] + [w.value for w in at.sidebar.warning]
    return any("Your session has expired; sign in again" in w for w in shown)


LEAD = ("lead.stoke@example.nhs.uk", "demo-lead-stoke")


def test_a_session_idle_too_long_is_signed_out(
    monkeypatch, seeded_db_copy: Path, clock: Clock
) -> None:
    at = signed_in(monkeypatch, seeded_db_copy, *LEAD, now=clock())
    assert _signed_in_as(at) and at.file_uploader
    for _ in range(3):  # active every 29 minutes: still signed in after 87
        clock.advance(minutes=SESSION_IDLE_MINUTES - 1)
        at.run()
        assert _signed_in_as(at) and at.file_uploader and not _expired_message(at)
    clock.advance(minutes=SESSION_IDLE_MINUTES + 1)
    at.run()
    assert not at.exception
    assert not _signed_in_as(at) and not at.file_uploader
    assert _expired_message(at)
    assert 'href="/sign-in?next=%2FUpload"' in html_shown(at)  # and a way back in
    # Signing in again (the sign-in page gives a new cookie) works and the message goes.
    with_cookie(monkeypatch, sign_in_cookie(seeded_db_copy, *LEAD, now=clock()))
    at.run()
    assert _signed_in_as(at) and at.file_uploader and not _expired_message(at)


def test_a_session_ends_after_its_maximum_life_however_active(
    monkeypatch, seeded_db_copy: Path, clock: Clock
) -> None:
    at = signed_in(monkeypatch, seeded_db_copy, *LEAD, now=clock())
    steps = int(SESSION_MAX_HOURS * 60 / 20)
    for _ in range(steps):  # a click every 20 minutes for the whole allowed life
        clock.advance(minutes=20)
        at.run()
    assert _signed_in_as(at)
    clock.advance(minutes=20)
    at.run()
    assert not at.exception and not _signed_in_as(at) and _expired_message(at)


def test_expiry_also_ends_a_session_on_the_open_sample_pages(
    monkeypatch, seeded_db_copy: Path, clock: Clock
) -> None:
    at = as_account(monkeypatch, seeded_db_copy, LEAD[0], "dashboard.py", now=clock())
    assert _signed_in_as(at)
    clock.advance(minutes=SESSION_IDLE_MINUTES + 1)
    at.run()
    assert not at.exception and not _signed_in_as(at)
    assert any("Your session has expired" in w.value for w in at.sidebar.warning)
