"""A full OAuth sign-in through our mock IdP (`--mock-idp`), over plain HTTP, for the callback checks.

The target starts the flow (POST signin/{provider}); the mock's account picker is answered the way a person
would (the button of the chosen user), or skipped when the mock signs in automatically; the browser-less
client follows the redirects with the target's cookies. Like `signin.py` it only builds state: a flow that
does not reach the callback raises `SignInFailed`, and the calling check decides what that means.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin, urlsplit

import httpx

from harness.client import Exchange, TargetClient
from harness.mock_idp import MOCK_VENDORS, MockIdp
from harness.signin import SignInFailed, fetch_csrf

__all__ = [
    "CHECK_COOKIE_PARTS",
    "MOCK_VENDORS",
    "FlowStart",
    "OAuthSignIn",
    "RefusedAtStart",
    "authorize_at_mock",
    "sign_in_through_mock",
    "start_flow",
]

_REQUEST_ID = re.compile(r'name="mock_request_id" value="([^"]+)"')
_FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


CHECK_COOKIE_PARTS = (".state", ".pkce.", ".nonce")
"""Name parts of the state / PKCE / nonce check cookies (`authjs.state`, `__Secure-next-auth.pkce.code_verifier`)."""


@dataclass(frozen=True)
class FlowStart:
    """POST signin/{provider} in a fresh cookie jar: the exchange, the jar after it and where it sends the browser."""

    exchange: Exchange
    cookies: dict[str, str]
    authorize_url: str

    def check_cookies(self) -> dict[str, str]:
        """The state / pkce / nonce cookies this start set (the values a callback is checked against)."""
        return {
            c.name: c.value
            for c in self.exchange.set_cookies
            if not c.clears and any(part in c.name for part in CHECK_COOKIE_PARTS)
        }


@dataclass(frozen=True)
class OAuthSignIn:
    """The callback exchange, the session cookies it set and the flow start (its authorization URL, cookies)."""

    callback: Exchange
    session_cookies: dict[str, str]
    start: FlowStart

    @property
    def authorize(self) -> str:
        return self.start.authorize_url


class RefusedAtStart(SignInFailed):
    """POST signin/{provider} did not send the browser to the mock IdP (the target refused to start the flow)."""


def _same_server(url: str, origin: str) -> bool:
    """Loopback mocks and targets share a host name: the port tells an error redirect from the IdP."""
    left, right = urlsplit(url), urlsplit(origin)
    return (left.port, left.scheme) == (right.port, right.scheme)


def _answer_picker(idp: httpx.Client, page: httpx.Response, email: str) -> httpx.Response:
    html = page.text
    request_id, action = _REQUEST_ID.search(html), _FORM_ACTION.search(html)
    user = re.search(rf'name="user" value="([^"]+)" data-testid="user-{re.escape(email)}"', html)
    if not (request_id and action and user):
        raise SignInFailed("the mock IdP's account picker did not offer the user; is --mock-idp our mock?")
    return idp.post(
        urljoin(str(page.url), unescape(action.group(1))),
        data={"mock_request_id": unescape(request_id.group(1)), "user": unescape(user.group(1))},
    )


def start_flow(client: TargetClient, provider: str, email: str | None = None) -> FlowStart:
    """GET csrf and POST signin/{provider} with the token, as the sign-in page's form does."""
    token, cookies, _ = fetch_csrf(client)
    start = client.action(
        f"signin/{provider}",
        method="POST",
        params={"login_hint": email} if email else None,
        form={"csrfToken": token, "callbackUrl": client.origin + "/"},
        cookies=cookies,
    )
    cookies |= {c.name: c.value for c in start.set_cookies if not c.clears}
    return FlowStart(start, cookies, start.location or "")


def authorize_at_mock(idp: MockIdp, provider: str, authorize_url: str, email: str, target: str = "") -> str:
    """Send `authorize_url` to the mock as `email` (auto-login or its picker) and return the redirect back to the
    target (`target` its origin), code and state included, without following it. Raises `RefusedAtStart` when the
    URL is not the mock's, `SignInFailed` when the mock does not redirect back."""
    if not idp.is_mock_url(authorize_url) or (target and _same_server(authorize_url, target)):
        raise RefusedAtStart(
            f"POST signin/{provider} did not go to the mock IdP (went to {authorize_url or 'nowhere'})"
        )
    with idp.client() as http:
        idp.register_user(provider, email, http)
        answer = http.get(authorize_url)
        if answer.status_code == 200:
            answer = _answer_picker(http, answer, email)
    back = str(answer.headers.get("location", ""))
    if answer.status_code != 302 or not back:
        raise SignInFailed(f"the mock IdP answered {answer.status_code} instead of redirecting back")
    return back


def sign_in_through_mock(
    client: TargetClient,
    idp: MockIdp,
    provider: str,
    email: str,
    callback_timeout: float | None = None,
    on_authorize: Callable[[str], None] | None = None,
) -> OAuthSignIn:
    """Sign `email` in with `provider` at the target, the mock IdP playing the provider; `callback_timeout`
    bounds the callback request when the target is expected to wait on a slow IdP; `on_authorize` sees the
    authorization URL before the mock does (faults scoped to this sign-in are injected there)."""
    flow = start_flow(client, provider, email)
    if on_authorize is not None:
        on_authorize(flow.authorize_url)
    try:
        back = authorize_at_mock(idp, provider, flow.authorize_url, email, target=client.origin)
    except SignInFailed as exc:
        raise type(exc)(str(exc), flow.exchange) from None
    callback = client.request("GET", back, cookies=flow.cookies, timeout=callback_timeout)
    session = {c.name: c.value for c in callback.set_cookies if ".session-token" in c.name and not c.clears}
    return OAuthSignIn(callback, session, flow)
