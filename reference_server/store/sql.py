"""`Store` in SQL that SQLite and PostgreSQL both run: every query once, the back ends only connect and execute.

Queries use `?` placeholders; a back end that wants another style rewrites them. `transaction()` is exclusive
across every process sharing the database, so migrations and seeding run once however many workers start.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from reference_server.store.migrations import MIGRATIONS
from reference_server.store.model import StoredCredential, StoreUnavailable, Tenant, User, now_iso
from reference_server.store.passwords import password_matches, spend_decoy_check

__all__ = ["SqlStore"]

Row = Mapping[str, Any]


class SqlStore:
    """The shared queries. Subclasses provide `_one`, `_all`, `execute`, `transaction` and `close`."""

    dialect = "sql"

    def _one(self, sql: str, *args: object) -> Row | None:
        raise NotImplementedError

    def _all(self, sql: str, *args: object) -> Sequence[Row]:
        raise NotImplementedError

    def execute(self, sql: str, *args: object) -> None:
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive across processes: a second caller waits until the first commits or rolls back."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def migrate(self) -> list[str]:
        """Apply the migrations this database lacks, in order; return the names applied."""
        applied: list[str] = []
        with self.transaction():
            self.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {row["version"] for row in self._all("SELECT version FROM schema_migrations")}
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                for statement in migration.statements:
                    self.execute(statement)
                self.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    migration.version,
                    migration.name,
                    now_iso(),
                )
                applied.append(migration.name)
        return applied

    def applied_migrations(self) -> list[str]:
        return [row["name"] for row in self._all("SELECT name FROM schema_migrations ORDER BY version")]

    @staticmethod
    def _user(row: Row | None) -> User | None:
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

    def user_by_email(self, email: str, exact: bool = False) -> User | None:
        """Case and surrounding space ignored, as AlgaPSA looks users up; `exact` compares byte for byte."""
        if exact:
            return self._user(self._one("SELECT * FROM users WHERE email = ? AND is_inactive = 0", email))
        row = self._one("SELECT * FROM users WHERE lower(email) = lower(?) AND is_inactive = 0", email.strip())
        return self._user(row)

    def create_email_user(self, email: str) -> User:
        """Auth.js's `adapter.createUser` for a first email sign-in, named by the address."""
        return self._create_passwordless_user("an email", email, username=email, first_name=None)

    def create_verification_token(self, identifier: str, token_hash: str, expires: str) -> None:
        self.execute(
            "INSERT INTO verification_tokens (identifier, token, expires) VALUES (?, ?, ?)",
            identifier,
            token_hash,
            expires,
        )

    def use_verification_token(self, identifier: str | None, token_hash: str) -> tuple[str, str] | None:
        """Delete and return `(identifier, expires)` of the token, or None: a token can be used once. Without
        `identifier` the token alone finds it (an adapter that ignores the identifier)."""
        if identifier is None:
            sql = "DELETE FROM verification_tokens WHERE token = ? RETURNING identifier, expires"
            rows = self._all(sql, token_hash)
        else:
            rows = self._all(
                "DELETE FROM verification_tokens WHERE identifier = ? AND token = ? RETURNING identifier, expires",
                identifier,
                token_hash,
            )
        return (rows[0]["identifier"], rows[0]["expires"]) if rows else None

    def verification_token_rows(self) -> list[dict[str, object]]:
        """Every stored token row (tests: the token is stored hashed)."""
        return [dict(row) for row in self._all("SELECT * FROM verification_tokens ORDER BY expires")]

    def user_by_id(self, tenant: str, user_id: str) -> User | None:
        return self._user(self._one("SELECT * FROM users WHERE tenant = ? AND user_id = ?", tenant, user_id))

    def check_password(self, user: User | None, password: str) -> bool:
        if user is None:
            return spend_decoy_check(password)
        return password_matches(password, user.hashed_password)

    def tenant(self, tenant: str) -> Tenant | None:
        row = self._one("SELECT * FROM tenants WHERE tenant = ?", tenant)
        if row is None:
            return None
        addons = self._all(
            "SELECT addon_key FROM tenant_addons WHERE tenant = ? AND (expires_at IS NULL OR expires_at > ?) "
            "ORDER BY addon_key",
            tenant,
            now_iso(),
        )
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
        stamp = now_iso()
        self.execute(
            "UPDATE sessions SET revoked_at = ?, revoked_reason = ?, updated_at = ? "
            "WHERE tenant = ? AND session_id = ? AND revoked_at IS NULL",
            stamp,
            reason,
            stamp,
            tenant,
            session_id,
        )

    def session_count(self) -> int:
        row = self._one("SELECT count(*) AS n FROM sessions")
        return int(row["n"]) if row else 0

    def session_row(self, tenant: str, session_id: str) -> dict[str, object] | None:
        row = self._one("SELECT * FROM sessions WHERE tenant = ? AND session_id = ?", tenant, session_id)
        return dict(row) if row else None

    # ---------------------------------------------------------------------------- passkeys (0003_authenticators)

    def add_authenticator(self, user: User, credential: StoredCredential) -> None:
        self.execute(
            "INSERT INTO authenticators (credential_id, tenant, user_id, public_key, counter, transports, device_type, "
            "backed_up, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            credential.credential_id,
            user.tenant,
            user.user_id,
            credential.public_key,
            credential.counter,
            credential.transports,
            credential.device_type,
            int(credential.backed_up),
            now_iso(),
        )

    def authenticator(self, credential_id: str) -> StoredCredential | None:
        row = self._one("SELECT * FROM authenticators WHERE credential_id = ?", credential_id)
        return _credential(row) if row else None

    def authenticators_of(self, user: User) -> list[StoredCredential]:
        rows = self._all(
            "SELECT * FROM authenticators WHERE tenant = ? AND user_id = ? ORDER BY created_at",
            user.tenant,
            user.user_id,
        )
        return [_credential(row) for row in rows]

    def update_authenticator_counter(self, credential_id: str, counter: int) -> None:
        self.execute("UPDATE authenticators SET counter = ? WHERE credential_id = ?", counter, credential_id)

    def spend_challenge(self, challenge: str) -> bool:
        """Record `challenge` as used; False when it was used before (a replayed ceremony)."""
        with self.transaction():
            if self._one("SELECT challenge FROM spent_webauthn_challenges WHERE challenge = ?", challenge):
                return False
            self.execute(
                "INSERT INTO spent_webauthn_challenges (challenge, spent_at) VALUES (?, ?)", challenge, now_iso()
            )
        return True

    def create_passkey_user(self, email: str, name: str | None) -> User:
        """A new account for a passkey registered with an unknown e-mail (Auth.js creates the user)."""
        return self._create_passwordless_user("a passkey", email, username=email.split("@")[0], first_name=name)

    def _create_passwordless_user(self, kind: str, email: str, *, username: str, first_name: str | None) -> User:
        """An internal user of the first tenant with no password (the empty hash never matches)."""
        row = self._one("SELECT tenant FROM tenants ORDER BY tenant LIMIT 1")
        if row is None:
            raise StoreUnavailable(f"the store has no tenant to add {kind} user to; seed it first")
        user_id = str(uuid.uuid4())
        self.execute(
            "INSERT INTO users (tenant, user_id, username, hashed_password, first_name, email, user_type) "
            "VALUES (?, ?, ?, '', ?, ?, 'internal')",
            row["tenant"],
            user_id,
            username,
            first_name or None,
            email,
        )
        created = self.user_by_id(row["tenant"], user_id)
        assert created is not None
        return created


def _credential(row: Row) -> StoredCredential:
    return StoredCredential(
        credential_id=row["credential_id"],
        public_key=row["public_key"],
        counter=int(row["counter"]),
        transports=row["transports"],
        device_type=row["device_type"],
        backed_up=bool(row["backed_up"]),
        tenant=row["tenant"],
        user_id=row["user_id"],
    )
