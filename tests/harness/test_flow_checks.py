"""The flow checks that need the mock IdP: a CSRF-less OAuth start (FLOW-021), session isolation (FLOW-030), and
revocation under a library profile (FLOW-031 as advisory), against the reference server wired to the mocks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.checks.flow_session import PEER_EMAIL
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.findings import Verdict
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from mock_providers.oidc.control import ControlPlane
from mock_providers.oidc.users import UserDirectory
from mock_providers.testing import RunningMocks, running_mocks
from reference_server.app import create_app
from reference_server.seed import DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.wiring import oauth_providers_for, register_accounts
from tests.harness.conftest import Switchable
from tests.harness.mutator import Reply


@pytest.fixture(scope="module")
def wired() -> Iterator[tuple[str, Switchable, RunningMocks]]:
    with running_mocks() as mocks:
        register_accounts(mocks)
        settings = Settings(oauth_providers=oauth_providers_for(mocks))
        switch = Switchable(create_app(settings), settings)
        with serve_in_thread(switch) as url:
            yield url, switch, mocks


@pytest.fixture
def target(wired: tuple[str, Switchable, RunningMocks]) -> Iterator[tuple[str, Switchable, RunningMocks]]:
    yield wired
    wired[1].reset()


def _run(url: str, mocks: RunningMocks, check_id: str, param: str = "", profile: str = "documented") -> Any:
    ctx = CheckContext(
        TargetClient(url), PROFILES[profile], Inputs(None, (DEMO_USER.email, DEMO_USER.password), mocks.http_url)
    )
    return run_check(REGISTRY.get(check_id), ctx, param)


class PathKeyedCache:
    """An edge cache keyed on the path alone: the first signed-in session it sees is served to everyone."""

    def __init__(self) -> None:
        self.stored: tuple[list[tuple[bytes, bytes]], bytes] | None = None

    def __call__(self, reply: Reply) -> None:
        if self.stored is None:
            if b'"user"' in reply.body:
                self.stored = (list(reply.headers), reply.body)
            return
        reply.headers, reply.body = list(self.stored[0]), self.stored[1]


def test_isolation_passes_on_the_reference_server(target) -> None:
    url, _, mocks = target
    finding = _run(url, mocks, "FLOW-030")
    assert finding.verdict == Verdict.PASS, (finding.message, finding.reason, finding.received)


def test_isolation_fails_behind_a_path_keyed_cache(target) -> None:
    url, switch, mocks = target
    switch.use("/session", PathKeyedCache())
    finding = _run(url, mocks, "FLOW-030")
    assert finding.check_id == "FLOW-030" and finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert "instead of" in finding.message and finding.curl.startswith("curl ")


def test_isolation_registers_the_second_user_once_before_its_parallel_sign_ins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Against fresh mocks showing their account picker (as in the interop runs), the peer is registered once: two
    parallel flows registering it would each give it a new `sub`, and one picker would offer a stale user (a CI
    run saw FLOW-030 not applicable on next-auth v4 that way)."""
    added: list[str] = []
    add, listing = UserDirectory.add, ControlPlane.users

    def counting_add(self: UserDirectory, data: Any) -> Any:
        added.append(str(data.get("email")))
        return add(self, data)

    def slow_listing(self: ControlPlane, vendor: str) -> Any:
        time.sleep(0.3)  # widens the window between "is the user known?" and "add it" so two flows would overlap
        return listing(self, vendor)

    monkeypatch.setattr(UserDirectory, "add", counting_add)
    monkeypatch.setattr(ControlPlane, "users", slow_listing)
    with running_mocks(auto_login=False) as mocks:
        register_accounts(mocks)
        settings = Settings(oauth_providers=oauth_providers_for(mocks))
        with serve_in_thread(create_app(settings)) as url:
            finding = _run(url, mocks, "FLOW-030")
    assert finding.verdict == Verdict.PASS, (finding.message, finding.reason)
    assert added.count(PEER_EMAIL) == 1, added


def test_isolation_tries_a_refused_sign_in_once_more_on_its_own(target) -> None:
    """One of the seven parallel sign-ins refused by the IdP (a loaded target or IdP) is retried, not a reason to
    skip the isolation check; a second refusal is not applicable, with the reason."""
    url, _, mocks = target
    mocks.control.add_fault("google", {"endpoint": "token", "kind": "error", "error": "invalid_grant", "times": 1})
    try:
        finding = _run(url, mocks, "FLOW-030")
    finally:
        mocks.control.clear_faults("google")
    assert finding.verdict == Verdict.PASS, (finding.message, finding.reason)

    mocks.control.add_fault("google", {"endpoint": "token", "kind": "error", "error": "invalid_grant", "times": 50})
    try:
        finding = _run(url, mocks, "FLOW-030")
    finally:
        mocks.control.clear_faults("google")
    assert finding.verdict == Verdict.NOT_APPLICABLE and "could not sign both users in" in finding.reason


def test_isolation_is_not_applicable_without_a_mock_idp(target) -> None:
    url, _, _ = target
    ctx = CheckContext(TargetClient(url), PROFILES["documented"], Inputs(None, (DEMO_USER.email, "x"), None))
    finding = run_check(REGISTRY.get("FLOW-030"), ctx)
    assert finding.verdict == Verdict.NOT_APPLICABLE and "--mock-idp" in finding.reason


@pytest.mark.parametrize("provider", ["google", "keycloak"])
def test_oauth_start_without_csrf(target, provider: str) -> None:
    url, switch, mocks = target
    assert _run(url, mocks, "FLOW-021", provider).verdict == Verdict.PASS
    switch.use_flaws("csrf-unchecked-signin")
    finding = _run(url, mocks, "FLOW-021", provider)
    assert finding.verdict == Verdict.FAIL and "started an OAuth flow" in finding.message, finding.received


def test_revocation_is_advisory_for_a_jwt_library_profile(target) -> None:
    url, switch, mocks = target
    switch.use_flaws("signout-keeps-session")
    finding = _run(url, mocks, "FLOW-031", profile="authjs-v5")
    assert finding.verdict == Verdict.WARN and "stateless JWE cookie" in finding.message
    assert _run(url, mocks, "FLOW-031").verdict == Verdict.FAIL
