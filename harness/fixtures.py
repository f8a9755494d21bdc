"""Fixtures the plugin registers when the suite is active; layered so users can override them.

`conformance_target` (session) -> `base_url` (session, shared with pytest-playwright) ->
`conformance_context` (session CheckContext) -> `conformance` (per test: runs one check instance with that
context). The suite is collected from the installed package, outside a project's conftest directories, so an
override of `conformance_context` (another client, extra inputs) is a plugin object registered after these
fixtures, e.g. from a conftest's `pytest_configure` with `trylast=True` (README, "Extending the suite").
"""

from __future__ import annotations

import pytest

from harness.context import CheckContext
from harness.findings import CheckFailure, Finding, Verdict
from harness.pool import prefetched
from harness.registry import REGISTRY
from harness.run import Run
from harness.runner import apply_waiver, run_check

RUN_KEY = pytest.StashKey[Run]()
FINDING_KEY = pytest.StashKey[Finding]()


def split_instance(instance: str) -> tuple[str, str]:
    check_id, _, rest = instance.partition("[")
    return check_id, rest.removesuffix("]")


class CheckRunner:
    """Runs check instances for one test item and maps the verdict to a pytest outcome."""

    def __init__(self, node: pytest.Item, run: Run, context: CheckContext | None = None) -> None:
        self.node, self.run = node, run
        self.context = context or run.context()

    @property
    def label(self) -> str:
        """The item's parameter id (`GET /api/auth/csrf` for a schema item)."""
        return self.node.name.partition("[")[2].rstrip("]")

    def check(self, instance: str) -> None:
        check_id, param = split_instance(instance)
        check = REGISTRY.get(check_id)
        finding = prefetched(self.node, check, instance, self.context) or run_check(check, self.context, param)
        self.record(apply_waiver(finding, self.run.waivers))

    @property
    def finding(self) -> Finding | None:
        """The finding recorded for this item so far (a generated test runs once per example)."""
        return self.node.stash.get(FINDING_KEY, None)

    @finding.setter
    def finding(self, finding: Finding) -> None:
        self.node.stash[FINDING_KEY] = finding

    def record(self, finding: Finding) -> None:
        """The item's finding goes into the reports; its verdict becomes the pytest outcome."""
        self.finding = finding
        outcome(finding)


def outcome(finding: Finding) -> None:
    """pass/warn return; N/A skips; waived xfails; fail and stale waivers fail without a Python traceback."""
    if finding.verdict == Verdict.NOT_APPLICABLE:
        pytest.skip(f"not applicable: {finding.reason}")
    if finding.verdict == Verdict.WAIVED:
        pytest.xfail(f"waived: {finding.extra.get('waiver')}")
    if finding.verdict in (Verdict.FAIL, Verdict.STALE_WAIVER):
        pytest.fail(describe(finding), pytrace=False)


def describe(finding: Finding) -> str:
    failure = CheckFailure(finding.message, expected=finding.expected, received=finding.received, curl=finding.curl)
    session = f"\nSession from: {finding.extra['session']}" if finding.extra.get("session") else ""
    return f"{finding.key} {finding.title} [{finding.clause}, {finding.severity}]\n{failure}{session}"


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
    """The context every check instance runs with (override it to hand the checks another one)."""
    return conformance_run.context()


@pytest.fixture
def conformance(request: pytest.FixtureRequest, conformance_run: Run, conformance_context: CheckContext) -> CheckRunner:
    return CheckRunner(request.node, conformance_run, conformance_context)
