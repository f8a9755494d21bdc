"""The EMAIL checks pass on the reference server mailing to the mock inbox, and each fails with its own id when
one rule of the email provider is broken (a flaw, reference_server/flaws.py, or a response mutation)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.checks.email import EXPIRY_MARGIN, FIRST_LOOK
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.embedded import EMBEDDED_EMAIL_MAX_AGE
from harness.findings import Verdict
from harness.fixtures import split_instance
from harness.fleet.run import start_embedded_targets
from harness.fleet.targets import EMBEDDED, Target
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from mock_providers.testing import RunningMocks, running_mocks
from reference_server.app import create_app
from reference_server.seed import DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from tests.harness.breakages import EMAIL_BREAKAGES
from tests.harness.conftest import Switchable

EMAIL_CHECKS = REGISTRY.family("email")
MAX_AGE = 2


@pytest.fixture(scope="module")
def mailed() -> Iterator[tuple[str, Switchable, RunningMocks]]:
    """A reference server whose email provider mails to the mock inbox; its links live MAX_AGE seconds."""
    with running_mocks(https_port=None) as mocks:
        settings = Settings(email_server=mocks.smtp_url, email_max_age=MAX_AGE)
        switch = Switchable(create_app(settings), settings)
        with serve_in_thread(switch) as url:
            yield url, switch, mocks


def context(url: str, mocks: RunningMocks, *, inbox: bool = True, max_age: float | None = MAX_AGE) -> CheckContext:
    inputs = Inputs(
        None, (DEMO_USER.email, DEMO_USER.password), None, None, mocks.inbox_url if inbox else None, max_age
    )
    return CheckContext(TargetClient(url), PROFILES["documented"], inputs)


@pytest.mark.parametrize("check_id", [c.id for c in EMAIL_CHECKS])
def test_email_check_passes_on_the_reference_server(mailed, check_id: str) -> None:
    url, switch, mocks = mailed
    switch.reset()
    check = REGISTRY.get(check_id)
    findings = [run_check(check, context(url, mocks), split_instance(i)[1]) for i in check.instances()]
    assert [(f.key, f.verdict, f.reason or f.message, f.received) for f in findings if f.verdict != Verdict.PASS] == []


@pytest.mark.parametrize("instance", sorted(EMAIL_BREAKAGES))
def test_email_check_fails_on_the_broken_server(mailed, instance: str) -> None:
    url, switch, mocks = mailed
    breakage = EMAIL_BREAKAGES[instance]
    if isinstance(breakage, str):
        switch.use_flaws(breakage)
    else:
        switch.use(*breakage)
    check_id, param = split_instance(instance)
    try:
        finding = run_check(REGISTRY.get(check_id), context(url, mocks), param)
    finally:
        switch.reset()
    assert finding.check_id == check_id
    assert finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert finding.curl.startswith("curl ") and finding.expected is not None


def test_every_email_check_has_a_breakage() -> None:
    assert {split_instance(i)[0] for i in EMAIL_BREAKAGES} == {c.id for c in EMAIL_CHECKS}
    assert {i for c in EMAIL_CHECKS for i in c.instances()} == set(EMAIL_BREAKAGES)


def test_without_an_inbox_or_an_email_provider_they_say_why(mailed, reference) -> None:
    url, switch, mocks = mailed
    switch.reset()
    no_inbox = run_check(REGISTRY.get("EMAIL-001"), context(url, mocks, inbox=False), None)
    assert no_inbox.verdict == Verdict.NOT_APPLICABLE and "--smtp" in no_inbox.reason
    no_provider = run_check(REGISTRY.get("EMAIL-002"), context(reference.url, mocks), None)
    assert no_provider.verdict == Verdict.NOT_APPLICABLE and "no email provider" in no_provider.reason
    long_lived = run_check(REGISTRY.get("EMAIL-003"), context(url, mocks, max_age=86400), None)
    assert long_lived.verdict == Verdict.NOT_APPLICABLE and "--email-max-age" in long_lived.reason


def test_embedded_targets_of_a_targets_file_pass_their_link_lifetime_on() -> None:
    """In `check --targets` the embedded server runs EMAIL-003 as a single `check` does: its lifetime is passed."""
    with contextlib.ExitStack() as stack:
        (embedded,) = start_embedded_targets([Target("reference", EMBEDDED, args=("-q",))], stack)
    assert embedded.args == ("--email-max-age", f"{EMBEDDED_EMAIL_MAX_AGE:g}", "-q")


def test_refusal_checks_prove_nothing_where_no_link_signs_in(mailed) -> None:
    url, switch, mocks = mailed
    switch.use(*EMAIL_BREAKAGES["EMAIL-001"])
    try:
        verdicts = {
            cid: run_check(REGISTRY.get(cid), context(url, mocks), None).verdict for cid in ("EMAIL-002", "EMAIL-004")
        }
    finally:
        switch.reset()
    assert verdicts == {"EMAIL-002": Verdict.NOT_APPLICABLE, "EMAIL-004": Verdict.NOT_APPLICABLE}


def test_expiry_is_judged_at_the_first_look_where_the_target_keeps_expiry_to_the_millisecond(mailed) -> None:
    url, switch, mocks = mailed
    switch.reset()
    finding = run_check(REGISTRY.get("EMAIL-003"), context(url, mocks), None)
    assert finding.verdict == Verdict.PASS
    assert finding.message == f"refused {MAX_AGE + FIRST_LOOK:g} s after it was sent"


def test_a_link_that_outlives_its_lifetime_by_less_than_the_margin_is_judged_on_the_second_link(mailed) -> None:
    """A target that keeps its expiry to the second still signs a link in just past its lifetime: here the lifetime
    given is 0.95 s shorter than the server's, so the first link, used 0.1 s past it, still signs in and the second,
    used the full margin past it (0.05 s past the server's), is refused: a pass, not a failure."""
    url, switch, mocks = mailed
    switch.reset()
    given = MAX_AGE - 0.95
    finding = run_check(REGISTRY.get("EMAIL-003"), context(url, mocks, max_age=given), None)
    assert finding.verdict == Verdict.PASS, (finding.message, finding.received)
    second_link = f"refused {given + EXPIRY_MARGIN:g} s after it was sent (a link {given + FIRST_LOOK:g} s old still"
    first_link = f"refused {given + FIRST_LOOK:g} s after it was sent"  # only where the process stalled 0.85 s
    assert finding.message.startswith(second_link) or finding.message == first_link
