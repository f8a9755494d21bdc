"""CSRF on the state-changing POSTs, and sign-out by GET: login CSRF, forced OAuth starts, logout CSRF.

The double-submit token only protects a target that refuses a POST whose body token does not match its csrf
cookie. These checks send the POSTs a cross-site form could send (no token, a wrong one, a token from another
cookie jar) and judge what the target did, not only what it answered: GET session on the same jar afterwards.
Where the refusal lands is profile data (`Profile.csrf_rejections`: v5 `signin?error=MissingCSRF`, v4
`signin?csrf=true` / `signout?csrf=true`).
"""

from __future__ import annotations

from typing import Any

from harness.checks._common import expect, query_value, requires, requires_oauth_provider
from harness.checks._oauth_flow import CHECK_PARAMS, assert_no_session, destination
from harness.client import Exchange
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check
from harness.signin import SessionCookies, SignInFailed, fetch_csrf, mint_session, sign_in_with_credentials

WRONG_TOKEN = "0" * 64
CREDENTIAL_CSRF_CASES = ("missing", "wrong", "other-jar")
SIGNOUT_CSRF_CASES = ("missing", "wrong")

requires_credentials = requires(
    lambda ctx: ctx.inputs.credentials, "needs a test user to sign in with (--credentials EMAIL:PASSWORD)"
)


def new_jar(ctx: CheckContext) -> tuple[str, dict[str, str]]:
    """A fresh cookie jar holding a csrf cookie, and its token; N/A when the target hands out none."""
    try:
        token, cookies, _ = fetch_csrf(ctx.client)
    except SignInFailed as exc:
        raise NotApplicable(f"no CSRF token to work with ({exc}); the csrf checks judge that") from None
    return token, cookies


def merged(cookies: dict[str, str], exchange: Exchange) -> dict[str, str]:
    """The jar after the browser stored the exchange's Set-Cookie headers."""
    jar = dict(cookies)
    for cookie in exchange.set_cookies:
        if cookie.clears:
            jar.pop(cookie.name, None)
        else:
            jar[cookie.name] = cookie.value
    return jar


def session_user(ctx: CheckContext, cookies: dict[str, str]) -> tuple[Exchange, Any]:
    """GET session with `cookies`: the exchange and the session's user (None when signed out)."""
    exchange = ctx.client.action("session", cookies=cookies)
    body = exchange.json()
    user = body.get("user") if isinstance(body, dict) else None
    return exchange, user if isinstance(user, dict) else None


def fresh_session(ctx: CheckContext) -> SessionCookies:
    """A session of its own (never the shared one: a flawed target may end it); credentials, else minted."""
    if ctx.inputs.credentials:
        try:
            return sign_in_with_credentials(ctx.client, *ctx.inputs.credentials)
        except SignInFailed as exc:
            raise NotApplicable(f"sign-in with --credentials failed: {exc}") from None
    if ctx.inputs.secret:
        state = mint_session(ctx.client, ctx.profile, ctx.inputs.secret)
        _, user = session_user(ctx, state.cookies)
        if user is None:
            raise NotApplicable("the target did not accept a session cookie minted with --secret; pass --credentials")
        return state
    raise NotApplicable("needs a session: pass --credentials EMAIL:PASSWORD or --secret")


def expect_csrf_rejection(ctx: CheckContext, exchange: Exchange, what: str) -> None:
    """The refusal lands where the library sends it (a 302 to the sign-in or sign-out page)."""
    page, _ = destination(exchange)
    location = exchange.location or ""
    landed = any(page == p and query_value(location, n) == v for p, n, v in ctx.profile.csrf_rejections)
    expect(
        exchange.status == 302 and landed,
        f"{what} was not refused as the library refuses a missing CSRF token",
        expected=sorted(f"302 to /{p}?{n}={v}" for p, n, v in ctx.profile.csrf_rejections),
        exchange=exchange,
    )


def expect_session_alive(ctx: CheckContext, exchange: Exchange, cookies: dict[str, str], what: str) -> None:
    """`exchange` cleared no session cookie, and the session it was sent with still answers its user."""
    cleared = [c.raw for c in exchange.set_cookies if ".session-token" in c.name and c.clears]
    expect(
        not cleared,
        f"{what} cleared the session cookie: the user was signed out",
        expected="no Set-Cookie that deletes the session",
        exchange=exchange,
        received={"cleared": cleared, "status": exchange.status, "Location": exchange.location},
    )
    after, user = session_user(ctx, cookies)
    expect(
        user is not None,
        f"after {what} the session is gone: the user was signed out",
        expected="the signed-in session",
        exchange=after,
        received=after.text[:200],
    )


@check(
    "FLOW-020",
    title="POST callback/credentials without a valid csrfToken signs no one in (login CSRF)",
    clause="AUTHJS-csrf-post",
    severity=Severity.CRITICAL,
    family="flow",
    action="callback",
    params=CREDENTIAL_CSRF_CASES,
    tags=("security",),
)
@requires_credentials
def credentials_post_needs_csrf(ctx: CheckContext, case: str) -> None:
    ctx.session()  # the right token signs the user in; otherwise there is nothing to judge (N/A)
    token, cookies = new_jar(ctx)
    form = {"email": ctx.inputs.credentials[0], "password": ctx.inputs.credentials[1]}  # type: ignore[index]
    form["callbackUrl"] = ctx.origin + "/"
    if case == "wrong":
        form["csrfToken"] = WRONG_TOKEN if token != WRONG_TOKEN else "1" * 64
    elif case == "other-jar":
        form["csrfToken"], _ = new_jar(ctx)
    exchange = ctx.client.action("callback/credentials", method="POST", form=form, cookies=cookies)
    what = f"POST callback/credentials with a {case.replace('-', ' ')} csrfToken"
    assert_no_session(ctx, exchange, what)
    after, user = session_user(ctx, merged(cookies, exchange))
    expect(
        user is None,
        f"{what} signed the user in",
        expected=ctx.profile.empty_session,
        exchange=after,
        received=after.text[:200],
    )
    expect_csrf_rejection(ctx, exchange, what)


@check(
    "FLOW-021",
    title="POST signin/{provider} without a csrfToken starts no OAuth flow",
    clause="AUTHJS-csrf-post",
    severity=Severity.HIGH,
    family="flow",
    action="signin",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def oauth_start_needs_csrf(ctx: CheckContext, provider: str) -> None:
    _, cookies = new_jar(ctx)
    exchange = ctx.client.action(
        f"signin/{provider}", method="POST", form={"callbackUrl": ctx.origin + "/"}, cookies=cookies
    )
    what = f"POST signin/{provider} without a csrfToken"
    started = [
        c.raw for c in exchange.set_cookies if not c.clears and any(part in c.name for part in CHECK_PARAMS.values())
    ]
    location = exchange.location or ""
    expect(
        not started and "response_type=" not in location and "client_id=" not in location,
        f"{what} started an OAuth flow",
        expected="no redirect to the authorization endpoint, no state/PKCE/nonce cookies",
        exchange=exchange,
        received={"Location": location, "check cookies": started},
    )
    expect_csrf_rejection(ctx, exchange, what)


@check(
    "FLOW-022",
    title="POST signout without a valid csrfToken leaves the session alive (logout CSRF)",
    clause="AUTHJS-csrf-post",
    severity=Severity.MEDIUM,
    family="flow",
    action="signout",
    params=SIGNOUT_CSRF_CASES,
    tags=("security",),
)
def signout_post_needs_csrf(ctx: CheckContext, case: str) -> None:
    state = fresh_session(ctx)
    token, csrf_cookies = new_jar(ctx)
    cookies = {**state.cookies, **csrf_cookies}
    form = {"callbackUrl": ctx.origin + "/"}
    if case == "wrong":
        form["csrfToken"] = WRONG_TOKEN if token != WRONG_TOKEN else "1" * 64
    exchange = ctx.client.action("signout", method="POST", form=form, cookies=cookies)
    what = f"POST signout with a {case} csrfToken"
    expect_session_alive(ctx, exchange, state.cookies, what)
    expect_csrf_rejection(ctx, exchange, what)


@check(
    "FLOW-023",
    title="GET signout leaves the session alive (a link or an image cannot sign a user out)",
    clause="AUTHJS-signout-get",
    severity=Severity.MEDIUM,
    family="flow",
    action="signout",
    tags=("security",),
)
def signout_get_keeps_session(ctx: CheckContext) -> None:
    state = fresh_session(ctx)
    token, csrf_cookies = new_jar(ctx)
    # Everything a top-level link carries, and the token in the query: Auth.js never reads it from there.
    exchange = ctx.client.action("signout", params={"csrfToken": token}, cookies={**state.cookies, **csrf_cookies})
    expect_session_alive(ctx, exchange, state.cookies, "GET signout")
