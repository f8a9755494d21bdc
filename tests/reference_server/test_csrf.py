"""GET csrf: the double-submit token, its cookie and the no-store headers (Auth.js csrf-token.ts)."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote

import httpx

import spec
from reference_server.csrf import csrf_state, token_hash


def _csrf_cookie(response: httpx.Response) -> str:
    lines = [line for line in response.headers.get_list("set-cookie") if line.startswith("authjs.csrf-token=")]
    assert len(lines) == 1, response.headers.get_list("set-cookie")
    return lines[0]


def test_csrf_returns_64_hex_token_matching_the_schema(client: httpx.Client) -> None:
    response = client.get("/api/auth/csrf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert not list(spec.validator("CsrfTokenResponse").iter_errors(body))
    assert re.fullmatch(r"[0-9a-f]{64}", body["csrfToken"])


def test_csrf_is_never_cached(client: httpx.Client) -> None:
    headers = client.get("/api/auth/csrf").headers
    assert headers["cache-control"] == "private, no-cache, no-store"
    assert headers["pragma"] == "no-cache"
    assert headers["expires"] == "0"


def test_csrf_cookie_is_token_pipe_sha256_of_token_and_secret(client: httpx.Client, reference) -> None:
    response = client.get("/api/auth/csrf")
    line = _csrf_cookie(response)
    assert "%7C" in line, "the pipe is sent URL-encoded, as Auth.js's cookie serializer does"
    assert "; HttpOnly" in line and "; SameSite=Lax" in line and "; Path=/" in line
    assert "Secure" not in line, "plain http origin: no Secure attribute"
    token, _, digest = unquote(client.cookies["authjs.csrf-token"]).partition("|")
    assert token == response.json()["csrfToken"]
    assert digest == hashlib.sha256(f"{token}{reference.secret}".encode()).hexdigest()


def test_a_valid_cookie_is_reused_without_a_new_set_cookie(client: httpx.Client) -> None:
    first = client.get("/api/auth/csrf").json()["csrfToken"]
    again = client.get("/api/auth/csrf")
    assert again.json()["csrfToken"] == first
    assert not [line for line in again.headers.get_list("set-cookie") if "csrf-token" in line]


def test_a_forged_cookie_is_replaced(client: httpx.Client) -> None:
    forged = "a" * 64 + "|" + "0" * 64
    response = client.get("/api/auth/csrf", headers={"cookie": f"authjs.csrf-token={forged}"})
    assert response.json()["csrfToken"] != "a" * 64
    _csrf_cookie(response)


def test_csrf_state_verifies_only_posts_that_echo_the_trusted_token() -> None:
    cookie = f"tok|{token_hash('tok', 's')}"
    assert csrf_state(cookie, "s", "tok", is_post=True).verified
    assert not csrf_state(cookie, "s", "tok", is_post=False).verified
    assert not csrf_state(cookie, "s", "other", is_post=True).verified
    assert not csrf_state(cookie, "other-secret", "tok", is_post=True).verified
    assert not csrf_state("tok", "s", "tok", is_post=True).verified
