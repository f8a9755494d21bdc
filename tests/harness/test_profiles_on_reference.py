"""Profiles decide what "correct" means: a reference server configured as AlgaPSA configures Auth.js passes
`algapsa`, and the same server fails `authjs-v5` exactly where AlgaPSA's contract differs from the library's."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from reference_server import Pages, Settings
from reference_server.seed import DEMO_USER
from reference_server.testing import RunningReferenceServer, running_reference_server

ALGAPSA_PAGES = Pages(sign_in="/auth/signin", sign_out="/auth/signin")


@pytest.fixture(scope="module")
def algapsa_like() -> Iterator[RunningReferenceServer]:
    # AlgaPSA sets NEXTAUTH_URL: a pinned origin, not the Host header (FLOW-040)
    with running_reference_server(Settings(pages=ALGAPSA_PAGES, trust_host=False)) as server:
        yield server


def _failures(pytester: pytest.Pytester, server: RunningReferenceServer, profile: str) -> tuple[int, set[str]]:
    result = pytester.runpytest(
        "--target",
        server.url,
        "--profile",
        profile,
        "--secret",
        server.secret,
        "--credentials",
        f"{DEMO_USER.email}:{DEMO_USER.password}",
        "-m",
        "not browser",
        "-k",
        "not SCHEMA",
        "--report-json",
        "r.json",
        "-p",
        "no:randomly",
    )
    findings = json.loads((pytester.path / "r.json").read_text())["findings"]
    return result.ret, {f["check_id"] for f in findings if f["verdict"] == "fail"}


def test_algapsa_configuration_passes_the_algapsa_profile(pytester: pytest.Pytester, algapsa_like) -> None:
    ret, failed = _failures(pytester, algapsa_like, "algapsa")
    assert (ret, failed) == (0, set())


def test_the_same_server_fails_the_library_profile_where_algapsa_differs(
    pytester: pytest.Pytester, algapsa_like
) -> None:
    ret, failed = _failures(pytester, algapsa_like, "authjs-v5")
    assert ret == 1
    assert "SESS-001" in failed  # AlgaPSA answers {} for no session; Auth.js v5 answers null


# ------------------------------------------------------------------ SESS-005: clearing is profile data


def _sess_005(url: str, profile: str):  # noqa: ANN202 - a Finding
    from harness.registry import REGISTRY
    from harness.runner import run_check
    from tests.harness.conftest import make_context

    return run_check(REGISTRY.get("SESS-005"), make_context(url, profile))


@pytest.mark.parametrize(("profile", "verdict"), [("documented", "pass"), ("algapsa", "not-applicable")])
def test_sess_005_on_a_server_that_clears_stale_cookies(reference, profile: str, verdict: str) -> None:
    finding = _sess_005(reference.url, profile)
    assert finding.verdict == verdict, (finding.message, finding.reason)


@pytest.mark.parametrize(
    ("profile", "verdict", "severity"),
    [("documented", "warn", "advisory"), ("algapsa", "not-applicable", "medium")],
)
def test_sess_005_on_a_server_that_leaves_stale_cookies(broken, profile: str, verdict: str, severity: str) -> None:
    """Like AlgaPSA's static session route: {} for a stale cookie, no Max-Age=0 Set-Cookie."""
    from tests.harness.breakages import BREAKAGES

    url, switch = broken
    switch.use(*BREAKAGES["SESS-005"])
    finding = _sess_005(url, profile)
    assert (finding.verdict, finding.severity) == (verdict, severity), finding.message
    if verdict == "not-applicable":
        assert "static route" in finding.reason and "algapsa.md section 3" in finding.reason


def test_sess_005_is_required_by_the_library_profiles() -> None:
    from harness.findings import Severity
    from harness.profiles import PROFILES

    for name in ("authjs-v5", "nextauth-v4"):
        profile = PROFILES[name]
        assert profile.not_applicable_reason("SESS-005", "SESS-005") is None
        assert profile.severity_for("SESS-005", "SESS-005", Severity.MEDIUM) == Severity.MEDIUM
