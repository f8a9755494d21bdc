"""Email (magic link) sign-in on the real Auth.js v5 app: its Nodemailer provider mails the mock SMTP inbox.

The app runs with a real adapter (INTEROP_ADAPTER=memory: @auth/unstorage-adapter in memory; the email provider
needs one) and EMAIL_SERVER pointing at the mocks' inbox; its links live EMAIL_MAX_AGE seconds, which the harness
is told (`--email-max-age`), so EMAIL-003 waits one out on the real library too. Every EMAIL check must pass.
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

pytestmark = [pytest.mark.interop, pytest.mark.timeout(900)]

EMAIL_MAX_AGE = "4"
EMAIL_INSTANCES = {i for c in REGISTRY.family("email") for i in c.instances()}


def email_env(mocks: RunningMocks) -> dict[str, str]:
    """What turns the v5 app's email provider on (tests/interop/apps/authjs-v5/auth.js)."""
    return {"INTEROP_ADAPTER": "memory", "EMAIL_SERVER": mocks.smtp_url, "EMAIL_MAX_AGE": EMAIL_MAX_AGE}


def test_v5_nodemailer_sign_in_passes_every_email_check(tmp_path: Path) -> None:
    with (
        interop_mocks() as mocks,
        running_app("authjs-v5", env={**app_env("authjs-v5", mocks), **email_env(mocks)}) as app,
    ):
        run = run_harness(
            app.public_url,
            "authjs-v5",
            mock_idp=mocks.http_url,
            report_dir=tmp_path,
            extra=("-m", "not browser", "-k", "test_email", "--email-max-age", EMAIL_MAX_AGE),
        )
        mails = mocks.messages()
    email = {f["key"]: f["verdict"] for f in run.findings if f["key"].startswith("EMAIL-")}
    assert set(email) == EMAIL_INSTANCES, run.describe(set(email))
    assert {k: v for k, v in email.items() if v != "pass"} == {}, f"{run.describe(set(email))}\n{app.log[-2000:]}"
    assert run.returncode == 0, run.output
    assert mails and all(m.links and "/api/auth/callback/nodemailer?" in m.links[0] for m in mails)
