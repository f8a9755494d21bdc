"""Control API over HTTP and Python: users, faults, key rotation, auto-login, request log, reset."""

from __future__ import annotations

import jwt
import pytest

from mock_providers.testing import RunningMocks

from .conftest import callback_params


def test_deny_redirects_with_access_denied(flow) -> None:
    f = flow("entra")
    page = f.authorize(state="s1")
    assert 'data-testid="deny"' in page.text and "cross-origin-opener-policy" not in page.headers
    params = callback_params(f.pick(page, deny=True))
    assert params["error"] == "access_denied" and params["error_description"].startswith("AADSTS65004")
    assert params["state"] == "s1"


def test_picker_has_stable_selectors_and_login_hint(flow, mocks: RunningMocks) -> None:
    f = flow("google")
    second = mocks.users("google")[1]
    page = f.authorize(login_hint=second["email"])
    assert f'data-testid="user-{second["email"]}" class="hinted"' in page.text


def test_auto_login_uses_login_hint(flow, mocks: RunningMocks) -> None:
    mocks.set_auto_login(True, "keycloak")
    f = flow("keycloak")
    third = mocks.users("keycloak")[2]
    response = f.authorize(login_hint=third["email"])
    assert response.status_code == 302
    claims = jwt.decode(
        f.token(callback_params(response)["code"]).json()["id_token"], options={"verify_signature": False}
    )
    assert claims["email"] == third["email"]


def test_added_user_with_custom_claims_over_http(flow, mocks: RunningMocks) -> None:
    f = flow("google")
    added = f.http.post(
        mocks.http_url + "/_mock/google/users",
        json={"email": "ada@lovelace.dev", "name": "Ada", "claims": {"team": "engines"}},
    )
    assert added.status_code == 201
    f.http.patch(mocks.http_url + "/_mock/google/users/ada@lovelace.dev", json={"email_verified": False})
    mocks.set_auto_login(True)
    body = f.token(callback_params(f.authorize(login_hint="ada@lovelace.dev"))["code"]).json()
    claims = f.verify_id_token(body["id_token"])
    assert claims["team"] == "engines" and claims["email_verified"] is False and claims["hd"] == "lovelace.dev"


def test_bad_control_input_is_a_400(http, mocks: RunningMocks) -> None:
    assert http.post(mocks.http_url + "/_mock/google/users", content=b"{nope").status_code == 400
    bad = http.post(mocks.http_url + "/_mock/google/faults", json={"endpoint": "token", "kind": "explode"})
    assert bad.status_code == 400 and "kind: must be one of" in bad.json()["error"]
    assert http.post(mocks.http_url + "/_mock/nobody/keys/rotate").status_code == 400


def test_injected_vendor_error_over_http(flow, mocks: RunningMocks) -> None:
    f = flow("entra")
    f.http.post(
        mocks.http_url + "/_mock/entra/faults",
        json={
            "endpoint": "token",
            "kind": "error",
            "error": "invalid_grant",
            "error_description": "AADSTS70011: The provided value for the input parameter 'scope' is not valid.",
        },
    )
    body = f.token(f.code()["code"]).json()
    assert body["error_codes"] == [70011] and "\r\nCorrelation ID: " in body["error_description"]
    assert f.token(f.code()["code"]).status_code == 200  # only the next call


def test_injected_access_denied_at_authorize(flow, mocks: RunningMocks) -> None:
    mocks.inject_fault("google", "authorize", "access_denied")
    assert flow("google").code()["error"] == "access_denied"


def test_keycloak_error_redirects_carry_iss(flow, mocks: RunningMocks) -> None:
    """RFC 9207: Keycloak advertises ``authorization_response_iss_parameter_supported``, so its error
    responses carry ``iss`` too; Auth.js v5 (oauth4webapi) rejects one without it as a Configuration error."""
    f = flow("keycloak")
    mocks.inject_fault("keycloak", "authorize", "access_denied")
    params = f.code(state="s2")
    assert params["error"] == "access_denied" and params["state"] == "s2"
    assert params["iss"] == mocks.issuer("keycloak", "nextauth")
    page = f.authorize()
    denied = callback_params(f.pick(page, deny=True))
    assert denied["error"] == "access_denied" and denied["iss"] == mocks.issuer("keycloak", "nextauth")
    # Vendors that do not advertise it send none.
    mocks.inject_fault("google", "authorize", "access_denied")
    assert "iss" not in flow("google").code()


@pytest.mark.parametrize(("kind", "status"), [("status", 503), ("malformed_json", 200)])
def test_injected_transport_faults(flow, mocks: RunningMocks, kind: str, status: int) -> None:
    f = flow("keycloak")
    code = f.code()["code"]
    mocks.inject_fault("keycloak", "token", kind, **({"status": status} if kind == "status" else {}))
    response = f.token(code)
    assert response.status_code == status
    if kind == "malformed_json":
        with pytest.raises(ValueError):
            response.json()


def test_injected_delay(flow, mocks: RunningMocks) -> None:
    mocks.inject_fault("google", "jwks", "delay", seconds=0.2)
    response = flow("google").http.get(mocks.http_url + "/google/oauth2/v3/certs")
    assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.2


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("wrong_issuer", jwt.InvalidIssuerError),
        ("wrong_audience", jwt.InvalidAudienceError),
        ("bad_signature", jwt.InvalidSignatureError),
        ("expired_id_token", jwt.ExpiredSignatureError),
    ],
)
def test_id_token_faults(flow, mocks: RunningMocks, kind: str, error: type[Exception]) -> None:
    f = flow("google")
    mocks.inject_fault("google", "token", kind)
    id_token = f.token(f.code()["code"]).json()["id_token"]
    with pytest.raises(error):
        f.verify_id_token(id_token)


def test_wrong_nonce_fault(flow, mocks: RunningMocks) -> None:
    f = flow("keycloak")
    mocks.inject_fault("keycloak", "token", "wrong_nonce")
    claims = f.verify_id_token(f.token(f.code(nonce="mine")["code"]).json()["id_token"])
    assert claims["nonce"] != "mine"


def test_key_rotation_keeps_old_key_published(flow, mocks: RunningMocks) -> None:
    f = flow("google")
    old_token = f.token(f.code()["code"]).json()["id_token"]
    rotated = f.http.post(mocks.http_url + "/_mock/google/keys/rotate").json()
    new_token = f.token(f.code()["code"]).json()["id_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == rotated["kid"]
    assert jwt.get_unverified_header(old_token)["kid"] in rotated["kids"]
    f.verify_id_token(old_token)
    f.verify_id_token(new_token)


def test_request_log_and_reset(flow, mocks: RunningMocks) -> None:
    f = flow("keycloak")
    f.token(f.code()["code"], auth="post")
    logged = f.http.get(mocks.http_url + "/_mock/requests", params={"vendor": "keycloak", "endpoint": "token"}).json()
    assert logged[-1]["status"] == 200 and logged[-1]["params"]["client_secret"] == "***"
    mocks.add_user("keycloak", email="temp@example.com")
    f.http.post(mocks.http_url + "/_mock/reset")
    assert mocks.requests() == [] and all(u["email"] != "temp@example.com" for u in mocks.users("keycloak"))
