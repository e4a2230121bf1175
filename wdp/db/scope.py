"""A lead's view: the connection sees only one pathfinder's returns (row-level access).

Temporary views shadow the return tables on that one connection, so every query, however written,
reads only the lead's rows: the views built on them (``current_*``, ``latest_*``) included, since
DuckDB binds a view's tables when it is queried, temporary objects first. Accounts, sign-ins and
load attempts (whose rows are not a lead's business) read as empty. Both kinds of storage use it;
each says where its tables really are (``source``).

The pathfinder register stays whole (a lead's upload is still checked against every code), but
a read that lists pathfinders starts from ``REGISTER_IN_SCOPE``, never from ``ref_pathfinder``:
the others' returns are hidden from a lead, not missing, and rows of zeros for them would say
they had trained nobody and sent nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from wdp.db.database import PATHFINDER_CODE
from wdp.db.errors import DatabaseError

# The connection's variable naming the lead's pathfinder (unset: the reader sees every one).
READER_PATHFINDER = "wdp_reader_pathfinder"
# The register as the reader may see it: every pathfinder, or a lead's own. Constant SQL for a
# FROM clause (``FROM {REGISTER_IN_SCOPE} p``) in reads that list pathfinders.
REGISTER_IN_SCOPE = (
    f"(SELECT * FROM ref_pathfinder WHERE getvariable('{READER_PATHFINDER}') IS NULL "
    f"OR pathfinder_code = getvariable('{READER_PATHFINDER}'))"
)

# Tables holding a pathfinder's returns; a lead's connection sees only their own rows.
SCOPED_BY_SUBMISSION = (
    "training",
    "activity",
    "screening",
    "pathfinder_status",
    "milestone",
    "risk",
)

# Tables whose rows carry the pathfinder they belong to: a lead sees only their own.
SCOPED_BY_PATHFINDER = ("evaluation_practice", "reminder_message")

# Whose these rows are is not a lead's business (accounts, sign-ins, their audit, the cookie
# signing key): on a lead's connection they are empty.
HIDDEN_FROM_A_LEAD = (
    "account",
    "load_attempt",
    "sign_in_session",
    "sign_in_event",
    "sign_in_guard",
    "sign_in_return",
    "app_secret",
    "reminder_opt_out",
    "reminder_setting",
)


def scope_to_pathfinder(
    con: Any,
    pathfinder_code: str,
    source: Callable[[str], str],
    present: Iterable[str],
) -> None:
    """Make ``con`` see only ``pathfinder_code``'s returns. ``source(table)`` is the table's
    qualified name; ``present`` the tables the database has (an older one lacks the newer).
    DuckDB has no bound parameters in view definitions, so the code is checked first."""
    if not PATHFINDER_CODE.fullmatch(pathfinder_code):
        raise DatabaseError(f"Not a pathfinder code: {pathfinder_code!r}")
    con.execute(f"SET VARIABLE {READER_PATHFINDER} = '{pathfinder_code}'")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW submission AS SELECT * FROM {source('submission')} "
        f"WHERE pathfinder_code = '{pathfinder_code}'"
    )
    for table in SCOPED_BY_SUBMISSION:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {source(table)} "
            f"WHERE submission_id IN (SELECT submission_id FROM submission)"
        )
    present = set(present)
    for table in SCOPED_BY_PATHFINDER:
        if table in present:
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {source(table)} "
                f"WHERE pathfinder_code = '{pathfinder_code}'"
            )
    for table in HIDDEN_FROM_A_LEAD:
        if table in present:
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {source(table)} WHERE false"
            )
