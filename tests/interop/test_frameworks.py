"""The harness against Auth.js deployments beyond the Next.js apps with a credentials user: SvelteKit, which
leaves CSRF to the framework's Origin check, and an OAuth-only Auth.js v5 app on database sessions.

* ``authjs-sveltekit`` (@auth/sveltekit, base path /auth) behind a TLS terminator with a private CA passes with zero
  failures under ``authjs-v5`` (SEC-007/SEC-008 included), which ``auto`` chooses on plain http: the preflight
  accepts its disabled csrf action and says so, the token checks are not applicable, and FLOW-024..027 judge the
  Origin check that replaces the token.
* ``authjs-v5`` with ``INTEROP_ADAPTER=memory INTEROP_SESSION_STRATEGY=database INTEROP_CREDENTIALS=off`` passes
  with its sessions from the mock IdP (no --credentials), and FLOW-031 requires revocation of its opaque token;
  the copy whose sign-out keeps the session row (``INTEROP_BREAK_SIGNOUT=keep-session``) fails FLOW-031.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from tests.interop.harness_runs import HTTPS_MUST_PASS, HarnessRun, interop_mocks, only_checks, run_harness
    from tests.interop.nextapps import RunningApp, running_app
    from tests.interop.provider_env import app_env
    from tests.interop.test_conformance import DOCUMENTED_DEVIATIONS
    from tests.interop.tls_proxy import app_behind_tls
except ImportError:  # tests/interop is on sys.path
    from harness_runs import HTTPS_MUST_PASS, HarnessRun, interop_mocks, only_checks, run_harness
    from nextapps import RunningApp, running_app
    from provider_env import app_env
    from test_conformance import DOCUMENTED_DEVIATIONS
    from tls_proxy import app_behind_tls

from mock_providers.testing import RunningMocks
from mock_providers.tls import TlsFiles, ensure_certificates
from tests.harness.cli_runs import CHECKS_MODULE

pytestmark = [pytest.mark.interop, pytest.mark.timeout(900)]

SVELTEKIT_OAUTH = ("google", "keycloak")
SVELTEKIT_MUST_PASS = {
    "FLOW-024[foreign-origin]",
    "FLOW-024[no-origin]",
    *(f"FLOW-025[{provider}]" for provider in SVELTEKIT_OAUTH),
    "FLOW-026[foreign-origin]",
    "FLOW-026[no-origin]",
    "FLOW-027[callback-credentials]",
    "FLOW-027[signout]",
    "FLOW-023",
    "FLOW-030",
    "FLOW-006[signout]",
    "BROWSER-001",
    "BROWSER-002",
    *(
        f"{check}[{provider}]"
        for check in ("CB-006", "BROWSER-003", "CB-004", "CB-005")
        for provider in SVELTEKIT_OAUTH
    ),
    "SESS-002",
    "ADV-001[bare-word]",
}
BASE_PATH = ("--base-path", "/auth")
ORIGIN_CHECKS = ("FLOW-024", "FLOW-025", "FLOW-026", "FLOW-027")
"""What judges SvelteKit's Origin check, which replaces the CSRF token."""
TOKEN_CHECKS = {"CSRF-001", "CSRF-002", "FLOW-020[missing]", "FLOW-021[google]", "FLOW-022[missing]", "ACT-001[csrf]"}
DATABASE_ENV = {"INTEROP_ADAPTER": "memory", "INTEROP_SESSION_STRATEGY": "database", "INTEROP_CREDENTIALS": "off"}
DATABASE_MUST_PASS = {
    "FLOW-022[missing]",
    "FLOW-023",
    "FLOW-030",
    "FLOW-031",
    "SESS-002",
    "SESS-004",
    "FLOW-006[signout]",
}


@pytest.fixture(scope="module")
def mocks() -> Iterator[RunningMocks]:
    with interop_mocks() as running:
        yield running


@pytest.fixture(scope="module")
def sveltekit(mocks: RunningMocks) -> Iterator[RunningApp]:
    with running_app("authjs-sveltekit", env=app_env("authjs-sveltekit", mocks)) as app:
        yield app


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_certificates(tmp_path_factory.mktemp("sveltekit-ca"))


@pytest.fixture(scope="module")
def sveltekit_over_https(mocks: RunningMocks, private_ca: TlsFiles) -> Iterator[RunningApp]:
    """SvelteKit as production runs it: behind a TLS terminator (``tls_proxy.py``) with a private CA; adapter-node's
    ``ORIGIN`` and ``AUTH_URL`` name the proxy, so the Origin check and the ``__Secure-`` cookies follow it."""
    with app_behind_tls("authjs-sveltekit", private_ca, app_env("authjs-sveltekit", mocks)) as app:
        yield app


def _finding(run: HarnessRun, key: str) -> dict:
    return next(f for f in run.findings if f["key"] == key)


def _judges_csrf_as_left_to_the_framework(run: HarnessRun) -> None:
    header = run.report["header"]
    assert header["profile"] == "authjs-v5" and "csrf action disabled" in header["profile_reason"], header
    for key in TOKEN_CHECKS:
        finding = _finding(run, key)
        assert finding["verdict"] == "not-applicable" and "skipCSRFCheck" in finding["reason"], finding


def test_sveltekit_passes_with_csrf_left_to_the_framework(
    sveltekit_over_https: RunningApp, mocks: RunningMocks, private_ca: TlsFiles, tmp_path: Path
) -> None:
    """The whole suite, over https with the private CA trusted: the transport and cookie-scope checks judge a
    framework other than Next.js too."""
    app = sveltekit_over_https
    assert app.public_url.startswith("https://localhost:"), app.public_url
    extra = (*BASE_PATH, "--ca-bundle", str(private_ca.ca_cert))
    run = run_harness(app.public_url, "authjs-v5", mock_idp=mocks.http_url, report_dir=tmp_path, extra=extra)
    assert run.failing == set(), f"{run.describe()}\n{app.log[-2000:]}"
    assert run.returncode == 0, run.output
    missing = (SVELTEKIT_MUST_PASS | HTTPS_MUST_PASS) - run.keys("pass")
    assert not missing, f"expected to pass, but: {run.describe(missing)}"
    _judges_csrf_as_left_to_the_framework(run)


def test_auto_chooses_authjs_v5_on_sveltekit(sveltekit: RunningApp, mocks: RunningMocks, tmp_path: Path) -> None:
    """`auto` on SvelteKit over plain http: the checks whose verdicts the choice decides (the token checks, the
    Origin checks that replace them, v5's documented deviations) judged as under authjs-v5, whose full run is the
    test above."""
    origin_checks = {key for key in SVELTEKIT_MUST_PASS if key.split("[")[0] in ORIGIN_CHECKS}
    selected = only_checks(TOKEN_CHECKS | origin_checks | DOCUMENTED_DEVIATIONS["authjs-v5"].keys())
    run = run_harness(
        sveltekit.public_url, "auto", mock_idp=mocks.http_url, report_dir=tmp_path, extra=(*BASE_PATH, *selected)
    )
    assert run.failing == set() and run.returncode == 0, f"{run.describe()}\n{run.output}"
    missing = origin_checks - run.keys("pass")
    assert not missing, f"expected to pass, but: {run.describe(missing)}"
    _judges_csrf_as_left_to_the_framework(run)


def test_v5_on_database_sessions_passes_with_sessions_from_the_mock_idp(mocks: RunningMocks, tmp_path: Path) -> None:
    with running_app("authjs-v5", env={**app_env("authjs-v5", mocks), **DATABASE_ENV}) as app:
        run = run_harness(app.public_url, "authjs-v5", mock_idp=mocks.http_url, report_dir=tmp_path, credentials=None)
    assert run.failing == set(), f"{run.describe()}\n{app.log[-2000:]}"
    missing = DATABASE_MUST_PASS - run.keys("pass")
    assert not missing, f"expected to pass, but: {run.describe(missing)}"
    revocation = _finding(run, "FLOW-031")
    assert "opaque token, the database session strategy" in revocation["message"], revocation
    assert "OAuth sign-in through --mock-idp" in revocation["extra"]["session"], revocation


def test_v5_on_database_sessions_whose_signout_keeps_the_row_fails_flow_031(
    mocks: RunningMocks, tmp_path: Path
) -> None:
    env = {**app_env("authjs-v5", mocks), **DATABASE_ENV, "INTEROP_BREAK_SIGNOUT": "keep-session"}
    with running_app("authjs-v5", env=env) as app:
        run = run_harness(
            app.public_url,
            "authjs-v5",
            mock_idp=mocks.http_url,
            report_dir=tmp_path,
            credentials=None,
            extra=("-m", "not browser", "-k", "test_flow", *CHECKS_MODULE),
        )
    assert "FLOW-031" in run.failing, run.describe({"FLOW-031"})
    finding = _finding(run, "FLOW-031")
    assert finding["severity"] == "high" and "database session strategy" in finding["message"], finding
    assert run.returncode == 1
