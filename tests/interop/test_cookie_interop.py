"""Session cookies cross between the Python reference server and a real Auth.js v5 app (same secret).

Plain http on both sides, so the cookie is ``authjs.session-token`` everywhere and the JWE salt is that
name. Reference -> v5: the reference server's cookie is accepted as is. v5 -> reference: the reference
server also needs a matching ``sessions`` row (revocation, AlgaPSA-style claims), so a foreign cookie is
no session there by design; instead ``reference_server.jwe`` must decrypt the v5 cookie, and a cookie it
encrypts from those claims must be accepted by v5.
"""

from __future__ import annotations

import http.cookiejar
import json
from collections.abc import Iterator

import httpx
import pytest

from reference_server import jwe
from reference_server.testing import RunningReferenceServer, running_reference_server

try:
    from tests.interop.nextapps import RunningApp, running_app
except ImportError:  # tests/ is not a package: pytest put this directory on sys.path
    from nextapps import RunningApp, running_app

# No skipif for a missing Node.js: CI must run these, so running_app's RuntimeError fails them.
pytestmark = [
    pytest.mark.interop,
    pytest.mark.timeout(900),  # a first `npm ci` + `next build` happens inside the module fixture
]

SECRET = "cookie-interop-secret-shared-by-both-sides-0123456789abcdef"
COOKIE = "authjs.session-token"
V5_USER = {"id": "v5-user-7", "email": "katherine.johnson@example.org", "name": "Katherine Johnson"}
MAX_AGE = 30 * 24 * 3600


@pytest.fixture(scope="module")
def v5() -> Iterator[RunningApp]:
    users = [V5_USER | {"password": "pw-katherine"}]
    env = {"AUTH_SECRET": SECRET, "NEXTAUTH_SECRET": SECRET, "INTEROP_USERS": json.dumps(users)}
    with running_app("authjs-v5", env=env) as app:
        yield app


@pytest.fixture(scope="module")
def reference() -> Iterator[RunningReferenceServer]:
    with running_reference_server(secret=SECRET) as server:
        yield server


def make_client(base_url: str = "") -> httpx.Client:
    """No redirects, and a jar that stores nothing: cookies are sent explicitly."""
    jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.Client(base_url=base_url, timeout=15.0, follow_redirects=False, trust_env=False, cookies=jar)


def cookies_of(resp: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h.split(";", 1)[0].split("=", 1)[1] for h in resp.headers.get_list("set-cookie")}


def credentials_sign_in(base_url: str, email: str, password: str) -> str:
    """csrf + POST callback/credentials; returns the session-token cookie value."""
    with make_client(base_url) as client:
        csrf = client.get("/api/auth/csrf")
        jar = cookies_of(csrf)
        resp = client.post(
            "/api/auth/callback/credentials",
            data={"csrfToken": csrf.json()["csrfToken"], "email": email, "password": password},
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())},
        )
    assert resp.status_code == 302, resp.text
    assert "error" not in resp.headers["location"], resp.headers["location"]
    token = cookies_of(resp).get(COOKIE)
    assert token, resp.headers.get_list("set-cookie")
    return token


def session_with(base_url: str, token: str) -> object:
    with make_client(base_url) as client:
        resp = client.get("/api/auth/session", headers={"Cookie": f"{COOKIE}={token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_reference_cookie_is_accepted_by_v5(v5: RunningApp, reference: RunningReferenceServer) -> None:
    token = credentials_sign_in(reference.url, reference.demo_email, reference.demo_password)
    own = session_with(reference.url, token)
    assert isinstance(own, dict) and own["user"]["email"] == reference.demo_email

    session = session_with(v5.url, token)
    assert isinstance(session, dict), session
    assert session["user"]["email"] == reference.demo_email
    assert session["user"]["name"] == own["user"]["name"]


def test_v5_cookie_decodes_with_reference_jwe(v5: RunningApp, reference: RunningReferenceServer) -> None:
    token = credentials_sign_in(v5.url, V5_USER["email"], "pw-katherine")
    claims = jwe.decode(token, SECRET, COOKIE)
    assert claims["email"] == V5_USER["email"]
    assert claims["name"] == V5_USER["name"]
    assert claims["sub"] == V5_USER["id"]
    assert {"iat", "exp", "jti"} <= set(claims)
    with pytest.raises(jwe.InvalidToken):
        jwe.decode(token, SECRET, "__Secure-authjs.session-token")  # the salt is the cookie name

    # A cookie the reference encoder makes from the v5 claims is a v5 session.
    reissued = jwe.encode({k: v for k, v in claims.items() if k not in ("iat", "exp", "jti")}, SECRET, COOKIE, MAX_AGE)
    session = session_with(v5.url, reissued)
    assert isinstance(session, dict), session
    assert session["user"] == {"email": V5_USER["email"], "name": V5_USER["name"]}

    # The reference server itself wants its own claims and a `sessions` row: a v5 cookie is no session there.
    assert session_with(reference.url, token) == {}


def test_wrong_secret_is_no_session_on_v5(v5: RunningApp) -> None:
    forged = jwe.encode({"sub": "x", "email": "mallory@example.org", "name": "M"}, "another-secret", COOKIE, MAX_AGE)
    assert session_with(v5.url, forged) is None
