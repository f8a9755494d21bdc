"""What a `--database` value names: a PostgreSQL URL or a SQLite path; its problems and its printable form.

Its own module so both the package (`open_store`) and the PostgreSQL back end read it without importing each other.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

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
