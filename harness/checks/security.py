"""Security checks: open redirects via callbackUrl, script schemes, credentialed CORS, cookies, TRACE, leaks."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import unquote, urljoin, urlsplit

from harness.checks._common import expect, query_value, same_origin
from harness.checks._rules import STACK_TRACE, cookie_problems
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check
from harness.signin import fetch_csrf

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
    host = urlsplit(ctx.client.origin).hostname or ""
    host_only = ctx.profile.host_only_cookies
    problems = domain_problems(exchanges, host, host_only=host_only)
    culprit = next((e for e in exchanges if domain_problems([e], host, host_only=host_only)), exchanges[0])
    expect(
        not problems,
        "auth cookies are scoped beyond the target host",
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
    host = urlsplit(ctx.client.origin).hostname
    for exchange in _auth_redirects(ctx):
        location = urljoin(exchange.url, exchange.location) if exchange.location else ""
        parts = urlsplit(location)
        expect(
            not (parts.scheme == "http" and parts.hostname == host),
            f"{exchange.method} {urlsplit(exchange.url).path} redirects to http:// (Location: {exchange.location})",
            expected="an https:// or relative Location (AUTH_URL / NEXTAUTH_URL on https, X-Forwarded-Proto trusted)",
            exchange=exchange,
            received={"Location": exchange.location},
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
