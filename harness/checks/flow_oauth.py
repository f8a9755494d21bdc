"""The OAuth sign-in flow itself: the authorization request, the check cookies' lifecycle, their binding to the
provider, and the cookie flags of every Set-Cookie a sign-in or sign-out sends.

These checks start real flows (POST signin/{provider} with a csrf token). Those that need the provider's answer
(a real code, a completed callback) need `--mock-idp`; without it they say so (not applicable) or judge the part
they can. Machinery: harness/checks/_oauth_flow.py and harness/mock_signin.py.
"""

from __future__ import annotations

import contextlib
import re
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.checks._common import expect, requires_mock_idp, requires_oauth_provider
from harness.checks._oauth_flow import (
    CHECK_PARAMS,
    check_params,
    configured_providers,
    deliver,
    expect_no_session,
    oauth_sign_in,
    probe_start,
    real_code,
    with_params,
)
from harness.checks._rules import cookie_flag_problems, cookie_problems
from harness.client import Exchange
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.cookies import SetCookie, cookie_name
from harness.findings import NotApplicable, Severity
from harness.mock_signin import CHECK_COOKIE_PARTS, MOCK_VENDORS
from harness.registry import check
from harness.sessions import sign_in, sign_out
from harness.signin import SignInFailed, fetch_csrf

CHECK_COOKIE_TTL = 15 * 60
_PKCE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@check(
    "FLOW-001",
    title="Check cookies minted in another provider's flow are rejected by this provider's callback",
    clause="GHSA-x445-f3h2-j279",
    severity=Severity.CRITICAL,
    family="flow",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_mock_idp
@requires_oauth_provider
def check_cookies_bound_to_provider(ctx: CheckContext, provider: str) -> None:
    """The attacker's flow at another provider sets check cookies; a code for this provider is obtained with that
    flow's challenge/state, so only the provider binding of the cookies can stop the callback."""
    own = probe_start(ctx, provider)
    own_checks = check_params(own.authorize_url)
    for donor in (p for p in configured_providers(ctx) if p != provider):
        other = probe_start(ctx, donor)
        shared = {k: v for k, v in check_params(other.authorize_url).items() if k in own_checks}
        if not {k for k in shared if k in CHECK_PARAMS}:
            continue
        back = real_code(ctx, provider, with_params(own.authorize_url, shared))
        donated = {
            name: value
            for name, value in other.check_cookies().items()
            if any(CHECK_PARAMS[k] in name for k in shared if k in CHECK_PARAMS)
        }
        deliver(
            ctx,
            provider,
            back,
            own.cookies | donated,
            f"callback/{provider} with {donor}'s check cookies ({sorted(donated)})",
        )
        return
    if not own_checks:
        back = real_code(ctx, provider, own.authorize_url)
        deliver(ctx, provider, back, own.cookies, f"callback/{provider} (the flow sent no state, PKCE or nonce)")
        return
    raise NotApplicable(f"no other configured provider sends one of {provider}'s checks {sorted(own_checks)}")


def _mock_endpoints(ctx: CheckContext) -> dict[str, Any]:
    """The mock's vendors: client id and authorization endpoint paths (from each discovery document), once."""

    return dict(ctx.once("mock-endpoints", ctx.mock_idp().authorization_paths))


def _request_problems(ctx: CheckContext, provider: str, url: str) -> list[str]:
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    problems = []
    if query.get("response_type") != "code":
        problems.append(f"response_type={query.get('response_type')!r}, not code")
    if not query.get("client_id"):
        problems.append("no client_id")
    callback = str(ctx.providers()[provider].get("callbackUrl", ""))
    if query.get("redirect_uri") != callback:
        problems.append(f"redirect_uri={query.get('redirect_uri')!r}, not the providers callbackUrl {callback!r}")
    challenge, method = query.get("code_challenge"), query.get("code_challenge_method")
    if challenge is not None and (method != "S256" or not _PKCE_CHALLENGE.match(challenge)):
        problems.append(f"PKCE code_challenge_method={method!r} (plain exposes the verifier), not S256")
    pkce = challenge is not None and method == "S256"
    if not pkce and not query.get("state"):
        problems.append("neither S256 PKCE nor state: nothing binds the code to this browser")
    sent = {"pkce": pkce, "state": bool(query.get("state")), "nonce": bool(query.get("nonce"))}
    problems += [
        f"no {c} (the profile's library sends it)" for c in sorted(ctx.profile.checks_for(provider)) if not sent[c]
    ]
    if ctx.inputs.mock_idp:
        mock = _mock_endpoints(ctx).get(MOCK_VENDORS.get(provider, ""), {})
        if mock.get("paths") and urlsplit(url).path not in mock["paths"]:
            problems.append(
                f"{urlsplit(url).path} is not the provider's authorization endpoint {sorted(mock['paths'])}"
            )
        if mock.get("client_id") and query.get("client_id") != mock["client_id"]:
            problems.append(f"client_id={query.get('client_id')!r}, not the mock's {mock['client_id']!r}")
    return problems


@check(
    "FLOW-002",
    title="The authorization request has response_type=code, client_id, the callbackUrl, and S256 PKCE or state",
    clause="RFC9700-2.1.1",
    severity=Severity.HIGH,
    family="flow",
    action="signin",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def authorization_request(ctx: CheckContext, provider: str) -> None:
    flow = probe_start(ctx, provider)
    problems = _request_problems(ctx, provider, flow.authorize_url)
    expect(
        not problems,
        f"POST signin/{provider} sends a weak authorization request",
        expected="response_type=code, client_id, redirect_uri=<providers callbackUrl>, code_challenge_method=S256 "
        f"or state, and {sorted(ctx.profile.checks_for(provider)) or 'no other'} checks",
        exchange=flow.exchange,
        received={"Location": flow.authorize_url, "problems": problems},
    )


def _lifetime(cookie: SetCookie, exchange: Exchange) -> float | None:
    """Seconds the cookie lives: Max-Age, else Expires minus the response's Date; None for a browser-session one."""
    max_age = cookie.get("max-age")
    if max_age is not None and max_age.strip().lstrip("-").isdigit():
        return int(max_age)
    expires, date = cookie.get("expires"), exchange.headers.get("date")
    if not expires:
        return None
    with contextlib.suppress(TypeError, ValueError):
        now = parsedate_to_datetime(date).timestamp() if date else None
        if now is not None:
            return parsedate_to_datetime(expires).timestamp() - now
    return None


def _check_cookie_problems(cookie: SetCookie, exchange: Exchange, secure: bool) -> list[str]:
    problems = cookie_flag_problems(cookie, secure=secure)
    if (cookie.get("samesite") or "").lower() == "strict":
        problems.append("SameSite=Strict: the provider's redirect back would arrive without it")
    if secure and not cookie.name.startswith(("__Secure-", "__Host-")):
        problems.append("no __Secure- prefix on https")
    lifetime = _lifetime(cookie, exchange)
    if lifetime is None or lifetime > CHECK_COOKIE_TTL + 60:
        problems.append(
            f"lives {'until the browser closes' if lifetime is None else f'{lifetime:.0f} s'}, not <= 15 min"
        )
    return problems


@check(
    "FLOW-003",
    title="Check cookies are HttpOnly, SameSite=Lax, Path=/, Secure and prefixed on https, and live <= 15 min",
    clause="AUTHJS-check-cookies",
    severity=Severity.MEDIUM,
    family="flow",
    action="signin",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def check_cookie_attributes(ctx: CheckContext, provider: str) -> None:
    flow = probe_start(ctx, provider)
    stored = {k for k in check_params(flow.authorize_url) if k in CHECK_PARAMS}
    cookies = [c for c in flow.exchange.set_cookies if c.name in flow.check_cookies()]
    kinds = {k for k in stored if any(CHECK_PARAMS[k] in c.name for c in cookies)}
    expect(
        kinds == stored,
        f"POST signin/{provider} sends {sorted(stored)} but sets no check cookie for {sorted(stored - kinds)}",
        expected=f"a check cookie per check ({', '.join(CHECK_COOKIE_PARTS)})",
        exchange=flow.exchange,
    )
    if not cookies:
        raise NotApplicable(f"POST signin/{provider} sets no check cookies (the request carries no state/PKCE/nonce)")
    problems = {c.name: p for c in cookies if (p := _check_cookie_problems(c, flow.exchange, ctx.client.secure))}
    expect(
        not problems,
        "check cookies lack protective attributes or live too long",
        expected="HttpOnly; Path=/; SameSite=Lax; Max-Age<=900"
        + ("; Secure; __Secure- prefix" if ctx.client.secure else ""),
        exchange=flow.exchange,
        received=problems,
    )


@check(
    "FLOW-004",
    title="A completed callback clears the check cookies",
    clause="AUTHJS-check-cookies",
    severity=Severity.MEDIUM,
    family="flow",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_mock_idp
@requires_oauth_provider
def check_cookies_cleared(ctx: CheckContext, provider: str) -> None:
    try:
        signed_in = oauth_sign_in(ctx, provider)
    except SignInFailed as exc:
        raise NotApplicable(f"the sign-in through the mock did not complete (CB-006 judges it): {exc}") from None
    if not signed_in.session_cookies:
        raise NotApplicable("the callback set no session (CB-006 judges it)")
    set_at_start = set(signed_in.start.check_cookies())
    if not set_at_start:
        raise NotApplicable(f"POST signin/{provider} set no check cookies")
    cleared = {c.name for c in signed_in.callback.set_cookies if c.clears}
    expect(
        set_at_start <= cleared,
        f"callback/{provider} signed in but left check cookies behind",
        expected=f"Max-Age=0 for {sorted(set_at_start)}",
        exchange=signed_in.callback,
        received={
            "not cleared": sorted(set_at_start - cleared),
            "set-cookie": signed_in.callback.headers.get_list("set-cookie"),
        },
    )


@check(
    "FLOW-005",
    title="A state/PKCE/nonce cookie replayed as the session cookie gives the empty session",
    clause="GHSA-v64w-49xw-qq89",
    severity=Severity.CRITICAL,
    family="flow",
    action="session",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def check_cookie_is_no_session(ctx: CheckContext, provider: str) -> None:
    flow = probe_start(ctx, provider)
    checks = flow.check_cookies()
    if not checks:
        raise NotApplicable(f"POST signin/{provider} set no check cookies")
    session_name = cookie_name("session-token", prefix=ctx.profile.cookie_prefix, secure=ctx.client.secure)
    for name, value in checks.items():
        expect_no_session(
            ctx, {session_name: value}, f"the {name} cookie's value, sent as {session_name}, is a session"
        )


FLOWS = ("credentials", "oauth", "signout")


def _credentials_flow(ctx: CheckContext) -> list[Exchange]:
    if not ctx.inputs.credentials:
        raise NotApplicable("needs a test user (--credentials) to sign in")
    email, password = ctx.inputs.credentials
    token, cookies, csrf = fetch_csrf(ctx.client)
    form = {"csrfToken": token, "email": email, "password": password, "callbackUrl": ctx.origin + "/"}
    signin = ctx.client.action("callback/credentials", method="POST", form=form, cookies=cookies)
    jar = cookies | {c.name: c.value for c in signin.set_cookies if not c.clears}
    return [csrf, signin, ctx.client.action("session", cookies=jar)]


def _oauth_flows(ctx: CheckContext) -> list[Exchange]:
    providers = configured_providers(ctx)
    if not providers:
        raise NotApplicable("no OAuth provider configured")
    exchanges = []
    for provider in providers:
        if ctx.inputs.mock_idp:
            with contextlib.suppress(SignInFailed):
                signed_in = oauth_sign_in(ctx, provider)
                exchanges += [signed_in.start.exchange, signed_in.callback]
                continue
        exchanges.append(probe_start(ctx, provider).exchange)
    return exchanges


def _signout_flow(ctx: CheckContext) -> list[Exchange]:
    """A session of its own (signing out the run's shared one would end it for the other checks)."""
    session = sign_in(ctx)
    page = ctx.client.action("signout", cookies=session.cookies)
    csrf, signout = sign_out(ctx, session.cookies)
    return [csrf, page, signout]


@check(
    "FLOW-006",
    title="Every cookie set during a credentials or OAuth sign-in and a sign-out has the SEC-004 flags",
    clause="AUTHJS-cookies",
    severity=Severity.HIGH,
    family="flow",
    params=FLOWS,
    tags=("security",),
)
def flow_cookie_flags(ctx: CheckContext, flow: str) -> None:
    steps = {"credentials": _credentials_flow, "oauth": _oauth_flows, "signout": _signout_flow}[flow]
    try:
        exchanges = steps(ctx)
    except SignInFailed as exc:
        raise NotApplicable(f"the {flow} flow could not be run: {exc}") from None
    problems = cookie_problems(exchanges, secure=ctx.client.secure)
    expect(
        not problems,
        f"cookies set during the {flow} flow lack protective attributes",
        expected="HttpOnly; Path=/; SameSite=Lax" + ("; Secure" if ctx.client.secure else ""),
        exchange=next((e for e in exchanges if any(c.name in problems for c in e.set_cookies)), exchanges[0]),
        received=problems,
    )
