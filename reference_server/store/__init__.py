"""The reference server's database: users and sessions with AlgaPSA's columns, on SQLite or PostgreSQL.

`open_store(database)` picks the back end from the value `--database` takes: a `postgresql://` (or
`postgres://`) URL, else a SQLite file path or `:memory:`. Both run the same migrations and the same queries.
"""

from __future__ import annotations

from reference_server.store.model import Store, StoreUnavailable, Tenant, User
from reference_server.store.passwords import hash_password
from reference_server.store.sql import SqlStore
from reference_server.store.sqlite import SQLiteStore
from reference_server.store.urls import database_problem, describe_database, is_postgres_url

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


def open_store(database: str) -> SqlStore:
    """A store on `database`, migrated to the current schema; raises StoreUnavailable with a one-line reason."""
    problem = database_problem(database)
    if problem:
        raise StoreUnavailable(f"--database {database!r}: {problem}")
    if not is_postgres_url(database):
        return SQLiteStore(database)
    try:  # psycopg is an optional extra: load the PostgreSQL back end only for a postgresql:// URL
        from reference_server.store.postgres import PostgresStore
    except ImportError as error:
        raise StoreUnavailable(
            "a postgresql:// database needs psycopg: pip install 'nextauth-conformance[postgres]'"
        ) from error
    return PostgresStore(database)
