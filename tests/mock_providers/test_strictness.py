"""Every strictness rule is refused with the vendor's own error code, description and status."""

from __future__ import annotations

import time

import pytest

from mock_providers.testing import RunningMocks

from .conftest import REDIRECT_URI, pkce_pair

GOOGLE, ENTRA, KEYCLOAK = "google", "entra", "keycloak"


def expect(response, status: int, error: str, description: str | None = None) -> None:
    body = response.json()
    assert response.status_code == status, response.text
    assert body["error"] == error, body
    if description is not None:
        assert body["error_description"].split("\r\n")[0].startswith(description), body


@pytest.mark.parametrize(
    ("vendor", "status", "error", "description"),
    [
        (GOOGLE, 400, "invalid_grant", "Bad Request"),
        (ENTRA, 400, "invalid_grant", "AADSTS54005"),
        (KEYCLOAK, 400, "invalid_grant", "Code not valid"),
    ],
)
def test_code_reuse_is_refused(flow, vendor, status, error, description) -> None:
    f = flow(vendor)
    code = f.code()["code"]
    assert f.token(code).status_code == 200
    expect(f.token(code), status, error, description)


@pytest.mark.parametrize(
    ("vendor", "error", "description"),
    [
        (GOOGLE, "invalid_grant", "Bad Request"),
        (ENTRA, "invalid_grant", "AADSTS70008"),
        (KEYCLOAK, "invalid_grant", "Code is expired"),
    ],
)
def test_expired_code_is_refused(flow, mocks: RunningMocks, vendor, error, description) -> None:
    f = flow(vendor)
    code = f.code()["code"]
    mocks.control.provider(vendor).codes.ttl_seconds = 0.01
    time.sleep(0.05)
    expect(f.token(code), 400, error, description)


@pytest.mark.parametrize(
    ("vendor", "error", "description"),
    [
        (GOOGLE, "redirect_uri_mismatch", "Bad Request"),
        (ENTRA, "invalid_request", "AADSTS50011"),
        (KEYCLOAK, "invalid_grant", "Incorrect redirect_uri"),
    ],
)
def test_wrong_redirect_uri_is_refused(flow, vendor, error, description) -> None:
    f = flow(vendor)
    expect(f.token(f.code()["code"], redirect_uri=REDIRECT_URI + "/other"), 400, error, description)


@pytest.mark.parametrize(
    ("vendor", "status", "error", "description"),
    [
        (GOOGLE, 401, "invalid_client", "Unauthorized"),
        (ENTRA, 401, "invalid_client", "AADSTS7000215"),
        (KEYCLOAK, 401, "unauthorized_client", "Invalid client or Invalid client credentials"),
    ],
)
def test_wrong_client_secret_is_refused(flow, mocks, vendor, status, error, description) -> None:
    f = flow(vendor)
    code = f.code()["code"]
    response = f.http.post(
        f.discovery["token_endpoint"],
        auth=(mocks.client_id(vendor), "wrong"),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
    )
    expect(response, status, error, description)


def test_unknown_google_client_is_refused(flow) -> None:
    f = flow(GOOGLE)
    response = f.http.post(f.discovery["token_endpoint"], auth=("nobody", "x"), data={"grant_type": "x"})
    expect(response, 401, "invalid_client", "The OAuth client was not found.")


def test_basic_credentials_are_url_decoded(flow, mocks) -> None:
    """Auth.js form-urlencodes id and secret before base64 (``~`` stays, but ``%7E`` must decode)."""
    f = flow(ENTRA)
    code = f.code()["code"]
    secret = mocks.client_secret(ENTRA).replace("~", "%7E")
    response = f.http.post(
        f.discovery["token_endpoint"],
        auth=(mocks.client_id(ENTRA), secret),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("vendor", "description"),
    [
        (GOOGLE, "Invalid code verifier."),
        (ENTRA, "AADSTS50148"),
        (KEYCLOAK, "PKCE verification failed: Code mismatch"),
    ],
)
def test_pkce_mismatch_is_refused(flow, vendor, description) -> None:
    f = flow(vendor)
    _, challenge = pkce_pair()
    code = f.code(code_challenge=challenge, code_challenge_method="S256")["code"]
    expect(f.token(code, code_verifier=pkce_pair()[0]), 400, "invalid_grant", description)


@pytest.mark.parametrize(
    ("vendor", "description"),
    [
        (GOOGLE, "Missing code verifier."),
        (KEYCLOAK, "PKCE code verifier not specified"),
    ],
)
def test_pkce_missing_verifier_is_refused(flow, vendor, description) -> None:
    f = flow(vendor)
    code = f.code(code_challenge=pkce_pair()[1], code_challenge_method="S256")["code"]
    expect(f.token(code), 400, "invalid_grant", description)


def test_plain_pkce_is_accepted(flow) -> None:
    f = flow(KEYCLOAK)
    verifier = "p" * 50
    code = f.code(code_challenge=verifier, code_challenge_method="plain")["code"]
    assert f.token(code, code_verifier=verifier).status_code == 200


def test_keycloak_refuses_verifier_without_challenge(flow) -> None:
    f = flow(KEYCLOAK)
    expect(
        f.token(f.code()["code"], code_verifier="decoy" * 10),
        400,
        "invalid_grant",
        "PKCE code verifier specified but challenge not present in authorization",
    )


def test_google_accepts_verifier_without_challenge(flow) -> None:
    f = flow(GOOGLE)
    assert f.token(f.code()["code"], code_verifier="decoy" * 10).status_code == 200


@pytest.mark.parametrize(
    ("vendor", "error", "status"),
    [
        (GOOGLE, "unsupported_grant_type", 400),
        (ENTRA, "unsupported_grant_type", 400),
        (KEYCLOAK, "unsupported_grant_type", 400),
    ],
)
def test_wrong_grant_type_is_refused(flow, vendor, error, status) -> None:
    f = flow(vendor)
    expect(f.token("x", grant_type="password"), status, error)


def test_code_from_another_realm_is_refused(flow) -> None:
    code = flow(KEYCLOAK, "nextauth").code()["code"]
    expect(flow(KEYCLOAK, "algapsa").token(code), 400, "invalid_grant", "Code not valid")


def test_unknown_tenant_and_realm(http, mocks) -> None:
    entra = http.get(mocks.http_url + "/entra/not-a-tenant/v2.0/.well-known/openid-configuration")
    body = entra.json()
    assert entra.status_code == 400 and body["error"] == "invalid_tenant" and body["error_codes"] == [90002]
    assert "\r\nTrace ID: " in body["error_description"] and body["trace_id"] and body["correlation_id"]
    realm = http.get(mocks.http_url + "/keycloak/realms/nope/.well-known/openid-configuration")
    assert realm.status_code == 404 and realm.json()["error"] == "Realm does not exist"


def test_registered_redirect_uris_are_enforced(mocks) -> None:
    from mock_providers.testing import running_mocks

    with running_mocks(https_port=None, redirect_uris=[REDIRECT_URI]) as strict:
        import httpx

        url = strict.discovery_url("google")
        meta = httpx.get(url, timeout=10).json()
        page = httpx.get(
            meta["authorization_endpoint"],
            timeout=10,
            params={
                "client_id": strict.client_id("google"),
                "redirect_uri": "http://evil.example/cb",
                "response_type": "code",
                "scope": "openid",
            },
        )
        assert page.status_code == 400 and "redirect_uri_mismatch" in page.text


def test_keycloak_logout_rules(flow, mocks) -> None:
    f = flow(KEYCLOAK)
    logout = f.discovery["end_session_endpoint"]
    refused = f.http.get(logout, params={"post_logout_redirect_uri": "http://app.localhost:3000/"})
    assert refused.status_code == 400 and "Missing parameters: id_token_hint" in refused.text
    ok = f.http.get(
        logout,
        params={"post_logout_redirect_uri": "http://app.localhost:3000/", "client_id": "x", "state": "s"},
    )
    assert ok.status_code == 302 and ok.headers["location"] == "http://app.localhost:3000/?state=s"
    id_token = f.token(f.code()["code"]).json()["id_token"]
    hinted = f.http.get(
        logout, params={"post_logout_redirect_uri": "http://app.localhost:3000/", "id_token_hint": id_token}
    )
    assert hinted.status_code == 302
