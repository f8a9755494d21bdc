"""Fixtures: one set of running mocks per session (reset before each test) and a sign-in helper."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from mock_providers.testing import RunningMocks, running_mocks

REDIRECT_URI = "http://app.localhost:3000/api/auth/callback/mock"
TIMEOUT = 10.0
VENDOR_TENANTS = {"google": None, "entra": "common", "keycloak": "nextauth"}


@pytest.fixture(scope="session")
def mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningMocks]:
    with running_mocks(state_dir=tmp_path_factory.mktemp("mock-idp"), code_ttl=30) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_mocks(mocks: RunningMocks) -> None:
    mocks.reset()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        yield client


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class Flow:
    """One authorization-code sign-in against a vendor, step by step."""

    mocks: RunningMocks
    http: httpx.Client
    vendor: str
    tenant: str | None = None
    https: bool = False

    @property
    def discovery(self) -> dict[str, Any]:
        url = self.mocks.discovery_url(self.vendor, self.tenant, self.https)
        return self.http.get(url).json()

    def authorize(self, **params: str) -> httpx.Response:
        query = {
            "response_type": "code",
            "client_id": self.mocks.client_id(self.vendor),
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email",
        } | params
        return self.http.get(self.discovery["authorization_endpoint"], params=query)

    def pick(self, page: httpx.Response, email: str | None = None, deny: bool = False) -> httpx.Response:
        """Submit the account picker as a browser would (first user unless ``email``)."""
        html = page.text
        request_id = html.split('name="mock_request_id" value="', 1)[1].split('"', 1)[0]
        users = self.mocks.users(self.vendor)
        user = next(u for u in users if email in (None, u["email"]))
        form = {"mock_request_id": request_id} | ({"deny": "1"} if deny else {"user": user["sub"]})
        return self.http.post(str(page.request.url.copy_with(query=None)), data=form)

    def code(self, **params: str) -> dict[str, str]:
        """Authorize, pick the first user, return the callback query parameters."""
        response = self.authorize(**params)
        if response.status_code == 200:
            response = self.pick(response)
        assert response.status_code == 302, response.text
        return callback_params(response)

    def token(self, code: str, auth: str = "basic", **params: str) -> httpx.Response:
        client_id, secret = self.mocks.client_id(self.vendor), self.mocks.client_secret(self.vendor) or ""
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI} | params
        if auth == "post":
            return self.http.post(
                self.discovery["token_endpoint"],
                data=data | {"client_id": client_id, "client_secret": secret},
            )
        return self.http.post(self.discovery["token_endpoint"], data=data, auth=(client_id, secret))

    def verify_id_token(self, id_token: str, issuer: str | None = None) -> dict[str, Any]:
        keys = jwt.PyJWKSet.from_dict(self.http.get(self.discovery["jwks_uri"]).json())
        key = keys[jwt.get_unverified_header(id_token)["kid"]]
        return jwt.decode(
            id_token,
            key.key,
            algorithms=["RS256"],
            audience=self.mocks.client_id(self.vendor),
            issuer=issuer or self.discovery["issuer"],
        )


def callback_params(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def flow(mocks: RunningMocks, http: httpx.Client) -> Any:
    def make(vendor: str, tenant: str | None = None, https: bool = False) -> Flow:
        return Flow(mocks, http, vendor, tenant or VENDOR_TENANTS[vendor], https)

    return make
