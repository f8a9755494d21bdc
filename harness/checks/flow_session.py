"""Sessions across users and after sign-out: no session is served to anyone else, sign-out really ends it.

Isolation signs two different users in (the run's user from `harness.sessions`: `--credentials`, `--secret` or an
OAuth sign-in; and a second user of the mock IdP behind one of the target's OAuth providers) in separate jars,
plus anonymous jars, and reads every jar back, interleaved and then concurrently: a cache or shared state keyed
on the path (an edge cache on `/session`) hands one jar another's session. Revocation replays the cookie captured
before sign-out; whether that must fail depends on the session strategy the cookie shows (an opaque database
token must be revoked) and the profile (`Profile.session_revocation`: why a JWE cookie may outlive sign-out,
empty where server-side sessions are promised).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from harness.checks._common import expect, requires
from harness.client import Exchange, TargetClient
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import NotApplicable, Severity
from harness.mock_signin import MOCK_VENDORS, sign_in_through_mock
from harness.registry import check
from harness.sessions import mock_provider, session_strategy, session_user, sign_in, sign_in_email, sign_out
from harness.signin import SignInFailed, fetch_csrf

PEER_EMAIL = "conformance.peer@example.com"
"""The second user: registered at the mock IdP by the harness; a target that signs in only known users
(AlgaPSA) must have it (the reference server seeds it)."""
JARS = {"own": 3, "peer": 2, "anonymous": 2}
ROUNDS = 3  # every jar is read back this many times in the concurrent phase (21 parallel reads)
WORKERS = 8
STRATEGIES = {
    "jwt": "a JWE, the JWT session strategy",
    "database": "an opaque token, the database session strategy",
}
"""What `harness.sessions.session_strategy` found in the session cookie, as a finding says it."""


@dataclass(frozen=True)
class Jar:
    """One browser's cookies and whose session they should read back (None: anonymous)."""

    label: str
    cookies: dict[str, str]
    email: str | None


def _peer_provider(ctx: CheckContext) -> str:
    for provider in OAUTH_PROVIDERS:
        entry = ctx.providers().get(provider)
        if isinstance(entry, dict) and entry.get("type") in ("oauth", "oidc") and provider in MOCK_VENDORS:
            return provider
    raise NotApplicable("no OAuth provider backed by the mock IdP to sign a second user in with")


def _jar_builders(ctx: CheckContext) -> list[Callable[[TargetClient], Jar]]:
    """One builder per jar: the run's user (`harness.sessions`: --credentials, --secret or an OAuth sign-in),
    the mock IdP's second user, anonymous (a csrf cookie)."""
    provider = _peer_provider(ctx)
    own_provider = mock_provider(ctx) or provider  # where `sign_in` takes an OAuth session from
    own_email = sign_in_email(ctx, own_provider)
    peer = PEER_EMAIL if own_email.lower() != PEER_EMAIL else "conformance.peer2@example.com"
    # Once, before the parallel sign-ins: two flows registering the same new user at once would each give it a new
    # `sub`, and the account picker the first one rendered would offer a user the mock no longer knows.
    for at, email in ((own_provider, own_email), (provider, peer)):
        ctx.mock_idp().register_user(at, email)

    def own(client: TargetClient) -> Jar:
        try:
            state = sign_in(ctx, client)
        except NotApplicable as exc:
            raise SignInFailed(exc.reason) from None
        return Jar(state.how, state.cookies, state.email)

    def second(client: TargetClient) -> Jar:
        flow = sign_in_through_mock(client, ctx.mock_idp(), provider, peer)
        if not flow.session_cookies:
            raise SignInFailed(
                f"the target refused {peer} through {provider} (went to {flow.callback.location}); "
                "create that user to check session isolation",
                flow.callback,
            )
        return Jar(provider, flow.session_cookies, peer)

    def anonymous(client: TargetClient) -> Jar:
        return Jar("anonymous", fetch_csrf(client)[1], None)

    groups = [[own] * JARS["own"], [second] * JARS["peer"], [anonymous] * JARS["anonymous"]]
    return [group[i] for i in range(max(map(len, groups))) for group in groups if i < len(group)]


def _sign_all_in(
    pool: ThreadPoolExecutor, builders: list[Callable[[TargetClient], Jar]], clients: list[TargetClient]
) -> list[Jar]:
    """Sign every jar in at once; a sign-in that fails is tried once more on its own (a loaded target may drop
    one of seven parallel sign-ins, and isolation, not sign-in under load, is what FLOW-030 judges)."""

    def attempt(index: int) -> Jar | None:
        try:
            return builders[index](clients[index % WORKERS])
        except SignInFailed:
            return None

    built = list(pool.map(attempt, range(len(builders))))
    return [jar or builders[i](clients[i % WORKERS]) for i, jar in enumerate(built)]


def _read(client: TargetClient, jar: Jar) -> tuple[Jar, Exchange, Any]:
    exchange = client.action("session", cookies=jar.cookies)
    try:
        body = exchange.json()
    except Exception:  # noqa: BLE001 - a non-JSON answer is judged as "not this jar's session"
        body = exchange.text[:120]
    user = body.get("user") if isinstance(body, dict) else None
    return jar, exchange, user.get("email") if isinstance(user, dict) else None


def _judge(reads: list[tuple[Jar, Exchange, Any]], phase: str) -> None:
    for jar, exchange, email in reads:
        expect(
            email == jar.email,
            f"{phase}: jar {jar.label} read back "
            + (f"the session of {email}" if email else "no session")
            + (f" instead of its own ({jar.email})" if jar.email else " instead of the empty session"),
            expected={"user.email": jar.email},
            exchange=exchange,
            received={"user.email": email, "jar": jar.label, "body": exchange.text[:200]},
        )


@check(
    "FLOW-030",
    title="Sessions of different users, read back interleaved and concurrently, each see only their own",
    clause="OWASP-session-isolation",
    severity=Severity.CRITICAL,
    family="flow",
    action="session",
    tags=("security",),
)
@requires(lambda ctx: ctx.inputs.mock_idp, "needs a second user from the mock IdP (--mock-idp URL)")
def sessions_are_isolated(ctx: CheckContext) -> None:
    try:
        builders = _jar_builders(ctx)
    except SignInFailed as exc:
        raise NotApplicable(f"could not make the second user at the mock IdP: {exc}") from None
    clients = [ctx.client.fork() for _ in range(WORKERS)]
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            try:
                built = _sign_all_in(pool, builders, clients)
            except SignInFailed as exc:
                raise NotApplicable(f"could not sign both users in: {exc}") from None
            jars = [replace(jar, label=f"{jar.label}#{i}") for i, jar in enumerate(built)]
            _judge([_read(ctx.client, jar) for jar in jars], "read back one after another")
            work = [(clients[i % WORKERS], jar) for i, jar in enumerate(jars * ROUNDS)]
            reads = list(pool.map(lambda item: _read(*item), work))
    finally:
        for client in clients:
            client.close()
    _judge(reads, f"{len(reads)} parallel reads")


@check(
    "FLOW-031",
    title="Sign-out revokes the session: the cookie captured before gives the empty session afterwards",
    clause="OWASP-session-termination",
    severity=Severity.HIGH,
    family="flow",
    action="signout",
    tags=("security",),
)
def signout_revokes_session(ctx: CheckContext) -> str:
    state = sign_in(ctx)  # a session of its own: this one is signed out
    captured = state.cookies
    before, user = session_user(ctx, captured)
    expect(user is not None, "the fresh sign-in gave no session", expected="{user: ...}", exchange=before)
    kind = STRATEGIES[session_strategy(captured)]
    _, signout = sign_out(ctx, captured)
    cleared = [c for c in signout.set_cookies if ".session-token" in c.name and c.clears]
    expect(
        signout.status == 302 and cleared,
        "POST signout with a valid csrfToken did not sign out (no cleared session cookie)",
        expected="302 and a Set-Cookie deleting the session",
        exchange=signout,
    )
    replay, still = session_user(ctx, captured)
    # A JWE cookie may outlive sign-out where the profile says the library keeps no server-side session; an opaque
    # token is a database session, which sign-out must delete under every profile (Auth.js deleteSession).
    stateless = session_strategy(captured) == "jwt" and bool(ctx.profile.session_revocation)
    why = ctx.profile.session_revocation if stateless else "sign-out must revoke the server-side session (its row)"
    expect(
        still is None,
        f"the session cookie captured before sign-out still gives a session afterwards ({kind}): {why}",
        expected=ctx.profile.empty_session,
        exchange=replay,
        received=replay.text[:200],
        severity=Severity.ADVISORY if stateless else None,
    )
    return f"session cookie: {kind}; the captured cookie gives no session after sign-out"
