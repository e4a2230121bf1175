"""Accounts and sign-in: hashing, roles, demo accounts only on the sample database."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.seed import DEMO_ACCOUNTS
from tests.helpers import db_on, open_db
from tests.processes import etl
from wdp import auth
from wdp.db import accounts, writes
from wdp.services import signin


def test_passwords_are_salted_hashes_checked_in_constant_time() -> None:
    first, second = auth.hash_password("a long password"), auth.hash_password("a long password")
    assert first != second and "a long password" not in first
    assert auth.verify_password("a long password", first)
    assert not auth.verify_password("a long passworD", first)
    assert not auth.verify_password("anything", None)
    assert not auth.verify_password("anything", "md5$not-ours")


def test_demo_accounts_sign_in_on_the_sample_database(seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        for email, role, pathfinder, password in DEMO_ACCOUNTS:
            user = auth.authenticate(db_on(con), email.upper(), password)
            assert user == auth.User(email, role, pathfinder)
        assert auth.authenticate(db_on(con), DEMO_ACCOUNTS[0][0], "wrong password") is None
        assert auth.authenticate(db_on(con), "nobody@example.nhs.uk", "demo-director-2017") is None


def test_demo_accounts_do_not_work_on_a_real_database(
    seeded_db: Path, tmp_path: Path, databases
) -> None:
    real = databases.copy(seeded_db, tmp_path, "real.duckdb")
    with open_db(real) as con:
        frame = con.execute("SELECT * FROM ref_pathfinder").df()
        writes.replace_reference(con, "ref_pathfinder", frame.assign(is_synthetic=False))
        email, _, _, password = DEMO_ACCOUNTS[0]
        assert auth.authenticate(db_on(con), email, password) is None
        # Nor through the identity provider (a demo account never signs in that way).
        claims = {"iss": "https://idp.example", "sub": "x", "iat": 1, "email": email}
        check = signin.check_provider_sign_in(db_on(con), claims, client_address=None)
        assert check.user is None


def test_a_lead_may_only_see_their_own_pathfinder() -> None:
    lead = auth.User("lead@nhs.net", "lead", "WDP-STK")
    assert lead.may_see("WDP-STK") and not lead.may_see("WDP-PRE")
    assert auth.User("d@nhs.net", "director").may_see("WDP-PRE")
    assert lead.can_upload and not auth.User("v@nhs.net", "viewer").can_upload


@pytest.mark.process
def test_accounts_cli_adds_lists_and_removes(reference_db: Path) -> None:
    added = etl(
        "accounts",
        "add",
        "New.Lead@nhs.net",
        "--role",
        "lead",
        "--pathfinder",
        "wdp-hul",
        "--password-stdin",
        db=reference_db,
        input_text="a sufficiently long one\n",
    )
    assert added.returncode == 0, added.stderr
    listing = etl("accounts", "list", db=reference_db)
    assert "new.lead@nhs.net" in listing.stdout and "scrypt" not in listing.stdout
    with open_db(reference_db, read_only=True) as con:
        assert auth.authenticate(db_on(con), "new.lead@nhs.net", "a sufficiently long one") == (
            auth.User("new.lead@nhs.net", "lead", "WDP-HUL")
        )
    short = etl(
        "accounts",
        "add",
        "x@nhs.net",
        "--role",
        "lead",
        "--password-stdin",
        db=reference_db,
        input_text="short\n",
    )
    assert short.returncode == 2
    assert "12 characters" in short.stderr and "--pathfinder" in short.stderr
    assert etl("accounts", "remove", "new.lead@nhs.net", db=reference_db).returncode == 0
    with open_db(reference_db, read_only=True) as con:
        assert accounts.find_account(con, "new.lead@nhs.net") is None


def test_behind_a_trusted_proxy_the_person_is_who_the_proxy_saw(monkeypatch) -> None:
    from wdp.auth import person_address

    assert person_address("10.0.0.7", "1.2.3.4") == "10.0.0.7"  # no proxy trusted: the peer
    monkeypatch.setenv("WDP_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.2")
    assert person_address("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    # Anything left of what the proxy added could be the browser's own invention.
    assert person_address("127.0.0.1", "6.6.6.6, 203.0.113.9") == "203.0.113.9"
    assert person_address("127.0.0.1", "203.0.113.9, 10.0.0.2") == "203.0.113.9"  # two proxies
    assert person_address("10.0.0.7", "203.0.113.9") == "10.0.0.7"  # not from a proxy: ignored
    assert person_address("127.0.0.1", None) == "127.0.0.1"
