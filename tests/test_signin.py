"""Signing in: sessions kept in the database behind a signed cookie, the guard against password
guessing, passwords, the identity provider's sign-ins, and the audit of all of it.

The clock is passed in (``now``), so expiry and locks are tested without waiting.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner

from wdp import services
from wdp.auth import (
    User,
    common_passwords,
    new_session_id,
    password_problems,
    sign_session,
    token_hash,
)
from wdp.config import (
    ADDRESS_FAILURE_LIMIT,
    LOCK_AFTER_FAILURES,
    LOCK_MINUTES,
    SESSION_IDLE_MINUTES,
    SESSION_MAX_HOURS,
)
from wdp.db import Database, open_database
from wdp.services import signin

LEAD = ("lead.stoke@example.nhs.uk", "demo-lead-stoke")
T0 = dt.datetime(2026, 12, 2, 9, 0, 0)


@pytest.fixture
def db(seeded_db_copy: Path) -> Database:
    return open_database(seeded_db_copy)


def sign_in(db: Database, email: str, password: str, *, at=T0, address="10.0.0.1"):
    return signin.sign_in_with_password(db, email, password, client_address=address, now=at)


def who(db: Database, cookie: str | None, *, at=T0) -> User | None:
    return signin.check_session(db, cookie, now=at).user


def events(db: Database, email: str | None = None) -> list[str]:
    log = db.sign_in_events(email=email)
    return list(reversed(log["event"].tolist()))  # oldest first


# ------------------------------------------------------------------------------------------------
# The cookie cannot be forged, altered, or replayed
# ------------------------------------------------------------------------------------------------


def test_a_signed_in_cookie_names_the_account_and_holds_nothing_personal(db: Database) -> None:
    attempt = sign_in(db, *LEAD)
    assert attempt.user == User(LEAD[0], "lead", "WDP-STK")
    assert who(db, attempt.cookie) == attempt.user
    assert "stoke" not in attempt.cookie and "@" not in attempt.cookie
    session_id = signin.session_id_of(db, attempt.cookie)
    assert db.sign_in_session(token_hash(session_id)).email == LEAD[0]
    assert db.sign_in_session(session_id) is None  # only the id's hash is stored


def test_a_forged_or_altered_cookie_signs_nobody_in(db: Database) -> None:
    cookie = sign_in(db, *LEAD).cookie
    session_id = signin.session_id_of(db, cookie)
    # One character of the session id changed (the signature's last character may carry
    # bits base64 ignores, so altering that could leave the same bytes).
    altered = ("B" if cookie[0] != "B" else "C") + cookie[1:]
    resigned_elsewhere = cookie.rsplit(".", 1)[0] + "." + "A" * 27
    other_key = sign_session("not the database's key", session_id)
    made_up = sign_session(signin.signing_key(db), new_session_id())  # even with the key
    for forged in (altered, resigned_elsewhere, other_key, made_up, "", "garbage", None):
        assert who(db, forged) is None, forged


def test_a_cookie_is_worthless_after_signing_out(db: Database) -> None:
    cookie = sign_in(db, *LEAD).cookie
    assert signin.sign_out(db, cookie, client_address="10.0.0.1", now=T0)
    assert who(db, cookie) is None  # replayed after sign-out
    assert not signin.sign_out(db, cookie, client_address="10.0.0.1", now=T0)


def test_a_session_ends_when_idle_and_at_its_longest_life(db: Database) -> None:
    idle = dt.timedelta(minutes=SESSION_IDLE_MINUTES)
    cookie = sign_in(db, *LEAD).cookie
    moment = T0
    for _ in range(3):  # active just within the idle limit: still signed in
        moment += idle - dt.timedelta(minutes=1)
        assert who(db, cookie, at=moment) is not None
    check = signin.check_session(db, cookie, now=moment + idle + dt.timedelta(seconds=1))
    assert check.user is None and check.expired
    assert who(db, cookie, at=moment) is None  # ended for good, even at an earlier hour
    # However active, a sign-in lasts no longer than its maximum life.
    cookie = sign_in(db, *LEAD).cookie
    steps = int(SESSION_MAX_HOURS * 60 / 20)
    moment = T0
    for _ in range(steps):
        moment += dt.timedelta(minutes=20)
        assert who(db, cookie, at=moment) is not None
    assert signin.check_session(db, cookie, now=moment + dt.timedelta(minutes=20)).expired
    assert events(db, LEAD[0]).count("expired") == 2


def test_a_cookie_older_than_the_longest_session_fails_its_own_signature(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = sign_in(db, *LEAD).cookie
    assert signin.session_id_of(db, cookie) is not None
    later = TimestampSigner.get_timestamp(TimestampSigner("k")) + SESSION_MAX_HOURS * 3600 + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert signin.session_id_of(db, cookie) is None


def test_disabling_an_account_ends_every_sign_in_of_it(db: Database) -> None:
    phone, laptop = sign_in(db, *LEAD).cookie, sign_in(db, *LEAD).cookie
    assert who(db, phone) and who(db, laptop)
    assert services.set_account_disabled(db, LEAD[0], True, by="admin@example.nhs.uk")
    assert who(db, phone) is None and who(db, laptop) is None
    assert sign_in(db, *LEAD).user is None  # and no new one
    services.set_account_disabled(db, LEAD[0], False, by="admin@example.nhs.uk")
    assert who(db, phone) is None  # enabling again does not revive old sign-ins
    assert sign_in(db, *LEAD).user is not None


# ------------------------------------------------------------------------------------------------
# Guessing is slowed, then stopped, and says nothing about which addresses exist
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [LEAD[0], "nobody@example.nhs.uk"], ids=["account", "no-account"])
def test_repeated_failures_are_slowed_then_locked_alike_for_any_address(
    db: Database, email: str
) -> None:
    answers = [sign_in(db, email, "not the password", at=T0 + dt.timedelta(seconds=i))
               for i in range(LOCK_AFTER_FAILURES)]  # fmt: skip
    assert [a.delay_s for a in answers] == [0, 1, 2, 4, 4][:LOCK_AFTER_FAILURES]
    assert all(a.message == signin.NOT_RECOGNISED for a in answers[:-1])
    assert answers[-1].message == signin.LOCKED and answers[-1].cookie is None
    # Locked: even the right password is refused, with the same sentence, for 15 minutes.
    during = T0 + dt.timedelta(minutes=LOCK_MINUTES - 1)
    assert sign_in(db, email, LEAD[1], at=during).message == signin.LOCKED
    after = T0 + dt.timedelta(minutes=LOCK_MINUTES + 1)
    assert (sign_in(db, email, LEAD[1], at=after).user is not None) == (email == LEAD[0])
    assert events(db, email)[: LOCK_AFTER_FAILURES + 2] == [
        *["failed"] * LOCK_AFTER_FAILURES,
        "locked",
        "refused",
    ]


def test_an_admin_unlocks_an_address_at_once(db: Database) -> None:
    for i in range(LOCK_AFTER_FAILURES):
        sign_in(db, LEAD[0], "wrong", at=T0 + dt.timedelta(seconds=i))
    assert list(db.locked_sign_ins(T0)["email"]) == [LEAD[0]]
    assert services.unlock(db, LEAD[0], by="admin@example.nhs.uk", method="admin", now=T0)
    assert db.locked_sign_ins(T0).empty
    assert sign_in(db, *LEAD).user is not None
    log = db.sign_in_events(email=LEAD[0], event="unlocked")
    assert list(log["by_whom"]) == ["admin@example.nhs.uk"]


def test_failures_are_forgotten_after_a_quiet_window(db: Database) -> None:
    for i in range(LOCK_AFTER_FAILURES - 1):
        sign_in(db, LEAD[0], "wrong", at=T0 + dt.timedelta(seconds=i))
    later = T0 + dt.timedelta(hours=1)
    assert sign_in(db, LEAD[0], "wrong", at=later).message == signin.NOT_RECOGNISED  # not locked


def test_one_address_may_fail_only_so_often_whatever_emails_it_tries(db: Database) -> None:
    for i in range(ADDRESS_FAILURE_LIMIT):
        sign_in(db, f"guess{i}@example.nhs.uk", "wrong", at=T0 + dt.timedelta(seconds=i))
    soon = T0 + dt.timedelta(minutes=1)
    assert sign_in(db, *LEAD, at=soon).message == signin.ADDRESS_LIMITED
    assert sign_in(db, *LEAD, at=soon, address="10.0.0.2").user is not None


# ------------------------------------------------------------------------------------------------
# Passwords
# ------------------------------------------------------------------------------------------------


def test_passwords_are_long_uncommon_and_not_the_email() -> None:
    email = "jo.bloggs@nhs.net"
    long_common = next(p for p in sorted(common_passwords(), key=len) if len(p) >= 12)
    assert password_problems("short", email=email)
    assert password_problems(long_common.upper(), email=email)  # any case
    assert password_problems("jo.bloggs@nhs.net", email=email)
    assert password_problems("my-jo.bloggs-2026", email=email)
    assert password_problems("quartz fennel harbour 81", email=email) == []
    assert len(common_passwords()) == 10_000


def test_the_account_rules_refuse_a_common_password_from_cli_and_admin_alike(
    db: Database,
) -> None:
    common = next(p for p in sorted(common_passwords(), key=len) if len(p) >= 12)
    change = services.save_account(
        db, email="new@nhs.net", role="viewer", password=common, by="admin"
    )
    assert not change.saved and any("most common" in p for p in change.problems)


# ------------------------------------------------------------------------------------------------
# Audit
# ------------------------------------------------------------------------------------------------


def test_every_sign_in_and_account_change_is_recorded(db: Database) -> None:
    by = "admin@example.nhs.uk"
    email = "jo.bloggs@nhs.net"
    assert services.save_account(
        db, email=email, role="viewer", password="quartz fennel harbour 81", by=by, method="admin"
    ).saved
    now = signin.utc_now  # account changes are stamped with the real time: so are these
    sign_in(db, email, "wrong", at=now())
    cookie = sign_in(db, email, "quartz fennel harbour 81", address="10.9.9.9", at=now()).cookie
    signin.sign_out(db, cookie, client_address="10.9.9.9", now=now())
    services.set_account_disabled(db, email, True, by=by, method="admin")
    services.set_account_disabled(db, email, False, by=by, method="cli")
    services.remove_account(db, email, by=by, method="admin")
    log = db.sign_in_events(email=email).iloc[::-1]
    assert list(log["event"]) == [
        "account saved",
        "failed",
        "signed in",
        "signed out",
        "account disabled",
        "account enabled",
        "account removed",
    ]
    signed = log[log["event"] == "signed in"].iloc[0]
    assert (signed["method"], signed["client_address"]) == ("form", "10.9.9.9")
    assert set(log.loc[log["event"].str.startswith("account"), "by_whom"]) == {by}


# ------------------------------------------------------------------------------------------------
# The identity provider (an NHS account)
# ------------------------------------------------------------------------------------------------


def claims(email: str, *, iat: int = 1_796_000_000, use: str = "email") -> dict:
    return {"iss": "http://127.0.0.1:9400", "sub": "abc", "iat": iat, "nonce": "n", use: email}


def test_the_provider_names_the_account_by_email_or_entra_preferred_username(
    db: Database,
) -> None:
    with db.write() as tx:
        tx.save_account(
            email="jo.bloggs@nhs.net", role="lead", pathfinder_code="WDP-PRE", password_hash=None
        )
    for iat, use in ((1, "email"), (2, "preferred_username")):
        check = signin.check_provider_sign_in(
            db, claims("Jo.Bloggs@nhs.net", iat=iat, use=use), client_address=None, now=T0
        )
        assert check.user == User("jo.bloggs@nhs.net", "lead", "WDP-PRE")
    # The same token seen again (a reload, a new tab): the same sign-in, recorded once.
    again = signin.check_provider_sign_in(
        db, claims("jo.bloggs@nhs.net", iat=1), client_address=None, now=T0
    )
    assert again.user is not None
    assert events(db, "jo.bloggs@nhs.net").count("signed in") == 2  # one per sign-in


def test_the_provider_signing_in_someone_without_an_account_here_gives_no_access(
    db: Database,
) -> None:
    for email in ("stranger@nhs.net", "director@example.nhs.uk"):  # unknown; a demo account
        check = signin.check_provider_sign_in(db, claims(email), client_address="10.0.0.1", now=T0)
        assert check.user is None and check.email == email
    assert "no account" in events(db, "stranger@nhs.net")


def test_a_provider_sign_in_idles_out_and_ends_on_sign_out(db: Database) -> None:
    with db.write() as tx:
        tx.save_account(
            email="jo.bloggs@nhs.net", role="viewer", pathfinder_code=None, password_hash=None
        )
    token = claims("jo.bloggs@nhs.net")
    assert signin.check_provider_sign_in(db, token, client_address=None, now=T0).user
    late = T0 + dt.timedelta(minutes=SESSION_IDLE_MINUTES + 1)
    assert signin.check_provider_sign_in(db, token, client_address=None, now=late).expired
    fresh = claims("jo.bloggs@nhs.net", iat=1_796_000_999)  # signing in with the provider again
    assert signin.check_provider_sign_in(db, fresh, client_address=None, now=late).user
    signin.end_provider_sign_in(db, fresh, client_address=None, now=late)
    assert signin.check_provider_sign_in(db, fresh, client_address=None, now=late).expired


def test_the_page_to_return_to_is_used_once_and_only_soon(db: Database) -> None:
    key = signin.save_return(db, "/Upload?period=2018-19+Q2", now=T0)
    assert signin.use_return(db, key, now=T0) == "/Upload?period=2018-19+Q2"
    assert signin.use_return(db, key, now=T0) is None
    old = signin.save_return(db, "/Admin", now=T0)
    assert signin.use_return(db, old, now=T0 + dt.timedelta(hours=1)) is None
    assert signin.use_return(db, "not a key", now=T0) is None
