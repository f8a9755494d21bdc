"""Unknown actions, bad paths, methods and hostile input: documented answers, never a 500 with a traceback."""

from __future__ import annotations

import httpx
import pytest

CONFIG_MESSAGE = "There was a problem with the server configuration. Check the server logs for more information."


@pytest.mark.parametrize(
    "path",
    [
        "/api/auth/foo",
        "/api/auth/session/x",
        "/api/auth/csrf/x",
        "/api/auth/callback/google/extra",
        "/api/auth/a/b/c",
        "/api/auth/",
        "/api/auth/%2e%2e",
        "/api/auth/callback%2Fgoogle",
    ],
)
def test_unknown_actions_are_400_bad_request(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.json() == "Bad request."


@pytest.mark.parametrize(
    "path", ["/api/auth/callback/credentials", "/api/auth/callback/nope", "/api/auth/signin/google"]
)
def test_unusable_providers_redirect_to_configuration_error(client: httpx.Client, reference, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["location"] == f"{reference.url}/api/auth/error?error=Configuration"
    assert response.headers.get_list("set-cookie") == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "OPTIONS"])
def test_other_methods_are_405(client: httpx.Client, method: str) -> None:
    response = client.request(method, "/api/auth/session")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_trailing_and_repeated_slashes_are_tolerated(client: httpx.Client) -> None:
    assert client.get("/api/auth/csrf/").status_code == 200
    assert client.get("/api/auth//providers").status_code == 200


def test_x_auth_return_redirect_turns_redirects_into_json(client: httpx.Client, reference) -> None:
    response = client.get("/api/auth/callback/credentials", headers={"X-Auth-Return-Redirect": "1"})
    assert response.status_code == 200
    assert response.json() == {"url": f"{reference.url}/api/auth/error?error=Configuration"}


@pytest.mark.parametrize(
    "cookie",
    [
        "authjs.csrf-token=%E0%A4%A",
        "authjs.callback-url=javascript%3Aalert(1)",
        "=; ;;",
        "a" * 8000,
        'authjs.session-token="quoted"',
        "authjs.csrf-token=" + "|" * 300,
    ],
)
def test_malformed_cookies_never_cause_a_server_error(client: httpx.Client, cookie: str) -> None:
    for action in ("csrf", "session", "signin", "providers"):
        response = client.get(f"/api/auth/{action}", headers={"cookie": cookie})
        assert response.status_code in (200, 500), (action, response.status_code)
        if response.status_code == 500:  # the callback-url cookie is validated like the parameter
            assert "javascript" in cookie
            assert "javascript" not in response.text


@pytest.mark.parametrize(
    "query",
    [
        "callbackUrl=%00",
        "error=%FF%FE",
        "callbackUrl=" + "/a" * 2000,
        "callbackUrl=http://[::1",
        "code=&state=&&&=",
        "callbackUrl=https://",
    ],
)
def test_odd_query_strings_get_documented_answers(client: httpx.Client, query: str) -> None:
    for action in ("csrf", "session", "signin", "error"):
        response = client.get(f"/api/auth/{action}?{query}")
        assert response.status_code in (200, 500), (action, query, response.status_code)
        assert "Traceback" not in response.text


def test_bad_callback_url_on_json_action_is_configuration_500(client: httpx.Client) -> None:
    response = client.get("/api/auth/session", params={"callbackUrl": "javascript:alert(1)"})
    assert response.status_code == 500
    assert response.json() == {"message": CONFIG_MESSAGE}
    assert response.headers.get_list("set-cookie") == []


def test_bad_host_header_is_rejected(reference) -> None:
    response = httpx.get(f"{reference.url}/api/auth/providers", headers={"host": "evil.example/<x>"}, timeout=5)
    assert response.status_code == 400


def test_oversized_post_body_is_rejected(client: httpx.Client) -> None:
    response = client.post(
        "/api/auth/callback/credentials",
        content=b"a=" + b"b" * 100_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413  # by its Content-Length, unread (test_hostile_input.py)


def test_home_page_links_the_actions(client: httpx.Client) -> None:
    html = client.get("/").text
    assert 'href="/api/auth/signin"' in html
