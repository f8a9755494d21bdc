"""PostgreSQL for the store tests: the server `scripts/setup --postgres` started, one fresh database per test.

Without NEXTAUTH_CONFORMANCE_TEST_PG the PostgreSQL cases skip with the reason, except under CI=true, where a
missing server is a failure: CI must test both back ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

PG_ENV = "NEXTAUTH_CONFORMANCE_TEST_PG"
BACK_ENDS = ("sqlite", "postgresql")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The server's URL (any database on it), or a skip (a failure under CI) when there is none."""
    url = os.environ.get(PG_ENV)
    if not url:
        reason = f"no PostgreSQL server: set {PG_ENV} to its URL (scripts/test starts one: scripts/setup --postgres)"
        if _in_ci():
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as error:  # the variable is set: an unreachable server is an error, never a skip
        pytest.fail(f"{PG_ENV}={url} is not reachable: {error}")
    return url


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh empty database on the test server, dropped (connections and all) after the test."""
    import psycopg

    name = f"nac_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(postgres_server, name)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACK_ENDS)
def database(request: pytest.FixtureRequest, tmp_path) -> str:
    """A `--database` value for each back end: a SQLite file in a temp dir, a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    return str(request.getfixturevalue("postgres_url"))
