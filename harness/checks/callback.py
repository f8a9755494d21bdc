"""OAuth callbacks: provider errors and missing or mismatched state/PKCE never create a session.

Each check lands on the profile's documented destination (`/signin?error=OAuthCallbackError`,
`/error?error=Configuration`, or v4's `Callback`/`OAuthCallback`). With a mock IdP the code-injection checks
deliver a real authorization code (harness/checks/_oauth_flow.py); without one they send a made-up code and say
that this only shows the endpoint rejects garbage. A full sign-in needs a mock IdP.
"""

from __future__ import annotations

from harness.checks._common import expect, requires_mock_idp, requires_oauth_provider, session_schema_errors
from harness.checks._oauth_flow import (
    MADE_UP_NOTE,
    assert_lands_on,
    assert_no_session,
    deliver,
    flow_email,
    oauth_sign_in,
    real_code,
    started,
)
from harness.client import Exchange
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import CheckFailure, Severity
from harness.registry import check
from harness.signin import SignInFailed


@check(
    "CB-001",
    title="GET callback/credentials is rejected as the profile documents",
    clause="DOC-callback",
    severity=Severity.MEDIUM,
    family="callback",
    action="callback",
)
def credentials_get_rejected(ctx: CheckContext) -> None:
    exchange = ctx.client.action("callback/credentials")
    allowed = sorted(ctx.profile.allowed_statuses("callback-credentials"))
    expect(
        exchange.status in allowed,
        "GET callback/credentials answered an unexpected status",
        expected=f"one of {allowed}",
        exchange=exchange,
    )
    assert_no_session(ctx, exchange, "GET callback/credentials")
    if exchange.status == 302:
        assert_lands_on(ctx, exchange, frozenset({("error", "Configuration")}), "GET callback/credentials")


@check(
    "CB-002",
    title="Callback for an unknown provider is rejected",
    clause="DOC-callback",
    severity=Severity.MEDIUM,
    family="callback",
    action="callback",
)
def unknown_provider_rejected(ctx: CheckContext) -> None:
    exchange = ctx.client.action("callback/conformance-unknown", params={"code": "x", "state": "y"})
    allowed = sorted(ctx.profile.allowed_statuses("callback-unknown"))
    expect(
        exchange.status in allowed,
        "callback for an unknown provider answered an unexpected status",
        expected=f"one of {allowed}",
        exchange=exchange,
    )
    assert_no_session(ctx, exchange, "an unknown-provider callback")


@check(
    "CB-003",
    title="Provider error=access_denied creates no session and lands on the error/sign-in page",
    clause="AUTHJS-oauth-errors",
    severity=Severity.HIGH,
    family="callback",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def provider_error_handled(ctx: CheckContext, provider: str) -> None:
    exchange = ctx.client.action(
        f"callback/{provider}",
        params={"error": "access_denied", "error_description": "The user denied the request", "state": "conformance"},
    )
    assert_no_session(ctx, exchange, f"callback/{provider}?error=access_denied")
    assert_lands_on(ctx, exchange, ctx.profile.oauth_error_destinations, f"callback/{provider}?error=access_denied")


@check(
    "CB-004",
    title="An authorization code delivered without state/PKCE cookies creates no session",
    clause="RFC6749-10.12",
    severity=Severity.CRITICAL,
    family="callback",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def missing_checks_rejected(ctx: CheckContext, provider: str) -> str | None:
    if not ctx.inputs.mock_idp:
        exchange = ctx.client.action(f"callback/{provider}", params={"code": "conformance-code", "state": "x"})
        _judge_made_up(ctx, exchange, f"callback/{provider} without check cookies (made-up code)")
        return MADE_UP_NOTE
    back = real_code(ctx, provider)
    deliver(ctx, provider, back, {}, f"a real code for {provider} delivered without check cookies")
    return None


@check(
    "CB-005",
    title="An authorization code delivered with another flow's state/PKCE cookies creates no session",
    clause="RFC7636-4.6",
    severity=Severity.CRITICAL,
    family="callback",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def mismatched_checks_rejected(ctx: CheckContext, provider: str) -> str | None:
    if not ctx.inputs.mock_idp:
        prefix = ctx.profile.cookie_prefix
        secure = "__Secure-" if ctx.client.secure else ""
        forged = {f"{secure}{prefix}.state": "forged.state.value", f"{secure}{prefix}.pkce.code_verifier": "forged"}
        exchange = ctx.client.action(
            f"callback/{provider}", params={"code": "conformance-code", "state": "other"}, cookies=forged
        )
        _judge_made_up(ctx, exchange, f"callback/{provider} with forged check cookies (made-up code)")
        return MADE_UP_NOTE
    back = real_code(ctx, provider)  # the attacker's code, from the attacker's own flow
    victim = started(ctx, provider)  # the victim's browser, mid-flow in another jar: its own check cookies
    deliver(
        ctx, provider, back, victim.cookies, f"a real code for {provider} delivered with another flow's check cookies"
    )
    return None


def _judge_made_up(ctx: CheckContext, exchange: Exchange, what: str) -> None:
    try:
        assert_no_session(ctx, exchange, what)
        assert_lands_on(ctx, exchange, ctx.profile.check_failure_destinations, what)
    except CheckFailure as failure:
        failure.message = f"{failure.message} ({MADE_UP_NOTE})"
        raise


@check(
    "CB-006",
    title="Full OAuth sign-in through the mock IdP yields a documented session",
    clause="DOC-callback",
    severity=Severity.HIGH,
    family="callback",
    action="callback",
    params=OAUTH_PROVIDERS,
)
@requires_mock_idp
@requires_oauth_provider
def full_sign_in(ctx: CheckContext, provider: str) -> None:
    email = flow_email(ctx, provider)
    try:
        flow = oauth_sign_in(ctx, provider)
    except SignInFailed as exc:
        expect(
            False,
            f"the sign-in through the mock IdP broke off: {exc}",
            expected="a redirect back to the target's callback",
            exchange=exc.exchange,
        )
        return
    expect(
        flow.callback.status == 302 and flow.session_cookies,
        f"callback/{provider} set no session cookie",
        expected="302 with a session cookie",
        exchange=flow.callback,
    )
    exchange = ctx.client.action("session", cookies=flow.session_cookies)
    body = exchange.json()
    user = body.get("user") if isinstance(body, dict) else None
    expect(
        isinstance(user, dict) and user.get("email") == email,
        "the session is not the signed-in user's",
        expected={"user": {"email": email}},
        exchange=exchange,
        received=body,
    )
    errors = session_schema_errors(ctx, body)
    expect(
        not errors,
        "the OAuth session violates the schema",
        expected=str(ctx.profile.session_schema)[:80],
        exchange=exchange,
        received=errors[:8],
    )
    method = body.get("login_method", provider)
    expect(
        method == provider,
        "login_method does not name the provider",
        expected=provider,
        exchange=exchange,
        received=method,
    )
