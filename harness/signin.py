"""Get a session to judge: sign in through callback/credentials (`--credentials`) or mint a cookie (`--secret`).

Helpers here only build state; they never decide a verdict. A sign-in that does not produce a session
cookie raises `SignInFailed` with the exchange that showed it, and the calling check decides what that means.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import _jwe
from harness.client import Exchange, TargetClient
from harness.cookies import cookie_name
from harness.profiles import Profile


class SignInFailed(Exception):
    """The credentials sign-in did not end with a session cookie."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.exchange = exchange


@dataclass(frozen=True)
class SessionCookies:
    """Cookies that carry a session, how they were obtained ("credentials", "minted" or "oauth") and whose it is
    (`email`; `provider` for an OAuth sign-in)."""

    cookies: dict[str, str]
    how: str
    email: str | None = None
    provider: str = ""

    @property
    def source(self) -> str:
        """The input the session came from, as a finding names it."""
        if self.how == "oauth":
            return f"an OAuth sign-in through --mock-idp ({self.provider})"
        return {"credentials": "a --credentials sign-in", "minted": "a cookie minted with --secret"}.get(
            self.how, self.how
        )


def csrf_disabled(exchange: Exchange) -> bool:
    """GET csrf answered as @auth/core does with `skipCSRFCheck` (the framework guards POSTs instead, as
    @auth/sveltekit always sets): 404 and a Set-Cookie deleting the csrf cookie (lib/pages/index.js `csrf`)."""
    return exchange.status == 404 and any(c.clears and "csrf-token" in c.name for c in exchange.set_cookies)


def fetch_csrf(client: TargetClient) -> tuple[str, dict[str, str], Exchange]:
    """GET csrf: the token and the cookies to send back with a POST; no token and no cookies when the target's
    csrf action is disabled (`csrf_disabled`): its POSTs need none."""
    exchange = client.action("csrf")
    if csrf_disabled(exchange):
        return "", {}, exchange
    body = exchange.json()
    token = body.get("csrfToken") if isinstance(body, dict) else None
    if not isinstance(token, str):
        raise SignInFailed("GET csrf gave no csrfToken", exchange)
    cookies = {c.name: c.value for c in exchange.set_cookies if not c.clears}
    return token, cookies, exchange


def sign_in_with_credentials(client: TargetClient, email: str, password: str) -> SessionCookies:
    token, cookies, _ = fetch_csrf(client)
    form = {"csrfToken": token, "email": email, "password": password, "callbackUrl": client.origin + "/"}
    exchange = client.action("callback/credentials", method="POST", form=form, cookies=cookies)
    session = [c for c in exchange.set_cookies if ".session-token" in c.name and c.value and not c.clears]
    if not session:
        where = exchange.location or f"status {exchange.status}"
        raise SignInFailed(f"POST callback/credentials set no session cookie (went to {where})", exchange)
    return SessionCookies({c.name: c.value for c in session}, "credentials", email)


def mint_session(client: TargetClient, profile: Profile, secret: str) -> SessionCookies:
    name = cookie_name("session-token", prefix=profile.cookie_prefix, secure=client.secure)
    value = _jwe.mint(profile.jwe, dict(profile.mint_claims), secret, name)
    email = profile.mint_claims.get("email")
    return SessionCookies({name: value}, "minted", str(email) if email else None)
