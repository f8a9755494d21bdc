"""`Store` on PostgreSQL (AlgaPSA's real database) through psycopg 3 and its connection pool.

Every worker and every `serve` process on the same database sees the same rows, so a sign-out anywhere ends
the session everywhere. The queries are the shared ones in `sql.py` (`?` becomes `%s`); `transaction()` holds a
transaction-scoped advisory lock, so concurrent starts migrate and seed once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from reference_server.store.model import StoreUnavailable
from reference_server.store.sql import Row, SqlStore
from reference_server.store.urls import describe_database

__all__ = ["PostgresStore"]

_LOCK_KEY = 0x6E61_636F  # "naco": the advisory lock this project's migrations and seeding take
CONNECT_TIMEOUT = 10


@lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    return sql.replace("?", "%s")


class PostgresStore(SqlStore):
    dialect = "postgresql"

    def __init__(self, url: str, max_connections: int = 8) -> None:
        self.url = url
        options: dict[str, Any] = {"autocommit": True, "row_factory": dict_row, "connect_timeout": CONNECT_TIMEOUT}
        try:
            psycopg.connect(url, **options).close()  # a clear reason now, not a pool timeout later
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise StoreUnavailable(f"cannot connect to PostgreSQL at {describe_database(url)}: {reason}") from error
        self._pool = ConnectionPool(
            url, min_size=1, max_size=max_connections, kwargs=options, open=True, timeout=CONNECT_TIMEOUT
        )
        self._local = threading.local()
        self.migrate()

    def close(self) -> None:
        self._pool.close()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        held = getattr(self._local, "connection", None)
        if held is not None:  # inside transaction(): stay on its connection
            yield held
            return
        with self._pool.connection() as connection:
            yield connection

    def _one(self, sql: str, *args: object) -> Row | None:
        with self._connection() as connection:
            row: Row | None = connection.execute(_pyformat(sql), args).fetchone()
            return row

    def _all(self, sql: str, *args: object) -> Sequence[Row]:
        with self._connection() as connection:
            rows: list[Row] = connection.execute(_pyformat(sql), args).fetchall()
            return rows

    def execute(self, sql: str, *args: object) -> None:
        with self._connection() as connection:
            connection.execute(_pyformat(sql), args)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if getattr(self._local, "connection", None) is not None:
            yield  # already exclusive
            return
        with self._pool.connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            self._local.connection = connection
            try:
                yield
            finally:
                self._local.connection = None
