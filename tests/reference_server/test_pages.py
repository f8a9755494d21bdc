"""signin, signout, error and verify-request: Auth.js's built-in pages, statuses, escaping, custom pages."""

from __future__ import annotations

import httpx
import pytest

from reference_server import Pages
from reference_server.testing import running_reference_server


def _page(client: httpx.Client, path: str, status: int = 200, **params: str) -> str:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text[:200]
    assert response.headers["content-type"] == "text/html"
    return response.text


def test_signin_page_lists_providers_with_csrf_token(client: httpx.Client, reference) -> None:
    html = _page(client, "/api/auth/signin")
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    assert "<title>Sign In</title>" in html and '<body class="__next-auth-theme-auto">' in html
    assert f'action="{reference.url}/api/auth/callback/credentials" method="POST"' in html
    assert f'name="csrfToken" value="{token}"' in html
    assert 'name="email"' in html and 'name="password"' in html


def test_signin_page_sets_csrf_and_callback_cookies(client: httpx.Client) -> None:
    names = {line.split("=")[0] for line in client.get("/api/auth/signin").headers.get_list("set-cookie")}
    assert names == {"authjs.csrf-token", "authjs.callback-url"}


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("CredentialsSignin", "Sign in failed. Check the details you provided are correct."),
        ("OAuthCallbackError", "Try signing in with a different account."),
        ("Anything", "Unable to sign in."),
    ],
)
def test_signin_page_explains_errors(client: httpx.Client, error: str, message: str) -> None:
    assert f'<div class="error"><p>{message}</p></div>' in _page(client, "/api/auth/signin", error=error)


def test_signout_page_posts_to_signout_with_token(client: httpx.Client, reference) -> None:
    html = _page(client, "/api/auth/signout")
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    assert "<title>Sign Out</title>" in html and "Are you sure you want to sign out?" in html
    assert f'action="{reference.url}/api/auth/signout" method="POST"' in html
    assert f'value="{token}"' in html


@pytest.mark.parametrize(
    ("error", "status", "heading"),
    [
        ("Configuration", 500, "Server error"),
        ("AccessDenied", 403, "Access Denied"),
        ("Verification", 403, "Unable to sign in"),
        ("configuration", 200, "Error"),
        ("OAuthSignin", 200, "Error"),
        (None, 200, "Error"),
    ],
)
def test_error_page_status_follows_the_error_code(client: httpx.Client, error, status, heading) -> None:
    html = _page(client, "/api/auth/error", status, **({"error": error} if error else {}))
    assert f"<h1>{heading}</h1>" in html and "<title>Error</title>" in html


def test_reflected_query_values_are_escaped(client: httpx.Client) -> None:
    attack = '"><script>alert(1)</script>'
    for path in ("/api/auth/signin", "/api/auth/error", "/api/auth/signout", "/api/auth/verify-request"):
        html = client.get(path, params={"error": attack, "callbackUrl": f"/x{attack}"}).text
        assert "<script>alert(1)</script>" not in html, path


def test_verify_request_page(client: httpx.Client, reference) -> None:
    html = _page(client, "/api/auth/verify-request")
    assert "<title>Verify Request</title>" in html and "<h1>Check your email</h1>" in html


def test_custom_pages_are_redirects() -> None:
    pages = Pages(sign_in="/auth/signin", sign_out="/auth/signin", error="/auth/error", verify_request="/check")
    with running_reference_server(pages=pages) as server, httpx.Client(base_url=server.url, timeout=5) as http:
        signin = http.get("/api/auth/signin", params={"error": "AccessDenied"})
        assert signin.status_code == 302
        assert signin.headers["location"] == (
            f"/auth/signin?callbackUrl=http%3A%2F%2F127.0.0.1%3A{server.url.rsplit(':', 1)[1]}&error=AccessDenied"
        )
        assert http.get("/api/auth/signout").headers["location"] == "/auth/signin"
        assert http.get("/api/auth/error", params={"error": "X"}).headers["location"] == "/auth/error?error=X"
        assert http.get("/api/auth/verify-request?a=1").headers["location"] == "/check?a=1"
        bad = http.get("/api/auth/signin", params={"callbackUrl": "javascript:alert(1)"})
        assert bad.status_code == 302 and bad.headers["location"].endswith("/auth/error?error=Configuration")
