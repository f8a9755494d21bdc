"""Users and sessions, with AlgaPSA's columns (research/algapsa.md section 9), in SQLite.

`Store` is the one small interface the server talks to; `SQLiteStore` implements it on a file or in memory.
A session row is the server-side truth: a JWE cookie whose row is missing or revoked is no session at all
(AlgaPSA's `isRevokedOrIdentityMismatch`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

__all__ = ["SQLiteStore", "Store", "Tenant", "User", "hash_password", "open_store"]

_SCHEMA = Path(__file__).with_name("schema.sql")
_PBKDF2_ROUNDS = 60_000


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _PBKDF2_ROUNDS).hex()
    return f"pbkdf2_sha256${_PBKDF2_ROUNDS}${salt}${digest}"


def _password_matches(password: str, stored: str) -> bool:
    try:
        scheme, rounds, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds)).hex()
    return hmac.compare_digest(candidate, digest)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class User:
    tenant: str
    user_id: str
    username: str
    hashed_password: str
    first_name: str | None
    last_name: str | None
    email: str
    icon: str | None
    user_type: str
    contact_id: str | None
    is_inactive: bool

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.username


@dataclass(frozen=True)
class Tenant:
    tenant: str
    company_name: str
    plan: str | None
    addons: tuple[str, ...]
    subscription_status: str | None
    trial_end: str | None
    solo_pro_trial_end: str | None


class Store(Protocol):
    def user_by_email(self, email: str) -> User | None: ...
    def user_by_id(self, tenant: str, user_id: str) -> User | None: ...
    def check_password(self, user: User, password: str) -> bool: ...
    def tenant(self, tenant: str) -> Tenant | None: ...
    def client_id_of(self, user: User) -> str | None: ...
    def create_session(
        self, user: User, login_method: str, ip: str | None, user_agent: str | None, expires_at: str
    ) -> str: ...
    def session_is_active(self, tenant: str, session_id: str, user_id: str, user_type: str) -> bool: ...
    def revoke_session(self, tenant: str, session_id: str, reason: str) -> None: ...


class SQLiteStore:
    """`Store` on SQLite. One connection guarded by a lock: the server is one process, requests are short."""

    def __init__(self, database: str = ":memory:") -> None:
        self._db = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA.read_text(encoding="utf-8"))

    def close(self) -> None:
        self._db.close()

    def _one(self, sql: str, *args: object) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, args).fetchone()
            return row

    def execute(self, sql: str, *args: object) -> None:
        with self._lock:
            self._db.execute(sql, args)

    @staticmethod
    def _user(row: sqlite3.Row | None) -> User | None:
        if row is None:
            return None
        return User(
            tenant=row["tenant"],
            user_id=row["user_id"],
            username=row["username"],
            hashed_password=row["hashed_password"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            icon=row["icon"],
            user_type=row["user_type"],
            contact_id=row["contact_id"],
            is_inactive=bool(row["is_inactive"]),
        )

    def user_by_email(self, email: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE lower(email) = lower(?) AND is_inactive = 0", email.strip())
        return self._user(row)

    def user_by_id(self, tenant: str, user_id: str) -> User | None:
        return self._user(self._one("SELECT * FROM users WHERE tenant = ? AND user_id = ?", tenant, user_id))

    def check_password(self, user: User, password: str) -> bool:
        return _password_matches(password, user.hashed_password)

    def tenant(self, tenant: str) -> Tenant | None:
        row = self._one("SELECT * FROM tenants WHERE tenant = ?", tenant)
        if row is None:
            return None
        with self._lock:
            addons = self._db.execute(
                "SELECT addon_key FROM tenant_addons WHERE tenant = ? AND (expires_at IS NULL OR expires_at > ?) "
                "ORDER BY addon_key",
                (tenant, now_iso()),
            ).fetchall()
        return Tenant(
            tenant=row["tenant"],
            company_name=row["company_name"],
            plan=row["plan"],
            addons=tuple(addon["addon_key"] for addon in addons),
            subscription_status=row["subscription_status"],
            trial_end=row["trial_end"],
            solo_pro_trial_end=row["solo_pro_trial_end"],
        )

    def client_id_of(self, user: User) -> str | None:
        if not user.contact_id:
            return None
        row = self._one(
            "SELECT client_id FROM contacts WHERE tenant = ? AND contact_name_id = ?", user.tenant, user.contact_id
        )
        return row["client_id"] if row else None

    def create_session(
        self, user: User, login_method: str, ip: str | None, user_agent: str | None, expires_at: str
    ) -> str:
        session_id = str(uuid.uuid4())
        fingerprint = hashlib.sha256((user_agent or "").encode()).hexdigest()
        stamp = now_iso()
        self.execute(
            "INSERT INTO sessions (tenant, session_id, user_id, token, created_at, updated_at, ip_address, "
            "user_agent, device_fingerprint, last_activity_at, expires_at, login_method) "
            "VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)",
            user.tenant,
            session_id,
            user.user_id,
            stamp,
            stamp,
            ip,
            user_agent,
            fingerprint,
            stamp,
            expires_at,
            login_method,
        )
        self.execute(
            "UPDATE users SET last_login_at = ?, last_login_method = ? WHERE tenant = ? AND user_id = ?",
            stamp,
            login_method,
            user.tenant,
            user.user_id,
        )
        return session_id

    def session_is_active(self, tenant: str, session_id: str, user_id: str, user_type: str) -> bool:
        row = self._one(
            "SELECT s.revoked_at, s.user_id, u.user_type FROM sessions s JOIN users u "
            "ON u.tenant = s.tenant AND u.user_id = s.user_id WHERE s.tenant = ? AND s.session_id = ?",
            tenant,
            session_id,
        )
        return (
            row is not None
            and row["revoked_at"] is None
            and row["user_id"] == user_id
            and row["user_type"] == user_type
        )

    def revoke_session(self, tenant: str, session_id: str, reason: str) -> None:
        self.execute(
            "UPDATE sessions SET revoked_at = ?, revoked_reason = ?, updated_at = ? "
            "WHERE tenant = ? AND session_id = ? AND revoked_at IS NULL",
            now_iso(),
            reason,
            now_iso(),
            tenant,
            session_id,
        )

    def session_count(self) -> int:
        row = self._one("SELECT count(*) AS n FROM sessions")
        return int(row["n"]) if row else 0

    def session_row(self, tenant: str, session_id: str) -> dict[str, object] | None:
        row = self._one("SELECT * FROM sessions WHERE tenant = ? AND session_id = ?", tenant, session_id)
        return dict(row) if row else None


def open_store(database: str) -> SQLiteStore:
    """A store on `database` (a file path or ":memory:"), schema created if missing."""
    return SQLiteStore(database)
