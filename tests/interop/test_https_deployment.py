"""The real Auth.js v5 and NextAuth.js v4 apps deployed as production runs them: behind a TLS terminator with a
private CA.

A TLS proxy of ours (``tls_proxy.py``: bytes forwarded to the app's http port, no header added) serves a
certificate from a CA made for this module; each app runs with ``AUTH_URL`` = ``NEXTAUTH_URL`` =
``https://localhost:PORT``, so it sets ``__Host-``/``__Secure-`` cookies, and signs in through the mock IdPs.
The harness, told to trust that CA with ``--ca-bundle``, passes with zero failures under the library profile, the
transport and cookie-scope checks (SEC-007, SEC-008) and the browser checks included; so does v5 under
``--insecure``. Under ``auto`` it chooses the library profile over https: a run of the checks whose verdict that
choice decides (the documented profile's deviations) passes.

The app never calls itself, so it trusts nothing new for the proxy; its https Entra issuer is trusted through
the mocks' own CA (``NODE_EXTRA_CA_CERTS`` in ``provider_env.app_env``).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

try:
    from tests.interop.harness_runs import (
        HTTPS_MUST_PASS,
        LIBRARY_PROFILE,
        interop_mocks,
        only_checks,
        run_harness,
    )
    from tests.interop.nextapps import RunningApp
    from tests.interop.provider_env import app_env
    from tests.interop.test_conformance import DOCUMENTED_DEVIATIONS, MUST_PASS
    from tests.interop.tls_proxy import app_behind_tls
except ImportError:  # tests/interop is on sys.path
    from harness_runs import HTTPS_MUST_PASS, LIBRARY_PROFILE, interop_mocks, only_checks, run_harness
    from nextapps import RunningApp
    from provider_env import app_env
    from test_conformance import DOCUMENTED_DEVIATIONS, MUST_PASS
    from tls_proxy import app_behind_tls

from mock_providers.testing import RunningMocks
from mock_providers.tls import TlsFiles, ensure_certificates

pytestmark = [pytest.mark.interop, pytest.mark.timeout(1200)]

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
    with app_behind_tls(name, private_ca, app_env(name, mocks)) as app:
        yield app.env["AUTH_URL"], app


@pytest.fixture(scope="module")
def reports(deployment: tuple[str, RunningApp], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp(f"https-deployment-reports-{deployment[1].name}"))


def _trusting(trust: str, private_ca: TlsFiles) -> tuple[str, ...]:
    return ("--ca-bundle", str(private_ca.ca_cert)) if trust == "ca-bundle" else ("--insecure",)


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


def _conformant(
    trust: str, deployment: tuple[str, RunningApp], mocks: RunningMocks, ca: TlsFiles, reports: Path
) -> None:
    origin, app = deployment
    profile = LIBRARY_PROFILE[app.name]
    run = run_harness(origin, profile, mock_idp=mocks.http_url, report_dir=reports / trust, extra=_trusting(trust, ca))
    if not run.findings:
        pytest.fail(f"no findings from {origin} --profile {profile}:\n{run.output}\n{app.log[-3000:]}")
    assert run.failing == set(), run.describe()
    assert run.returncode == 0, f"{run.describe()}\n{run.output}"
    missing = (MUST_PASS | HTTPS_MUST_PASS) - run.keys("pass")
    assert not missing, f"expected to pass, but: {run.describe(missing)}"


def test_the_https_deployment_is_conformant(
    deployment: tuple[str, RunningApp], mocks: RunningMocks, private_ca: TlsFiles, reports: Path
) -> None:
    """Everything, under the library profile, trusting the private CA."""
    _conformant("ca-bundle", deployment, mocks, private_ca, reports)


@pytest.mark.parametrize("deployment", ["authjs-v5"], indirect=True, scope="module")
def test_the_https_deployment_is_conformant_under_insecure(
    deployment: tuple[str, RunningApp], mocks: RunningMocks, private_ca: TlsFiles, reports: Path
) -> None:
    """The same with `--insecure`, on one app (the TLS options reaching every request of a run are
    tests/harness/test_tls_options.py's, on the reference server)."""
    _conformant("insecure", deployment, mocks, private_ca, reports)


def test_auto_chooses_the_library_profile_over_https(
    deployment: tuple[str, RunningApp], mocks: RunningMocks, private_ca: TlsFiles, reports: Path
) -> None:
    origin, app = deployment
    deviations = DOCUMENTED_DEVIATIONS[app.name]
    extra = (*_trusting("ca-bundle", private_ca), *only_checks(deviations))
    run = run_harness(origin, "auto", mock_idp=mocks.http_url, report_dir=reports / "auto", extra=extra)
    assert run.report["header"]["profile"] == LIBRARY_PROFILE[app.name], run.report["header"]
    assert run.failing == set() and run.returncode == 0, f"{run.describe()}\n{run.output}"
    judged = {f["key"] for f in run.findings}
    wanted = {key for key in deviations if not key.startswith("SCHEMA-")}  # schema items are not selected by id
    assert wanted <= judged, sorted(wanted - judged)
