"""What the store holds and the one small interface the server talks to (`Store`), whatever the back end.

Users and sessions carry AlgaPSA's columns (research/algapsa.md section 9). A session row is the server-side
truth: a JWE cookie whose row is missing or revoked is no session at all (AlgaPSA's `isRevokedOrIdentityMismatch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Store", "StoreUnavailable", "StoredCredential", "Tenant", "User", "now_iso"]


class StoreUnavailable(RuntimeError):
    """The database cannot be opened or reached; the message is the one line a user sees."""


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


@dataclass(frozen=True)
class StoredCredential:
    """A registered passkey as Auth.js's Authenticator model keeps it: ids and key in base64, the signature
    counter, transports comma-separated; `tenant`/`user_id` its owner (empty before it is stored)."""

    credential_id: str
    public_key: str
    counter: int
    transports: str | None
    device_type: str | None
    backed_up: bool
    tenant: str = ""
    user_id: str = ""


class Store(Protocol):
    def user_by_email(self, email: str, exact: bool = False) -> User | None: ...
    def create_email_user(self, email: str) -> User: ...
    def create_verification_token(self, identifier: str, token_hash: str, expires: str) -> None: ...
    def use_verification_token(self, identifier: str | None, token_hash: str) -> tuple[str, str] | None: ...
    def user_by_id(self, tenant: str, user_id: str) -> User | None: ...
    def check_password(self, user: User | None, password: str) -> bool:
        """Slow by design; for `None` (no such account) as slow, and False."""
        ...

    def tenant(self, tenant: str) -> Tenant | None: ...
    def client_id_of(self, user: User) -> str | None: ...
    def create_session(
        self, user: User, login_method: str, ip: str | None, user_agent: str | None, expires_at: str
    ) -> str: ...
    def session_is_active(self, tenant: str, session_id: str, user_id: str, user_type: str) -> bool: ...
    def revoke_session(self, tenant: str, session_id: str, reason: str) -> None: ...
    def add_authenticator(self, user: User, credential: StoredCredential) -> None: ...
    def authenticator(self, credential_id: str) -> StoredCredential | None: ...
    def authenticators_of(self, user: User) -> list[StoredCredential]: ...
    def update_authenticator_counter(self, credential_id: str, counter: int) -> None: ...
    def spend_challenge(self, challenge: str) -> bool: ...
    def create_passkey_user(self, email: str, name: str | None) -> User: ...
