"""The checks that need a real OAuth flow (CB-004, CB-005 and the flow family) pass on the reference server wired to
the mock IdPs, and each fails with its own id when one rule is broken: a flaw switched on in the server
(reference_server/flaws.py), the providers' Auth.js `checks` changed (`checks: ["none"]`), or a response mutated."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.checks._oauth_flow import MADE_UP_NOTE
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.findings import Verdict
from harness.fixtures import split_instance
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from mock_providers.testing import RunningMocks, running_mocks
from reference_server.app import create_app
from reference_server.seed import DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.wiring import oauth_providers_for, register_accounts
from tests.harness.breakages import NO_PASS_TEST, WIRED_BREAKAGES, WIRED_PASS, Wired
from tests.harness.conftest import Switchable

REAL_FLOW_CHECKS = ("CB-004", "CB-005", *(c.id for c in REGISTRY.family("flow") if c.id <= "FLOW-019"))


class Wiring:
    """One served reference server wired to the mocks; its settings (flaws, checks) and mutation swap per test."""

    def __init__(self, mocks: RunningMocks) -> None:
        self.mocks = mocks
        self.base = Settings(oauth_providers=oauth_providers_for(mocks))
        self.switch = Switchable(create_app(self.base))
        self._apps: dict[Any, Any] = {}

    def use(self, broken: Wired) -> None:
        key = (broken.flaws, tuple(sorted(broken.checks.items())))
        if key not in self._apps:
            providers = tuple(replace(p, checks=broken.checks.get(p.id, p.checks)) for p in self.base.oauth_providers)
            self._apps[key] = create_app(self.base.with_changes(flaws=broken.flaws, oauth_providers=providers))
        self.switch.app = self._apps[key]
        self.switch.reset()
        if broken.mutation:
            self.switch.use(*broken.mutation)

    def context(self, url: str, *, mock_idp: bool = True) -> CheckContext:
        inputs = Inputs(None, (DEMO_USER.email, DEMO_USER.password), self.mocks.http_url if mock_idp else None)
        return CheckContext(TargetClient(url), PROFILES["documented"], inputs)


@pytest.fixture(scope="module")
def wired() -> Iterator[tuple[str, Wiring]]:
    """The reference server wired to the mocks, their account picker shown (as in the embedded default)."""
    with running_mocks() as mocks:
        register_accounts(mocks)
        wiring = Wiring(mocks)
        with serve_in_thread(wiring.switch) as url:
            yield url, wiring


@pytest.mark.parametrize("check_id", REAL_FLOW_CHECKS)
def test_real_flow_check_passes_on_the_wired_reference_server(wired, check_id: str) -> None:
    url, wiring = wired
    wiring.use(Wired())
    check = REGISTRY.get(check_id)
    findings = [run_check(check, wiring.context(url), split_instance(i)[1]) for i in check.instances()]
    assert [(f.key, f.verdict, f.reason or f.message) for f in findings if f.verdict != Verdict.PASS] == []


@pytest.mark.parametrize("instance", sorted(WIRED_BREAKAGES))
def test_real_flow_check_fails_on_the_broken_server(wired, instance: str) -> None:
    url, wiring = wired
    wiring.use(WIRED_BREAKAGES[instance])
    check_id, param = split_instance(instance)
    try:
        finding = run_check(REGISTRY.get(check_id), wiring.context(url), param)
    finally:
        wiring.use(Wired())
    assert finding.check_id == check_id
    assert finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert finding.curl.startswith("curl ") and finding.expected is not None


def test_checks_none_fails_every_injection_variant(wired) -> None:
    """The `checks: ["none"]` configuration (no PKCE, no state): a real code creates a session however delivered."""
    url, wiring = wired
    wiring.use(WIRED_BREAKAGES["CB-004[keycloak]"])
    try:
        verdicts = {
            f"{cid}[{p}]": run_check(REGISTRY.get(cid), wiring.context(url), p).verdict
            for cid in ("CB-004", "CB-005", "FLOW-001", "FLOW-002")
            for p in ("google", "keycloak", "azure-ad")
        }
    finally:
        wiring.use(Wired())
    assert {k: v for k, v in verdicts.items() if v != Verdict.FAIL} == {}


def test_without_a_mock_idp_the_made_up_code_variant_says_what_it_shows(wired) -> None:
    url, wiring = wired
    wiring.use(Wired())
    ctx = wiring.context(url, mock_idp=False)
    finding = run_check(REGISTRY.get("CB-004"), ctx, "google")
    assert finding.verdict == Verdict.PASS and finding.message == MADE_UP_NOTE
    assert run_check(REGISTRY.get("FLOW-001"), ctx, "google").verdict == Verdict.NOT_APPLICABLE


def test_checks_without_a_pass_on_the_plain_reference_server_pass_here() -> None:
    assert {i for i, reason in NO_PASS_TEST.items() if reason == WIRED_PASS} <= set(REAL_FLOW_CHECKS)


def test_flow_002_fails_an_authorization_request_with_another_client_id_than_the_mocks(wired) -> None:
    """The comparison with the mock's discovery summary: a client id the IdP never issued is named."""
    url, wiring = wired
    providers = tuple(
        replace(p, client_id="someone-elses-client") if p.id == "google" else p for p in wiring.base.oauth_providers
    )
    with serve_in_thread(create_app(wiring.base.with_changes(oauth_providers=providers))) as other:
        finding = run_check(REGISTRY.get("FLOW-002"), wiring.context(other), "google")
    assert finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert "not the mock's" in finding.message or "not the mock's" in str(finding.received)
