"""Security checks: open redirects via callbackUrl, script schemes, credentialed CORS, cookies, TRACE, leaks."""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from urllib.parse import unquote, urljoin, urlsplit

from harness.checks._common import expect, query_value, same_host, same_origin
from harness.checks._oauth_flow import configured_providers, oauth_sign_in, probe_start
from harness.checks._rules import STACK_TRACE, cookie_problems
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check
from harness.sessions import sign_in, sign_out
from harness.signin import SignInFailed, fetch_csrf

EVIL = "evil.example"
REDIRECT_BYPASSES: Mapping[str, str] = MappingProxyType(
    {
        "absolute": f"https://{EVIL}/steal",
        "protocol-relative": f"//{EVIL}/steal",
        "backslash": f"/\\{EVIL}/steal",
        "double-backslash": f"\\\\{EVIL}/steal",
        "userinfo": "https://{host}@" + EVIL + "/steal",
        "prefix-host": "https://{host}." + EVIL + "/steal",
        "tab-in-scheme": f"/\t/{EVIL}/steal",
        "encoded-slashes": f"/%2F%2F{EVIL}/steal",
        "http-downgrade": f"http://{EVIL}/steal",
    }
)
SCRIPT_SCHEMES = (
    "javascript:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "JaVaScRiPt:alert(1)",
)


def _redirect_targets(ctx: CheckContext, exchange: Exchange) -> dict[str, str]:
    """Every place a callback URL may surface: Location, its callbackUrl query, the callback-url cookie."""
    found: dict[str, str] = {}
    if exchange.location:
        found["Location"] = exchange.location
        inner = query_value(exchange.location, "callbackUrl")
        if inner:
            found["Location callbackUrl"] = inner
    cookie = exchange.cookie("callback-url")
    if cookie is not None and not cookie.clears and cookie.decoded:
        found["callback-url cookie"] = cookie.decoded
    return found


@check(
    "SEC-001",
    title="callbackUrl never sends the browser off-origin (Location, callback-url cookie)",
    clause="RFC9700-4.11",
    severity=Severity.CRITICAL,
    family="security",
    params=tuple(REDIRECT_BYPASSES),
    tags=("security",),
)
def no_open_redirect(ctx: CheckContext, form: str) -> None:
    host = ctx.origin.split("://", 1)[1]
    payload = REDIRECT_BYPASSES[form].format(host=host)
    for action in ("signin", "csrf"):
        exchange = ctx.client.action(action, params={"callbackUrl": payload})
        off = {
            where: url for where, url in _redirect_targets(ctx, exchange).items() if not same_origin(url, ctx.origin)
        }
        expect(
            not off,
            f"callbackUrl {payload!r} escapes the origin via {action}",
            expected=f"every redirect target on {ctx.origin}",
            exchange=exchange,
            received=off,
        )


@check(
    "SEC-002",
    title="Non-http(s) callbackUrl schemes are never reflected",
    clause="AUTHJS-invalid-callback-url",
    severity=Severity.CRITICAL,
    family="security",
    tags=("security",),
)
def script_schemes_not_reflected(ctx: CheckContext) -> None:
    for payload in SCRIPT_SCHEMES:
        for action in ("signin", "csrf"):
            exchange = ctx.client.action(action, params={"callbackUrl": payload})
            scheme = payload.split(":", 1)[0].lower()
            surfaced = {
                where: url
                for where, url in _redirect_targets(ctx, exchange).items()
                if unquote(url).strip().lower().startswith(scheme + ":")
            }
            in_html = re.search(rf"(href|action|src)\s*=\s*[\"']?\s*{scheme}:", exchange.text, re.IGNORECASE)
            expect(
                not surfaced and not in_html,
                f"{scheme}: callbackUrl is reflected by {action}",
                expected="rejected (Auth.js: configuration error) and never echoed",
                exchange=exchange,
                received=surfaced or {"html": in_html.group(0) if in_html else ""},
            )


@check(
    "SEC-003",
    title="No credentialed CORS for a foreign Origin on /api/auth/*",
    clause="FETCH-cors-credentials",
    severity=Severity.HIGH,
    family="security",
    params=("csrf", "session", "providers"),
    tags=("security",),
)
def no_credentialed_cors(ctx: CheckContext, action: str) -> None:
    foreign = f"https://{EVIL}"
    exchange = ctx.client.action(action, headers={"Origin": foreign})
    allow = exchange.headers.get("access-control-allow-origin", "")
    credentials = exchange.headers.get("access-control-allow-credentials", "").strip().lower() == "true"
    expect(
        not (credentials and allow in (foreign, "null")),
        f"{action} lets {foreign} read it with credentials",
        expected="no Access-Control-Allow-Origin for foreign origins (or no Allow-Credentials)",
        exchange=exchange,
        received={"Access-Control-Allow-Origin": allow, "Allow-Credentials": credentials},
    )


@check(
    "SEC-004",
    title="Auth cookies are HttpOnly, SameSite, Path=/ (Secure and prefixed on https)",
    clause="AUTHJS-cookies",
    severity=Severity.HIGH,
    family="security",
    tags=("security",),
)
def auth_cookie_flags(ctx: CheckContext) -> None:
    exchanges = [ctx.client.action("csrf"), ctx.client.action("signin")]
    with contextlib.suppress(NotApplicable):
        exchanges.append(ctx.client.action("session", cookies=ctx.session().cookies))
    problems = cookie_problems(exchanges, secure=ctx.client.secure)
    expect(
        not problems,
        "auth cookies lack protective attributes",
        expected="HttpOnly; Path=/; SameSite=Lax",
        exchange=exchanges[0],
        received=problems,
    )


def domain_problems(exchanges: list[Exchange], host: str, *, host_only: bool) -> dict[str, str]:
    """Cookies whose Domain reaches beyond `host` (a parent or another domain), or any Domain when `host_only`."""
    problems = {}
    for exchange in exchanges:
        for cookie in exchange.set_cookies:
            domain = (cookie.get("domain") or "").strip().lstrip(".").lower()
            if not domain or cookie.clears:
                continue
            if domain != host.lower():
                problems[cookie.name] = f"Domain={domain} is wider than (or other than) the target host {host}"
            elif host_only:
                problems[cookie.name] = f"Domain={domain}: the profile's library sets host-only cookies (no Domain)"
    return problems


def oauth_flow_exchanges(ctx: CheckContext) -> Iterator[Exchange]:
    """Per configured OAuth provider: POST signin/{provider} (the state / PKCE / nonce check cookies, the redirect to
    the IdP), with `--mock-idp` the callback of a completed sign-in (the session cookie and every chunk, the redirect
    back to the app), and the callback answering an IdP error (`error=access_denied`, the redirect to the error page).
    The start and the sign-in are the run's shared ones (`probe_start`, `oauth_sign_in`). A generator, so a check
    judges each step before the next one is taken (a downgraded redirect_uri breaks the sign-in that follows)."""
    for provider in configured_providers(ctx):
        try:
            start = probe_start(ctx, provider)
        except NotApplicable:
            continue
        yield start.exchange
        if ctx.inputs.mock_idp:
            with contextlib.suppress(SignInFailed, NotApplicable):
                yield oauth_sign_in(ctx, provider).callback
        state = query_value(start.authorize_url, "state")
        denied = {"error": "access_denied", **({"state": state} if state else {})}
        yield ctx.client.action(f"callback/{provider}", params=denied, cookies=start.cookies)


def _where(exchange: Exchange) -> str:
    return f"{exchange.method} {urlsplit(exchange.url).path}"


@check(
    "SEC-007",
    title="No auth cookie carries a Domain wider than the target host",
    clause="RFC6265-domain-scope",
    severity=Severity.HIGH,
    family="security",
    tags=("security",),
)
def auth_cookie_domain_scope(ctx: CheckContext) -> None:
    exchanges = [ctx.client.action("csrf"), ctx.client.action("signin"), ctx.client.action("signout")]
    with contextlib.suppress(NotApplicable):
        exchanges.append(ctx.client.action("session", cookies=ctx.session().cookies))
    exchanges += list(oauth_flow_exchanges(ctx))
    host = urlsplit(ctx.client.origin).hostname or ""
    host_only = ctx.profile.host_only_cookies
    problems = domain_problems(exchanges, host, host_only=host_only)
    culprit = next((e for e in exchanges if domain_problems([e], host, host_only=host_only)), exchanges[0])
    expect(
        not problems,
        f"auth cookies are scoped beyond the target host: {', '.join(sorted(problems))} (set by {_where(culprit)})",
        expected="no Domain attribute (host-only)" if host_only else f"no Domain, or Domain={host}",
        exchange=culprit,
        received=problems,
    )


def _auth_redirects(ctx: CheckContext) -> list[Exchange]:
    """The auth actions and flows that answer with a redirect: sign-in, sign-out (GET and the CSRF-checked
    POST), the error page, an unknown callback, and a credentials sign-in when `--credentials` is given."""
    token, cookies, _ = fetch_csrf(ctx.client)
    back = {"csrfToken": token, "callbackUrl": ctx.client.origin + "/"}
    exchanges = [
        ctx.client.action("signin"),
        ctx.client.action("signout"),
        ctx.client.action("signout", method="POST", form=back, cookies=cookies),
        ctx.client.action("error", params={"error": "Configuration"}),
        ctx.client.action("callback/conformance-unknown"),
    ]
    if ctx.inputs.credentials:
        email, password = ctx.inputs.credentials
        form = {**back, "email": email, "password": password}
        exchanges.append(ctx.client.action("callback/credentials", method="POST", form=form, cookies=cookies))
    return exchanges


def _signout_of_a_session(ctx: CheckContext) -> Iterator[Exchange]:
    """POST signout of a session of its own (signing out the run's shared one would end it for other checks)."""
    try:
        session = sign_in(ctx)
    except NotApplicable:
        return
    yield sign_out(ctx, session.cookies)[1]


def downgrades(exchange: Exchange, origin: str) -> dict[str, str]:
    """The URLs a redirect sends the browser to (its Location and the `redirect_uri` the IdP will send it back to)
    that point at http:// on the target's host, on the target's port or the default one; an IdP on another port
    of a loopback host is not the target."""
    if not exchange.location:
        return {}
    location = urljoin(exchange.url, exchange.location)
    urls = {"Location": location}
    redirect_uri = query_value(location, "redirect_uri")
    if redirect_uri:
        urls["Location redirect_uri"] = redirect_uri
    port = urlsplit(origin).port or 443

    def downgraded(url: str) -> bool:
        parts = urlsplit(url)
        with contextlib.suppress(ValueError):
            return parts.scheme == "http" and same_host(url, origin) and (parts.port or 80) in (port, 80)
        return False

    return {where: url for where, url in urls.items() if downgraded(url)}


@check(
    "SEC-008",
    title="On an https target no auth redirect points at http:// on the target's host",
    clause="RFC6797-no-downgrade",
    severity=Severity.HIGH,
    family="security",
    tags=("security",),
)
def no_https_downgrade(ctx: CheckContext) -> None:
    if not ctx.client.secure:
        raise NotApplicable("the target is served over http: there is no https to downgrade from")
    exchanges = itertools.chain(_auth_redirects(ctx), oauth_flow_exchanges(ctx), _signout_of_a_session(ctx))
    for exchange in exchanges:
        found = downgrades(exchange, ctx.client.origin)
        expect(
            not found,
            f"{_where(exchange)} redirects to http:// ("
            + "; ".join(f"{where}: {url}" for where, url in found.items())
            + ")",
            expected="an https:// or relative Location (AUTH_URL / NEXTAUTH_URL on https, X-Forwarded-Proto trusted)",
            exchange=exchange,
            received=found,
        )


@check(
    "SEC-005",
    title="TRACE is disabled on /api/auth/*",
    clause="RFC9110-9.3.8",
    severity=Severity.MEDIUM,
    family="security",
    tags=("security",),
)
def trace_disabled(ctx: CheckContext) -> None:
    marker = "nextauth-conformance-trace-probe"
    exchange = ctx.client.action("session", method="TRACE", headers={"X-Conformance-Probe": marker})
    echoed = 200 <= exchange.status < 300 and marker in exchange.text
    expect(
        not echoed,
        "TRACE echoes the request (and with it cookies/credentials)",
        expected="405/404/400, never an echo",
        exchange=exchange,
    )


@check(
    "SEC-006",
    title="Error responses carry no stack traces",
    clause="OWASP-error-handling",
    severity=Severity.MEDIUM,
    family="security",
    tags=("security",),
)
def no_stack_traces(ctx: CheckContext) -> None:
    provocations = [
        ("conformance-unknown-action", {}),
        ("callback/conformance-unknown", {}),
        ("csrf", {"callbackUrl": "javascript:alert(1)"}),
        ("error", {"error": "Configuration"}),
        ("session/x/y", {}),
        ("callback/credentials", {"code": "%", "state": "%%"}),
    ]
    for path, params in provocations:
        exchange = ctx.client.action(path, params=params)
        match = STACK_TRACE.search(exchange.text)
        expect(
            not match,
            f"GET {path} leaks a stack trace",
            expected="a generic error body",
            exchange=exchange,
            received=match.group(0).strip() if match else "",
        )
