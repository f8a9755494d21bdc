"""GET providers: the documented map keyed by id, with absolute URLs and no cookies."""

from __future__ import annotations

import httpx

import spec
from reference_server import OAuthProviderConfig, Settings
from reference_server.testing import running_reference_server


def test_default_deployment_offers_credentials_only(client: httpx.Client, reference) -> None:
    response = client.get("/api/auth/providers")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers.get_list("set-cookie") == []
    body = response.json()
    assert not list(spec.validator("AuthProvidersResponse").iter_errors(body))
    assert body == {
        "credentials": {
            "id": "credentials",
            "name": "Credentials",
            "type": "credentials",
            "signinUrl": f"{reference.url}/api/auth/signin/credentials",
            "callbackUrl": f"{reference.url}/api/auth/callback/credentials",
        }
    }


def test_configured_oauth_providers_are_listed_in_algapsa_order() -> None:
    oauth = tuple(
        OAuthProviderConfig(pid, name, "http://idp.invalid", "id", "secret")
        for pid, name in (("keycloak", "Keycloak"), ("google", "Google"), ("azure-ad", "Azure Active Directory"))
    )
    with running_reference_server(Settings(oauth_providers=oauth, webauthn=True)) as server:
        body = httpx.get(f"{server.base_url}/providers", timeout=5).json()
    assert list(body) == ["google", "azure-ad", "credentials", "keycloak", "passkey"]
    assert {key: value["type"] for key, value in body.items()} == {
        "google": "oidc",
        "azure-ad": "oidc",
        "credentials": "credentials",
        "keycloak": "oidc",
        "passkey": "webauthn",
    }
    assert all(key == value["id"] for key, value in body.items())
    assert body["google"]["callbackUrl"] == f"{server.base_url}/callback/google"


def test_fixed_origin_is_used_for_every_url_whatever_the_host_header() -> None:
    with running_reference_server(origin="https://auth.example.com") as server:
        body = httpx.get(f"{server.base_url}/providers", headers={"host": "evil.example"}, timeout=5).json()
    assert body["credentials"]["signinUrl"] == "https://auth.example.com/api/auth/signin/credentials"
