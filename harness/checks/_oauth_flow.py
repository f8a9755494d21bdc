"""OAuth flows for the callback and flow checks: real authorization codes from the mock IdP, delivered to the
target with chosen check cookies, and one cached full sign-in per provider.

A made-up code is rejected at the token endpoint whether or not the target checks state/PKCE, so a check that
uses one cannot fail on a target that skips the checks. With `--mock-idp` the code is real: a flow started in
its own cookie jar is answered at the mock and stopped before the callback, and only the delivery is chosen.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harness.checks._common import expect, query_value
from harness.client import Exchange
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import NotApplicable
from harness.mock_signin import FlowStart, OAuthSignIn, authorize_at_mock, sign_in_through_mock, start_flow
from harness.sessions import sign_in_email
from harness.signin import SignInFailed

#: Authorization request parameter -> the part of the check cookie's name that stores what it is checked against.
CHECK_PARAMS = {"state": ".state", "code_challenge": ".pkce.", "nonce": ".nonce"}
MADE_UP_NOTE = (
    "no --mock-idp: a made-up code was sent, which the provider rejects anyway; this only shows the endpoint "
    "rejects garbage, not that it checks state/PKCE (pass --mock-idp for the real-code variant)"
)


def configured_providers(ctx: CheckContext) -> list[str]:
    """The documented OAuth providers this target configures."""
    entries = ctx.providers()
    return [
        p for p in OAUTH_PROVIDERS if isinstance(entries.get(p), dict) and entries[p].get("type") in ("oauth", "oidc")
    ]


def destination(exchange: Exchange) -> tuple[str, str | None]:
    """(last path segment, error query value) of a redirect, e.g. ("error", "Configuration")."""
    location = exchange.location or ""
    return urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1], query_value(location, "error")


def assert_no_session(ctx: CheckContext, exchange: Exchange, what: str) -> None:
    session = exchange.cookie("session-token")
    expect(
        session is None or session.clears,
        f"{what} set a session cookie",
        expected="no session cookie",
        exchange=exchange,
        received=session.raw if session else None,
    )


def assert_lands_on(ctx: CheckContext, exchange: Exchange, allowed: frozenset[tuple[str, str]], what: str) -> None:
    got = destination(exchange)
    expect(
        exchange.status == 302 and got in allowed,
        f"{what} did not land on the documented destination",
        expected=sorted(f"/{page}?error={code}" for page, code in allowed),
        exchange=exchange,
        received={"status": exchange.status, "Location": exchange.location},
    )


def flow_email(ctx: CheckContext, provider: str) -> str:
    """The user the mock signs in: the `--credentials` user, so the target knows them, else a probe user."""
    return sign_in_email(ctx, provider)


def no_session(body: object) -> bool:
    """Either empty-session form (`null` in v5, `{}` documented and v4); SESS-001 judges which one."""
    return body is None or body == {}


def expect_no_session(ctx: CheckContext, cookies: dict[str, str], message: str) -> None:
    """GET session with `cookies` must give the empty session."""
    exchange = ctx.client.action("session", cookies=cookies)
    body = exchange.json()
    expect(no_session(body), message, expected="the empty session (null or {})", exchange=exchange, received=body)


def started(ctx: CheckContext, provider: str) -> FlowStart:
    """POST signin/{provider} in a fresh jar; N/A when it does not send the browser anywhere off the target."""
    flow = start_flow(ctx.client, provider, flow_email(ctx, provider))
    if flow.exchange.status not in (302, 303) or not flow.authorize_url:
        raise NotApplicable(f"POST signin/{provider} started no flow ({flow.exchange.status}, no Location)")
    if urlsplit(flow.authorize_url).path.startswith(ctx.client.base_path + "/"):
        raise NotApplicable(f"POST signin/{provider} started no flow (went to {flow.authorize_url})")
    return flow


def probe_start(ctx: CheckContext, provider: str) -> FlowStart:
    """One started flow per provider for the checks that only read the start (request, cookies)."""
    return ctx.once(f"flow-start:{provider}", lambda: started(ctx, provider))


def real_code(ctx: CheckContext, provider: str, authorize_url: str | None = None) -> str:
    """A real code: the authorization request of a flow started in its own jar (the run's probe flow unless one is
    given) answered at the mock, stopped before the callback. Returns the mock's redirect back to the target (code
    and state in its query); each call gives a new code, as the mock answers every request anew."""
    url = authorize_url or probe_start(ctx, provider).authorize_url
    try:
        return authorize_at_mock(ctx.mock_idp(), provider, url, flow_email(ctx, provider))
    except SignInFailed as exc:
        raise NotApplicable(f"no real code from the mock IdP: {exc}") from None


def with_params(url: str, replace: dict[str, str]) -> str:
    """`url` with the query parameters in `replace` set (others kept, in order)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True)) | replace
    return urlunsplit(parts._replace(query=urlencode(query)))


def check_params(url: str) -> dict[str, str]:
    """The check parameters (state, code_challenge[_method], nonce) of an authorization request."""
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    wanted = (*CHECK_PARAMS, "code_challenge_method")
    return {k: v for k, v in query.items() if k in wanted}


def deliver(ctx: CheckContext, provider: str, callback_url: str, cookies: dict[str, str], what: str) -> Exchange:
    """GET the callback with `cookies`; it must set no session cookie, the cookies it sets must not read back as
    a session, and it must land on the profile's check-failure destination (or, for a provider whose refused code
    the library reports differently, that destination)."""
    exchange = ctx.client.request("GET", callback_url, cookies=cookies)
    assert_no_session(ctx, exchange, what)
    jar = cookies | {c.name: c.value for c in exchange.set_cookies if not c.clears}
    expect_no_session(ctx, jar, f"{what} created a session")
    allowed = ctx.profile.check_failure_destinations | ctx.profile.code_refused_destinations.get(provider, frozenset())
    assert_lands_on(ctx, exchange, allowed, what)
    return exchange


def oauth_sign_in(ctx: CheckContext, provider: str) -> OAuthSignIn:
    """A full sign-in through the mock with `provider`, made once per run and shared by the checks that read it
    (CB-006, check-cookie clearing, cookie flags). Raises `SignInFailed` (also on later calls) when it broke off."""

    def sign_in() -> OAuthSignIn:
        return sign_in_through_mock(ctx.client, ctx.mock_idp(), provider, flow_email(ctx, provider))

    return ctx.once(f"oauth-sign-in:{provider}", sign_in, (SignInFailed,))
