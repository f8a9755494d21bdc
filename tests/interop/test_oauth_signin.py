"""Real next-auth v4 and Auth.js v5 sign in through our mock Google, Entra ID and Keycloak.

Each app is started once per module with all three OAuth providers pointing at one set of mocks
(``auto_login=True``: the authorize endpoint answers at once with a code for the mock's first user,
which is the user configured here; neither app sends ``login_hint``). The flow is driven over real
HTTP with httpx, as a browser would: csrf -> POST signin/<id> -> mock authorize -> app callback ->
session. What each combination needs (see tests/interop/apps/README.md, "Signing in against the mocks"):

* google, keycloak: plain http issuers, both apps.
* azure-ad, v4: a concrete (GUID) tenant issuer, so discovery and id_token ``iss`` agree without the
  ``{tenantid}`` substitution that openid-client only does for login.microsoftonline.com.
* azure-ad, v5: the ``common`` issuer over HTTPS (Auth.js re-discovers at ``/{tid}/v2.0`` with HTTPS
  enforced), ``NODE_EXTRA_CA_CERTS`` = the mocks' CA.
* azure-ad, both: the profile photo fetch to the hard-coded ``https://graph.microsoft.com`` goes to the
  mocks' Graph stand-in through the Node preload the package ships (``mock_providers/vendor_hosts.cjs``,
  ``NODE_OPTIONS=--require``, what ``nextauth-conformance mocks`` prints).
* google and azure-ad with the libraries' own vendor URLs (no issuer configured at all): a second pair of
  apps reaches accounts.google.com, oauth2.googleapis.com, login.microsoftonline.com and graph.microsoft.com
  through that preload alone, over fetch (v5) and https.request (v4, openid-client).
"""

from __future__ import annotations

import http.cookiejar
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from mock_providers.testing import RunningMocks, running_mocks
from mock_providers.tls import VENDOR_HOSTS
from spec.providers import PROVIDERS as CATALOG
from tests.interop.provider_env import app_env, vendor_default_env

try:
    from tests.interop.nextapps import RunningApp, running_app
except ImportError:  # tests/ is not a package: pytest put this directory on sys.path
    from nextapps import RunningApp, running_app

# No skipif for a missing Node.js: CI must run these, so running_app's RuntimeError fails them.
pytestmark = [
    pytest.mark.interop,
    pytest.mark.timeout(900),  # a first `npm ci` + `next build` happens inside the module fixture
]

TIMEOUT = 20.0

#: One user per vendor; with ``user_count=0`` it is the only (hence auto-login) user.
USERS = {
    "google": {"email": "grace.hopper@example.org", "name": "Grace Hopper"},
    "entra": {"email": "ada.lovelace@contoso.example", "name": "Ada Lovelace"},
    "keycloak": {"email": "alan.turing@example.net", "name": "Alan Turing"},
}
PROVIDERS = {p.id: p.mock for p in CATALOG if p.oauth}  # app provider id -> mock vendor
APPS = ("nextauth-v4", "authjs-v5")
COOKIE_PREFIX = {"nextauth-v4": "next-auth", "authjs-v5": "authjs"}
EMPTY_SESSION = {"nextauth-v4": {}, "authjs-v5": None}


@pytest.fixture(scope="module")
def mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningMocks]:
    with running_mocks(
        state_dir=tmp_path_factory.mktemp("mock-idp"),
        auto_login=True,
        user_count=0,
        users={vendor: [user] for vendor, user in USERS.items()},
        entra_issuer_mode="template",
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_mocks(mocks: RunningMocks) -> None:
    mocks.reset()  # users, faults and the request log


@pytest.fixture(scope="module")
def apps(mocks: RunningMocks) -> Iterator[dict[str, RunningApp]]:
    with (
        running_app("nextauth-v4", env=app_env("nextauth-v4", mocks)) as v4,
        running_app("authjs-v5", env=app_env("authjs-v5", mocks)) as v5,
    ):
        yield {"nextauth-v4": v4, "authjs-v5": v5}


@pytest.fixture(scope="module")
def vendor_url_apps(mocks: RunningMocks) -> Iterator[dict[str, RunningApp]]:
    """Both apps with Google and Entra configured by client credentials only: the vendors' real URLs."""
    with (
        running_app("nextauth-v4", env=vendor_default_env(mocks)) as v4,
        running_app("authjs-v5", env=vendor_default_env(mocks)) as v5,
    ):
        yield {"nextauth-v4": v4, "authjs-v5": v5}


# --- a tiny browser ---------------------------------------------------------------------------------


@dataclass
class Browser:
    """Follows nothing by itself; keeps the app's cookies by name (one app per browser)."""

    app: RunningApp
    client: httpx.Client
    cookies: dict[str, str] = field(default_factory=dict)

    def dialable(self, url: str) -> str:
        """The v5 app writes ``localhost:PORT``; it listens on 127.0.0.1 only, so dial that."""
        parts = urlsplit(url)
        if parts.hostname == "localhost" and parts.port == self.app.port:
            return urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}"))
        return url

    def _to_app(self, url: str) -> bool:
        return urlsplit(self.dialable(url)).netloc == urlsplit(self.app.url).netloc

    def _remember(self, resp: httpx.Response) -> None:
        for header in resp.headers.get_list("set-cookie"):
            pair, _, attrs = header.partition(";")
            name, _, value = pair.partition("=")
            expired = "max-age=0" in attrs.lower().replace(" ", "") or "expires=thu, 01 jan 1970" in attrs.lower()
            if value and not expired:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)

    def request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        if self._to_app(url) and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        resp = self.client.request(method, self.dialable(url), headers=headers, **kwargs)  # type: ignore[arg-type]
        if self._to_app(url):
            self._remember(resp)
        return resp

    def get(self, url: str) -> httpx.Response:
        return self.request("GET", url)

    def session(self) -> object:
        resp = self.get(f"{self.app.auth_url}/session")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def sign_in(self, provider_id: str, hop: Callable[[str], httpx.Response]) -> dict[str, Any]:
        """The round trip: app -> IdP (``hop`` visits its authorize URL) -> app callback; the session's user."""
        callback_url = f"{self.app.public_url}/after-sign-in"
        to_idp = self.start_sign_in(provider_id, callback_url)
        back_to = hop(to_idp.headers["location"]).headers["location"]
        assert back_to.startswith(f"{self.app.public_url}/api/auth/callback/{provider_id}?"), back_to
        assert "code=" in back_to
        done = self.get(back_to)
        assert done.status_code == 302, f"{done.status_code} {done.text[:300]}\n{self.app.log[-3000:]}"
        assert done.headers["location"] == callback_url, self.app.log[-3000:]
        session = self.session()
        assert isinstance(session, dict)
        return dict(session["user"])

    def start_sign_in(self, provider_id: str, callback_url: str) -> httpx.Response:
        """csrf, then POST signin/<id>: returns the 302 to the IdP's authorize endpoint."""
        csrf = self.get(f"{self.app.auth_url}/csrf")
        assert csrf.status_code == 200, csrf.text
        resp = self.request(
            "POST",
            f"{self.app.auth_url}/signin/{provider_id}",
            data={"csrfToken": csrf.json()["csrfToken"], "callbackUrl": callback_url},
        )
        assert resp.status_code == 302, f"{resp.status_code} {resp.text[:300]}\n{self.app.log[-3000:]}"
        return resp


@pytest.fixture()
def client() -> Iterator[httpx.Client]:
    jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False, cookies=jar) as c:
        yield c


def browser_for(apps: dict[str, RunningApp], app_name: str, client: httpx.Client) -> Browser:
    return Browser(apps[app_name], client)


def idp_hop(client: httpx.Client, mocks: RunningMocks, location: str) -> httpx.Response:
    """The browser visiting the mock's authorize URL (verify against the mocks' CA for https)."""
    assert location.startswith((mocks.http_url, mocks.https_url or "-")), location
    if location.startswith("https:"):
        tls_context = ssl.create_default_context(cafile=str(mocks.ca_path))
        with httpx.Client(timeout=TIMEOUT, verify=tls_context, trust_env=False) as tls:
            resp = tls.get(location)
    else:
        resp = client.get(location)
    assert resp.status_code in (302, 303), f"{resp.status_code} {resp.text[:300]}"
    return resp


def vendor_hop(client: httpx.Client, mocks: RunningMocks, location: str) -> httpx.Response:
    """The browser visiting the vendor's own authorize URL, with its host mapped to the mocks (as /etc/hosts
    would; the Node preload does the same for the app's server-side calls)."""
    parts = urlsplit(location)
    assert parts.scheme == "https" and parts.hostname in ("accounts.google.com", "login.microsoftonline.com"), location
    target = urlunsplit(urlsplit(mocks.http_url)._replace(path=parts.path, query=parts.query))
    resp = client.get(target, headers={"X-Forwarded-Host": parts.hostname})
    assert resp.status_code in (302, 303), f"{resp.status_code} {resp.text[:300]}"
    return resp


# --- tests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider_id", list(PROVIDERS))
@pytest.mark.parametrize("app_name", APPS)
def test_oauth_sign_in(
    app_name: str, provider_id: str, apps: dict[str, RunningApp], mocks: RunningMocks, client: httpx.Client
) -> None:
    vendor = PROVIDERS[provider_id]
    browser = browser_for(apps, app_name, client)
    user = browser.sign_in(provider_id, lambda location: idp_hop(client, mocks, location))
    assert f"{COOKIE_PREFIX[app_name]}.session-token" in browser.cookies
    assert user["email"] == USERS[vendor]["email"]
    assert user["name"] == USERS[vendor]["name"]

    tokens = mocks.requests(vendor, "token")
    assert [t["status"] for t in tokens] == [200], tokens
    if vendor == "entra":
        photos = mocks.requests("entra", "graph_photo")
        assert [p["status"] for p in photos] == [200], photos
        # The photo from the mock's Graph stand-in became the session image (a data: URL).
        assert str(user.get("image", "")).startswith("data:image/jpeg;base64,")


@pytest.mark.parametrize("app_name", APPS)
def test_access_denied_at_authorize(
    app_name: str, apps: dict[str, RunningApp], mocks: RunningMocks, client: httpx.Client
) -> None:
    mocks.inject_fault("keycloak", "authorize", "access_denied")
    browser = browser_for(apps, app_name, client)
    app = browser.app

    to_idp = browser.start_sign_in("keycloak", f"{app.public_url}/after-sign-in")
    back = idp_hop(client, mocks, to_idp.headers["location"])
    back_to = back.headers["location"]
    assert "error=access_denied" in back_to

    landed = browser.get(back_to)
    assert landed.status_code == 302
    if app_name == "nextauth-v4":
        assert landed.headers["location"] == f"{app.public_url}/api/auth/error?error=Callback"
        bounce = browser.get(landed.headers["location"])
        assert bounce.status_code == 302
        assert bounce.headers["location"] == f"{app.public_url}/api/auth/signin?error=Callback"
    else:
        assert landed.headers["location"] == f"{app.public_url}/api/auth/signin?error=OAuthCallbackError"
    assert f"{COOKIE_PREFIX[app_name]}.session-token" not in browser.cookies
    assert browser.session() == EMPTY_SESSION[app_name]
    assert mocks.requests("keycloak", "token") == []


@pytest.mark.parametrize("provider_id", ["google", "azure-ad"])
@pytest.mark.parametrize("app_name", APPS)
def test_sign_in_offline_through_the_vendors_own_urls(
    app_name: str, provider_id: str, vendor_url_apps: dict[str, RunningApp], mocks: RunningMocks, client: httpx.Client
) -> None:
    vendor = PROVIDERS[provider_id]
    browser = browser_for(vendor_url_apps, app_name, client)
    user = browser.sign_in(provider_id, lambda location: vendor_hop(client, mocks, location))
    assert user["email"] == USERS[vendor]["email"]
    # Every server-side call went to a vendor host and was answered by the mock as that vendor.
    assert [t["status"] for t in mocks.requests(vendor, "token")] == [200]
    assert all(urlsplit(r["url"]).hostname in VENDOR_HOSTS for r in mocks.requests(vendor)), mocks.requests(vendor)
    if vendor == "entra":
        assert str(user.get("image", "")).startswith("data:image/jpeg;base64,")
