"""RP-001..RP-020 pass on the reference server wired to the mocks, and each fails, with its own id, on a copy of
it with exactly one relying-party validation switched off (reference_server/flaws.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.client import TargetClient
from harness.context import OAUTH_PROVIDERS, CheckContext, Inputs
from harness.findings import Verdict
from harness.pool import run_pool
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from mock_providers.testing import RunningMocks, running_mocks
from reference_server.app import create_app
from reference_server.seed import DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.wiring import oauth_providers_for, register_accounts
from tests.harness.conftest import Switchable

IDP_TIMEOUT = 1.0
#: The flaw that makes each check fail: one validation skipped at a time.
FLAW_FOR_CHECK = {
    "RP-001": "skip-id-token-signature",
    "RP-002": "accept-alg-none",
    "RP-003": "trust-unknown-kid",
    "RP-004": "trust-missing-kid",
    "RP-005": "skip-id-token-iss",
    "RP-006": "skip-id-token-aud",
    "RP-007": "skip-id-token-azp",
    "RP-008": "skip-id-token-exp",
    "RP-009": "skip-id-token-iat",
    "RP-010": "optional-id-token-iat",
    "RP-011": "skip-nonce-check",
    "RP-012": "accept-missing-nonce",
    "RP-013": "optional-id-token-sub",
    "RP-014": "skip-userinfo-sub",
    "RP-015": "swallow-token-error",
    "RP-016": "swallow-token-5xx",
    "RP-017": "swallow-token-json",
    "RP-018": "no-idp-timeout",
    "RP-019": "skip-discovery-issuer",
    "RP-020": "pin-first-jwks",
}
RP_CHECKS = REGISTRY.family("rp")
USERINFO = ("google", "azure-ad")
"""Providers that read userinfo; keycloak takes its profile from the ID token alone (so RP-013 sees no sub)."""
NOT_APPLICABLE = {"RP-014[keycloak]"}
#: Fail tests on google: keycloak reads userinfo here (RP-014) and its authorization response names the real
#: issuer (RFC 9207 `iss`), which the reference server checks against discovery before anything else (RP-019).
GOOGLE_ONLY = {"RP-014", "RP-019"}


@pytest.fixture(scope="module")
def wired() -> Iterator[tuple[str, Switchable, RunningMocks, Settings]]:
    """The reference server on the mocks, every provider sending a nonce, two reading userinfo, a short IdP
    timeout, behind a switch that swaps in a flawed copy."""
    with running_mocks(auto_login=True) as mocks:
        register_accounts(mocks)
        providers = tuple(
            replace(p, checks=(*p.checks, "nonce"), userinfo=p.id in USERINFO) for p in oauth_providers_for(mocks)
        )
        settings = Settings(oauth_providers=providers, http_timeout=IDP_TIMEOUT)
        switch = Switchable(create_app(settings))
        with serve_in_thread(switch) as url:
            yield url, switch, mocks, settings


def _context(url: str, mocks: RunningMocks | None) -> CheckContext:
    profile = replace(PROFILES["documented"], idp_timeout=IDP_TIMEOUT)
    inputs = Inputs(None, (DEMO_USER.email, DEMO_USER.password), mocks.http_url if mocks else None)
    return CheckContext(TargetClient(url), profile, inputs)


def test_every_rp_check_has_a_flaw() -> None:
    assert set(FLAW_FOR_CHECK) == {c.id for c in RP_CHECKS}


@pytest.mark.parametrize("check", RP_CHECKS, ids=lambda c: c.id)
def test_rp_check_passes_on_the_reference_server(wired, check) -> None:
    url, switch, mocks, _ = wired
    switch.reset()
    ctx = _context(url, mocks)
    findings = [run_check(check, ctx, provider) for provider in check.params]
    expected = [(f.key, Verdict.NOT_APPLICABLE if f.key in NOT_APPLICABLE else Verdict.PASS) for f in findings]
    assert [(f.key, f.verdict) for f in findings] == expected, [
        (f.key, f.message, f.reason, f.received) for f in findings if f.verdict != Verdict.PASS
    ]


@pytest.mark.parametrize(("check_id", "flaw"), sorted(FLAW_FOR_CHECK.items()))
def test_rp_check_fails_on_a_lax_relying_party(wired, check_id: str, flaw: str) -> None:
    url, switch, mocks, settings = wired
    switch.current = create_app(settings.with_changes(flaws=frozenset({flaw})))
    try:
        provider = "google" if check_id in GOOGLE_ONLY else "keycloak"
        finding = run_check(REGISTRY.get(check_id), _context(url, mocks), provider)
    finally:
        switch.reset()
    assert finding.check_id == check_id
    assert finding.verdict in (Verdict.FAIL, Verdict.WARN), (finding.verdict, finding.reason)
    assert finding.expected is not None


def test_rp_checks_are_not_applicable_without_a_mock_idp(wired) -> None:
    url, _, _, _ = wired
    finding = run_check(REGISTRY.get("RP-001"), _context(url, None), "google")
    assert finding.verdict == Verdict.NOT_APPLICABLE and "--mock-idp" in finding.reason


def test_pooled_rp_checks_each_see_only_their_own_faults(wired) -> None:
    """The rp family run concurrently (harness/pool.py) against one mock, on a relying party that skips only the
    issuer check: RP-005 still fails on every provider (no other check's audience or signature fault reached its
    sign-in), its neighbours pass, each with its own exchanges."""
    url, switch, mocks, settings = wired
    switch.current = create_app(settings.with_changes(flaws=frozenset({"skip-id-token-iss"})))
    instances = [f"{check_id}[{p}]" for check_id in ("RP-005", "RP-006", "RP-001", "RP-008") for p in OAUTH_PROVIDERS]
    try:
        pooled = run_pool(_context(url, mocks), instances)
    finally:
        switch.reset()
    assert sorted(pooled.done) == sorted(instances)
    outcomes = {instance: outcome for instance, outcome in pooled.done.items() if isinstance(outcome, tuple)}
    assert outcomes.keys() == pooled.done.keys(), pooled.done  # no instance raised
    verdicts = {instance: finding.verdict for instance, (finding, _) in outcomes.items()}
    assert verdicts == {i: Verdict.FAIL if i.startswith("RP-005") else Verdict.PASS for i in instances}, verdicts
    assert all(exchanges for _, exchanges in outcomes.values())
