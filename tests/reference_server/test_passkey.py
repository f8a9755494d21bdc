"""POST callback/passkey refusals that need no authenticator, and the passkey rows in both store back ends.

The ceremonies themselves (registration, sign-in, replays, foreign origin or RP ID, counter) run in a real
browser with a virtual authenticator: tests/browser/test_passkey_checks.py; three of them run here on each store
back end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.findings import Verdict
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from reference_server.seed import seed_store
from reference_server.settings import Settings
from reference_server.store import SqlStore, open_store
from reference_server.store.model import StoredCredential
from reference_server.testing import RunningReferenceServer, running_reference_server

CALLBACK = "/api/auth/callback/passkey"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningReferenceServer]:
    with running_reference_server(webauthn=True) as running:
        yield running


@pytest.fixture
def http(server: RunningReferenceServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as client:
        yield client


def _no_session(http: httpx.Client) -> bool:
    return http.get("/api/auth/session").json() in (None, {})


def test_a_callback_without_the_challenge_cookie_is_a_configuration_error(http: httpx.Client) -> None:
    data = json.dumps({"id": "AAAA", "response": {}})
    response = http.post(CALLBACK, data={"action": "authenticate", "data": data})
    assert response.status_code == 302 and response.headers["location"].endswith("error=Configuration")
    assert _no_session(http)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"action": "steal", "data": "{}"}, "Configuration"),
        ({"action": "register", "data": "not json"}, "Configuration"),
        ({"action": "authenticate", "data": json.dumps({"id": 1})}, "Configuration"),
    ],
)
def test_malformed_ceremonies_are_refused(http: httpx.Client, form: dict[str, str], error: str) -> None:
    http.get("/api/auth/webauthn-options", params={"action": "authenticate"})
    response = http.post(CALLBACK, data=form)
    assert response.status_code == 302 and response.headers["location"].endswith(f"error={error}")
    assert _no_session(http)


def test_an_unknown_credential_is_refused(http: httpx.Client) -> None:
    http.get("/api/auth/webauthn-options", params={"action": "authenticate"})
    data = {"id": "bm90LXJlZ2lzdGVyZWQ", "rawId": "bm90LXJlZ2lzdGVyZWQ", "type": "public-key", "response": {}}
    response = http.post(CALLBACK, data={"action": "authenticate", "data": json.dumps(data)})
    assert response.headers["location"].endswith("error=Configuration")
    assert _no_session(http)


def test_passkeys_are_disabled_without_webauthn(client: httpx.Client) -> None:
    response = client.post(CALLBACK, data={"action": "authenticate", "data": "{}"})
    assert response.status_code == 302 and "error=" in response.headers["location"]


@pytest.fixture
def store(database: str) -> Iterator[SqlStore]:
    opened = open_store(database)
    seed_store(opened, Settings().seed, 0)
    try:
        yield opened
    finally:
        opened.close()


def test_authenticators_and_spent_challenges_in_the_store(store: SqlStore) -> None:
    user = store.create_passkey_user("passkey-store@example.com", "Passkey Store")
    assert store.user_by_email("passkey-store@example.com") == user
    assert not store.check_password(user, ""), "a passkey account has no password"
    credential = StoredCredential("Y3JlZA==", "cGs=", 1, "internal,hybrid", "singleDevice", False)
    store.add_authenticator(user, credential)
    stored = store.authenticator("Y3JlZA==")
    assert stored is not None and (stored.tenant, stored.user_id, stored.counter) == (user.tenant, user.user_id, 1)
    store.update_authenticator_counter("Y3JlZA==", 7)
    assert [c.counter for c in store.authenticators_of(user)] == [7]
    assert store.authenticator("bm9uZQ==") is None
    assert store.spend_challenge("challenge-1") and not store.spend_challenge("challenge-1")


@pytest.mark.browser
@pytest.mark.parametrize("check_id", ["PASSKEY-001", "PASSKEY-003", "PASSKEY-007"])
def test_passkey_ceremonies_on_each_back_end(database: str, tmp_path: Path, check_id: str) -> None:
    """Registration, sign-in, the spent challenge and the stored counter on SQLite and PostgreSQL alike."""
    with running_reference_server(webauthn=True, database=database) as server:
        client = TargetClient(server.url.replace("://127.0.0.1:", "://localhost:"))
        inputs = Inputs(server.secret, (server.demo_email, server.demo_password), None, None)
        ctx = CheckContext(client, PROFILES["documented"], inputs, report_dir=tmp_path)
        try:
            finding = run_check(REGISTRY.get(check_id), ctx, "")
        finally:
            client.close()
    assert finding.verdict == Verdict.PASS, f"{finding.message or finding.reason}\n{finding.received}"
