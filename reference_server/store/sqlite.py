"""`Store` on SQLite, a file or in memory: the default, and what one process or a few on one machine need.

One connection guarded by a lock: requests are short. Workers sharing a file see each other's sign-outs; an
in-memory database belongs to its process alone.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence

from reference_server.store.model import StoreUnavailable
from reference_server.store.sql import Row, SqlStore

__all__ = ["SQLiteStore"]


class SQLiteStore(SqlStore):
    dialect = "sqlite"

    def __init__(self, database: str = ":memory:") -> None:
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(database, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            if database != ":memory:":
                # `serve --workers N` share the file: in WAL mode readers go on while one process writes, and a
                # commit needs no fsync of its own (synchronous=NORMAL is still crash-safe in WAL mode).
                _use_wal(self._db)
                self._db.execute("PRAGMA synchronous = NORMAL")
            self.migrate()
        except sqlite3.Error as error:  # a missing directory, a file that is not a database, ...
            raise StoreUnavailable(f"cannot open SQLite database {database!r}: {error}") from error

    def close(self) -> None:
        self._db.close()

    def _one(self, sql: str, *args: object) -> Row | None:
        with self._lock:
            row: Row | None = self._db.execute(sql, args).fetchone()
            return row

    def _all(self, sql: str, *args: object) -> Sequence[Row]:
        with self._lock:
            rows: list[Row] = self._db.execute(sql, args).fetchall()
            return rows

    def execute(self, sql: str, *args: object) -> None:
        with self._lock:
            self._db.execute(sql, args)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE takes SQLite's write lock at once, so other processes on the same file wait."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


def _use_wal(db: sqlite3.Connection, deadline_seconds: float = 30.0) -> None:
    """Switch the file to WAL once. The switch needs an exclusive lock and SQLite's busy timeout does not cover it,
    so processes opening a new file together retry briefly; a file already in WAL mode needs no lock at all."""
    give_up = time.monotonic() + deadline_seconds
    while db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > give_up:
                raise
            time.sleep(0.05)
