"""Built-in pages: sign-in, sign-out, verify-request and error: statuses, markers, escaping of reflected input."""

from __future__ import annotations

import html

from harness.checks._common import expect, same_origin
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check

ERROR_CODES = ("Configuration", "AccessDenied", "Verification", "Default", "configuration", "OAuthSignin")
XSS_PAYLOAD = '"><script>alert("nextauth-conformance")</script><img src=x onerror=alert(1)>'


def judge_page(ctx: CheckContext, action: str, exchange: Exchange) -> None:
    """A page action either renders its markers with 200 or redirects on-origin with 302."""
    if exchange.status == 302:
        location = exchange.location or ""
        expect(
            same_origin(location, ctx.origin),
            f"{action} redirects off the target's origin",
            expected=f"a Location on {ctx.origin}",
            exchange=exchange,
        )
        return
    expect(
        exchange.status == 200,
        f"{action} page answered neither 200 nor 302",
        expected="200 page or 302",
        exchange=exchange,
    )
    missing = [m for m in ctx.profile.page_markers[action] if m not in exchange.text]
    expect(
        not missing,
        f"{action} page lacks the Auth.js markers",
        expected=list(ctx.profile.page_markers[action]),
        exchange=exchange,
        received={"missing": missing, "body": exchange.text[:200]},
    )


@check(
    "PAGE-001",
    title="Sign-in page renders (title, csrfToken form) or redirects to the configured page",
    clause="AUTHJS-pages",
    severity=Severity.MEDIUM,
    family="pages",
    action="signin",
)
def signin_page(ctx: CheckContext) -> None:
    judge_page(ctx, "signin", ctx.client.action("signin"))


@check(
    "PAGE-002",
    title="Sign-out page renders (title, csrfToken form) or redirects to the configured page",
    clause="AUTHJS-pages",
    severity=Severity.MEDIUM,
    family="pages",
    action="signout",
)
def signout_page(ctx: CheckContext) -> None:
    judge_page(ctx, "signout", ctx.client.action("signout"))


@check(
    "PAGE-003",
    title="Verify-request page renders or redirects to the configured page",
    clause="AUTHJS-pages",
    severity=Severity.LOW,
    family="pages",
    action="verify-request",
)
def verify_request_page(ctx: CheckContext) -> None:
    judge_page(ctx, "verify-request", ctx.client.action("verify-request"))


@check(
    "PAGE-004",
    title="Error page status follows the error code",
    clause="AUTHJS-error-page",
    severity=Severity.MEDIUM,
    family="pages",
    action="error",
    params=ERROR_CODES,
)
def error_page_status(ctx: CheckContext, code: str) -> None:
    plain = ctx.client.action("error")
    if plain.status == 302:
        raise NotApplicable(f"the error page is a custom page ({plain.location}); statuses are the app's")
    params = {} if code == "Default" else {"error": code}
    exchange = ctx.client.action("error", params=params)
    wanted = ctx.profile.error_page[code]
    expect(
        exchange.status == wanted,
        f"error page for {code!r} has the wrong status",
        expected=f"{wanted} (profile {ctx.profile.name})",
        exchange=exchange,
        received=exchange.status,
    )


@check(
    "PAGE-005",
    title="Reflected query values are HTML-escaped on pages",
    clause="OWASP-xss",
    severity=Severity.CRITICAL,
    family="pages",
    params=("signin", "signout", "error", "verify-request"),
    tags=("security",),
)
def query_values_escaped(ctx: CheckContext, action: str) -> None:
    exchange = ctx.client.action(action, params={"error": XSS_PAYLOAD, "callbackUrl": "/" + XSS_PAYLOAD})
    if not exchange.content_type.startswith("text/html"):
        raise NotApplicable(f"{action} answered {exchange.status} {exchange.content_type or 'without a body type'}")
    raw_markers = ['<script>alert("nextauth-conformance")', "<img src=x onerror"]
    reflected = [m for m in raw_markers if m in exchange.text]
    expect(
        not reflected,
        f"{action} reflects query input without escaping",
        expected=f"escaped, e.g. {html.escape(raw_markers[0])}",
        exchange=exchange,
        received=reflected,
    )
