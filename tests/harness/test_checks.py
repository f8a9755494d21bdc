"""Every check passes on the reference server and fails, with its own id, on a deliberately broken one."""

from __future__ import annotations

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.findings import Verdict
from harness.fixtures import split_instance
from harness.registry import REGISTRY
from harness.runner import run_check
from tests.harness.breakages import BREAKAGES, NO_FAIL_TEST, NO_PASS_TEST, WIRED_BREAKAGES, Flaw, cookies
from tests.harness.conftest import make_context

BROWSER = "browser"  # Playwright checks have their own pass/fail tests in tests/browser/
HTTP_CHECKS = [c for c in REGISTRY if c.family != BROWSER]
RUNNABLE = [c for c in HTTP_CHECKS if c.func is not None]
FAILING_VERDICTS = {Verdict.FAIL, Verdict.WARN}


@pytest.mark.parametrize("check", RUNNABLE, ids=lambda c: c.id)
def test_check_passes_on_reference(check, reference_context) -> None:
    findings = [run_check(check, reference_context, split_instance(i)[1]) for i in check.instances()]
    bad = [(f.key, f.verdict, f.message, f.received) for f in findings if f.verdict in FAILING_VERDICTS]
    assert not bad
    if check.id not in NO_PASS_TEST:
        assert any(f.verdict == Verdict.PASS for f in findings), [(f.key, f.reason) for f in findings]


@pytest.mark.parametrize("instance", sorted(BREAKAGES))
def test_check_fails_on_broken_server(instance, broken, reference) -> None:
    url, switch = broken
    suffix, mutation, *method = BREAKAGES[instance]
    if isinstance(mutation, Flaw):
        switch.use_flaws(*mutation.names)
    else:
        switch.use(suffix, mutation, method[0] if method else None)
    check_id, param = split_instance(instance)
    ctx = make_context(url, secret=reference.secret, credentials=(reference.demo_email, reference.demo_password))
    finding = run_check(REGISTRY.get(check_id), ctx, param)
    assert finding.check_id == check_id
    assert finding.verdict in FAILING_VERDICTS, (finding.verdict, finding.reason)
    assert finding.curl.startswith("curl ") and finding.expected is not None


def test_every_check_id_has_a_fail_test_and_a_pass_test() -> None:
    covered = {split_instance(i)[0] for i in (*BREAKAGES, *WIRED_BREAKAGES)} | set(NO_FAIL_TEST)
    assert {c.id for c in HTTP_CHECKS} == covered
    assert set(NO_PASS_TEST) <= {c.id for c in HTTP_CHECKS}


def test_failure_message_has_expected_received_and_curl(broken, reference) -> None:
    url, switch = broken
    switch.use(*BREAKAGES["ACT-001[csrf]"])
    finding = run_check(REGISTRY.get("ACT-001"), make_context(url), "csrf")
    from harness.fixtures import describe

    text = describe(finding)
    assert "Expected:" in text and "Received:" in text and "Reproduce with:" in text and "DOC-responses" in text


@pytest.mark.parametrize(("profile", "verdict"), [("documented", Verdict.PASS), ("authjs-v5", Verdict.FAIL)])
def test_sec_007_refuses_any_domain_where_the_library_sets_host_only_cookies(broken, profile, verdict) -> None:
    """Domain=<the target host itself> is no wider than the host, but Auth.js never sets a Domain at all."""
    url, switch = broken
    switch.use("/csrf", cookies(lambda c: c + "; Domain=127.0.0.1"))
    finding = run_check(REGISTRY.get("SEC-007"), make_context(url, profile))
    assert finding.verdict == verdict, (finding.message, finding.received)
