"""Full authorization-code flows per vendor: authorize -> code -> token -> verified id_token -> userinfo."""

from __future__ import annotations

import base64
import hashlib
import warnings

import httpx
import jwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from mock_providers.testing import RunningMocks

from .conftest import REDIRECT_URI, TIMEOUT, callback_params, pkce_pair


@pytest.mark.parametrize("vendor", ["google", "entra", "keycloak"])
@pytest.mark.parametrize("auth", ["basic", "post"])
def test_authorization_code_flow_with_pkce(flow, vendor: str, auth: str) -> None:
    f = flow(vendor)
    verifier, challenge = pkce_pair()
    params = f.code(code_challenge=challenge, code_challenge_method="S256")
    assert "state" not in params and "error" not in params
    response = f.token(params["code"], auth=auth, code_verifier=verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and isinstance(body["expires_in"], int)
    issuer = f.discovery["issuer"].replace("{tenantid}", f.mocks.entra_tenant_id)
    claims = f.verify_id_token(body["id_token"], issuer=issuer)
    assert "nonce" not in claims
    userinfo = f.http.get(f.discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {body['access_token']}"})
    assert userinfo.status_code == 200 and userinfo.json()["email"] == claims["email"]


def test_google_tokens_look_like_google(flow) -> None:
    f = flow("google")
    body = f.token(f.code(nonce="n-123", state="s-1")["code"]).json()
    assert body["access_token"].startswith("ya29.") and body["expires_in"] == 3599
    assert body["scope"] == (
        "https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile openid"
    )
    claims = f.verify_id_token(body["id_token"])
    assert claims["iss"] == f.mocks.issuer("google") and claims["azp"] == f.mocks.client_id("google")
    assert claims["sub"].isdigit() and claims["nonce"] == "n-123" and "at_hash" in claims
    assert {"email_verified", "hd", "given_name", "family_name", "picture", "locale"} <= claims.keys()
    jwks = f.http.get(f.discovery["jwks_uri"]).json()["keys"]
    assert len(jwks) == 2 and all(len(k["kid"]) == 40 for k in jwks)


def test_google_state_is_echoed(flow) -> None:
    assert flow("google").code(state="xyz")["state"] == "xyz"


def test_keycloak_sends_iss_and_roles(flow, mocks: RunningMocks) -> None:
    f = flow("keycloak", "algapsa")
    params = f.code()
    assert params["iss"] == mocks.issuer("keycloak", "algapsa") and "session_state" in params
    assert f.discovery["authorization_response_iss_parameter_supported"] is True
    body = f.token(params["code"]).json()
    assert body["session_state"] and body["refresh_expires_in"] == 1800 and body["refresh_token"]
    claims = f.verify_id_token(body["id_token"])
    assert claims["typ"] == "ID" and claims["azp"] == "nextauth" and claims["sid"]
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert access["typ"] == "Bearer" and "roles" in access["realm_access"]


def test_entra_v2_claims_and_graph(flow, mocks: RunningMocks) -> None:
    f = flow("entra", mocks.entra_tenant_id)
    body = f.token(f.code()["code"]).json()
    claims = f.verify_id_token(body["id_token"])
    assert claims["ver"] == "2.0" and claims["tid"] == mocks.entra_tenant_id and "at_hash" not in claims
    assert {"oid", "preferred_username", "name", "email"} <= claims.keys() and claims["sub"] != claims["oid"]
    keys = f.http.get(f.discovery["jwks_uri"]).json()["keys"]
    assert all(k["x5t"] == k["kid"] and k["x5c"] for k in keys)
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    me = f.http.get(f"{mocks.http_url}/graph/v1.0/me", headers=bearer)
    assert me.json()["id"] == claims["oid"]
    photo = f.http.get(f"{mocks.http_url}/graph/v1.0/me/photos/48x48/$value", headers=bearer)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.content[:2] == b"\xff\xd8"


def test_graph_photo_missing_and_bad_token(flow, mocks: RunningMocks) -> None:
    f = flow("entra", mocks.entra_tenant_id)
    without_photo = next(u for u in mocks.users("entra") if not u["photo"])
    response = f.authorize(login_hint=without_photo["email"])
    token = f.token(callback_params(f.pick(response, without_photo["email"]))["code"]).json()["access_token"]
    photo = f.http.get(
        f"{mocks.http_url}/graph/v1.0/me/photos/64x64/$value", headers={"Authorization": f"Bearer {token}"}
    )
    assert photo.status_code == 404 and photo.json()["error"]["code"] == "ImageNotFound"
    bad = f.http.get(f"{mocks.http_url}/graph/v1.0/me/photos/64x64/$value", headers={"Authorization": "Bearer x"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_authlib_client_signs_in_against_keycloak(mocks: RunningMocks) -> None:
    """A second, independent OIDC client: authlib's OAuth2Client with PKCE plus its id_token validation."""
    with warnings.catch_warnings():  # authlib deprecates its httpx shim under an "always" filter it adds on import
        import authlib.deprecate  # noqa: F401 - its filter first, so that ours goes before it

        warnings.simplefilter("ignore", DeprecationWarning)
        from authlib.integrations.httpx_client import OAuth2Client
    issuer = mocks.issuer("keycloak")
    meta = httpx.get(issuer + "/.well-known/openid-configuration", timeout=TIMEOUT).json()
    mocks.set_auto_login(True)
    with OAuth2Client(
        mocks.client_id("keycloak"),
        mocks.client_secret("keycloak"),
        scope="openid email profile",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    ) as client:
        verifier = "v" * 64
        url, state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce="authlib-nonce"
        )
        callback = client.request("GET", url, follow_redirects=False, withhold_token=True).headers["location"]
        token = client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
        jwks = KeySet.import_key_set(client.request("GET", meta["jwks_uri"], withhold_token=True).json())
        claims = jose_jwt.decode(token["id_token"], jwks).claims
        jose_jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client.client_id},
            nonce={"essential": True, "value": "authlib-nonce"},
            exp={"essential": True},
        ).validate(claims)
        digest = hashlib.sha256(token["access_token"].encode()).digest()
        assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
        assert client.get(meta["userinfo_endpoint"]).json()["sub"] == claims["sub"]
