"""Chromium trusts what the run trusts: a private-CA https target's browser check passes with the CA bundle
(the verified leaf pinned by its public key), fails without it, and passes under --insecure."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness import tls
from harness.browser import in_driver_thread
from harness.browser_trust import browser_trust
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.findings import Verdict
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from mock_providers.tls import TlsFiles, ensure_certificates
from reference_server.app import create_app
from reference_server.seed import DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def private_ca_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TlsFiles, Settings]]:
    files = ensure_certificates(tmp_path_factory.mktemp("browser-ca"))
    settings = Settings()
    with serve_in_thread(
        create_app(settings), ssl_certfile=str(files.server_cert), ssl_keyfile=str(files.server_key)
    ) as url:
        yield url, files, settings


def _browser_check(
    url: str, settings: Settings, verify: bool | ssl.SSLContext, report_dir: Path, unpinned: bool = False
) -> tuple[Verdict, str]:
    """BROWSER-001 with the client's TLS setting `verify`; `unpinned`: the browser gets no pin (what it would
    trust without the bundle) while the client still reaches the target."""
    inputs = Inputs(settings.secret, (DEMO_USER.email, DEMO_USER.password), None)
    ctx = CheckContext(TargetClient(url, verify=verify), PROFILES["documented"], inputs, report_dir=report_dir)
    if unpinned:
        ctx.once("browser-trust", lambda: (False, frozenset[str]()))
    finding = in_driver_thread(lambda: run_check(REGISTRY.get("BROWSER-001"), ctx.for_instance("BROWSER-001"), None))
    return finding.verdict, f"{finding.message} {finding.received}"


def test_the_ca_bundle_pins_the_verified_leaf(private_ca_target, tmp_path: Path) -> None:
    url, files, settings = private_ca_target
    verify = tls.verify(False, str(files.ca_cert))
    ctx = CheckContext(TargetClient(url, verify=verify), PROFILES["documented"], Inputs())
    ignore, pins = browser_trust(ctx)
    assert not ignore and len(pins) == 1
    verdict, said = _browser_check(url, settings, verify, tmp_path)
    assert verdict == Verdict.PASS, said


def test_without_the_bundle_the_browser_refuses_the_private_ca(private_ca_target, tmp_path: Path) -> None:
    url, files, settings = private_ca_target
    verdict, said = _browser_check(url, settings, tls.verify(False, str(files.ca_cert)), tmp_path, unpinned=True)
    assert verdict == Verdict.FAIL and "ERR_CERT_AUTHORITY_INVALID" in said, said


def test_insecure_ignores_certificate_errors(private_ca_target, tmp_path: Path) -> None:
    url, _, settings = private_ca_target
    assert browser_trust(CheckContext(TargetClient(url, verify=False), PROFILES["documented"], Inputs())) == (
        True,
        frozenset(),
    )
    verdict, said = _browser_check(url, settings, False, tmp_path)
    assert verdict == Verdict.PASS, said
