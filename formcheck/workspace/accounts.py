"""Coach accounts: user names with argon2id password hashes (argon2-cffi), never the password itself."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
import hashlib
import secrets
import time

from sqlalchemy import delete, func, insert, select, update

from ..errors import OptionError
from .db import Workspace, coach_sessions, coaches
from .migrations import now_iso

_hasher = PasswordHasher()
MIN_PASSWORD = 8


def add_coach(ws: Workspace, username: str, password: str) -> int:
    username = username.strip()
    if not username:
        raise OptionError("A coach account needs a user name.")
    if len(password) < MIN_PASSWORD:
        raise OptionError(f"The password must have at least {MIN_PASSWORD} characters (got {len(password)}).")
    with ws.tx() as conn:
        if conn.execute(select(coaches.c.id).where(coaches.c.username == username)).first():
            raise OptionError(f"A coach named '{username}' already exists; choose another name.")
        return conn.execute(insert(coaches).values(username=username, password_hash=_hasher.hash(password),
                                                   created_at=now_iso())).inserted_primary_key[0]


def coach_count(ws: Workspace) -> int:
    with ws.read() as conn:
        return int(conn.execute(select(func.count()).select_from(coaches)).scalar())


def verify_login(ws: Workspace, username: str, password: str) -> bool:
    """True when the user exists and the password matches (re-hashes an outdated hash on the way)."""
    with ws.read() as conn:
        row = conn.execute(select(coaches).where(coaches.c.username == username.strip())).first()
    if row is None:
        _hasher.hash(password)  # the same work as a real check: no timing hint that the name does not exist
        return False
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(row.password_hash):
        with ws.tx() as conn:
            conn.execute(update(coaches).where(coaches.c.id == row.id).values(password_hash=_hasher.hash(password)))
    return True


SESSION_DAYS = 14


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(ws: Workspace, username: str, days: float = SESSION_DAYS) -> str:
    """A login that outlives a page reload: the browser keeps the token, the database only its sha256."""
    token = secrets.token_urlsafe(32)
    with ws.tx() as conn:
        coach_id = conn.execute(select(coaches.c.id).where(coaches.c.username == username.strip())).scalar_one()
        conn.execute(delete(coach_sessions).where(coach_sessions.c.expires_at < time.time()))
        conn.execute(insert(coach_sessions).values(token_sha256=_digest(token), coach_id=coach_id, created_at=now_iso(),
                                                   expires_at=time.time() + days * 86400))
    return token


def session_user(ws: Workspace, token: str | None) -> str | None:
    """The coach a live session token belongs to, or None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    with ws.read() as conn:
        return conn.execute(select(coaches.c.username).join(coach_sessions, coach_sessions.c.coach_id == coaches.c.id)
                            .where(coach_sessions.c.token_sha256 == _digest(token),
                                   coach_sessions.c.expires_at > time.time())).scalar()


def end_session(ws: Workspace, token: str | None) -> None:
    if token:
        with ws.tx() as conn:
            conn.execute(delete(coach_sessions).where(coach_sessions.c.token_sha256 == _digest(token)))
