"""A person's board pack: a lead's is their own pathfinder's, built on a database that can show
nothing else; anyone choosing a pathfinder gets that pathfinder's the same way."""

from __future__ import annotations

from dataclasses import dataclass, replace

from wdp.auth import User
from wdp.boardpack import Deck, PackFilters, compose
from wdp.db import Database

DEFAULT_AUDIENCE = "WDP programme board"


def account_for(db: Database, email: str) -> User | None:
    """The enabled account a pack may be built as (a demo account only on the sample)."""
    account = db.find_account(email)
    if account is None or account.disabled or (account.is_demo and not db.is_sample_database()):
        return None
    return User(account.email, account.role, account.pathfinder_code)


def default_audience(user: User | None) -> str:
    """Who a pack is for, when nobody says: the board, or a lead and their pathfinder."""
    if user is not None and user.scope is not None:
        return f"{user.scope} pathfinder lead ({user.email})"
    return DEFAULT_AUDIENCE


@dataclass(frozen=True)
class PackView:
    """What a person's board pack is built from: a database limited to what they may see, the
    filters (a lead's pathfinder always theirs), and whom it is for."""

    db: Database
    filters: PackFilters
    audience: str


def pack_view(
    db: Database, filters: PackFilters, *, user: User | None = None, audience: str | None = None
) -> PackView:
    """The pack a person may have for these filters: a lead's is their own pathfinder's; anyone
    choosing a pathfinder from the register gets that pathfinder's pack; an unknown one is
    ignored. Either way the database is scoped, so the pack cannot hold anyone else's rows."""
    pathfinder = filters.pathfinder
    if user is not None and user.scope is not None:
        pathfinder = user.scope
    elif pathfinder is not None and pathfinder not in db.pathfinder_register():
        pathfinder = None
    return PackView(
        db.scoped(pathfinder),
        replace(filters, pathfinder=pathfinder),
        audience or default_audience(user),
    )


def compose_pack(view: PackView) -> Deck:
    """The slides of a person's pack (drawn by ``wdp.boardpack.render_pack``)."""
    return compose(view.db, view.filters, audience=view.audience)
