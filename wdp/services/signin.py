"""Signing in and out, for the sign-in page's routes (``wdp.ui.web``) and every page's check of
who is there (``wdp.ui.auth``): sessions kept in the database, so any app process can check one
and ending one ends it everywhere; password guessing slowed, then stopped; all of it audited.

Times are naive UTC; every function takes ``now`` so a test can move the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from wdp.auth import (
    User,
    authenticate,
    new_session_id,
    read_session,
    sign_session,
    token_hash,
)
from wdp.config import (
    ADDRESS_FAILURE_LIMIT,
    FAILURE_WINDOW_MINUTES,
    LOCK_AFTER_FAILURES,
    LOCK_MINUTES,
    MAX_FAILURE_DELAY_S,
    SESSION_IDLE_MINUTES,
    SESSION_MAX_HOURS,
    SESSION_TOUCH_SECONDS,
)
from wdp.db import Database, RuleBroken, Transaction, WriteConflict
from wdp.db.signin import GuardRow, SessionRow
from wdp.services.accounts import record_change

IDLE = dt.timedelta(minutes=SESSION_IDLE_MINUTES)
MAX_LIFE = dt.timedelta(hours=SESSION_MAX_HOURS)
WINDOW = dt.timedelta(minutes=FAILURE_WINDOW_MINUTES)
RETURN_LIFE = dt.timedelta(minutes=10)  # a provider round trip takes seconds

NOT_RECOGNISED = (
    "Email or password not recognised. Check them and try again, or ask the programme team to "
    "set up your account."
)
LOCKED = (
    f"Too many attempts to sign in with this email address: signing in with it is paused for "
    f"{LOCK_MINUTES} minutes. Ask the programme team if you need it sooner."
)
ADDRESS_LIMITED = (
    f"Too many attempts to sign in from this network: try again in {FAILURE_WINDOW_MINUTES} "
    "minutes."
)
EXPIRED = "Your session has expired; sign in again."


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


_KEYS: dict[tuple[str, object], str] = {}


def signing_key(db: Database) -> str:
    """The database's cookie signing key (made by its migration; every process shares it). Kept
    per data version, so a page does not wait on a busy database for a key that never changes
    (a restored database brings its own key, and its own data version)."""
    version = (db.key, db.data_version())
    key = _KEYS.get(version)
    if key is None:
        key = db.session_signing_key()
        if not key:
            raise RuntimeError("the database has no session signing key (migration 7)")
        if len(_KEYS) > 64:
            _KEYS.clear()
        _KEYS[version] = key
    return key


# ------------------------------------------------------------------------------------------------
# Signing in with a password
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInAttempt:
    """The outcome of one attempt: a user and the cookie to give them, or what to tell them and
    how long to make them wait for it (the wait slows guessing; it is the caller's to do)."""

    user: User | None = None
    cookie: str | None = None
    message: str | None = None
    delay_s: float = 0.0


def failure_delay(failures: int) -> float:
    """Seconds to wait before saying a password was wrong: 0 for the first, then 1, 2, 4..."""
    return 0.0 if failures <= 1 else min(2.0 ** (failures - 2), MAX_FAILURE_DELAY_S)


def _guard_after_failure(guard: GuardRow | None, email: str, now: dt.datetime) -> GuardRow:
    """The guard once another failure is counted: the count restarts after a quiet window, and
    the LOCK_AFTER_FAILURES-th failure in a window locks the address."""
    if guard is None or now - guard.last_failure_at > WINDOW:
        guard = GuardRow(email, 0, now, now, None)
    failures = guard.failures + 1
    locked = now + dt.timedelta(minutes=LOCK_MINUTES) if failures >= LOCK_AFTER_FAILURES else None
    return GuardRow(email, failures, guard.first_failure_at, now, locked)


def sign_in_with_password(
    db: Database,
    email: str,
    password: str,
    *,
    client_address: str | None,
    now: dt.datetime | None = None,
) -> SignInAttempt:
    """Check an email and password; on success start a session and return its cookie.

    Never says whether an account exists: a wrong email and a wrong password give the same
    answer after the same delay, and any address that keeps failing is locked alike.
    """
    now = now or utc_now()
    email = email.strip().lower()
    audit: dict[str, Any] = {"email": email, "method": "form", "client_address": client_address}
    if client_address and (
        db.failures_from_address(client_address, now - WINDOW) >= ADDRESS_FAILURE_LIMIT
    ):
        with db.write() as tx:
            tx.record_sign_in_event(event="refused", at=now, detail="address limit", **audit)
        return SignInAttempt(message=ADDRESS_LIMITED)
    guard = db.sign_in_guard(email)
    if guard is not None and guard.locked_until is not None and guard.locked_until > now:
        with db.write() as tx:
            tx.record_sign_in_event(event="refused", at=now, detail="locked", **audit)
        return SignInAttempt(message=LOCKED)
    user = authenticate(db, email, password)
    if user is None:

        def count_the_failure(tx: Transaction) -> GuardRow:
            # Read and written in one transaction (run again if another attempt for the same
            # address lands at the same moment), so no failure goes uncounted.
            counted = _guard_after_failure(tx.sign_in_guard(email), email, now)
            tx.save_sign_in_guard(counted)
            tx.record_sign_in_event(event="failed", at=now, **audit)
            if counted.locked_until is not None:
                tx.record_sign_in_event(
                    event="locked", at=now, detail=f"{counted.failures} failures", **audit
                )
            return counted

        guard = db.transact(count_the_failure)
        message = LOCKED if guard.locked_until is not None else NOT_RECOGNISED
        return SignInAttempt(message=message, delay_s=failure_delay(guard.failures))
    with db.write() as tx:
        tx.clear_sign_in_guard(email)
    cookie = start_session(db, user.email, client_address=client_address, now=now)
    return SignInAttempt(user=user, cookie=cookie)


def start_session(
    db: Database, email: str, *, client_address: str | None, now: dt.datetime | None = None
) -> str:
    """Start a password session for an account whose password was just checked, record the
    sign-in, and return the signed cookie value that carries it."""
    now = now or utc_now()
    session_id = new_session_id()
    with db.write() as tx:
        _open_session(tx, token_hash(session_id), email, "form", client_address, now)
    return sign_session(signing_key(db), session_id)


def _open_session(
    tx: Transaction, key: str, email: str, method: str, address: str | None, now: dt.datetime
) -> None:
    """A new sign-in: its session (lasting at most MAX_LIFE) and its record in the audit."""
    tx.start_sign_in_session(
        token_hash=key,
        email=email,
        method=method,
        client_address=address,
        now=now,
        expires_at=now + MAX_LIFE,
    )
    tx.record_sign_in_event(
        event="signed in", email=email, method=method, at=now, client_address=address
    )


# ------------------------------------------------------------------------------------------------
# Who is there
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionCheck:
    """Who a session cookie belongs to now: a user, or why not (``expired``: it ran out, so say
    so; otherwise there was no sign-in to speak of)."""

    user: User | None = None
    expired: bool = False


def _account_user(row: Any, db: Database) -> User | None:
    """The user a session's account makes now (None: removed, disabled, or a demo account
    outside the sample programme)."""
    if row.role is None or row.disabled or (row.is_demo and not db.is_sample_database()):
        return None
    return User(row.email, row.role, row.pathfinder_code)


def check_session(
    db: Database, cookie: str | None, *, now: dt.datetime | None = None
) -> SessionCheck:
    """The person a session cookie signs in, checked against the database every time: a forged
    or altered cookie, or one whose session was signed out, ended by an admin, or ran out, signs
    nobody in. An idle or too old session is ended here, and the expiry recorded."""
    now = now or utc_now()
    session_id = read_session(signing_key(db), cookie, max_age_s=MAX_LIFE.total_seconds())
    if session_id is None:
        return SessionCheck()
    key = token_hash(session_id)
    row = db.sign_in_session(key)
    if row is None:
        return SessionCheck()
    user, expired = _judge(db, row, key, now)
    return SessionCheck(user=user, expired=expired)


def _judge(db: Database, row: SessionRow, key: str, now: dt.datetime) -> tuple[User | None, bool]:
    """A stored session, now: its user and False; or no user and True when it has just run out
    (idle, or past its longest life: ended and recorded here); or no user and False when it had
    already ended or its account can no longer sign in (ended here)."""
    if row.ended_at is not None:
        return None, False
    idle = now - row.last_seen_at > IDLE
    if idle or now > row.expires_at:

        def expire(tx: Transaction) -> None:
            # Recorded once, by whichever page run (in any app process) ends it first.
            if tx.end_sign_in_sessions(reason="expired", now=now, token_hash=key):
                tx.record_sign_in_event(
                    event="expired",
                    email=row.email,
                    method=row.method,
                    at=now,
                    detail="idle" if idle else "maximum life",
                )

        db.transact(expire)
        return None, True
    user = _account_user(row, db)
    if user is None:
        db.transact(
            lambda tx: tx.end_sign_in_sessions(
                reason="account unavailable", now=now, token_hash=key
            )
        )
        return None, False
    if (now - row.last_seen_at).total_seconds() >= SESSION_TOUCH_SECONDS:
        try:
            with db.write() as tx:
                tx.touch_sign_in_session(key, now)
        except WriteConflict:
            pass  # another page run of this person touched it at the same moment: done
    return user, False


def sign_out(
    db: Database,
    cookie: str | None,
    *,
    client_address: str | None,
    now: dt.datetime | None = None,
) -> bool:
    """End the session a cookie carries (everywhere it is used); False if there was none."""
    now = now or utc_now()
    session_id = read_session(signing_key(db), cookie, max_age_s=MAX_LIFE.total_seconds())
    if session_id is None:
        return False
    key = token_hash(session_id)
    row = db.sign_in_session(key)

    def end(tx: Transaction) -> int:
        ended = tx.end_sign_in_sessions(reason="signed out", now=now, token_hash=key)
        if ended and row is not None:
            tx.record_sign_in_event(
                event="signed out",
                email=row.email,
                method=row.method,
                at=now,
                client_address=client_address,
            )
        return ended

    return bool(db.transact(end))


def session_id_of(db: Database, cookie: str | None) -> str | None:
    """The session id inside a valid cookie (for the sign-out form's token)."""
    return read_session(signing_key(db), cookie, max_age_s=MAX_LIFE.total_seconds())


# ------------------------------------------------------------------------------------------------
# Signing in with the identity provider (an NHS account)
# ------------------------------------------------------------------------------------------------


def provider_email(claims: dict[str, Any]) -> str | None:
    """The account an identity provider's ID token names: ``email``, or Entra ID's usual
    ``preferred_username`` when ``email`` is not configured as an optional claim."""
    for claim in ("email", "preferred_username"):
        value = claims.get(claim)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


def _provider_key(claims: dict[str, Any]) -> str:
    """One sign-in with the provider: its ID token's subject, issue time and nonce."""
    parts = [str(claims.get(c, "")) for c in ("iss", "sub", "iat", "nonce")]
    return token_hash("provider:" + "|".join(parts))


@dataclass(frozen=True)
class ProviderCheck:
    """Who the provider's sign-in is here: a user; or an email with no account here (tell them
    who to ask); or ``expired`` (sign in with the provider again)."""

    user: User | None = None
    email: str | None = None
    expired: bool = False


def check_provider_sign_in(
    db: Database,
    claims: dict[str, Any],
    *,
    client_address: str | None,
    now: dt.datetime | None = None,
) -> ProviderCheck:
    """The account behind the provider's ID token claims. The first time a sign-in is seen it
    is recorded as a session (so it is audited, and idles out, and can be ended like a local
    one); later checks use that session."""
    now = now or utc_now()
    email = provider_email(claims)
    if email is None:
        return ProviderCheck()
    account = db.find_account(email)
    usable = account is not None and not account.disabled and not account.is_demo
    key = _provider_key(claims)
    row = db.sign_in_session(key)
    if row is None:
        try:
            with db.write() as tx:
                if usable:
                    _open_session(tx, key, email, "provider", client_address, now)
                else:
                    tx.record_sign_in_event(
                        event="no account",
                        email=email,
                        method="provider",
                        at=now,
                        client_address=client_address,
                    )
        except RuleBroken:
            # Another page run (another tab, another app process) recorded this same sign-in
            # at the same moment: use theirs.
            row = db.sign_in_session(key)
            if row is None:
                raise
        else:
            if not usable:
                return ProviderCheck(email=email)
            return ProviderCheck(user=User(account.email, account.role, account.pathfinder_code))
    user, expired = _judge(db, row, key, now)
    if user is not None:
        return ProviderCheck(user=user)
    # Ran out, or signed out here: sign in with the provider again. Otherwise the account has
    # gone or been disabled since: there is no account here for them now.
    ended = expired or row.end_reason in ("expired", "signed out")
    return ProviderCheck(email=email, expired=ended)


def end_provider_sign_in(
    db: Database,
    claims: dict[str, Any],
    *,
    client_address: str | None,
    now: dt.datetime | None = None,
) -> None:
    """Signing out of a provider sign-in: its session ends and the sign-out is recorded."""
    now = now or utc_now()
    with db.write() as tx:
        ended = tx.end_sign_in_sessions(
            reason="signed out", now=now, token_hash=_provider_key(claims)
        )
        tx.record_sign_in_event(
            event="signed out",
            email=provider_email(claims),
            method="provider",
            at=now,
            client_address=client_address,
            detail=None if ended else "no open session",
        )


def save_return(db: Database, target: str, *, now: dt.datetime | None = None) -> str:
    """Remember where to go back to after the provider's round trip; returns the key for the
    browser to carry (its hash is stored)."""
    key = new_session_id()
    with db.write() as tx:
        tx.save_sign_in_return(token_hash(key), target, now or utc_now())
    return key


def use_return(db: Database, key: str | None, *, now: dt.datetime | None = None) -> str | None:
    """Where to go back to, once, if the key is recent; None otherwise."""
    if not key:
        return None
    now = now or utc_now()
    try:
        with db.write() as tx:
            return tx.use_sign_in_return(token_hash(key), now=now, not_before=now - RETURN_LIFE)
    except WriteConflict:
        return None  # used at the same moment by another page run: it is used


# ------------------------------------------------------------------------------------------------
# Admins
# ------------------------------------------------------------------------------------------------


def unlock(
    db: Database,
    email: str,
    *,
    by: str,
    method: str,
    address: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Let an email address try again at once; False when it was not locked or failing."""
    email = email.strip().lower()
    with db.write() as tx:
        cleared = tx.clear_sign_in_guard(email)
        if cleared:
            record_change(tx, "unlocked", email, by=by, method=method, address=address, at=now)
    return cleared
