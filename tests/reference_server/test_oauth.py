"""OAuth sign-in through the mock Google, Entra ID and Keycloak: success, every failure Auth.js v5 names, and
popup mode. A failure never creates a session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import spec
from reference_server.provider_catalog import OAUTH_PROVIDERS
from reference_server.wiring import Stack, register_accounts, running_stack

PROVIDERS = list(OAUTH_PROVIDERS)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


@pytest.fixture(autouse=True)
def demo_users(stack: Stack) -> None:
    stack.mocks.reset()
    stack.mocks.set_auto_login(True)
    register_accounts(stack.mocks)


def _start(http: httpx.Client, provider: str, **params: str) -> httpx.Response:
    token = http.get("/api/auth/csrf").json()["csrfToken"]
    response = http.post(
        f"/api/auth/signin/{provider}",
        data={"csrfToken": token, "callbackUrl": "/after"},
        params={"login_hint": "demo@example.com", **params},
    )
    assert response.status_code == 302, response.text
    return response


def _through_idp(http: httpx.Client, authorize: httpx.Response) -> httpx.Response:
    at_idp = httpx.get(authorize.headers["location"], timeout=10)
    assert at_idp.status_code == 302, at_idp.text[:300]
    return http.get(at_idp.headers["location"])


def _session(http: httpx.Client) -> dict:
    return http.get("/api/auth/session").json()


@pytest.fixture
def http(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.reference.url, timeout=10) as client:
        yield client


@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_full_sign_in_gives_a_session_with_login_method(stack: Stack, http: httpx.Client, provider: str) -> None:
    authorize = _start(http, provider)
    location = authorize.headers["location"]
    assert "code_challenge_method=S256" in location and ("state=" in location) == (provider == "azure-ad")
    assert "nonce=" not in location
    done = _through_idp(http, authorize)
    assert done.status_code == 302 and done.headers["location"] == f"{stack.reference.url}/after"
    cleared = [line for line in done.headers.get_list("set-cookie") if "Max-Age=0" in line]
    assert any(line.startswith("authjs.pkce.code_verifier=;") for line in cleared)
    body = _session(http)
    assert not list(spec.validator("AuthSessionAuthenticatedResponse").iter_errors(body))
    assert body["login_method"] == provider and body["user"]["email"] == stack.reference.demo_email


def test_deny_lands_on_signin_with_oauth_callback_error(stack: Stack, http: httpx.Client) -> None:
    stack.mocks.inject_fault("keycloak", "authorize", "access_denied")
    done = _through_idp(http, _start(http, "keycloak"))
    assert done.headers["location"] == f"{stack.reference.url}/api/auth/signin?error=OAuthCallbackError"
    assert _session(http) == {}


def test_missing_pkce_cookie_is_a_configuration_error(stack: Stack, http: httpx.Client) -> None:
    authorize = _start(http, "google")
    http.cookies.delete("authjs.pkce.code_verifier")
    done = _through_idp(http, authorize)
    assert done.headers["location"] == f"{stack.reference.url}/api/auth/error?error=Configuration"
    assert _session(http) == {}


def test_state_mismatch_is_a_configuration_error(stack: Stack, http: httpx.Client) -> None:
    authorize = _start(http, "azure-ad")
    at_idp = httpx.get(authorize.headers["location"], timeout=10).headers["location"]
    tampered = at_idp.replace("state=", "state=x")
    done = http.get(tampered)
    assert done.headers["location"].endswith("/api/auth/error?error=Configuration")
    assert _session(http) == {}


def test_check_cookie_from_another_provider_is_rejected(stack: Stack, http: httpx.Client) -> None:
    _start(http, "keycloak")
    keycloak_verifier = http.cookies["authjs.pkce.code_verifier"]
    google = _start(http, "google")
    http.cookies.delete("authjs.pkce.code_verifier")
    http.cookies.set("authjs.pkce.code_verifier", keycloak_verifier)
    done = _through_idp(http, google)
    assert done.headers["location"].endswith("/api/auth/error?error=Configuration")
    assert _session(http) == {}


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        ("token", "error"),
        ("token", "malformed_json"),
        ("token", "status"),
        ("token", "wrong_issuer"),
        ("token", "wrong_audience"),
        ("token", "bad_signature"),
        ("token", "expired_id_token"),
    ],
)
def test_token_and_id_token_faults_never_create_a_session(stack: Stack, http: httpx.Client, endpoint, kind) -> None:
    stack.mocks.inject_fault("google", endpoint, kind)
    done = _through_idp(http, _start(http, "google"))
    assert done.headers["location"].endswith("/api/auth/error?error=Configuration"), kind
    assert _session(http) == {}


def test_unknown_email_is_access_denied(stack: Stack, http: httpx.Client) -> None:
    authorize = _start(http, "keycloak", login_hint="nobody-here@example.org")
    stack.mocks.add_user("keycloak", email="nobody-here@example.org", name="Nobody")
    done = _through_idp(http, authorize)
    assert done.headers["location"].endswith("/api/auth/error?error=AccessDenied")
    assert _session(http) == {}


def test_popup_mode_ends_with_the_documented_page(stack: Stack, http: httpx.Client) -> None:
    done = _through_idp(http, _start(http, "google", popup="1"))
    assert done.status_code == 200 and done.headers["content-type"] == "text/html"
    assert '"type": "oauth-callback", "provider": "google", "success": true' in done.text
    assert f'var targetOrigin = "{stack.reference.url}"' in done.text and "'*'" not in done.text
    assert _session(http)["login_method"] == "google"


def test_popup_mode_reports_a_denial_without_a_session(stack: Stack, http: httpx.Client) -> None:
    stack.mocks.inject_fault("google", "authorize", "access_denied")
    done = _through_idp(http, _start(http, "google", popup="1"))
    assert done.status_code == 200
    assert '"success": false, "error": "access_denied"' in done.text
    assert _session(http) == {}


def test_popup_page_escapes_hostile_descriptions(stack: Stack, http: httpx.Client) -> None:
    done = http.get(
        "/api/auth/callback/google",
        params={"popup": "1", "error": "access_denied", "error_description": "</script><script>alert(1)</script>"},
    )
    assert "</script><script>alert(1)" not in done.text
    assert "\\u003c/script\\u003e" in done.text


def test_signin_post_without_csrf_is_missing_csrf(stack: Stack, http: httpx.Client) -> None:
    response = http.post("/api/auth/signin/google", data={"csrfToken": "forged"})
    assert response.headers["location"] == f"{stack.reference.url}/api/auth/signin?error=MissingCSRF"
