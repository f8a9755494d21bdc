"""Deterministic seed data: one demo tenant, two documented demo accounts, and faker users.

The same seed always gives the same tenant, ids and users, so reports and screenshots are reproducible.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from faker import Faker

from reference_server.store import SqlStore, hash_password

__all__ = ["DEMO_CLIENT", "DEMO_PEER", "DEMO_USER", "DemoAccount", "seed_store"]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    first_name: str
    last_name: str
    user_type: str


DEMO_USER = DemoAccount("demo@example.com", "demo-password", "Demo", "User", "internal")
DEMO_CLIENT = DemoAccount("client@example.com", "client-password", "Casey", "Client", "client")
DEMO_PEER = DemoAccount("conformance.peer@example.com", "peer-password", "Pat", "Peer", "internal")
"""The second user the harness signs in through a mock IdP (session isolation, FLOW-030): AlgaPSA signs only
known internal users in with SSO, so the reference server must know it."""


@functools.cache
def _cached_hash(password: str, salt: str) -> str:
    """Hashing is deliberately slow; seeding many servers in one test run should not pay it each time."""
    return hash_password(password, salt)


def _uuid(fake: Faker) -> str:
    return str(uuid.UUID(fake.uuid4()))


def seed_store(store: SqlStore, seed: int, extra_users: int) -> str:
    """Fill an empty store; return the demo tenant id. Does nothing but return it when already seeded.

    One transaction, exclusive across processes: workers starting together on one database seed it once."""
    with store.transaction():
        return _seed(store, seed, extra_users)


def _seed(store: SqlStore, seed: int, extra_users: int) -> str:
    fake = Faker()
    fake.seed_instance(seed)
    tenant = _uuid(fake)
    if store.tenant(tenant):
        return tenant
    store.execute(
        "INSERT INTO tenants (tenant, company_name, plan, subscription_status) VALUES (?, ?, ?, ?)",
        tenant,
        fake.company(),
        "pro",
        "active",
    )
    store.execute("INSERT INTO tenant_addons (tenant, addon_key) VALUES (?, ?)", tenant, "ai_assistant")
    for account in (DEMO_USER, DEMO_CLIENT):
        _add_user(store, fake, tenant, account)
    for _ in range(extra_users):
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}@{fake.free_email_domain()}".lower()
        user_type = fake.random_element(("internal", "internal", "client"))
        _add_user(store, fake, tenant, DemoAccount(email, fake.password(length=14), first, last, user_type))
    _add_user(store, fake, tenant, DEMO_PEER)  # last, so the faker users keep their ids
    return tenant


def _add_user(store: SqlStore, fake: Faker, tenant: str, account: DemoAccount) -> None:
    user_id = _uuid(fake)
    contact_id = None
    if account.user_type == "client":
        contact_id = _uuid(fake)
        store.execute(
            "INSERT INTO contacts (tenant, contact_name_id, client_id) VALUES (?, ?, ?)",
            tenant,
            contact_id,
            _uuid(fake),
        )
    username = account.email.split("@")[0]
    store.execute(
        "INSERT INTO users (tenant, user_id, username, hashed_password, first_name, last_name, email, icon, "
        "user_type, contact_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tenant,
        user_id,
        username,
        _cached_hash(account.password, user_id[:16]),
        account.first_name,
        account.last_name,
        account.email,
        None,
        account.user_type,
        contact_id,
    )
