"""The real Auth.js v5 app with the Passkey provider (INTEROP_PASSKEY=on, the in-memory adapter) against the PASSKEY
checks, through `nextauth-conformance check` and Chromium's virtual authenticator.

Under `authjs-v5` the run is conformant: registration, sign-in, the challenge cookie, foreign origin and RP ID,
the counter and the options pass; PASSKEY-003/004 (a spent challenge cookie serves again) are the library's
advisories (harness/profiles.py `_V5_PASSKEY_GAPS`). Under `documented` exactly those two fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from tests.interop.harness_runs import run_harness
    from tests.interop.nextapps import RunningApp, running_app
except ImportError:  # tests/interop is on sys.path
    from harness_runs import run_harness
    from nextapps import RunningApp, running_app

from tests.harness.cli_runs import CHECKS_MODULE

pytestmark = [pytest.mark.interop, pytest.mark.browser, pytest.mark.timeout(900)]

PASSKEY_ENV = {"INTEROP_ADAPTER": "memory", "INTEROP_PASSKEY": "on"}
PASSES = {f"PASSKEY-00{n}" for n in (1, 2, 5, 6, 7, 8)} | {"PASSKEY-010"}
LIBRARY_GAPS = {"PASSKEY-003", "PASSKEY-004"}


@pytest.fixture(scope="module")
def passkey_app() -> Iterator[RunningApp]:
    with running_app("authjs-v5", env=PASSKEY_ENV) as app:
        yield app


@pytest.mark.parametrize(
    ("profile", "failing", "warned"), [("authjs-v5", set(), LIBRARY_GAPS), ("documented", LIBRARY_GAPS, set())]
)
def test_v5_passkeys_through_the_virtual_authenticator(
    passkey_app: RunningApp, tmp_path: Path, profile: str, failing: set[str], warned: set[str]
) -> None:
    # public_url: the app writes http://localhost:PORT into its URLs, and WebAuthn needs that domain origin
    run = run_harness(
        passkey_app.public_url, profile, mock_idp=None, report_dir=tmp_path, extra=("-k", "PASSKEY", *CHECKS_MODULE)
    )
    assert run.keys("pass") == PASSES, run.describe(set(run.keys("pass", "fail", "warn", "not-applicable")))
    assert run.failing == failing, run.describe()
    assert run.keys("warn") == warned, run.describe(run.keys("warn"))
    assert run.returncode == (0 if not failing else 1), run.output
