"""Signing in: the rules. Who an account is, passwords, and the session cookie's token.
No streamlit here (``wdp.ui.auth`` and ``wdp.ui.web`` show it; ``wdp.services.signin`` runs it).

Roles: **director** (everything), **lead** (their own pathfinder: upload, their returns and
figures, and the public data), **viewer** (read only), **admin** (accounts and the register).
Passwords are hashed with scrypt (Python's standard library), each with its own random salt;
checks run in constant time. Demo accounts work only on the sample database.

A session cookie holds a random session id, signed and timestamped with itsdangerous (the
library Flask and Starlette sign their cookies with) under a key kept in the database. The
database keeps only the id's SHA-256, with who signed in and when; the cookie holds no personal
data, cannot be forged without the key, and is worthless once its session has ended.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from wdp.config import COMMON_PASSWORDS_FILE, MIN_PASSWORD_LENGTH
from wdp.db import Database
from wdp.domain import Role

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
SESSION_COOKIE = "wdp_session"
SIGN_IN_CSRF_COOKIE = "wdp_csrf"  # the sign-in form's double-submit token
RETURN_COOKIE = "wdp_return"  # where to go back to after signing in with the provider
_SALT = "wdp-session"


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


# ------------------------------------------------------------------------------------------------
# Passwords
# ------------------------------------------------------------------------------------------------


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords, lower-cased (data/security/SOURCES.md)."""
    return frozenset(COMMON_PASSWORDS_FILE.read_text().lower().split())


def password_problems(password: str, *, email: str) -> list[str]:
    """Why a new password is refused, in plain English (empty: it is fine)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    lowered = password.strip().lower()
    if lowered in common_passwords():
        problems.append("That password is one of the most common: choose one nobody would guess.")
    email = email.strip().lower()
    local_part = email.split("@")[0]
    if email and (lowered == email or (len(local_part) >= 4 and local_part in lowered)):
        problems.append("Do not use your email address, or part of it, in your password.")
    return problems


# ------------------------------------------------------------------------------------------------
# The session cookie's token
# ------------------------------------------------------------------------------------------------


def new_session_id() -> str:
    """A new random session id (256 bits); only the browser keeps it, inside the cookie."""
    return secrets.token_urlsafe(32)


def token_hash(session_id: str) -> str:
    """What the database keeps of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def sign_session(key: str, session_id: str) -> str:
    """The cookie value: the session id, timestamped and signed with the database's key."""
    return TimestampSigner(key, salt=_SALT).sign(session_id).decode()


def read_session(key: str, cookie: str | None, *, max_age_s: float) -> str | None:
    """The session id a cookie carries, when its signature is ours and it is younger than
    ``max_age_s``; None for a forged, altered, expired or missing cookie."""
    if not cookie:
        return None
    try:
        return TimestampSigner(key, salt=_SALT).unsign(cookie, max_age=max_age_s).decode()
    except (BadSignature, SignatureExpired, UnicodeDecodeError, ValueError):
        return None


def sign_out_token(key: str, session_id: str) -> str:
    """The sign-out form's token: proves the form came from a page of this session."""
    return hmac.new(key.encode(), f"sign-out:{session_id}".encode(), hashlib.sha256).hexdigest()


def person_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The person's address: the connecting ``peer``, unless it is a trusted proxy
    (``WDP_TRUSTED_PROXIES``); then the right-most address in X-Forwarded-For that is not a
    trusted proxy (what the nearest trusted proxy saw; anything further left the browser could
    have written itself)."""
    from wdp.config import trusted_proxies

    trusted = trusted_proxies()
    if peer is None or peer not in trusted or not forwarded_for:
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if hop not in trusted:
            return hop
    return peer
