"""The session JWE is byte-compatible with the real npm @auth/core (0.41.3): each side reads the other's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from reference_server import jwe
from tests.reference_server.helpers import sign_in

pytestmark = pytest.mark.node
SECRET = "interop-secret-with-enough-entropy"


def _node(peers: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["node", "jwe.mjs", *args], cwd=peers, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("salt", ["authjs.session-token", "__Secure-authjs.session-token"])
def test_python_reads_a_cookie_minted_by_auth_core(node_peers: Path, salt: str) -> None:
    claims = {"sub": "u-1", "email": "a@example.com", "name": "Ä Unicode ✓", "tenant": "t"}
    minted = _node(node_peers, "encode", SECRET, salt, json.dumps(claims))
    assert minted.returncode == 0, minted.stderr
    decoded = jwe.decode(minted.stdout, SECRET, salt)
    assert {k: decoded[k] for k in claims} == claims
    assert {"iat", "exp", "jti"} <= set(decoded)


def test_auth_core_reads_a_cookie_minted_by_python(node_peers: Path) -> None:
    token = jwe.encode({"sub": "u-2", "email": "b@example.com"}, SECRET, "authjs.session-token", 600)
    result = _node(node_peers, "decode", SECRET, "authjs.session-token", token)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["email"] == "b@example.com"


def test_auth_core_rejects_our_cookie_under_another_salt_or_secret(node_peers: Path) -> None:
    token = jwe.encode({"sub": "u-3"}, SECRET, "authjs.session-token", 600)
    assert _node(node_peers, "decode", SECRET, "__Secure-authjs.session-token", token).returncode != 0
    assert _node(node_peers, "decode", "other-secret", "authjs.session-token", token).returncode != 0


def test_auth_core_decodes_the_reference_server_session_cookie(
    node_peers: Path, client: httpx.Client, reference
) -> None:
    sign_in(client, reference.demo_email, reference.demo_password)
    cookie = client.cookies["authjs.session-token"]
    result = _node(node_peers, "decode", reference.secret, "authjs.session-token", cookie)
    assert result.returncode == 0, result.stderr
    claims = json.loads(result.stdout)
    assert claims["email"] == reference.demo_email and claims["login_method"] == "credentials"


def test_a_session_cookie_minted_by_auth_core_is_a_session_on_the_reference_server(
    node_peers: Path, client: httpx.Client, reference
) -> None:
    sign_in(client, reference.demo_email, reference.demo_password)
    claims = jwe.decode(client.cookies["authjs.session-token"], reference.secret, "authjs.session-token")
    payload = {k: v for k, v in claims.items() if k not in ("iat", "exp", "jti")}
    minted = _node(node_peers, "encode", reference.secret, "authjs.session-token", json.dumps(payload))
    assert minted.returncode == 0, minted.stderr
    with httpx.Client(base_url=reference.url, timeout=5) as fresh:
        body = fresh.get("/api/auth/session", headers={"cookie": f"authjs.session-token={minted.stdout}"}).json()
    assert body["user"]["email"] == reference.demo_email
