"""The store on both back ends (SQLite file, PostgreSQL): same migrations, same answers, shared by processes.

Each test runs once per back end (`database` fixture); the PostgreSQL cases need the server `scripts/setup
--postgres` starts (they skip without it, and fail under CI=true).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from reference_server.seed import DEMO_CLIENT, DEMO_USER, seed_store
from reference_server.settings import Settings
from reference_server.store import SqlStore, StoreUnavailable, describe_database, open_store
from reference_server.store.migrations import MIGRATIONS, split_statements
from reference_server.testing import running_reference_server
from tests.reference_server.helpers import sign_in

SEED = Settings().seed


@pytest.fixture
def store(database: str) -> Iterator[SqlStore]:
    opened = open_store(database)
    seed_store(opened, SEED, 3)
    try:
        yield opened
    finally:
        opened.close()


def test_every_migration_is_applied_once_and_recorded(database: str) -> None:
    first = open_store(database)
    assert first.applied_migrations() == [m.name for m in MIGRATIONS]
    assert first.migrate() == [], "a migrated database has nothing left to apply"
    first.close()
    again = open_store(database)
    assert again.applied_migrations() == [m.name for m in MIGRATIONS]
    again.close()


def test_migration_files_split_into_whole_statements() -> None:
    assert MIGRATIONS and all(m.statements for m in MIGRATIONS)
    assert split_statements("-- note\nCREATE TABLE a (x TEXT DEFAULT ';');\nCREATE INDEX i ON a (x);\n") == (
        "CREATE TABLE a (x TEXT DEFAULT ';')",
        "CREATE INDEX i ON a (x)",
    )
    with pytest.raises(ValueError, match="unterminated"):
        split_statements("CREATE TABLE a (x TEXT")


def test_seeding_is_deterministic_and_idempotent(store: SqlStore) -> None:
    tenant = seed_store(store, SEED, 3)
    assert seed_store(store, SEED, 3) == tenant
    demo = store.user_by_email(" DEMO@example.com ")
    assert demo is not None and demo.tenant == tenant and demo.user_type == "internal"
    assert store.check_password(demo, DEMO_USER.password) and not store.check_password(demo, "wrong")
    assert store.user_by_id(tenant, demo.user_id) == demo
    client = store.user_by_email(DEMO_CLIENT.email)
    assert client is not None and store.client_id_of(client) and store.client_id_of(demo) is None
    info = store.tenant(tenant)
    assert info is not None and info.plan == "pro" and info.addons == ("ai_assistant",)
    assert store.tenant("no-such-tenant") is None and store.user_by_email("nobody@example.com") is None


def test_a_session_row_lives_until_revoked(store: SqlStore) -> None:
    user = store.user_by_email(DEMO_USER.email)
    assert user is not None
    before = store.session_count()
    session_id = store.create_session(user, "credentials", "127.0.0.1", "pytest", "2999-01-01T00:00:00+00:00")
    assert store.session_count() == before + 1
    assert store.session_is_active(user.tenant, session_id, user.user_id, user.user_type)
    assert not store.session_is_active(user.tenant, session_id, user.user_id, "client"), "identity mismatch"
    assert not store.session_is_active(user.tenant, "no-such-session", user.user_id, user.user_type)
    store.revoke_session(user.tenant, session_id, "user_logout")
    assert not store.session_is_active(user.tenant, session_id, user.user_id, user.user_type)
    row = store.session_row(user.tenant, session_id)
    assert row is not None and row["revoked_reason"] == "user_logout" and row["login_method"] == "credentials"


def test_a_verification_token_is_used_once_and_only_for_its_address(store: SqlStore) -> None:
    """Auth.js's useVerificationToken: the row is deleted when found; another address does not find it."""
    assert "verification_tokens" in store.applied_migrations()
    store.create_verification_token("ada@example.com", "a" * 64, "2999-01-01T00:00:00+00:00")
    assert store.use_verification_token("eve@example.com", "a" * 64) is None
    assert store.use_verification_token("ada@example.com", "a" * 64) == ("ada@example.com", "2999-01-01T00:00:00+00:00")
    assert store.use_verification_token("ada@example.com", "a" * 64) is None, "a token works once"
    store.create_verification_token("ada@example.com", "b" * 64, "2999-01-01T00:00:00+00:00")
    assert store.use_verification_token(None, "b" * 64) == ("ada@example.com", "2999-01-01T00:00:00+00:00")
    assert store.verification_token_rows() == []


def test_a_first_email_sign_in_creates_one_user(store: SqlStore) -> None:
    created = store.create_email_user("new.user@example.com")
    assert store.user_by_email(" NEW.user@example.com ") == created and created.user_type == "internal"
    assert store.user_by_email("New.User@example.com", exact=True) is None
    assert not store.check_password(created, ""), "an email user has no password"


def test_processes_starting_together_migrate_and_seed_once(database: str) -> None:
    """What `--workers N` does at start: N stores open and seed the same empty database at the same moment."""
    errors: list[BaseException] = []
    tenants: list[str] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            barrier.wait()
            opened = open_store(database)
            tenants.append(seed_store(opened, SEED, 3))
            opened.close()
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(set(tenants)) == 1
    check = open_store(database)
    assert check.user_by_email(DEMO_USER.email) is not None
    assert len(check._all("SELECT user_id FROM users WHERE email = ?", DEMO_USER.email)) == 1
    check.close()


def test_a_sign_out_on_one_server_ends_the_session_on_the_other(database: str) -> None:
    with (
        running_reference_server(database=database) as a,
        running_reference_server(database=database) as b,
        httpx.Client(base_url=a.url, timeout=10) as on_a,
    ):
        assert sign_in(on_a, a.demo_email, a.demo_password).status_code == 302
        assert on_a.get("/api/auth/session").json()["user"]["email"] == a.demo_email
        with httpx.Client(base_url=b.url, timeout=10, cookies=on_a.cookies) as on_b:
            assert on_b.get("/api/auth/session").json()["user"]["email"] == a.demo_email
            token = on_b.get("/api/auth/csrf").json()["csrfToken"]
            assert on_b.post("/api/auth/signout", data={"csrfToken": token}).status_code == 302
        assert on_a.get("/api/auth/session").json() == {}


def _serve(database: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_server", "--port", "0", "--no-mocks", "--database", database],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.search(r"(http://127\.0\.0\.1:\d+)/api/auth", line):
            return process, match.group(1)
    process.kill()
    raise AssertionError(f"serve did not start: {process.stderr.read() if process.stderr else ''}")


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    return err


def test_two_serve_processes_on_one_postgresql_database_share_sign_outs(postgres_url: str) -> None:
    first, url_a = _serve(postgres_url)
    try:
        second, url_b = _serve(postgres_url)
        try:
            with httpx.Client(base_url=url_a, timeout=10) as on_a:
                assert sign_in(on_a, DEMO_USER.email, DEMO_USER.password).status_code == 302
                with httpx.Client(base_url=url_b, timeout=10, cookies=on_a.cookies) as on_b:
                    token = on_b.get("/api/auth/csrf").json()["csrfToken"]
                    assert on_b.post("/api/auth/signout", data={"csrfToken": token}).status_code == 302
                assert on_a.get("/api/auth/session").json() == {}
        finally:
            assert "Traceback" not in _stop(second)
    finally:
        assert "Traceback" not in _stop(first)


def test_an_unreachable_postgresql_server_is_one_clear_error() -> None:
    with pytest.raises(
        StoreUnavailable, match=r"cannot connect to PostgreSQL at postgresql://u:\*\*\*@127\.0\.0\.1:1/"
    ):
        open_store("postgresql://u:secret@127.0.0.1:1/db")


@pytest.mark.parametrize(
    ("database", "message"),
    [
        ("mysql://root@localhost/db", "mysql:// is not supported"),
        ("postgresql://u:hunter2@127.0.0.1:1/db", "cannot connect to PostgreSQL at postgresql://u:***@127.0.0.1:1/db"),
        ("/no/such/dir/store.sqlite", "cannot open SQLite database '/no/such/dir/store.sqlite'"),
    ],
)
def test_serve_refuses_a_bad_database_in_one_line(database: str, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reference_server", "--port", "0", "--no-mocks", "--database", database],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr and "hunter2" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_passwords_never_reach_the_banner() -> None:
    assert describe_database("postgresql://app:s3cret@db:5432/algapsa") == "postgresql://app:***@db:5432/algapsa"
    assert describe_database("postgresql://app@db/algapsa") == "postgresql://app@db/algapsa"
    assert describe_database("/var/lib/auth.sqlite") == "/var/lib/auth.sqlite"
