"""Run the conformance harness (``nextauth-conformance check``) against the real interop apps.

Shared by ``test_conformance.py`` and ``compat_matrix.py``. One set of mock IdPs serves both apps, with the
account picker shown (``auto_login=False``): the Deny checks (BROWSER-004) need it, and CB-006 / BROWSER-003
answer it by choosing the harness's user (``data-testid="user-<email>"``; the harness registers that user
with the mock before it starts a flow, since neither app sends ``login_hint``). Each app gets all three
OAuth providers against the mocks, configured by ``provider_env.app_env``.

Each run is a subprocess (its own pytest session and Chromium) that writes a JSON report, which is parsed
here; the harness is pointed at the origin the app writes into its URLs (``RunningApp.public_url``: v5 says
``localhost``), so the browser keeps one cookie jar for the whole flow.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    from tests.interop.nextapps import DEFAULT_SECRET, RunningApp, running_app
    from tests.interop.provider_env import app_env
except ImportError:  # tests/interop is on sys.path (pytest's rootdir-relative import of this directory)
    from nextapps import DEFAULT_SECRET, RunningApp, running_app
    from provider_env import app_env

from harness.findings import FAILING
from mock_providers.testing import RunningMocks, running_mocks

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("nextauth-conformance")
APPS = ("nextauth-v4", "authjs-v5")
LIBRARY_PROFILE = {"nextauth-v4": "nextauth-v4", "authjs-v5": "authjs-v5"}
#: The apps' default credentials user (INTEROP_USERS unset).
CREDENTIALS = "demo@example.com:demo-password"
HTTPS_MUST_PASS = frozenset({"SEC-007", "SEC-008"})
"""Over https these judge the transport and the cookie scope: an app behind TLS must PASS them, not skip them."""
RUN_TIMEOUT = 420.0  # one harness run takes ~35 s on the 2-core machine; a hung browser step is bounded here


@dataclass(frozen=True)
class HarnessRun:
    """One `nextauth-conformance check` run: its exit code, JSON report and the tail of its output."""

    target: str
    profile: str
    returncode: int
    report: dict[str, Any]
    output: str

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.report.get("findings", []))

    def keys(self, *verdicts: str) -> set[str]:
        """Check instances (``CB-003[google]``) with one of `verdicts`."""
        return {f["key"] for f in self.findings if f["verdict"] in verdicts}

    @property
    def failing(self) -> set[str]:
        return self.keys(*FAILING)

    def describe(self, keys: set[str] | None = None) -> str:
        """The failures (or the given instances) with message and received value, for assertion messages."""
        wanted = self.failing if keys is None else keys
        lines = [f"{self.target} --profile {self.profile}: exit {self.returncode}"]
        for finding in self.findings:
            if finding["key"] in wanted:
                said = finding.get("message") or finding.get("reason") or ""  # a not-applicable says why in `reason`
                lines.append(f"  {finding['verdict']:<5} {finding['key']}: {str(said)[:200]}")
                lines.append(f"        received: {json.dumps(finding['received'], default=str)[:300]}")
        return "\n".join(lines)


def only_checks(keys: Iterable[str]) -> tuple[str, ...]:
    """pytest's `-k` for the checks of these finding keys (`RP-001[google]` -> every `RP-001` instance): a run of
    an app under `auto` needs only the checks whose verdict the chosen profile decides, since the full run under the
    profile `auto` must choose is made anyway."""
    return ("-k", " or ".join(sorted({key.split("[", 1)[0] for key in keys})))


@contextlib.contextmanager
def interop_mocks() -> Iterator[RunningMocks]:
    """The mock IdPs with their account picker (three seeded users each; the harness adds its own)."""
    with (
        tempfile.TemporaryDirectory(prefix="interop-conformance-idp-") as state,
        running_mocks(state_dir=Path(state), auto_login=False, entra_issuer_mode="template") as mocks,
    ):
        yield mocks


@contextlib.contextmanager
def interop_app(name: str, mocks: RunningMocks) -> Iterator[RunningApp]:
    with running_app(name, env=app_env(name, mocks)) as app:
        yield app


def run_harness(
    target: str | None,
    profile: str,
    *,
    mock_idp: str | None,
    report_dir: Path,
    secret: str | None = DEFAULT_SECRET,
    credentials: str | None = CREDENTIALS,
    extra: tuple[str, ...] = (),
    timeout: float = RUN_TIMEOUT,
) -> HarnessRun:
    """`nextauth-conformance check --target ... --profile ...` as a subprocess; the parsed JSON report.

    ``target=None`` checks the embedded reference server (wired to its own mock IdPs; it fills in the
    secret, credentials and mock IdP itself, so pass ``None`` for those)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    where = target.split("//", 1)[-1].replace(":", "_").replace("/", "_") if target else "embedded"
    stem = f"{profile}-{where}"
    report = report_dir / f"{stem}.json"
    cmd = [
        str(CLI),
        "check",
        "--profile",
        profile,
        "--report-json",
        str(report),
        "--report-dir",
        str(report_dir / f"{stem}-artifacts"),
        "-q",
        "-p",
        "no:randomly",
        *extra,
    ]
    if target:
        cmd += ["--target", target]
    if secret:
        cmd += ["--secret", secret]
    if credentials:
        cmd += ["--credentials", credentials]
    if mock_idp:
        cmd += ["--mock-idp", mock_idp]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXTAUTH_CONFORMANCE_")}
    done = subprocess.run(
        cmd,
        cwd=report_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    output = (done.stdout + "\n" + done.stderr)[-6000:]
    if not report.is_file():
        raise AssertionError(f"{' '.join(cmd)} wrote no report (exit {done.returncode}):\n{output}")
    parsed = json.loads(report.read_text(encoding="utf-8"))
    return HarnessRun(target or "embedded reference server", profile, done.returncode, parsed, output)
