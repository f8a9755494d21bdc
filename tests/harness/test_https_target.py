"""Over HTTPS the cookie checks demand the prefixes and Secure: the reference server served with TLS passes,
and copies that drop Secure or the `__Host-` / `__Secure-` prefix fail with the check's own id (FLOW-003 for the
OAuth check cookies)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.findings import Verdict
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from mock_providers.testing import RunningMocks, running_mocks
from mock_providers.tls import ensure_certificates
from reference_server.app import create_app
from reference_server.seed import DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.wiring import oauth_providers_for
from tests.harness.breakages import add_cookie, cookies
from tests.harness.conftest import Switchable
from tests.harness.mutator import Reply

SECURE_CHECKS = (
    "CSRF-002",
    "CSRF-003",
    "CSRF-006",
    "SEC-004",
    "SEC-007",
    "SEC-008",
    "SESS-001",
    "SESS-002",
    "SESS-005",
    "PROV-002",
)


@pytest.fixture(scope="module")
def https_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Switchable, Settings]]:
    tls = ensure_certificates(tmp_path_factory.mktemp("tls"))
    settings = Settings()
    switch = Switchable(create_app(settings))
    with serve_in_thread(switch, ssl_certfile=str(tls.server_cert), ssl_keyfile=str(tls.server_key)) as url:
        yield url, switch, settings


def _context(url: str, settings: Settings, mock_idp: str | None = None) -> CheckContext:
    inputs = Inputs(settings.secret, (DEMO_USER.email, DEMO_USER.password), mock_idp)
    return CheckContext(TargetClient(url, verify=False), PROFILES["documented"], inputs)


def test_https_reference_uses_prefixed_secure_cookies(https_target) -> None:
    url, _, _ = https_target
    response = httpx.get(f"{url}/api/auth/csrf", verify=False, timeout=10)
    lines = response.headers.get_list("set-cookie")
    assert any(line.startswith("__Host-authjs.csrf-token=") and "; Secure" in line for line in lines), lines
    assert any(line.startswith("__Secure-authjs.callback-url=") and "; Secure" in line for line in lines), lines


@pytest.mark.parametrize("check_id", SECURE_CHECKS)
def test_cookie_checks_pass_over_https(https_target, check_id: str) -> None:
    url, switch, settings = https_target
    switch.reset()
    finding = run_check(REGISTRY.get(check_id), _context(url, settings), None)
    assert finding.verdict == Verdict.PASS, (finding.message, finding.received)


@pytest.mark.parametrize(
    ("check_id", "mutation"),
    [
        ("CSRF-006", cookies(lambda c: c.replace("; Secure", ""))),
        ("CSRF-006", cookies(lambda c: c.replace("__Host-authjs.csrf-token", "authjs.csrf-token"))),
        ("SEC-004", cookies(lambda c: c.replace("; Secure", ""))),
    ],
)
def test_cookie_checks_fail_when_https_cookies_lose_secure_or_prefix(https_target, check_id, mutation) -> None:
    url, switch, settings = https_target
    switch.use("/csrf" if check_id == "CSRF-006" else "/signin", mutation)
    try:
        finding = run_check(REGISTRY.get(check_id), _context(url, settings), None)
    finally:
        switch.reset()
    assert finding.check_id == check_id and finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)


@pytest.fixture(scope="module")
def _https_oauth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Switchable, Settings, RunningMocks]]:
    """The reference server over TLS with its OAuth providers on the mocks: POST signin/{provider} sets the
    check cookies FLOW-003 judges, and a sign-in through the mocks completes (SEC-007, SEC-008 flows)."""
    tls = ensure_certificates(tmp_path_factory.mktemp("tls-oauth"))
    with running_mocks() as mocks:
        settings = Settings(oauth_providers=oauth_providers_for(mocks))
        switch = Switchable(create_app(settings))
        with serve_in_thread(switch, ssl_certfile=str(tls.server_cert), ssl_keyfile=str(tls.server_key)) as url:
            yield url, switch, settings, mocks


@pytest.fixture
def https_oauth_target(_https_oauth) -> Iterator[tuple[str, Switchable, Settings]]:
    url, switch, settings, _ = _https_oauth
    yield url, switch, settings
    switch.reset()


@pytest.mark.parametrize("provider", ["google", "keycloak"])
def test_check_cookies_pass_over_https(https_oauth_target, provider: str) -> None:
    url, switch, settings = https_oauth_target
    switch.reset()
    finding = run_check(REGISTRY.get("FLOW-003"), _context(url, settings), provider)
    assert finding.verdict == Verdict.PASS, (finding.message, finding.reason, finding.received)


@pytest.mark.parametrize(
    ("mutation", "problem"),
    [
        (cookies(lambda c: c.replace("; Secure", "")), "Secure"),
        (cookies(lambda c: c.replace("__Secure-authjs.", "authjs.")), "no __Secure- prefix on https"),
    ],
    ids=["no-secure", "no-prefix"],
)
def test_check_cookies_fail_over_https_without_secure_or_prefix(https_oauth_target, mutation, problem) -> None:
    url, switch, settings = https_oauth_target
    switch.use("/signin/google", mutation, method="POST")
    try:
        finding = run_check(REGISTRY.get("FLOW-003"), _context(url, settings), "google")
    finally:
        switch.reset()
    assert finding.check_id == "FLOW-003" and finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert problem in str(finding.received), finding.received


def _to_http(reply) -> None:  # noqa: ANN001 - a mutator Reply
    location = reply.header("location")
    if location:
        reply.set_header("location", location.replace("https://", "http://", 1))


@pytest.mark.parametrize("suffix", ["/signout", "/callback/credentials", "/callback/conformance-unknown"])
def test_sec_008_fails_fast_with_the_location_of_an_https_to_http_redirect(https_target, suffix: str) -> None:
    url, switch, settings = https_target
    switch.use(suffix, _to_http, "POST" if suffix == "/callback/credentials" else None)
    try:
        finding = run_check(REGISTRY.get("SEC-008"), _context(url, settings), None)
    finally:
        switch.reset()
    assert finding.check_id == "SEC-008" and finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert "Location: http://" in finding.message and finding.curl.startswith("curl ")


def _run_wired(https_oauth, check_id: str, suffix: str = "", mutation=None, method: str | None = None):  # noqa: ANN001, ANN202
    """`check_id` on the TLS reference server wired to the mocks (a real sign-in per run), one response mutated."""
    url, switch, settings, mocks = https_oauth
    if mutation is not None:
        switch.use(suffix, mutation, method)
    try:
        return run_check(REGISTRY.get(check_id), _context(url, settings, mocks.http_url), None)
    finally:
        switch.reset()


@pytest.mark.parametrize("check_id", ["SEC-007", "SEC-008"])
def test_scope_and_downgrade_checks_pass_over_the_oauth_flows(_https_oauth, check_id: str) -> None:
    finding = _run_wired(_https_oauth, check_id)
    assert finding.verdict == Verdict.PASS, (finding.message, finding.reason, finding.received)


def _domain_on(part: str):  # noqa: ANN202 - a mutator mutation
    return cookies(lambda c: c + "; Domain=example.com" if part in c.split("=", 1)[0] else c)


@pytest.mark.parametrize(
    ("suffix", "method", "mutation", "cookie"),
    [
        ("/signin/google", "POST", _domain_on(".pkce."), "__Secure-authjs.pkce.code_verifier"),
        ("/callback/google", "GET", _domain_on(".session-token"), "__Secure-authjs.session-token"),
        (
            "/callback/google",
            "GET",
            add_cookie("__Secure-authjs.session-token.1=x; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax"),
            "__Secure-authjs.session-token.1",
        ),
    ],
    ids=["check-cookie", "session-cookie", "session-chunk"],
)
def test_sec_007_fails_on_a_flow_cookie_of_another_domain(_https_oauth, suffix, method, mutation, cookie) -> None:
    finding = _run_wired(_https_oauth, "SEC-007", suffix, mutation, method)
    assert finding.check_id == "SEC-007" and finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert cookie in finding.message and cookie in str(finding.received), (finding.message, finding.received)
    assert suffix in finding.message, finding.message


def _redirect_uri_to_http(reply: Reply) -> None:
    location = reply.header("location") or ""
    reply.set_header("location", location.replace("redirect_uri=https%3A%2F%2F", "redirect_uri=http%3A%2F%2F"))


def _error_to_http(reply: Reply) -> None:
    if reply.query("error"):
        _to_http(reply)


@pytest.mark.parametrize(
    ("suffix", "method", "mutation", "where"),
    [
        ("/signin/google", "POST", _redirect_uri_to_http, "Location redirect_uri: http://"),
        ("/callback/google", "GET", _to_http, "Location: http://"),
        ("/callback/keycloak", "GET", _error_to_http, "Location: http://"),
    ],
    ids=["signin-redirect-uri", "callback-back-to-app", "callback-error"],
)
def test_sec_008_fails_on_a_downgraded_oauth_redirect(_https_oauth, suffix, method, mutation, where) -> None:
    finding = _run_wired(_https_oauth, "SEC-008", suffix, mutation, method)
    assert finding.check_id == "SEC-008" and finding.verdict == Verdict.FAIL, (finding.verdict, finding.reason)
    assert where in finding.message and suffix in finding.message, finding.message
