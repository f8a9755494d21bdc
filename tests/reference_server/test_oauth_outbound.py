"""Unit tests of the reference server's outbound OAuth calls, with respx standing in for the provider."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from reference_server import OAuthProviderConfig, Settings, create_app

ISSUER = "https://idp.test/realms/r"
DISCOVERY = f"{ISSUER}/.well-known/openid-configuration"
DOCUMENT = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/auth",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/certs",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
}


def _signin(**settings) -> httpx.Response:
    config = OAuthProviderConfig("keycloak", "Keycloak", ISSUER, "client", "secret")
    app = create_app(Settings(oauth_providers=(config,), **settings))

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as http:
            token = (await http.get("/api/auth/csrf")).json()["csrfToken"]
            return await http.post("/api/auth/signin/keycloak", data={"csrfToken": token})

    return asyncio.run(run())


@respx.mock(assert_all_called=True)
def test_authorization_url_uses_discovery_and_pkce(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(DISCOVERY).respond(200, json=DOCUMENT)
    location = _signin().headers["location"]
    assert location.startswith(f"{ISSUER}/auth?response_type=code&client_id=client&redirect_uri=")
    assert "code_challenge_method=S256" in location and "scope=openid%20profile%20email" in location


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(503),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json={**DOCUMENT, "issuer": "https://other.test"}),
        httpx.Response(200, json={"issuer": ISSUER}),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ],
)
def test_discovery_failures_are_sign_in_configuration_errors(answer) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(DISCOVERY)
        route.mock(side_effect=answer) if isinstance(answer, Exception) else route.mock(return_value=answer)
        response = _signin()
    assert response.status_code == 302
    assert response.headers["location"] == "http://app.test/api/auth/signin?error=Configuration"


@respx.mock
def test_outbound_calls_carry_the_configured_timeout(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(DISCOVERY).respond(200, json=DOCUMENT)
    _signin(http_timeout=3.5)
    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout == {"connect": 3.5, "read": 3.5, "write": 3.5, "pool": 3.5}
