"""Signing in and what each role may do. No streamlit here (wdp.ui.auth renders the form).

Roles: **director** (everything), **lead** (their own pathfinder: upload, their returns and
figures, and the public data), **viewer** (read only), **admin** (accounts and the register).
Passwords are hashed with scrypt (Python's standard library), each with its own random salt;
checks run in constant time. Demo accounts work only on the sample database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from wdp.db import Database
from wdp.domain import Role

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class User:
    """Someone signed in: their work email, role and (a lead's) pathfinder."""

    email: str
    role: Role
    pathfinder_code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))  # "lead" and Role.LEAD alike

    @property
    def can_upload(self) -> bool:
        return self.role.can_upload

    @property
    def scope(self) -> str | None:
        """The pathfinder this person is limited to (a lead's); None: they see every one."""
        return None if self.role.sees_every_pathfinder else self.pathfinder_code

    def may_see(self, pathfinder_code: str | None) -> bool:
        """Whether this user may read or write a pathfinder's returns."""
        return self.scope is None or pathfinder_code == self.scope


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode()
    )


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def authenticate(db: Database, email: str, password: str) -> User | None:
    """The user, when the email and password match an enabled account; else None.

    A wrong email and a wrong password take the same time and give the same answer.
    """
    account = db.find_account(email)
    stored = account.password_hash if account else hash_password(secrets.token_hex(8))
    if not verify_password(password, stored) or account is None or account.disabled:
        return None
    if account.is_demo and not db.is_sample_database():
        return None
    return User(account.email, account.role, account.pathfinder_code)


def user_for_email(db: Database, email: str) -> User | None:
    """The role of someone the identity provider has signed in (no password involved)."""
    account = db.find_account(email)
    if account is None or account.disabled or account.is_demo:
        return None
    return User(account.email, account.role, account.pathfinder_code)
