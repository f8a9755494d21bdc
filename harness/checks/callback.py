"""OAuth callbacks: provider errors and missing or mismatched state/PKCE never create a session.

Each check lands on the profile's documented destination (`/signin?error=OAuthCallbackError`,
`/error?error=Configuration`, or v4's `Callback`/`OAuthCallback`). A full sign-in needs a mock IdP.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from harness.checks._common import (
    expect,
    query_value,
    requires_mock_idp,
    requires_oauth_provider,
    session_validator,
)
from harness.client import Exchange
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import Severity
from harness.mock_signin import sign_in_through_mock
from harness.registry import check
from harness.signin import SignInFailed


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
    title="A code without state/PKCE cookies creates no session",
    clause="RFC6749-10.12",
    severity=Severity.CRITICAL,
    family="callback",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def missing_checks_rejected(ctx: CheckContext, provider: str) -> None:
    exchange = ctx.client.action(f"callback/{provider}", params={"code": "conformance-code", "state": "x"})
    assert_no_session(ctx, exchange, f"callback/{provider} without check cookies")
    assert_lands_on(ctx, exchange, ctx.profile.check_failure_destinations, f"callback/{provider} without cookies")


@check(
    "CB-005",
    title="Mismatched state/PKCE cookies create no session",
    clause="RFC7636-4.6",
    severity=Severity.CRITICAL,
    family="callback",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("security",),
)
@requires_oauth_provider
def mismatched_checks_rejected(ctx: CheckContext, provider: str) -> None:
    prefix = ctx.profile.cookie_prefix
    secure = "__Secure-" if ctx.client.secure else ""
    forged = {f"{secure}{prefix}.state": "forged.state.value", f"{secure}{prefix}.pkce.code_verifier": "forged"}
    exchange = ctx.client.action(
        f"callback/{provider}", params={"code": "conformance-code", "state": "other"}, cookies=forged
    )
    assert_no_session(ctx, exchange, f"callback/{provider} with forged check cookies")
    assert_lands_on(ctx, exchange, ctx.profile.check_failure_destinations, f"callback/{provider} forged cookies")


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
    email = ctx.inputs.credentials[0] if ctx.inputs.credentials else "conformance.user@example.com"
    try:
        flow = sign_in_through_mock(ctx.client, str(ctx.inputs.mock_idp), provider, email)
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
    errors = [e.message for e in session_validator(ctx).iter_errors(body)]
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
