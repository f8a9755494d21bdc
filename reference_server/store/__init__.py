"""The reference server's database: users and sessions with AlgaPSA's columns, on SQLite or PostgreSQL.

`open_store(database)` picks the back end from the value `--database` takes: a `postgresql://` (or
`postgres://`) URL, else a SQLite file path or `:memory:`. Both run the same migrations and the same queries.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from reference_server.store.model import Store, StoreUnavailable, Tenant, User
from reference_server.store.passwords import hash_password
from reference_server.store.sql import SqlStore
from reference_server.store.sqlite import SQLiteStore

__all__ = [
    "SQLiteStore",
    "SqlStore",
    "Store",
    "StoreUnavailable",
    "Tenant",
    "User",
    "database_problem",
    "describe_database",
    "hash_password",
    "is_postgres_url",
    "open_store",
]

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


def database_problem(database: str) -> str | None:
    """Why `database` cannot be a `--database` value, or None (reachability is checked when it is opened)."""
    if not database.strip():
        return "expected a SQLite file path, :memory: or a postgresql:// URL"
    if _URL.match(database) and not is_postgres_url(database):
        scheme = database.split("://", 1)[0]
        return f"{scheme}:// is not supported; use a postgresql:// URL, a SQLite file path or :memory:"
    return None


def describe_database(database: str) -> str:
    """For banners and errors: a URL with its password replaced by `***`; a SQLite path as it is."""
    if not _URL.match(database):
        return database
    parts = urlsplit(database)
    if parts.password is None:
        return database
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}"))


def open_store(database: str) -> SqlStore:
    """A store on `database`, migrated to the current schema; raises StoreUnavailable with a one-line reason."""
    problem = database_problem(database)
    if problem:
        raise StoreUnavailable(f"--database {database!r}: {problem}")
    if not is_postgres_url(database):
        return SQLiteStore(database)
    try:
        from reference_server.store.postgres import PostgresStore
    except ImportError as error:
        raise StoreUnavailable(
            "a postgresql:// database needs psycopg: pip install 'nextauth-conformance[postgres]'"
        ) from error
    return PostgresStore(database)
