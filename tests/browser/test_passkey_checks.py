"""The PASSKEY checks pass on the reference server with passkeys on, and each fails with its own id on a server
wrong in exactly the way that check exists to catch (a reference-server flaw, or a response rewritten on the way
out). Targets are addressed as http://localhost:PORT: browsers refuse WebAuthn on IP-address origins."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness import tls
from harness.browser import in_driver_thread
from harness.checks._browser import Probe
from harness.checks._passkey import Passkeys
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.findings import Finding, Verdict
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check
from mock_providers.tls import ensure_certificates
from reference_server.app import create_app
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.testing import RunningReferenceServer, running_reference_server
from tests.harness.mutator import Mutator, Reply

pytestmark = pytest.mark.browser

PASSKEY_IDS = sorted(c.id for c in REGISTRY.family("browser") if c.id.startswith("PASSKEY-"))


def _without_session_cookie(reply: Reply) -> None:
    reply.map_cookies(lambda line: None if "session-token" in line.split("=", 1)[0] else line)


def _challenge_not_httponly(reply: Reply) -> None:
    reply.map_cookies(lambda line: line.replace("; HttpOnly", "") if "challenge" in line.split("=", 1)[0] else line)


def _without_key_params(reply: Reply) -> None:
    body = json.loads(reply.body)
    if isinstance(body, dict) and body.get("action") == "register":
        body["options"].pop("pubKeyCredParams", None)
        reply.body = json.dumps(body).encode()


def _answers_options(reply: Reply) -> None:
    reply.status = 200
    reply.set_header("content-type", "application/json")
    reply.body = json.dumps({"action": "authenticate", "options": {"challenge": "Y2hhbGxlbmdl", "rpId": "x"}}).encode()
    reply.add_header("set-cookie", "authjs.challenge=sealed; Path=/; HttpOnly; SameSite=Lax; Max-Age=900")


FLAWED = {
    "PASSKEY-003": "passkey-challenge-reusable",
    "PASSKEY-004": "passkey-challenge-reusable",
    "PASSKEY-005": "passkey-origin-unchecked",
    "PASSKEY-006": "passkey-rp-id-unchecked",
    "PASSKEY-007": "passkey-counter-unchecked",
    "PASSKEY-010": "passkey-uv-optional",
}
REWRITTEN: dict[str, tuple[str, Any]] = {
    "PASSKEY-001": ("/callback/passkey", _without_session_cookie),  # the callback signs nobody in
    "PASSKEY-002": ("/webauthn-options", _challenge_not_httponly),  # page scripts can read the challenge cookie
    "PASSKEY-008": ("/webauthn-options", _without_key_params),  # registration options without pubKeyCredParams
    "PASSKEY-009": ("/webauthn-options", _answers_options),  # passkeys off, yet options and a challenge cookie
}
PASSKEYS_OFF = {"PASSKEY-009"}  # judged on a target without a passkey provider


def _localhost(url: str) -> str:
    return url.replace("://127.0.0.1:", "://localhost:")


@dataclass
class PasskeyStack:
    good: RunningReferenceServer
    plain: str
    report_dir: Path
    broken: dict[str, str] = field(default_factory=dict)
    clients: list[TargetClient] = field(default_factory=list)

    def run(self, check_id: str, url: str) -> Finding:
        client = TargetClient(url)
        self.clients.append(client)
        inputs = Inputs(self.good.secret, (self.good.demo_email, self.good.demo_password), None, None)
        ctx = CheckContext(client, PROFILES["documented"], inputs, report_dir=self.report_dir)
        return run_check(REGISTRY.get(check_id), ctx, "")


@pytest.fixture(scope="module")
def passkeys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PasskeyStack]:
    with (
        running_reference_server(webauthn=True) as good,
        running_reference_server() as plain,
        contextlib.ExitStack() as servers,
    ):
        built = PasskeyStack(good, _localhost(plain.url), tmp_path_factory.mktemp("passkey-reports"))
        for check_id, flaw in FLAWED.items():
            app = create_app(Settings(webauthn=True, flaws=frozenset({flaw})))
            built.broken[check_id] = _localhost(servers.enter_context(serve_in_thread(app)))
        for check_id, (path, mutation) in REWRITTEN.items():
            settings = Settings(webauthn=check_id not in PASSKEYS_OFF)
            app = Mutator(create_app(settings), path, mutation, contains=True)
            built.broken[check_id] = _localhost(servers.enter_context(serve_in_thread(app)))
        yield built
        for client in built.clients:
            client.close()


def explain(finding: Finding) -> str:
    return f"{finding.key}: {finding.verdict} {finding.message or finding.reason}\n{finding.received}"


def test_every_passkey_check_has_a_breakage() -> None:
    assert sorted({*FLAWED, *REWRITTEN}) == PASSKEY_IDS


@pytest.mark.parametrize("check_id", PASSKEY_IDS)
def test_passes_on_the_reference_server(passkeys: PasskeyStack, check_id: str) -> None:
    target = passkeys.plain if check_id in PASSKEYS_OFF else _localhost(passkeys.good.url)
    finding = passkeys.run(check_id, target)
    assert finding.verdict == Verdict.PASS, explain(finding)


@pytest.mark.parametrize("check_id", PASSKEY_IDS)
def test_fails_on_its_breakage(passkeys: PasskeyStack, check_id: str) -> None:
    finding = passkeys.run(check_id, passkeys.broken[check_id])
    assert finding.verdict == Verdict.FAIL and finding.check_id == check_id, explain(finding)


def test_an_ip_address_origin_is_not_applicable_with_the_way_out(passkeys: PasskeyStack) -> None:
    finding = passkeys.run("PASSKEY-001", passkeys.good.url)
    assert finding.verdict == Verdict.NOT_APPLICABLE
    assert "http://localhost:PORT" in (finding.reason or ""), explain(finding)


def test_a_target_without_passkeys_is_not_applicable(passkeys: PasskeyStack) -> None:
    finding = passkeys.run("PASSKEY-001", passkeys.plain)
    assert finding.verdict == Verdict.NOT_APPLICABLE and "no WebAuthn" in (finding.reason or ""), explain(finding)
    on = passkeys.run("PASSKEY-009", _localhost(passkeys.good.url))
    assert on.verdict == Verdict.NOT_APPLICABLE and "passkeys are on" in (on.reason or ""), explain(on)


def test_the_passkey_lives_in_the_store(passkeys: PasskeyStack) -> None:
    finding = passkeys.run("PASSKEY-001", _localhost(passkeys.good.url))
    assert finding.verdict == Verdict.PASS, explain(finding)
    rows = passkeys.good.store._all(
        "SELECT a.counter, u.email FROM authenticators a JOIN users u USING (tenant, user_id)"
    )
    assert rows and all(str(row["email"]).endswith("@conformance.invalid") for row in rows)
    assert any(int(row["counter"]) > 0 for row in rows), "the sign-in's counter was stored"


def test_a_signed_in_user_adds_a_passkey_and_signs_in_with_it(passkeys: PasskeyStack) -> None:
    """The other registration Auth.js allows: the signed-in user registers (`action=register`, no e-mail)."""
    good = passkeys.good
    client = TargetClient(_localhost(good.url))
    passkeys.clients.append(client)
    inputs = Inputs(good.secret, (good.demo_email, good.demo_password), None, None)
    ctx = CheckContext(client, PROFILES["documented"], inputs, report_dir=passkeys.report_dir)

    def ceremonies() -> None:
        with Probe(ctx) as probe:
            keys = Passkeys(probe)
            csrf = keys.request("GET", client.url("csrf")).json()["csrfToken"]
            form = {"csrfToken": csrf, "email": good.demo_email, "password": good.demo_password}
            keys.request("POST", client.url("callback/credentials"), form=form)
            ceremony = keys.options("register")
            assert ceremony.body["action"] == "register", ceremony.body
            assert ceremony.options["user"]["name"] == good.demo_email
            assert keys.post("register", keys.create(ceremony)).signed_in_as == good.demo_email
            keys.sign_out()
            _, assertion = keys.authenticate()
            assert keys.post("authenticate", assertion).signed_in_as == good.demo_email

    # Playwright runs in its own driver thread (harness.browser): the probe must be used there, as the runner does.
    in_driver_thread(ceremonies)


@pytest.fixture(scope="module")
def private_ca_passkeys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The reference server with passkeys on, over https with a CA of this module's own (localhost certificate)."""
    files = ensure_certificates(tmp_path_factory.mktemp("passkey-ca"))
    app = create_app(Settings(webauthn=True))
    with serve_in_thread(app, ssl_certfile=str(files.server_cert), ssl_keyfile=str(files.server_key)) as url:
        yield _localhost(url), files


@pytest.mark.parametrize("check_id", ["PASSKEY-001", "PASSKEY-003"])
def test_passkey_ceremonies_reach_a_private_ca_target_through_the_runs_tls(
    private_ca_passkeys, check_id: str, tmp_path: Path
) -> None:
    """The ceremonies' requests go through the run's client: with --ca-bundle they reach an https target whose
    CA only the bundle knows (Playwright's request API would refuse it), and the pinned browser runs WebAuthn."""
    url, files = private_ca_passkeys
    assert url.startswith("https://localhost:"), url
    client = TargetClient(url, verify=tls.verify(False, str(files.ca_cert)))
    try:
        ctx = CheckContext(client, PROFILES["documented"], Inputs(), report_dir=tmp_path)
        finding = in_driver_thread(lambda: run_check(REGISTRY.get(check_id), ctx.for_instance(check_id), None))
    finally:
        client.close()
    assert finding.verdict == Verdict.PASS, explain(finding)
