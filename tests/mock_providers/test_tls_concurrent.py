"""Several `mocks` processes started together on one empty state dir share one CA: each serves a certificate
the ca.pem on disk signs, and an OAuth sign-in over HTTPS through each verifies against that file."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography import x509

from mock_providers.tls import ensure_certificates

MOCKS = 3
REDIRECT_URI = "http://127.0.0.1:1/api/auth/callback/keycloak"


def _start(state_dir: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "mock_providers", "--port", "0", "--https-port", "0", "--no-smtp", "--auto-login"]
    return subprocess.Popen(
        [*command, "--state-dir", str(state_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _environment(proc: subprocess.Popen[str]) -> dict[str, str]:
    """The banner's `KEY=value` lines and the two listener URLs, read up to the ready line."""
    assert proc.stdout is not None
    env: dict[str, str] = {}
    for line in proc.stdout:  # the ready line always comes (or the process exits and the loop ends)
        if line.startswith("mock providers on "):
            env["HTTP"], env["HTTPS"] = line.removeprefix("mock providers on ").strip().split(" and ")
        elif "=" in line and not line.startswith("#"):
            key, value = line.strip().split("=", 1)
            env[key] = value
        if "Press Ctrl-C" in line:
            return env
    raise AssertionError(f"mocks exited {proc.wait(timeout=10)}: {proc.stderr.read() if proc.stderr else ''}")


def _sign_in(env: dict[str, str], ca: ssl.SSLContext) -> dict[str, object]:
    issuer = env["KEYCLOAK_ISSUER"].replace(env["HTTP"], env["HTTPS"])
    with httpx.Client(verify=ca, timeout=30) as http:
        discovery = http.get(issuer + "/.well-known/openid-configuration").json()
        query = {"response_type": "code", "client_id": env["KEYCLOAK_ID"], "redirect_uri": REDIRECT_URI}
        answer = http.get(discovery["authorization_endpoint"], params=query | {"scope": "openid email"})
        assert answer.status_code == 302, answer.text
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        token = http.post(
            discovery["token_endpoint"],
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
            auth=(env["KEYCLOAK_ID"], env["KEYCLOAK_SECRET"]),
        )
    assert token.status_code == 200, token.text
    body: dict[str, object] = token.json()
    return body


def test_mocks_started_together_share_one_ca(tmp_path: Path) -> None:
    state = tmp_path / "empty"
    procs = [_start(state) for _ in range(MOCKS)]
    try:
        envs = [_environment(proc) for proc in procs]
        ca = ssl.create_default_context(cafile=str(state / "ca.pem"))
        for env in envs:
            assert env["NODE_EXTRA_CA_CERTS"] == str(state / "ca.pem")
            assert "id_token" in _sign_in(env, ca)
    finally:
        for proc in procs:
            proc.terminate()
            proc.communicate(timeout=30)  # waits and closes the pipes
    assert sorted(p.name for p in state.iterdir()) == [
        "ca-key.pem",
        "ca.pem",
        "server-key.pem",
        "server.pem",
        "tls.lock",
    ]


def test_a_certificate_its_ca_does_not_sign_is_remade(tmp_path: Path) -> None:
    first = ensure_certificates(tmp_path / "a")
    other = ensure_certificates(tmp_path / "b")
    first.ca_cert.write_bytes(other.ca_cert.read_bytes())  # what the race used to leave: a foreign ca.pem
    remade = ensure_certificates(tmp_path / "a")
    cert = x509.load_pem_x509_certificate(remade.server_cert.read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(remade.ca_cert.read_bytes()))
    ssl.create_default_context().load_cert_chain(remade.server_cert, remade.server_key)  # key and cert match
