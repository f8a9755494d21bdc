"""The one way a check gets a browser's state: a fresh cookie jar, a signed-in session, a sign-out.

A session comes from the first input that gives one, in this order: `--credentials` (a credentials sign-in),
`--secret` (a cookie minted as the library would, when the target accepts it), an OAuth sign-in through
`--mock-idp` (the first OAuth provider the target configures that the mock plays). So OAuth-only apps get their
session checks too. The source is recorded on the check's context and named in its finding (`extra.session`).
Like `signin.py` these helpers build state and never decide a verdict; what cannot be built is `NotApplicable`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness import _jwe
from harness.client import Exchange, TargetClient
from harness.findings import NotApplicable
from harness.mock_signin import MOCK_VENDORS, sign_in_through_mock
from harness.signin import SessionCookies, SignInFailed, fetch_csrf, mint_session, sign_in_with_credentials

if TYPE_CHECKING:  # the context imports this module (CheckContext.session)
    from harness.context import CheckContext

PROBE_EMAIL = "conformance.user.{provider}@example.com"
"""The user an OAuth sign-in uses when no `--credentials` user is known (the mock registers it): one per provider,
since a target with an adapter refuses a second provider's account for an e-mail it already has
(Auth.js OAuthAccountNotLinked)."""
NO_SESSION = "needs a session: pass --credentials EMAIL:PASSWORD, --secret, or --mock-idp with an OAuth provider"


def fresh_jar(ctx: CheckContext) -> tuple[str, dict[str, str]]:
    """A fresh cookie jar holding a csrf cookie, and its token ("" and no cookie where the framework took CSRF
    over); N/A when the target hands out no token."""
    try:
        token, cookies, _ = fetch_csrf(ctx.client)
    except SignInFailed as exc:
        raise NotApplicable(f"no CSRF token to work with ({exc}); the csrf checks judge that") from None
    return token, cookies


def session_user(ctx: CheckContext, cookies: dict[str, str]) -> tuple[Exchange, Any]:
    """GET session with `cookies`: the exchange and the session's user (None when signed out)."""
    exchange = ctx.client.action("session", cookies=cookies)
    return exchange, _user(exchange)


def _user(exchange: Exchange) -> Any:
    body = exchange.json()
    user = body.get("user") if isinstance(body, dict) else None
    return user if isinstance(user, dict) else None


def sign_in_email(ctx: CheckContext, provider: str) -> str:
    """The user an OAuth sign-in with `provider` asks the mock for: the `--credentials` user, so the target knows
    them, else the provider's probe user."""
    return ctx.inputs.credentials[0] if ctx.inputs.credentials else PROBE_EMAIL.format(provider=provider)


def mock_provider(ctx: CheckContext) -> str | None:
    """The first OAuth provider of the target that the mock IdP plays; None without `--mock-idp`."""
    if not ctx.inputs.mock_idp:
        return None
    for provider, entry in ctx.providers().items():
        if isinstance(entry, dict) and entry.get("type") in ("oauth", "oidc") and provider in MOCK_VENDORS:
            return provider
    return None


def _by_oauth(ctx: CheckContext, client: TargetClient) -> SessionCookies:
    provider = mock_provider(ctx)
    if provider is None:
        raise SignInFailed("no OAuth provider of the target is played by the mock IdP")
    user = sign_in_email(ctx, provider)
    flow = sign_in_through_mock(client, ctx.mock_idp(), provider, user)
    if not flow.session_cookies:
        where = flow.callback.location or f"status {flow.callback.status}"
        raise SignInFailed(f"the OAuth sign-in with {provider} set no session cookie (went to {where})", flow.callback)
    return SessionCookies(flow.session_cookies, "oauth", user, provider)


def sign_in(ctx: CheckContext, client: TargetClient | None = None) -> SessionCookies:
    """A new session of its own (a flawed target may end it), from the first input that gives one (`client`: a
    forked client for a thread). Raises `NotApplicable` with every source's reason when none does."""
    client = client or ctx.client
    reasons = []
    if ctx.inputs.credentials:
        try:
            return _used(ctx, sign_in_with_credentials(client, *ctx.inputs.credentials))
        except SignInFailed as exc:
            reasons.append(f"sign-in with --credentials failed: {exc}")
    if ctx.inputs.secret:
        state = mint_session(client, ctx.profile, ctx.inputs.secret)
        if _user(client.action("session", cookies=state.cookies)) is not None:
            return _used(ctx, state)
        reasons.append("the target did not accept a session cookie minted with --secret")
    if mock_provider(ctx) is not None:
        try:
            return _used(ctx, _by_oauth(ctx, client))
        except SignInFailed as exc:
            reasons.append(f"the OAuth sign-in through --mock-idp failed: {exc}")
    raise NotApplicable("; ".join(reasons) if reasons else NO_SESSION)


def shared_session(ctx: CheckContext) -> SessionCookies:
    """The run's signed-in session, made once and read by the checks that do not end it."""
    state = ctx.once("session", lambda: sign_in(ctx))
    return _used(ctx, state)


def credentials_session(ctx: CheckContext) -> SessionCookies:
    """The `--credentials` user's sign-in, once per run (the checks that post those credentials themselves)."""

    def build() -> SessionCookies:
        if not ctx.inputs.credentials:
            raise NotApplicable("needs a test user to sign in with (--credentials EMAIL:PASSWORD)")
        try:
            return sign_in_with_credentials(ctx.client, *ctx.inputs.credentials)
        except SignInFailed as exc:
            raise NotApplicable(f"sign-in with --credentials failed: {exc}") from None

    return _used(ctx, ctx.once("credentials-session", build))


def sign_out(ctx: CheckContext, cookies: dict[str, str]) -> tuple[Exchange, Exchange]:
    """POST signout as the sign-out page's form does (a fresh token, the session's cookies): the csrf exchange
    and the sign-out."""
    token, jar, csrf = fetch_csrf(ctx.client)
    signout = ctx.client.action(
        "signout",
        method="POST",
        form={"csrfToken": token, "callbackUrl": ctx.origin + "/"},
        cookies={**jar, **cookies},
    )
    return csrf, signout


def session_strategy(cookies: dict[str, str]) -> str:
    """`jwt` when the session cookie is a JWE (the session lives in the cookie), `database` when it is an opaque
    token (the session lives in the target's store: Auth.js `session.strategy = "database"`, a sessions table)."""
    value = "".join(v for _, v in sorted((n, v) for n, v in cookies.items() if ".session-token" in n))
    return "jwt" if _jwe.is_jwe(value) else "database"


def _used(ctx: CheckContext, state: SessionCookies) -> SessionCookies:
    ctx.note_session(state.source)
    return state
