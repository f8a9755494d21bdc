"""Small steps the reference-server tests repeat: sign in with credentials, read Set-Cookie lines."""

from __future__ import annotations

import httpx


def sign_in(client: httpx.Client, email: str, password: str, callback_url: str | None = None) -> httpx.Response:
    """GET csrf, then POST callback/credentials with the token, as next-auth's signIn("credentials") does."""
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    form = {"csrfToken": token, "email": email, "password": password}
    if callback_url is not None:
        form["callbackUrl"] = callback_url
    return client.post("/api/auth/callback/credentials", data=form)


def set_cookie_lines(response: httpx.Response, name: str) -> list[str]:
    return [line for line in response.headers.get_list("set-cookie") if line.split("=", 1)[0] == name]
