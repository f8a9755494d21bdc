"""CB-006: a full OAuth sign-in through the mock IdP passes on the reference server wired to the mocks, and
fails with its own id when the target's callback sets no session or the session is not the provider's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.findings import Verdict
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from mock_providers.testing import RunningMocks, running_mocks
from reference_server.app import create_app
from reference_server.seed import DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.wiring import oauth_providers_for, register_accounts
from tests.harness.breakages import cookies, json_body
from tests.harness.conftest import Switchable

PROVIDERS = ("google", "azure-ad", "keycloak")


@pytest.fixture(scope="module")
def wired() -> Iterator[tuple[str, Switchable, RunningMocks]]:
    """The reference server wired to the mocks (picker shown), behind a switch that can break it."""
    with running_mocks() as mocks:
        register_accounts(mocks)
        switch = Switchable(create_app(Settings(oauth_providers=oauth_providers_for(mocks))))
        with serve_in_thread(switch) as url:
            yield url, switch, mocks


def _context(url: str, mocks: RunningMocks) -> CheckContext:
    return CheckContext(
        TargetClient(url), PROFILES["documented"], Inputs(None, (DEMO_USER.email, DEMO_USER.password), mocks.http_url)
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cb006_passes_on_the_reference_server(wired, provider: str) -> None:
    url, switch, mocks = wired
    switch.reset()
    finding = run_check(REGISTRY.get("CB-006"), _context(url, mocks), provider)
    assert finding.verdict == Verdict.PASS, (finding.message, finding.received)
    assert any(entry["endpoint"] == "token" for entry in mocks.requests()), "the mock's token endpoint was used"


@pytest.mark.parametrize(
    ("suffix", "mutation", "message"),
    [
        ("/callback/keycloak", cookies(lambda c: None if "session-token" in c else c), "set no session cookie"),
        ("/session", json_body(lambda b, r: {**b, "login_method": "credentials"} if b else b), "login_method"),
        (
            "/session",
            json_body(lambda b, r: {**b, "user": {**b["user"], "email": "someone@else.example"}} if b else b),
            "not the signed-in user's",
        ),
    ],
)
def test_cb006_fails_on_a_broken_target(wired, suffix: str, mutation, message: str) -> None:
    url, switch, mocks = wired
    switch.use(suffix, mutation)
    try:
        finding = run_check(REGISTRY.get("CB-006"), _context(url, mocks), "keycloak")
    finally:
        switch.reset()
    assert finding.check_id == "CB-006" and finding.verdict == Verdict.FAIL
    assert message in finding.message and finding.curl.startswith("curl ")


def test_cb006_is_not_applicable_without_a_mock_idp(wired) -> None:
    url, _, _ = wired
    ctx = CheckContext(TargetClient(url), PROFILES["documented"], Inputs())
    finding = run_check(REGISTRY.get("CB-006"), ctx, "google")
    assert finding.verdict == Verdict.NOT_APPLICABLE and "--mock-idp" in finding.reason
