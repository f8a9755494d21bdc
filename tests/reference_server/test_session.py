"""GET session: `{}` without a live session, the documented session otherwise, and every way it ends."""

from __future__ import annotations

import time

import httpx
import pytest

import spec
from reference_server import jwe
from reference_server.cookies import CHUNK_SIZE
from reference_server.testing import running_reference_server
from tests.reference_server.helpers import set_cookie_lines, sign_in

SESSION = "authjs.session-token"
DOCUMENTED_USER_FIELDS = {
    "id",
    "email",
    "name",
    "username",
    "image",
    "proToken",
    "tenant",
    "tenantSlug",
    "user_type",
    "plan",
    "addons",
    "trial_end",
    "subscription_status",
    "solo_pro_trial_end",
}


def _session(client: httpx.Client, **kwargs) -> httpx.Response:
    response = client.get("/api/auth/session", **kwargs)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "private, no-cache, no-store"
    return response


def test_no_cookie_gives_the_documented_empty_object(client: httpx.Client) -> None:
    body = _session(client).json()
    assert body == {}
    assert not list(spec.validator("EmptyObjectResponse").iter_errors(body))


def test_credentials_sign_in_gives_every_documented_field(client: httpx.Client, reference) -> None:
    response = sign_in(client, reference.demo_email, reference.demo_password, "/dashboard")
    assert response.status_code == 302
    assert response.headers["location"] == f"{reference.url}/dashboard"
    assert set_cookie_lines(response, SESSION)
    body = _session(client).json()
    errors = [error.message for error in spec.validator("AuthSessionAuthenticatedResponse").iter_errors(body)]
    assert errors == []
    assert set(body["user"]) >= DOCUMENTED_USER_FIELDS
    assert body["user"]["email"] == reference.demo_email
    assert body["user"]["name"] == "Demo User"
    assert body["user"]["user_type"] == "internal"
    assert body["login_method"] == "credentials"
    assert (
        body["user"]["tenantSlug"]
        == body["user"]["tenant"].replace("-", "")[:6] + body["user"]["tenant"].replace("-", "")[-6:]
    )
    assert body["expires"].endswith("Z")


def test_client_portal_user_carries_client_and_contact_ids(client: httpx.Client, reference) -> None:
    sign_in(client, reference.client_email, reference.client_password)
    user = _session(client).json()["user"]
    assert user["user_type"] == "client"
    assert not list(spec.validator("AuthSessionUser").iter_errors(user))
    assert {"clientId", "contactId"} <= set(user)


def test_session_refreshes_its_cookie(client: httpx.Client, reference) -> None:
    sign_in(client, reference.demo_email, reference.demo_password)
    response = _session(client)
    [line] = set_cookie_lines(response, SESSION)
    assert "Expires=" in line and "HttpOnly" in line and "Max-Age" not in line


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "a.b.c.d.e",
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIn0....",
        "%ZZ%",
        "x" * 5000,
    ],
)
def test_malformed_cookies_give_empty_object_and_are_cleared(client: httpx.Client, value: str) -> None:
    response = _session(client, headers={"cookie": f"{SESSION}={value}"})
    assert response.json() == {}
    assert set_cookie_lines(response, SESSION) == [f"{SESSION}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"]


def test_truncated_and_foreign_cookies_give_empty_object(client: httpx.Client, reference) -> None:
    sign_in(client, reference.demo_email, reference.demo_password)
    token = client.cookies[SESSION]
    foreign = jwe.encode(
        {"sub": "x", "tenant": "t", "session_id": "s", "user_type": "internal"}, "another-secret", SESSION, 60
    )
    wrong_salt = jwe.encode({"sub": "x"}, reference.secret, "__Secure-authjs.session-token", 60)
    for value in (token[:-10], token[:50], foreign, wrong_salt):
        with httpx.Client(base_url=reference.url, timeout=5) as fresh:
            assert _session(fresh, headers={"cookie": f"{SESSION}={value}"}).json() == {}


def test_expired_token_is_no_session(client: httpx.Client, reference) -> None:
    sign_in(client, reference.demo_email, reference.demo_password)
    claims = jwe.decode(client.cookies[SESSION], reference.secret, SESSION)
    stale = jwe.encode({**claims, "exp": None}, reference.secret, SESSION, max_age=-60)
    with httpx.Client(base_url=reference.url, timeout=5) as fresh:
        assert _session(fresh, headers={"cookie": f"{SESSION}={stale}"}).json() == {}


def test_revoked_session_row_ends_the_session(client: httpx.Client, reference) -> None:
    sign_in(client, reference.demo_email, reference.demo_password)
    body = _session(client).json()
    reference.store.revoke_session(body["user"]["tenant"], body["session_id"], "admin_revoke")
    response = _session(client)
    assert response.json() == {}
    assert set_cookie_lines(response, SESSION)[0].startswith(f"{SESSION}=; Max-Age=0")


def test_a_token_naming_another_user_for_the_session_row_is_rejected(client: httpx.Client, reference) -> None:
    sign_in(client, reference.demo_email, reference.demo_password)
    claims = jwe.decode(client.cookies[SESSION], reference.secret, SESSION)
    other = reference.store.user_by_email(reference.client_email)
    forged = jwe.encode({**claims, "sub": other.user_id, "id": other.user_id}, reference.secret, SESSION, 60)
    with httpx.Client(base_url=reference.url, timeout=5) as fresh:
        assert _session(fresh, headers={"cookie": f"{SESSION}={forged}"}).json() == {}


def test_oversized_session_is_chunked_and_reassembled(reference) -> None:
    with running_reference_server() as server, httpx.Client(base_url=server.url, timeout=5) as http:
        sign_in(http, server.demo_email, server.demo_password)
        claims = jwe.decode(http.cookies[SESSION], server.secret, SESSION)
        big = jwe.encode({**claims, "padding": "p" * 6000}, server.secret, SESSION, 600)
        chunks = [big[i : i + CHUNK_SIZE] for i in range(0, len(big), CHUNK_SIZE)]
        cookie = "; ".join(f"{SESSION}.{index}={chunk}" for index, chunk in enumerate(chunks))
        http.cookies.clear()
        response = _session(http, headers={"cookie": cookie})
        assert response.json()["user"]["email"] == server.demo_email
        names = [line.split("=")[0] for line in response.headers.get_list("set-cookie")]
        assert f"{SESSION}.0" in names and f"{SESSION}.1" in names


def test_post_session_without_csrf_is_400_null(client: httpx.Client) -> None:
    response = client.post("/api/auth/session", data={})
    assert response.status_code == 400
    assert response.text == "null"


def test_jwe_tolerates_fifteen_seconds_of_clock_skew() -> None:
    token = jwe.encode({"sub": "x"}, "s", SESSION, max_age=1)
    assert jwe.decode(token, "s", SESSION, now=time.time() + 10)["sub"] == "x"
    with pytest.raises(jwe.InvalidToken):
        jwe.decode(token, "s", SESSION, now=time.time() + 30)
