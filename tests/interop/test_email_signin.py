"""Email (magic link) sign-in on the real apps: v5's Nodemailer and v4's Email provider mail the mock SMTP inbox.

The v5 app runs with a real adapter (INTEROP_ADAPTER=memory: @auth/unstorage-adapter in memory; the email provider
needs one), the v4 app with the small in-memory adapter its route file defines when EMAIL_SERVER is set; both with
EMAIL_SERVER pointing at the mocks' inbox. Their links live EMAIL_MAX_AGE seconds, which the harness is told
(`--email-max-age`), so EMAIL-003 waits one out on the real libraries too. Every EMAIL check must pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    from tests.interop.harness_runs import interop_mocks, run_harness
    from tests.interop.nextapps import running_app
    from tests.interop.provider_env import app_env
except ImportError:  # tests/interop is on sys.path
    from harness_runs import interop_mocks, run_harness
    from nextapps import running_app
    from provider_env import app_env

import harness.checks  # noqa: F401 - registers the checks
from harness.registry import REGISTRY
from mock_providers.testing import RunningMocks
from tests.harness.cli_runs import CHECKS_MODULE

pytestmark = [pytest.mark.interop, pytest.mark.timeout(900)]

EMAIL_MAX_AGE = "4"
EMAIL_INSTANCES = {i for c in REGISTRY.family("email") for i in c.instances()}


def email_env(mocks: RunningMocks) -> dict[str, str]:
    """What turns an app's email provider on (authjs-v5/auth.js, nextauth-v4/pages/api/auth/[...nextauth].js)."""
    return {"INTEROP_ADAPTER": "memory", "EMAIL_SERVER": mocks.smtp_url, "EMAIL_MAX_AGE": EMAIL_MAX_AGE}


#: app -> (its library profile, the provider id its links name)
EMAIL_APPS = {"authjs-v5": ("authjs-v5", "nodemailer"), "nextauth-v4": ("nextauth-v4", "email")}


@pytest.mark.parametrize("app_name", sorted(EMAIL_APPS))
def test_email_sign_in_passes_every_email_check(app_name: str, tmp_path: Path) -> None:
    profile, provider = EMAIL_APPS[app_name]
    with (
        interop_mocks() as mocks,
        running_app(app_name, env={**app_env(app_name, mocks), **email_env(mocks)}) as app,
    ):
        run = run_harness(
            app.public_url,
            profile,
            mock_idp=mocks.http_url,
            report_dir=tmp_path,
            extra=("-m", "not browser", "-k", "test_email", "--email-max-age", EMAIL_MAX_AGE, *CHECKS_MODULE),
        )
        mails = mocks.messages()
    email = {f["key"]: f["verdict"] for f in run.findings if f["key"].startswith("EMAIL-")}
    assert set(email) == EMAIL_INSTANCES, run.describe(set(email))
    assert {k: v for k, v in email.items() if v != "pass"} == {}, f"{run.describe(set(email))}\n{app.log[-2000:]}"
    assert run.returncode == 0, run.output
    assert mails and all(m.links and f"/api/auth/callback/{provider}?" in m.links[0] for m in mails)


def test_v5_taking_the_address_as_typed_fails_the_normalisation_checks(tmp_path: Path) -> None:
    """A custom `normalizeIdentifier` that keeps the address as typed: the real library mails both comma-separated
    recipients and makes a second account for a case variant."""
    with interop_mocks() as mocks:
        env = {**app_env("authjs-v5", mocks), **email_env(mocks), "EMAIL_NORMALIZE": "off"}
        with running_app("authjs-v5", env=env) as app:
            run = run_harness(
                app.public_url,
                "authjs-v5",
                mock_idp=mocks.http_url,
                report_dir=tmp_path,
                extra=("-m", "not browser", "-k", "test_email", *CHECKS_MODULE),
            )
    failing = {key for key in run.failing if key.startswith("EMAIL-")}
    assert failing == {"EMAIL-009", "EMAIL-010"}, f"{run.describe()}\n{app.log[-2000:]}"
