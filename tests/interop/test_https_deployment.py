"""The real Auth.js v5 and NextAuth.js v4 apps deployed as production runs them: behind a TLS terminator with a
private CA.

A TLS proxy of ours (``tls_proxy.py``: bytes forwarded to the app's http port, no header added) serves a
certificate from a CA made for this module; each app runs with ``AUTH_URL`` = ``NEXTAUTH_URL`` =
``https://localhost:PORT``, so it sets ``__Host-``/``__Secure-`` cookies, and signs in through the mock IdPs.
The harness, told to trust that CA with ``--ca-bundle`` (or ``--insecure``), passes with zero failures under
the library profile and under ``auto``, the transport and cookie-scope checks (SEC-007, SEC-008) and the
browser checks included.

The app never calls itself, so it trusts nothing new for the proxy; its https Entra issuer is trusted through
the mocks' own CA (``NODE_EXTRA_CA_CERTS`` in ``provider_env.app_env``).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

try:
    from tests.interop.harness_runs import LIBRARY_PROFILE, HarnessRun, interop_mocks, run_harness
    from tests.interop.nextapps import RunningApp, running_app
    from tests.interop.provider_env import app_env
    from tests.interop.test_conformance import MUST_PASS
    from tests.interop.tls_proxy import tls_proxy
except ImportError:  # tests/interop is on sys.path
    from harness_runs import LIBRARY_PROFILE, HarnessRun, interop_mocks, run_harness
    from nextapps import RunningApp, running_app
    from provider_env import app_env
    from test_conformance import MUST_PASS
    from tls_proxy import tls_proxy

from mock_providers.testing import RunningMocks
from mock_providers.tls import TlsFiles, ensure_certificates

pytestmark = [pytest.mark.interop, pytest.mark.timeout(1200)]

#: Over https these judge the transport and the cookie scope; they must PASS, not be not-applicable.
HTTPS_MUST_PASS = {"SEC-007", "SEC-008"}

#: The deployed apps and their cookie-name stem (v4: next-auth.*, v5: authjs.*).
DEPLOYED = {"authjs-v5": "authjs", "nextauth-v4": "next-auth"}


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A CA of this module's own (not the mocks'), and a certificate for localhost it signs."""
    return ensure_certificates(tmp_path_factory.mktemp("deployment-ca"))


@pytest.fixture(scope="module")
def mocks() -> Iterator[RunningMocks]:
    with interop_mocks() as running:
        yield running


@pytest.fixture(scope="module", params=sorted(DEPLOYED))
def deployment(
    request: pytest.FixtureRequest, private_ca: TlsFiles, mocks: RunningMocks
) -> Iterator[tuple[str, RunningApp]]:
    """``https://localhost:PORT`` (the proxy) in front of one app; its AUTH_URL / NEXTAUTH_URL name the proxy.
    One app at a time (a module-scoped parameter): the other is stopped before it starts."""
    name = str(request.param)
    with tls_proxy(private_ca.server_cert, private_ca.server_key) as proxy:
        origin = f"https://localhost:{proxy.port}"
        env = {**app_env(name, mocks), "AUTH_URL": origin, "NEXTAUTH_URL": origin}
        with running_app(name, env=env) as app:
            proxy.upstream_port = app.port
            yield origin, app


@pytest.fixture(scope="module")
def harness_run(
    deployment: tuple[str, RunningApp],
    mocks: RunningMocks,
    private_ca: TlsFiles,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, str], HarnessRun]:
    """`harness_run(profile, trust)`: one run per (profile, ``ca-bundle`` | ``insecure``) of the deployed app,
    made once; ``library`` is the app's library profile."""
    origin, app = deployment
    done: dict[tuple[str, str], HarnessRun] = {}
    reports = Path(tmp_path_factory.mktemp(f"https-deployment-reports-{app.name}"))

    def get(profile: str, trust: str) -> HarnessRun:
        profile = LIBRARY_PROFILE[app.name] if profile == "library" else profile
        if (profile, trust) not in done:
            extra = ("--ca-bundle", str(private_ca.ca_cert)) if trust == "ca-bundle" else ("--insecure",)
            run = run_harness(origin, profile, mock_idp=mocks.http_url, report_dir=reports / trust, extra=extra)
            if not run.findings:
                pytest.fail(f"no findings from {origin} --profile {profile}:\n{run.output}\n{app.log[-3000:]}")
            done[profile, trust] = run
        return done[profile, trust]

    return get


def test_the_deployment_serves_secure_prefixed_cookies_over_the_private_ca(
    deployment: tuple[str, RunningApp], private_ca: TlsFiles
) -> None:
    origin, app = deployment
    assert app.public_url == origin, app.public_url
    stem = DEPLOYED[app.name]
    trusted = ssl.create_default_context(cafile=str(private_ca.ca_cert))
    with httpx.Client(verify=trusted, timeout=15.0, trust_env=False) as client:
        lines = client.get(f"{origin}/api/auth/csrf").headers.get_list("set-cookie")
    assert any(line.startswith(f"__Host-{stem}.csrf-token=") and "Secure" in line for line in lines), lines
    assert any(line.startswith(f"__Secure-{stem}.callback-url=") for line in lines), lines
    with pytest.raises(httpx.ConnectError), httpx.Client(timeout=15.0, trust_env=False) as client:
        client.get(f"{origin}/api/auth/csrf")  # the system roots do not know this CA


@pytest.mark.parametrize(
    ("profile", "trust"), [("library", "ca-bundle"), ("auto", "ca-bundle"), ("library", "insecure")]
)
def test_the_https_deployment_is_conformant(
    profile: str, trust: str, harness_run: Callable[[str, str], HarnessRun]
) -> None:
    run = harness_run(profile, trust)
    assert run.failing == set(), run.describe()
    assert run.returncode == 0, f"{run.describe()}\n{run.output}"
    missing = (MUST_PASS | HTTPS_MUST_PASS) - run.keys("pass")
    assert not missing, f"expected to pass, but: {run.describe(missing)}"
