"""Boot the real next-auth v4 and Auth.js v5 apps and talk to them over HTTP.

This proves the interop targets work before the harness is pointed at them. The first run
installs and builds the apps (about 20 s each with a warm npm cache); later runs reuse them.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from reference_server.store import hash_password

try:
    from tests.interop.nextapps import APP_NAMES, RunningApp, running_app
except ImportError:  # tests/ is not a package: pytest put this directory on sys.path
    from nextapps import APP_NAMES, RunningApp, running_app

pytestmark = [
    pytest.mark.interop,
    # Covers a first `npm ci` + `next build` inside the module fixture.
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        shutil.which("node") is None or shutil.which("npm") is None,
        reason="needs Node.js and npm",
    ),
]

COOKIE_PREFIX = {"nextauth-v4": "next-auth", "authjs-v5": "authjs"}
EMPTY_SESSION = {"nextauth-v4": {}, "authjs-v5": None}
HEX64 = re.compile(r"[0-9a-f]{64}")

# Issuers on a port where nothing listens: listing providers never contacts them.
NOWHERE = "http://127.0.0.1:9"
ALL_PROVIDERS_ENV = {
    "GOOGLE_CLIENT_ID": "google-client",
    "GOOGLE_CLIENT_SECRET": "google-secret",
    "GOOGLE_ISSUER": f"{NOWHERE}/google",
    "AZURE_AD_CLIENT_ID": "azure-client",
    "AZURE_AD_CLIENT_SECRET": "azure-secret",
    "AZURE_AD_ISSUER": f"{NOWHERE}/entra/v2.0",
    "KEYCLOAK_CLIENT_ID": "keycloak-client",
    "KEYCLOAK_CLIENT_SECRET": "keycloak-secret",
    "KEYCLOAK_ISSUER": f"{NOWHERE}/realms/interop",
    "INTEROP_USERS": json.dumps(
        [
            {"id": "u-42", "email": "alice@example.org", "name": "Alice", "password": "pw-alice"},
            # the reference server's stored hash form (the benchmark's equal-password-work mode)
            {"id": "u-43", "email": "bob@example.org", "name": "Bob", "passwordHash": hash_password("pw-bob")},
        ]
    ),
}


def set_cookies(resp: httpx.Response) -> dict[str, str]:
    """name -> full Set-Cookie header, for every cookie the response sets."""
    return {h.split("=", 1)[0]: h for h in resp.headers.get_list("set-cookie")}


def cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]


def cookie_header(*responses: httpx.Response) -> str:
    jar: dict[str, str] = {}
    for resp in responses:
        for name, header in set_cookies(resp).items():
            jar[name] = cookie_value(header)
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


@pytest.fixture(scope="module", params=APP_NAMES)
def app(request: pytest.FixtureRequest) -> Iterator[RunningApp]:
    with running_app(request.param, env={}) as running:
        yield running


def make_client() -> httpx.Client:
    """No redirects and a cookie jar that stores nothing: cookies are passed explicitly."""
    jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.Client(timeout=15.0, follow_redirects=False, trust_env=False, cookies=jar)


@pytest.fixture()
def client() -> Iterator[httpx.Client]:
    with make_client() as c:
        yield c


def get_csrf(client: httpx.Client, app: RunningApp) -> tuple[str, httpx.Response]:
    resp = client.get(f"{app.auth_url}/csrf")
    return resp.json()["csrfToken"], resp


def sign_in(client: httpx.Client, app: RunningApp, email: str, password: str) -> tuple[httpx.Response, httpx.Response]:
    token, csrf_resp = get_csrf(client, app)
    resp = client.post(
        f"{app.auth_url}/callback/credentials",
        data={"csrfToken": token, "email": email, "password": password},
        headers={"Cookie": cookie_header(csrf_resp)},
    )
    return csrf_resp, resp


def test_csrf(app: RunningApp, client: httpx.Client) -> None:
    resp = client.get(f"{app.auth_url}/csrf")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    token = resp.json()["csrfToken"]
    assert HEX64.fullmatch(token)
    cookies = set_cookies(resp)
    csrf_cookie = cookies[f"{COOKIE_PREFIX[app.name]}.csrf-token"]
    value = cookie_value(csrf_cookie)
    cookie_token, _, cookie_hash = value.partition("%7C")
    assert cookie_token == token and HEX64.fullmatch(cookie_hash)
    assert "HttpOnly" in csrf_cookie and "Path=/" in csrf_cookie and "SameSite=Lax" in csrf_cookie
    assert resp.headers["cache-control"] == "private, no-cache, no-store"

    # A valid cookie is reused: same token, no new csrf cookie.
    again = client.get(f"{app.auth_url}/csrf", headers={"Cookie": cookie_header(resp)})
    assert again.json()["csrfToken"] == token
    assert f"{COOKIE_PREFIX[app.name]}.csrf-token" not in set_cookies(again)


def test_providers_default_is_credentials_only(app: RunningApp, client: httpx.Client) -> None:
    resp = client.get(f"{app.auth_url}/providers")
    assert resp.status_code == 200
    body = resp.json()
    assert list(body) == ["credentials"]
    assert body["credentials"] == {
        "id": "credentials",
        "name": "Credentials",
        "type": "credentials",
        "signinUrl": f"{app.public_url}/api/auth/signin/credentials",
        "callbackUrl": f"{app.public_url}/api/auth/callback/credentials",
    }
    assert "set-cookie" not in resp.headers


def test_session_without_cookie_is_empty(app: RunningApp, client: httpx.Client) -> None:
    resp = client.get(f"{app.auth_url}/session")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() == EMPTY_SESSION[app.name]


def test_credentials_sign_in_then_session(app: RunningApp, client: httpx.Client) -> None:
    csrf_resp, resp = sign_in(client, app, "demo@example.com", "demo-password")
    assert resp.status_code == 302, resp.text
    assert resp.headers["location"] == app.public_url  # callbackUrl defaults to the origin
    session_cookie_name = f"{COOKIE_PREFIX[app.name]}.session-token"
    assert session_cookie_name in set_cookies(resp)

    session = client.get(f"{app.auth_url}/session", headers={"Cookie": cookie_header(csrf_resp, resp)})
    assert session.status_code == 200
    body = session.json()
    assert body["user"] == {"name": "Demo User", "email": "demo@example.com"}
    assert set(body) == {"user", "expires"}


def test_credentials_wrong_password(app: RunningApp, client: httpx.Client) -> None:
    _, resp = sign_in(client, app, "demo@example.com", "wrong-password")
    assert resp.status_code == 302
    location = resp.headers["location"]
    if app.name == "nextauth-v4":
        assert location == f"{app.public_url}/api/auth/error?error=CredentialsSignin&provider=credentials"
        # ... which bounces to the sign-in page.
        bounce = client.get(location)
        assert bounce.status_code == 302
        assert bounce.headers["location"] == f"{app.public_url}/api/auth/signin?error=CredentialsSignin"
    else:
        assert location == f"{app.public_url}/api/auth/signin?error=CredentialsSignin&code=credentials"
    assert f"{COOKIE_PREFIX[app.name]}.session-token" not in set_cookies(resp)


def test_missing_csrf_is_rejected(app: RunningApp, client: httpx.Client) -> None:
    resp = client.post(
        f"{app.auth_url}/callback/credentials",
        data={"csrfToken": "0" * 64, "email": "demo@example.com", "password": "demo-password"},
    )
    assert resp.status_code == 302
    query = parse_qs(urlsplit(resp.headers["location"]).query)
    assert query in ({"csrf": ["true"]}, {"error": ["MissingCSRF"]})


@pytest.mark.parametrize("app_name", APP_NAMES)
def test_all_providers_from_env(app_name: str) -> None:
    with running_app(app_name, env=ALL_PROVIDERS_ENV) as app, make_client() as client:
        body = client.get(f"{app.auth_url}/providers").json()
        assert set(body) == {"credentials", "google", "azure-ad", "keycloak"}
        oauth_type = "oauth" if app_name == "nextauth-v4" else "oidc"
        assert {k: v["type"] for k, v in body.items()} == {
            "credentials": "credentials",
            "google": oauth_type,
            "azure-ad": oauth_type,
            "keycloak": oauth_type,
        }
        assert body["azure-ad"]["name"] == "Azure Active Directory"

        # INTEROP_USERS replaces the demo user.
        _, ok = sign_in(client, app, "alice@example.org", "pw-alice")
        assert ok.status_code == 302 and ok.headers["location"] == app.public_url
        _, demo = sign_in(client, app, "demo@example.com", "demo-password")
        assert "CredentialsSignin" in demo.headers["location"]
        _, hashed = sign_in(client, app, "bob@example.org", "pw-bob")
        assert hashed.status_code == 302 and hashed.headers["location"] == app.public_url
        _, wrong = sign_in(client, app, "bob@example.org", "pw-alice")
        assert "CredentialsSignin" in wrong.headers["location"]
