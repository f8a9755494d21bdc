"""callbackUrl: relative and same-origin kept, cross-origin replaced by the origin, bad schemes refused."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest

from reference_server.callback_url import InvalidCallbackUrl, resolve_callback_url
from tests.reference_server.helpers import sign_in

ORIGIN = "https://app.example.com"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ORIGIN),
        ("/dash", f"{ORIGIN}/dash"),
        ("https://app.example.com/x?y=1", "https://app.example.com/x?y=1"),
        ("HTTPS://APP.EXAMPLE.COM/x", "HTTPS://APP.EXAMPLE.COM/x"),
        ("https://evil.example/x", ORIGIN),
        ("https://app.example.com.evil.example/", ORIGIN),
        ("https://app.example.com@evil.example/", ORIGIN),
        ("http://app.example.com/", ORIGIN),
        ("https://app.example.com:444/", ORIGIN),
        ("//evil.example/x", f"{ORIGIN}//evil.example/x"),
        ("/\\evil.example", f"{ORIGIN}/\\evil.example"),
    ],
)
def test_redirect_callback_keeps_only_our_origin(given: str | None, expected: str) -> None:
    assert resolve_callback_url(given, None, ORIGIN).url == expected


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "data:text/html,x", "invalid-callback", "a", "ftp://x/", "https://", "vbscript:x"]
)
def test_non_http_callback_urls_are_configuration_errors(bad: str) -> None:
    with pytest.raises(InvalidCallbackUrl):
        resolve_callback_url(bad, None, ORIGIN)
    with pytest.raises(InvalidCallbackUrl):
        resolve_callback_url(None, bad, ORIGIN)


def test_cookie_is_set_only_when_the_value_changes() -> None:
    assert resolve_callback_url(None, None, ORIGIN).cookie_value == ORIGIN
    assert resolve_callback_url(None, ORIGIN, ORIGIN).cookie_value is None
    assert resolve_callback_url("/a", ORIGIN, ORIGIN).cookie_value == f"{ORIGIN}/a"


@pytest.mark.parametrize("evil", ["https://evil.example/steal", "//evil.example", "https://127.0.0.1@evil.example"])
def test_sign_in_never_redirects_off_origin(client: httpx.Client, reference, evil: str) -> None:
    response = sign_in(client, reference.demo_email, reference.demo_password, evil)
    location = response.headers["location"]
    assert location.startswith(reference.url + "/") or location == reference.url
    cookie = unquote(client.cookies.get("authjs.callback-url", ""))
    assert cookie.startswith(reference.url)


def test_javascript_callback_is_never_reflected(client: httpx.Client) -> None:
    for action in ("csrf", "session", "signin", "signout", "error", "verify-request", "providers"):
        response = client.get(f"/api/auth/{action}", params={"callbackUrl": "javascript:alert(document.domain)"})
        assert response.status_code == 500, action
        assert "javascript" not in response.text and "javascript" not in str(response.headers)


def test_empty_callback_url_is_absent_not_invalid() -> None:
    assert resolve_callback_url("", None, ORIGIN).url == ORIGIN
    assert resolve_callback_url("", "", ORIGIN).url == ORIGIN
    assert resolve_callback_url(None, f"{ORIGIN}/kept", ORIGIN).url == f"{ORIGIN}/kept"
