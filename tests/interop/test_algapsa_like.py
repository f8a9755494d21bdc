"""An AlgaPSA-like app: the real Auth.js v5 interop app configured the way AlgaPSA configures Auth.js v5
(``INTEROP_DEPLOYMENT=algapsa``, see ``apps/authjs-v5/auth.js``: the jwt/session callbacks' claims, a sessions
"table" revoked at sign-out, azure-ad ``checks: ['pkce','state']``, GET session from a static route answering
``session ?? {}``, a Gmail-style popup callback page), wired to the mocks.

Under ``--profile algapsa`` (= ``authjs-v5`` + AlgaPSA's configuration facts) it passes with zero failures, and the
library's RP gaps (ID token signatures not verified by oauth4webapi) are warnings, as under ``authjs-v5``: the
deployment layer inherits its library's facts. The whole suite runs as production runs it, behind our TLS proxy with
a private CA (``AUTH_URL=https://localhost:PORT``, ``__Secure-`` cookies) checked with ``--ca-bundle``; on plain
http (a developer's ``localhost:3000``) the checks whose verdicts AlgaPSA's configuration decides run again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from tests.interop.harness_runs import HTTPS_MUST_PASS, HarnessRun, interop_mocks, only_checks, run_harness
    from tests.interop.nextapps import RunningApp, running_app
    from tests.interop.provider_env import app_env
    from tests.interop.tls_proxy import app_behind_tls
except ImportError:  # tests/interop is on sys.path
    from harness_runs import HTTPS_MUST_PASS, HarnessRun, interop_mocks, only_checks, run_harness
    from nextapps import RunningApp, running_app
    from provider_env import app_env
    from tls_proxy import app_behind_tls

from mock_providers.tls import ensure_certificates

pytestmark = [pytest.mark.interop, pytest.mark.timeout(900)]

OAUTH = ("azure-ad", "google", "keycloak")
POPUP_PAGE = "/api/auth/google/callback"
#: The library's RP gaps: warnings under authjs-v5, so warnings under algapsa too.
LIBRARY_GAPS = {f"RP-{n}[{provider}]" for n in ("001", "003", "004") for provider in OAUTH}
#: What AlgaPSA's configuration decides, judged and passed (not skipped).
MUST_PASS = {
    "SESS-001",
    "SESS-002",
    "SESS-003",
    "ACT-003[session]",
    "FLOW-031",
    "FLOW-002[azure-ad]",
    "POPUP-001[error]",
    "POPUP-001[success]",
    "POPUP-003",
    *(f"CB-006[{provider}]" for provider in OAUTH),
}


@pytest.fixture(scope="module", params=["http", "https"])
def algapsa_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[HarnessRun, RunningApp]]:
    reports = Path(tmp_path_factory.mktemp(f"algapsa-like-{request.param}"))
    with interop_mocks() as mocks, contextlib.ExitStack() as stack:
        env = {**app_env("authjs-v5", mocks), "INTEROP_DEPLOYMENT": "algapsa"}
        extra: tuple[str, ...] = ("--popup-url", POPUP_PAGE)
        if request.param == "https":
            ca = ensure_certificates(tmp_path_factory.mktemp("algapsa-like-ca"))
            app = stack.enter_context(app_behind_tls("authjs-v5", ca, env))
            target = app.env["AUTH_URL"]
            extra += ("--ca-bundle", str(ca.ca_cert))
        else:
            app = stack.enter_context(running_app("authjs-v5", env=env))
            target = app.public_url
            extra += only_checks(MUST_PASS | LIBRARY_GAPS)
        run = run_harness(target, "algapsa", mock_idp=mocks.http_url, report_dir=reports, extra=extra)
        if not run.findings:
            pytest.fail(f"no findings from the AlgaPSA-like app:\n{run.output}\n{app.log[-3000:]}")
        yield run, app


def test_the_algapsa_like_app_passes_under_algapsa(algapsa_run: tuple[HarnessRun, RunningApp]) -> None:
    run, app = algapsa_run
    assert run.failing == set(), f"{run.describe()}\n{app.log[-2000:]}"
    assert run.returncode == 0, f"{run.describe()}\n{run.output}"
    over_https = HTTPS_MUST_PASS if run.target.startswith("https://") else frozenset()
    missing = (MUST_PASS | over_https) - run.keys("pass")
    assert not missing, f"expected to pass, but: {run.describe(missing)}"
    not_warned = LIBRARY_GAPS - run.keys("warn")
    assert not not_warned, f"the library's RP gaps must be warnings under algapsa: {run.describe(not_warned)}"
