"""The schema as numbered migrations (`migrations/NNNN_name.sql`), one source that every back end applies.

Each file is plain SQL that SQLite and PostgreSQL both accept (TEXT timestamps, INTEGER flags, partial
indexes); `tests/reference_server/test_store.py` applies them to both. A database records what it has applied in
`schema_migrations`, so a new file is applied once to existing databases and never twice.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

__all__ = ["MIGRATIONS", "Migration", "split_statements"]

_NAME = re.compile(r"(\d{4})_(\w+)\.sql")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(script: str) -> tuple[str, ...]:
    """The statements of `script`, split where SQLite's parser sees one end (so `;` inside strings is safe)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if not pending and line.lstrip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip().rstrip(";").strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"unterminated SQL statement: {pending.strip()[:60]!r}")
    return tuple(statements)


def _load() -> tuple[Migration, ...]:
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _NAME.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], split_statements(entry.read_text(encoding="utf-8"))))
    found.sort(key=lambda migration: migration.version)
    if len({m.version for m in found}) != len(found):
        raise RuntimeError("two migrations share a version number")
    return tuple(found)


MIGRATIONS = _load()
