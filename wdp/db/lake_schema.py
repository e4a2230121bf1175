"""The schema on PostgreSQL-backed storage: each migration (``wdp.db.schema.MIGRATIONS``, the one
list both kinds of storage follow) split between its two homes, in the form each accepts.

- **Plain PostgreSQL tables** (``schema.PLAIN_TABLES``: accounts, sign-ins) take the statements as
  written: the project's table definitions are PostgreSQL as well as DuckDB SQL, keys and checks
  included. They run through PostgreSQL's own driver, one transaction per migration with its
  ``schema_version`` row (PostgreSQL's DDL is transactional).
- **DuckLake** (everything else) has no PRIMARY KEY, UNIQUE, CHECK or sequences: ``for_lake``
  removes them (a key's columns stay NOT NULL) and ``wdp.db.rules`` enforces them instead. One
  DuckDB transaction per migration, with the lake's own ``schema_version`` row.

Each side records its own version, so a migration interrupted between the two finishes on the next
open without repeating either half. A migration must not write the same statement for both sides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from wdp.db.schema import PLAIN_SEQUENCES, PLAIN_TABLES, SCHEMA_VERSION_TABLE

PLAIN, LAKE = "plain", "lake"

_OBJECT = re.compile(
    r"^\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?(TABLE|SEQUENCE|VIEW|MACRO)|ALTER\s+(TABLE))"
    r"\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)",
    re.IGNORECASE,
)


def home_of(statement: str | Callable[..., Any]) -> str:
    """Where a migration step runs: ``plain`` for the plain tables and their sequences, else
    ``lake``. A step written in Python says which tables it writes (``step.tables``)."""
    if callable(statement):
        tables = set(getattr(statement, "tables", ()))
        if not tables:
            raise ValueError(f"migration step {statement.__name__} must say which tables it writes")
        return PLAIN if tables <= PLAIN_TABLES else LAKE
    match = _OBJECT.match(statement)
    if match is None:
        raise ValueError(f"a migration statement this module cannot place: {statement[:60]!r}")
    name = match.group(3).lower()
    return PLAIN if name in PLAIN_TABLES | PLAIN_SEQUENCES else LAKE


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _split_top_level(body: str) -> list[str]:
    """Split a table body at the commas outside parentheses and quotes."""
    items, depth, quoted, current = [], 0, False, []
    for char in body:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [i for i in items if i]


def _without_checks(column: str) -> str:
    """A column definition without its CHECK (...) clauses."""
    while True:
        match = re.search(r"\bCHECK\s*\(", column, re.IGNORECASE)
        if match is None:
            return column
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(column)):
            depth += {"(": 1, ")": -1}.get(column[end], 0)
            if depth == 0:
                break
        column = column[: match.start()] + column[end + 1 :]


def for_lake(statement: str) -> str | None:
    """``statement`` as DuckLake accepts it; None when there is nothing to run (a sequence: new
    ids come from ``rules.next_id``)."""
    kind = _OBJECT.match(statement)
    if kind is not None and kind.group(1) and kind.group(1).upper() == "SEQUENCE":
        return None
    if kind is None or (kind.group(1) or "").upper() != "TABLE":
        return statement
    sql = _strip_comments(statement)
    open_at, close_at = sql.index("("), sql.rindex(")")
    columns = []
    for item in _split_top_level(sql[open_at + 1 : close_at]):
        head = item.split(None, 1)[0].upper()
        if head in {"PRIMARY", "UNIQUE", "CHECK", "CONSTRAINT", "FOREIGN"}:
            continue  # a table constraint: wdp.db.rules
        column = _without_checks(item)
        if re.search(r"\bPRIMARY\s+KEY\b", column, re.IGNORECASE):
            column = re.sub(r"\bPRIMARY\s+KEY\b", "", column, flags=re.IGNORECASE)
            if not re.search(r"\bNOT\s+NULL\b", column, re.IGNORECASE):
                column += " NOT NULL"
        column = re.sub(r"\bUNIQUE\b", "", column, flags=re.IGNORECASE)
        columns.append(" ".join(column.split()))
    return f"{sql[:open_at].strip()} (\n    " + ",\n    ".join(columns) + "\n)"


def lake_version_table() -> str:
    result = for_lake(SCHEMA_VERSION_TABLE)
    assert result is not None
    return result
