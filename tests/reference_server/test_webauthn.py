"""webauthn-options: 404 when disabled (documented), real options and a sealed challenge cookie when enabled."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import spec
from reference_server import jwe
from reference_server.testing import RunningReferenceServer, running_reference_server
from tests.reference_server.helpers import sign_in

CHALLENGE = "authjs.challenge"


@pytest.fixture(scope="module")
def webauthn_server() -> Iterator[RunningReferenceServer]:
    with running_reference_server(webauthn=True) as server:
        yield server


@pytest.fixture
def http(webauthn_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=webauthn_server.url, timeout=5) as client:
        yield client


def test_disabled_webauthn_is_404_with_no_body(client: httpx.Client) -> None:
    response = client.get("/api/auth/webauthn-options", params={"action": "authenticate"})
    assert response.status_code == 404
    assert response.content == b""


def test_authenticate_options_and_challenge_cookie(http: httpx.Client, webauthn_server) -> None:
    response = http.get("/api/auth/webauthn-options", params={"action": "authenticate"})
    assert response.status_code == 200
    body = response.json()
    assert not list(spec.validator("WebAuthnOptionsResponse").iter_errors(body))
    assert body["action"] == "authenticate"
    assert body["options"]["rpId"] == "127.0.0.1" and body["options"]["timeout"] == 300000
    [line] = [line for line in response.headers.get_list("set-cookie") if line.startswith(CHALLENGE + "=")]
    assert "Max-Age=900" in line and "Expires=" in line
    sealed = jwe.decode(http.cookies[CHALLENGE], webauthn_server.secret, CHALLENGE)
    assert sealed["provider"] == "passkey"
    inner = jwe.decode(sealed["value"], webauthn_server.secret, "encodedWebauthnChallenge")
    assert inner["challenge"] == body["options"]["challenge"]


def test_register_needs_a_known_user_or_an_unknown_email(http: httpx.Client, webauthn_server) -> None:
    assert http.get("/api/auth/webauthn-options", params={"action": "register"}).status_code == 400
    fresh = http.get("/api/auth/webauthn-options", params={"email": "new@example.com"}).json()
    assert fresh["action"] == "register" and fresh["options"]["user"]["name"] == "new@example.com"
    known = http.get("/api/auth/webauthn-options", params={"email": webauthn_server.demo_email}).json()
    assert known["action"] == "authenticate"
    sign_in(http, webauthn_server.demo_email, webauthn_server.demo_password)
    options = http.get("/api/auth/webauthn-options", params={"action": "register"}).json()["options"]
    assert options["user"]["name"] == webauthn_server.demo_email
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]


def test_invalid_action_is_400(http: httpx.Client) -> None:
    response = http.get("/api/auth/webauthn-options", params={"action": "steal"})
    assert response.status_code == 400 and response.json() == {"error": "Invalid action"}


def test_non_webauthn_provider_is_a_configuration_error(http: httpx.Client, webauthn_server) -> None:
    response = http.get("/api/auth/webauthn-options/credentials")
    assert response.status_code == 302
    assert response.headers["location"] == f"{webauthn_server.url}/api/auth/error?error=Configuration"
