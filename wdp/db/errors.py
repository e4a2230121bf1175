"""What can go wrong with the database, as typed errors whose message a person can act on.

Every ``Database`` implementation turns its driver's exceptions into these at its boundary, so
nothing above ``wdp.db`` ever sees (or catches) a driver's exception type. The message is written
for the person who will read it: what happened and what to do next.
"""

from __future__ import annotations


class DatabaseError(Exception):
    """A database problem explained in plain English (shown to people as is)."""


class DatabaseMissing(DatabaseError):
    """There is no database where the setting points (nothing is created by reading)."""


class DatabaseBusy(DatabaseError):
    """Another process held the database for longer than the wait allows: try again shortly."""


class WriteConflict(DatabaseBusy):
    """Two writers changed the same data at once and this one lost: run the whole write again."""


class DatabaseUnavailable(DatabaseBusy):
    """The database server did not answer, or went away during the work (a restart): nothing of
    an unfinished change was saved; try again shortly."""


class DatabaseNotSetUp(DatabaseError):
    """The database exists but lacks the programme's tables or the reference data it needs."""


class DatabaseUnreadable(DatabaseError):
    """The database could not be read: damaged, not a database, or newer than this program."""


class ReadOnlyView(DatabaseError):
    """A write was asked of a view limited to one pathfinder (a lead's); writes go through the
    whole database, with the use case itself enforcing what the person may change."""


class RuleBroken(DatabaseError):
    """A change would have broken one of the data's rules (a key used twice, a count below
    zero): nothing of it was saved. Validation stops bad returns long before this; it means a
    program error or a change made around the product."""


class UnreadableInput(ValueError):
    """A file handed to the database to read (a CSV export) could not be parsed; the message
    names the file and the parser's first complaint."""
