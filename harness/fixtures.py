"""Fixtures the plugin registers when the suite is active; layered so users can override them.

`conformance_target` (session) -> `base_url` (session, shared with pytest-playwright) ->
`conformance_context` (session CheckContext) -> `conformance` (per test: runs one check instance).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.context import CheckContext
from harness.findings import Finding, Verdict
from harness.registry import REGISTRY
from harness.run import Run
from harness.runner import apply_waiver, run_check

RUN_KEY = pytest.StashKey[Run]()
FINDING_KEY = pytest.StashKey[Finding]()
ADVISORY_KEY = pytest.StashKey[list[str]]()


def split_instance(instance: str) -> tuple[str, str]:
    check_id, _, rest = instance.partition("[")
    return check_id, rest.removesuffix("]")


class CheckRunner:
    """Runs check instances for one test item and maps the verdict to a pytest outcome."""

    def __init__(self, node: pytest.Item, run: Run) -> None:
        self.node, self.run = node, run

    def check(self, instance: str) -> None:
        check_id, param = split_instance(instance)
        finding = apply_waiver(run_check(REGISTRY.get(check_id), self.run.context(), param), self.run.waivers)
        self.node.stash[FINDING_KEY] = finding
        outcome(finding)

    def schemathesis(self, case: Any, *, advisory: bool = False) -> None:
        """Call and validate one generated case; advisory failures are remembered, not raised."""
        from harness.checks.schema import NEGATIVE_ID, POSITIVE_ID, excluded_checks

        check_id = NEGATIVE_ID if advisory else POSITIVE_ID
        profile = self.run.context().profile
        reason = profile.not_applicable_reason(check_id, f"{check_id}[{self.node.name.partition('[')[2].rstrip(']')}]")
        if reason:
            pytest.skip(f"not applicable: profile {profile.name}: {reason}")
        base = self.run.options.base_path.rstrip("/")
        if not base.endswith("/api/auth"):
            pytest.skip(f"not applicable: the spec's paths are /api/auth/*, the target's base path is {base}")
        mode = "negative" if advisory else "positive"
        kwargs = {
            "base_url": self.run.target + base.removesuffix("/api/auth"),
            "excluded_checks": excluded_checks(mode),
            "timeout": self.run.options.timeout,
        }
        if not advisory:
            case.call_and_validate(**kwargs)
            return
        try:
            case.call_and_validate(**kwargs)
        except (AssertionError, BaseExceptionGroup) as failure:  # noqa: B030 - FailureGroup is an ExceptionGroup
            self.node.stash.setdefault(ADVISORY_KEY, []).append(str(failure))


def outcome(finding: Finding) -> None:
    """pass/warn return; N/A skips; waived xfails; fail and stale waivers fail without a Python traceback."""
    if finding.verdict == Verdict.NOT_APPLICABLE:
        pytest.skip(f"not applicable: {finding.reason}")
    if finding.verdict == Verdict.WAIVED:
        pytest.xfail(f"waived: {finding.extra.get('waiver')}")
    if finding.verdict in (Verdict.FAIL, Verdict.STALE_WAIVER):
        pytest.fail(describe(finding), pytrace=False)


def describe(finding: Finding) -> str:
    from harness.findings import CheckFailure

    failure = CheckFailure(finding.message, expected=finding.expected, received=finding.received, curl=finding.curl)
    return f"{finding.key} {finding.title} [{finding.clause}, {finding.severity}]\n{failure}"


@pytest.fixture(scope="session")
def conformance_run(pytestconfig: pytest.Config) -> Run:
    return pytestconfig.stash[RUN_KEY]


@pytest.fixture(scope="session")
def conformance_target(conformance_run: Run) -> str:
    """The origin under test (the embedded reference server when no --target was given)."""
    return conformance_run.target


@pytest.fixture(scope="session")
def base_url(conformance_target: str) -> str:
    """pytest-base-url's fixture, so Playwright's `page.goto("/api/auth/signin")` hits the target."""
    return conformance_target


@pytest.fixture(scope="session")
def conformance_context(conformance_run: Run) -> CheckContext:
    return conformance_run.context()


@pytest.fixture
def conformance(request: pytest.FixtureRequest, conformance_run: Run) -> CheckRunner:
    return CheckRunner(request.node, conformance_run)
