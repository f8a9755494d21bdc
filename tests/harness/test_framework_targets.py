"""Other Auth.js deployments than Next.js with a credentials user: CSRF left to the framework (SvelteKit's Origin
check, FLOW-024..027 and the preflight), OAuth-only apps (a session from the mock IdP) and database sessions
(FLOW-031 must revoke an opaque token), on the reference server dressed by tests/harness/framework_shims.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness import sessions
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.errors import TargetNotAuthjs
from harness.findings import Verdict
from harness.preflight import detect_profile, preflight
from harness.profiles import PROFILES, with_csrf_protection
from harness.registry import REGISTRY
from harness.runner import run_check
from harness.signin import csrf_disabled
from mock_providers.testing import RunningMocks, running_mocks
from reference_server.app import create_app
from reference_server.seed import DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.wiring import oauth_providers_for, register_accounts
from tests.harness.framework_shims import CSRF_FLAWS, OpaqueSessions, OriginGuard
from tests.harness.mutator import Mutator, Reply


class Swap:
    """One served ASGI app, replaced per test."""

    def __init__(self, app: Any) -> None:
        self.default = self.current = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.current(scope, receive, send)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Swap, RunningMocks, Settings]]:
    with running_mocks() as mocks:
        register_accounts(mocks)
        settings = Settings(oauth_providers=oauth_providers_for(mocks))
        swap = Swap(create_app(settings))
        with serve_in_thread(swap) as url:
            yield url, swap, mocks, settings


@pytest.fixture
def target(served: tuple[str, Swap, RunningMocks, Settings]) -> Iterator[tuple[str, Swap, RunningMocks, Settings]]:
    yield served
    served[1].current = served[1].default


def sveltekit_like(settings: Settings, allow: frozenset[str] = frozenset()) -> OriginGuard:
    return OriginGuard(create_app(settings.with_changes(flaws=frozenset(CSRF_FLAWS))), allow=allow)


def _run(url: str, check_id: str, param: str = "", *, profile: Any = None, inputs: Inputs | None = None) -> Any:
    chosen = profile or with_csrf_protection(PROFILES["authjs-v5"], "origin")
    ctx = CheckContext(TargetClient(url), chosen, inputs or Inputs(None, (DEMO_USER.email, DEMO_USER.password)))
    return run_check(REGISTRY.get(check_id), ctx, param)


def _mock_inputs(mocks: RunningMocks) -> Inputs:
    return Inputs(None, None, mocks.http_url)


def test_preflight_accepts_a_disabled_csrf_action(target) -> None:
    url, swap, _, settings = target
    swap.current = sveltekit_like(settings)
    client = TargetClient(url)
    exchange = preflight(client)
    assert exchange.status == 404 and csrf_disabled(exchange)
    profile, reason = detect_profile(client, exchange)  # the real SvelteKit app says authjs-v5 (tests/interop)
    assert profile.name == "documented" and "for no session" in reason, reason


def test_preflight_tells_a_wrong_base_path_from_a_disabled_csrf_action(target) -> None:
    url, _, _, _ = target
    with pytest.raises(TargetNotAuthjs) as raised:
        preflight(TargetClient(url, "/auth"))
    assert "no Auth.js at this base path" in str(raised.value) and "\n" not in str(raised.value)


ORIGIN_PASS = [
    ("FLOW-024", "foreign-origin"),
    ("FLOW-024", "no-origin"),
    ("FLOW-025", "google"),
    ("FLOW-025", "keycloak"),
    ("FLOW-026", "foreign-origin"),
    ("FLOW-026", "no-origin"),
    ("FLOW-027", "callback-credentials"),
    ("FLOW-027", "signout"),
    ("FLOW-023", ""),
    ("FLOW-031", ""),
]


@pytest.mark.parametrize(("check_id", "param"), ORIGIN_PASS)
def test_origin_checks_pass_behind_a_sveltekit_like_origin_check(target, check_id: str, param: str) -> None:
    url, swap, _, settings = target
    swap.current = sveltekit_like(settings)
    finding = _run(url, check_id, param)
    assert finding.verdict == Verdict.PASS, (finding.message, finding.reason, finding.received)


@pytest.mark.parametrize(("check_id", "param"), [("FLOW-020", "missing"), ("FLOW-022", "wrong"), ("CSRF-001", "")])
def test_token_checks_are_not_applicable_where_the_framework_took_csrf_over(target, check_id: str, param: str) -> None:
    url, swap, _, settings = target
    swap.current = sveltekit_like(settings)
    finding = _run(url, check_id, param)
    assert finding.verdict == Verdict.NOT_APPLICABLE and "skipCSRFCheck" in finding.reason


def test_origin_checks_are_not_applicable_where_the_csrf_token_is_used(target) -> None:
    url, _, _, _ = target
    finding = _run(url, "FLOW-024", "foreign-origin", profile=PROFILES["documented"])
    assert finding.verdict == Verdict.NOT_APPLICABLE and "csrfToken" in finding.reason


ORIGIN_FAIL = [
    ("foreign-origin", "FLOW-024", "foreign-origin", "set a session cookie"),
    ("no-origin", "FLOW-024", "no-origin", "set a session cookie"),
    ("foreign-origin", "FLOW-025", "google", "started an OAuth flow"),
    ("no-origin", "FLOW-025", "keycloak", "started an OAuth flow"),
    ("foreign-origin", "FLOW-026", "foreign-origin", "signed out"),
    ("no-origin", "FLOW-026", "no-origin", "signed out"),
    ("refuse-credentials", "FLOW-027", "callback-credentials", "signed no one in"),
    ("refuse-signout", "FLOW-027", "signout", "did not sign out"),
]


@pytest.mark.parametrize(("allow", "check_id", "param", "said"), ORIGIN_FAIL)
def test_origin_checks_fail_when_the_origin_check_lets_it_through(
    target, allow: str, check_id: str, param: str, said: str
) -> None:
    url, swap, _, settings = target
    swap.current = sveltekit_like(settings, frozenset({allow}))
    finding = _run(url, check_id, param)
    assert finding.check_id == check_id and finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert said in finding.message, finding.message


@pytest.mark.parametrize(
    ("check_id", "param"),
    [("FLOW-022", "missing"), ("FLOW-023", ""), ("FLOW-031", ""), ("FLOW-030", ""), ("SESS-002", "")],
)
def test_oauth_only_inputs_get_a_session_from_the_mock_idp(
    target, monkeypatch: pytest.MonkeyPatch, check_id: str, param: str
) -> None:
    """No --credentials, no --secret: the session comes from an OAuth sign-in through the mock, named in the
    finding. (The reference server signs in only the users it knows, so the probe user is its demo user.)"""
    url, _, mocks, _ = target
    monkeypatch.setattr(sessions, "PROBE_EMAIL", DEMO_USER.email)
    finding = _run(url, check_id, param, profile=PROFILES["documented"], inputs=_mock_inputs(mocks))
    assert finding.verdict == Verdict.PASS, (finding.message, finding.reason, finding.received)
    assert "OAuth sign-in through --mock-idp" in finding.extra["session"], finding.extra


def test_without_any_input_the_session_checks_say_what_to_pass(target) -> None:
    url, _, _, _ = target
    finding = _run(url, "FLOW-023", profile=PROFILES["documented"], inputs=Inputs())
    assert finding.verdict == Verdict.NOT_APPLICABLE
    assert "--credentials" in finding.reason and "--mock-idp" in finding.reason


def test_fail_with_an_oauth_session_names_it(target, monkeypatch: pytest.MonkeyPatch) -> None:
    url, swap, mocks, settings = target
    monkeypatch.setattr(sessions, "PROBE_EMAIL", DEMO_USER.email)
    swap.current = create_app(settings.with_changes(flaws=frozenset({"signout-on-get"})))
    finding = _run(url, "FLOW-023", profile=PROFILES["documented"], inputs=_mock_inputs(mocks))
    assert finding.verdict == Verdict.FAIL and "google" in finding.extra["session"]


def test_revocation_reports_the_jwe_strategy_and_stays_advisory_under_a_jwt_library_profile(target) -> None:
    url, swap, _, settings = target
    finding = _run(url, "FLOW-031", profile=PROFILES["authjs-v5"])
    assert finding.verdict == Verdict.PASS and "a JWE" in finding.message
    swap.current = create_app(settings.with_changes(flaws=frozenset({"signout-keeps-session"})))
    finding = _run(url, "FLOW-031", profile=PROFILES["authjs-v5"])
    assert finding.verdict == Verdict.WARN and "a JWE" in finding.message and "stateless" in finding.message


def test_revocation_is_required_for_an_opaque_database_session_token_under_every_profile(target) -> None:
    url, swap, _, settings = target
    swap.current = OpaqueSessions(create_app(settings))
    finding = _run(url, "FLOW-031", profile=PROFILES["authjs-v5"])
    assert finding.verdict == Verdict.PASS and "opaque token" in finding.message, (finding.message, finding.reason)
    swap.current = OpaqueSessions(create_app(settings.with_changes(flaws=frozenset({"signout-keeps-session"}))))
    for profile in ("authjs-v5", "nextauth-v4", "documented"):
        finding = _run(url, "FLOW-031", profile=PROFILES[profile])
        assert finding.verdict == Verdict.FAIL and "database session strategy" in finding.message, finding.message
        assert finding.severity == "high"


def test_preflight_says_when_only_the_csrf_action_is_missing(target) -> None:
    """A 404 at csrf that is not the library's csrf-disabled answer (no csrf cookie deleted), on a target whose
    providers answer: one line that names the dropped route, not "wrong base path"."""
    url, swap, _, settings = target

    def drop(reply: Reply) -> None:
        reply.status = 404
        reply.set_header("set-cookie", None)

    swap.current = Mutator(create_app(settings), "/csrf", drop)
    with pytest.raises(TargetNotAuthjs) as raised:
        preflight(TargetClient(url))
    assert "drops the csrf action" in str(raised.value) and "\n" not in str(raised.value)


def test_the_session_source_is_in_the_markdown_report_and_the_pytest_failure(target, tmp_path) -> None:
    from harness.fixtures import describe
    from harness.reports.report import Report, write_markdown

    url, swap, _, settings = target
    swap.current = create_app(settings.with_changes(flaws=frozenset({"signout-on-get"})))
    finding = _run(url, "FLOW-023", profile=PROFILES["documented"])
    assert finding.verdict == Verdict.FAIL
    assert "Session from: a --credentials sign-in" in describe(finding)
    write_markdown(Report({"target": url, "profile": "documented"}, [finding]), tmp_path / "r.md")
    assert "- session from: a --credentials sign-in" in (tmp_path / "r.md").read_text()
