"""CSRF on the state-changing POSTs, and sign-out by GET: login CSRF, forced OAuth starts, logout CSRF.

The double-submit token only protects a target that refuses a POST whose body token does not match its csrf
cookie. These checks send the POSTs a cross-site form could send (no token, a wrong one, a token from another
cookie jar) and judge what the target did, not only what it answered: GET session on the same jar afterwards.
Where the refusal lands is profile data (`Profile.csrf_rejections`: v5 `signin?error=MissingCSRF`, v4
`signin?csrf=true` / `signout?csrf=true`).
"""

from __future__ import annotations

from harness.checks._common import expect, query_value, requires, requires_oauth_provider
from harness.checks._oauth_flow import CHECK_PARAMS, assert_no_session, destination
from harness.client import Exchange
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check
from harness.sessions import credentials_session, fresh_jar, session_user, sign_in

WRONG_TOKEN = "0" * 64
CREDENTIAL_CSRF_CASES = ("missing", "wrong", "other-jar")
SIGNOUT_CSRF_CASES = ("missing", "wrong")

requires_credentials = requires(
    lambda ctx: ctx.inputs.credentials, "needs a test user to sign in with (--credentials EMAIL:PASSWORD)"
)


def merged(cookies: dict[str, str], exchange: Exchange) -> dict[str, str]:
    """The jar after the browser stored the exchange's Set-Cookie headers."""
    jar = dict(cookies)
    for cookie in exchange.set_cookies:
        if cookie.clears:
            jar.pop(cookie.name, None)
        else:
            jar[cookie.name] = cookie.value
    return jar


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


def expect_no_oauth_start(exchange: Exchange, what: str) -> None:
    """A refused POST signin/{provider} neither redirects to the authorization endpoint nor sets check cookies."""
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
    credentials_session(ctx)  # the right token signs the user in; otherwise there is nothing to judge (N/A)
    token, cookies = fresh_jar(ctx)
    form = {"email": ctx.inputs.credentials[0], "password": ctx.inputs.credentials[1]}  # type: ignore[index]
    form["callbackUrl"] = ctx.origin + "/"
    if case == "wrong":
        form["csrfToken"] = WRONG_TOKEN if token != WRONG_TOKEN else "1" * 64
    elif case == "other-jar":
        form["csrfToken"], _ = fresh_jar(ctx)
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
    _, cookies = fresh_jar(ctx)
    exchange = ctx.client.action(
        f"signin/{provider}", method="POST", form={"callbackUrl": ctx.origin + "/"}, cookies=cookies
    )
    what = f"POST signin/{provider} without a csrfToken"
    expect_no_oauth_start(exchange, what)
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
    state = sign_in(ctx)
    token, csrf_cookies = fresh_jar(ctx)
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
    state = sign_in(ctx)
    token, csrf_cookies = fresh_jar(ctx)
    # Everything a top-level link carries, and the token in the query: Auth.js never reads it from there.
    exchange = ctx.client.action("signout", params={"csrfToken": token}, cookies={**state.cookies, **csrf_cookies})
    expect_session_alive(ctx, exchange, state.cookies, "GET signout")


# Where the framework took CSRF over (`Profile.csrf_protection == "origin"`: @auth/sveltekit's skipCSRFCheck, and
# SvelteKit's `csrf.checkOrigin` refusing a cross-site form POST), what replaces the token must hold: a POST with a
# foreign Origin, or none, is refused and changes no session; a same-origin POST still works.

FOREIGN_ORIGIN = "https://attacker.example"
ORIGIN_CASES = ("foreign-origin", "no-origin")
requires_origin_guard = requires(
    lambda ctx: ctx.profile.csrf_protection == "origin",
    "the target guards POSTs with Auth.js's csrfToken (FLOW-020..023 judge it); these judge a framework's Origin check",
)


def origin_header(case: str) -> dict[str, str]:
    """The Origin a cross-site form sends (`foreign-origin`), or none at all (`no-origin`: an old browser, a
    non-browser client, a privacy proxy)."""
    return {"Origin": FOREIGN_ORIGIN if case == "foreign-origin" else ""}


def expect_refused(exchange: Exchange, what: str) -> None:
    """A refusal: a 4xx (SvelteKit's 403 "Cross-site POST form submissions are forbidden") or a redirect to an
    error page, never the 302 of a completed action."""
    location = exchange.location or ""
    refused = exchange.status >= 400 or (300 <= exchange.status < 400 and ("error=" in location or "csrf=" in location))
    expect(
        refused,
        f"{what} was not refused",
        expected="a 4xx (e.g. 403) or a redirect to an error page",
        exchange=exchange,
        received={"status": exchange.status, "Location": location, "body": exchange.text[:120]},
    )


@check(
    "FLOW-024",
    title="With CSRF left to the framework, POST callback/credentials from another origin or none signs no one in",
    clause="AUTHJS-csrf-framework",
    severity=Severity.CRITICAL,
    family="flow",
    action="callback",
    params=ORIGIN_CASES,
    tags=("security",),
)
@requires_origin_guard
@requires_credentials
def credentials_post_needs_origin(ctx: CheckContext, case: str) -> None:
    credentials_session(ctx)  # the same-origin POST signs the user in; otherwise there is nothing to judge (N/A)
    email, password = ctx.inputs.credentials  # type: ignore[misc]
    form = {"email": email, "password": password, "callbackUrl": ctx.origin + "/"}
    exchange = ctx.client.action("callback/credentials", method="POST", form=form, headers=origin_header(case))
    what = f"POST callback/credentials with {case.replace('-', ' ')}"
    assert_no_session(ctx, exchange, what)
    after, user = session_user(ctx, merged({}, exchange))
    expect(user is None, f"{what} signed the user in", expected=ctx.profile.empty_session, exchange=after)
    expect_refused(exchange, what)


@check(
    "FLOW-025",
    title="With CSRF left to the framework, POST signin/{provider} from another origin or none starts no OAuth flow",
    clause="AUTHJS-csrf-framework",
    severity=Severity.HIGH,
    family="flow",
    action="signin",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_origin_guard
@requires_oauth_provider
def oauth_start_needs_origin(ctx: CheckContext, provider: str) -> None:
    for case in ORIGIN_CASES:
        exchange = ctx.client.action(
            f"signin/{provider}", method="POST", form={"callbackUrl": ctx.origin + "/"}, headers=origin_header(case)
        )
        what = f"POST signin/{provider} with {case.replace('-', ' ')}"
        expect_no_oauth_start(exchange, what)
        expect_refused(exchange, what)


@check(
    "FLOW-026",
    title="With CSRF left to the framework, POST signout from another origin or none leaves the session alive",
    clause="AUTHJS-csrf-framework",
    severity=Severity.MEDIUM,
    family="flow",
    action="signout",
    params=ORIGIN_CASES,
    tags=("security",),
)
@requires_origin_guard
def signout_post_needs_origin(ctx: CheckContext, case: str) -> None:
    state = sign_in(ctx)
    form = {"callbackUrl": ctx.origin + "/"}
    exchange = ctx.client.action(
        "signout", method="POST", form=form, cookies=state.cookies, headers=origin_header(case)
    )
    what = f"POST signout with {case.replace('-', ' ')}"
    expect_session_alive(ctx, exchange, state.cookies, what)
    expect_refused(exchange, what)


SAME_ORIGIN_CASES = ("callback-credentials", "signout")


@check(
    "FLOW-027",
    title="With CSRF left to the framework, a same-origin POST (sign-in, sign-out) still works",
    clause="AUTHJS-csrf-framework",
    severity=Severity.HIGH,
    family="flow",
    action="signout",
    params=SAME_ORIGIN_CASES,
)
@requires_origin_guard
def same_origin_post_works(ctx: CheckContext, case: str) -> None:
    if case == "callback-credentials":
        if not ctx.inputs.credentials:
            raise NotApplicable("needs a test user to sign in with (--credentials EMAIL:PASSWORD)")
        email, password = ctx.inputs.credentials
        form = {"email": email, "password": password, "callbackUrl": ctx.origin + "/"}
        signin = ctx.client.action("callback/credentials", method="POST", form=form)
        session = signin.cookie("session-token")
        expect(
            session is not None and not session.clears,
            "a same-origin POST callback/credentials without a csrfToken signed no one in (are --credentials right?)",
            expected="302 with a session cookie",
            exchange=signin,
        )
        return
    state = sign_in(ctx)
    exchange = ctx.client.action(
        "signout", method="POST", form={"callbackUrl": ctx.origin + "/"}, cookies=state.cookies
    )
    cleared = [c for c in exchange.set_cookies if ".session-token" in c.name and c.clears]
    expect(
        exchange.status in (302, 303) and cleared,
        "a same-origin POST signout without a csrfToken did not sign out",
        expected="302 and a Set-Cookie deleting the session",
        exchange=exchange,
    )
